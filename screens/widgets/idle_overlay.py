"""'Ben je er nog?': the warning that covers the screen before an idle session is wiped."""

from pathlib import Path

from kivy.lang import Builder
from kivy.uix.floatlayout import FloatLayout


class IdleOverlay(FloatLayout):
    """Covers the whole screen; any touch keeps the session (handled by the app)."""


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
