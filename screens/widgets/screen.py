"""The base of every screen: the kiosk's background and the double-tap guard.

Apart from the other shared widgets (common.py) so the attract screen, the first frame,
does not wait for their kv rules to be parsed: they are loaded with the next screen.
"""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.uix.screenmanager import Screen

STEP_PAUSE = 0.5  # seconds: a double tap is not two steps


class KioskScreen(Screen):
    """A screen with the kiosk's background; subclasses hold handlers only."""

    _step_at = float("-inf")

    @property
    def app(self):
        return App.get_running_app()

    def mark_step(self) -> None:
        """A step changed under the finger: the same button now means something else."""
        self._step_at = self.app.idle.clock()

    def settled(self) -> bool:
        """False right after a step change, so a double tap does not also take the next step
        (on the receipt it would throw away the visitor's only way to withdraw consent)."""
        return self.app.idle.clock() - self._step_at >= STEP_PAUSE


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
