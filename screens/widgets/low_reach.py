"""The upper part of the screen in low-reach mode: nothing to touch, only a word on why."""

from pathlib import Path

from kivy.lang import Builder
from kivy.uix.boxlayout import BoxLayout


class LowReachSpace(BoxLayout):
    pass


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
