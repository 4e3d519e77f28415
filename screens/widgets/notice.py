"""A short message over the screen, with one button to close it."""

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import StringProperty
from kivy.uix.floatlayout import FloatLayout

from screens.widgets import common  # noqa: F401  (the kv rules of Body, Heading, BigButton)


class Notice(FloatLayout):
    message = StringProperty("")

    def on_touch_down(self, touch):
        super().on_touch_down(touch)
        return True  # modal: nothing beneath is pressed


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
