"""A large on-screen keyboard: a kiosk has no physical one, and a TextInput would bring the
system's own keyboard, autocomplete and memory of earlier visitors. The typed text lives in
the keyboard's ``text`` property, and nowhere else."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import NumericProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button

from kiosk.i18n import _

LAYOUTS = {
    "text": ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "éëèïöüç"],
    "email": ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "@.-_", [".nl", ".com"]],
    "phone": ["123", "456", "789", "+0-"],
    "pin": ["123", "456", "789", "0"],
}
BACKSPACE, CLEAR, SPACE = "backspace", "clear", "space"


class Key(Button):
    """One key; ``value`` is what it types (or the name of a special key)."""

    value = StringProperty("")


class OnScreenKeyboard(BoxLayout):
    """Typing fires ``on_text``; the layout can be switched between text, e-mail and phone."""

    text = StringProperty("")
    layout = OptionProperty("text", options=list(LAYOUTS))
    max_length = NumericProperty(80)
    key_height = NumericProperty(dp(96))

    def on_kv_post(self, _base_widget):
        self.build_keys()
        app = App.get_running_app()
        if app is not None:
            app.bind(lang=lambda *_args: self.build_keys())  # the special keys' words

    def on_layout(self, *_args):
        self.build_keys()

    def on_key_height(self, *_args):
        self.build_keys()

    def build_keys(self) -> None:
        self.clear_widgets()
        for row in LAYOUTS[self.layout]:
            line = BoxLayout(spacing=dp(8), size_hint_y=None, height=self.key_height)
            line.keep_ltr = True  # Latin letters and digits, also on an Arabic screen
            for value in row:
                line.add_widget(self._key(value, value))
            self.add_widget(line)
        last = BoxLayout(spacing=dp(8), size_hint_y=None, height=self.key_height)
        last.keep_ltr = True
        if self.layout not in ("phone", "pin"):
            last.add_widget(self._key(SPACE, _("space"), size_hint_x=2.4))
        last.add_widget(self._key(BACKSPACE, "‹ " + _("Delete"), size_hint_x=1.6))
        last.add_widget(self._key(CLEAR, _("Clear all"), size_hint_x=1.6))
        self.add_widget(last)

    def _key(self, value: str, label: str, **kwargs) -> Key:
        key = Key(value=value, text=label, **kwargs)
        key.bind(on_release=lambda k: self.press(k.value))
        return key

    def press(self, value: str) -> None:
        if value == BACKSPACE:
            self.text = self.text[:-1]
        elif value == CLEAR:
            self.text = ""
        elif len(self.text) < self.max_length:
            self.text += " " if value == SPACE else value

    def key_for(self, value: str) -> Key:
        """The key that types ``value`` (for tests and for the screens' hints)."""
        for line in self.children:
            for key in line.children:
                if key.value == value:
                    return key
        raise KeyError(value)


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
