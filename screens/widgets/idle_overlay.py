"""'Ben je er nog?': the warning that covers the screen before an idle session is wiped."""

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.uix.floatlayout import FloatLayout

from screens.widgets import common  # noqa: F401  (the kv rules of Body, Heading, BigButton)


class IdleOverlay(FloatLayout):
    """Covers the whole screen and takes every touch: 'start again' ends the session, any
    other touch keeps it, and nothing beneath is pressed by accident."""

    def on_touch_down(self, touch):
        if not self.ids.restart_button.collide_point(*touch.pos):
            App.get_running_app().hide_idle_warning()
            return True
        return super().on_touch_down(touch)


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
