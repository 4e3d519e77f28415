"""'Language and display': the six languages, each in its own script, and the modes a visitor
can turn on for their visit (large text, high contrast, low reach, read aloud). Opened from
every screen's top bar; the modes end with the visit."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.uix.floatlayout import FloatLayout

from kiosk import speech
from kiosk.config import SUPPORTED_LANGUAGES
from kiosk.i18n import _
from kiosk.session import MODES
from screens.widgets.common import ChoiceGrid, LanguageButton


class OptionsPanel(FloatLayout):
    def on_kv_post(self, _base_widget):
        app = App.get_running_app()
        box = self.ids.languages_grid
        for lang in sorted(app.kiosk_config.languages, key=SUPPORTED_LANGUAGES.index):
            button = LanguageButton(lang=lang, selected=lang == app.lang, in_panel=True)
            button.bind(on_release=lambda b: app.set_language(b.lang))
            box.add_widget(button)
        app.bind(lang=self._languages_changed)
        self.refresh()

    def _languages_changed(self, _app, lang: str) -> None:
        for button in self.ids.languages_grid.children:
            button.selected = button.lang == lang
        self.refresh()  # the modes' names, in the new language

    def refresh(self) -> None:
        app = App.get_running_app()
        labels = {
            "large_text": _("Large text"),
            "high_contrast": _("High contrast"),
            "low_reach": _("Everything low on the screen (for a wheelchair)"),
            "read_aloud": _("Read aloud"),
        }
        offered = [m for m in MODES if m != "read_aloud" or speech.available()]
        box = self.ids.modes_box
        box.clear_widgets()
        box.add_widget(
            ChoiceGrid(
                [(m, labels[m]) for m in offered],
                {m for m in offered if getattr(app, m)},
                lambda mode, on: app.set_mode(mode, on),
                cols=1,
            )
        )

    def on_touch_down(self, touch):
        super().on_touch_down(touch)
        return True  # modal: nothing beneath is pressed


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
