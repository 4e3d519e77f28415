"""Today's activities in the hall, as a short list of time and title."""

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import ColorProperty, ListProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout


class HallEventLine(BoxLayout):
    when = StringProperty("")
    title = StringProperty("")
    ink = ColorProperty((1, 1, 1, 1))


class HallEvents(BoxLayout):
    """Set ``lines`` to (when, title) pairs; the list rebuilds itself."""

    lines = ListProperty([])
    ink = ColorProperty((1, 1, 1, 1))

    def on_lines(self, _widget, lines) -> None:
        self.clear_widgets()
        for when, title in lines:
            self.add_widget(HallEventLine(when=when, title=title, ink=self.ink))


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
