"""Across the top of every screen in receptionist mode: whoever looks at the kiosk can see
that a receptionist is helping, and the receptionist has 'introduce' and 'end' at hand."""

from pathlib import Path

from kivy.lang import Builder
from kivy.uix.boxlayout import BoxLayout

from screens.widgets import common  # noqa: F401  (the kv rules of Body, Heading, BigButton)


class ReceptionBanner(BoxLayout):
    pass


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
