"""The dark panel outside opening hours: black over everything, and the first touch only
wakes the kiosk (it does not also press what lies under the finger)."""

from __future__ import annotations

from kivy.graphics import Color, Rectangle
from kivy.uix.widget import Widget


class SleepCurtain(Widget):
    def __init__(self, on_wake, **kwargs) -> None:
        super().__init__(**kwargs)
        self._on_wake = on_wake
        with self.canvas:
            Color(0, 0, 0, 1)
            self._dark = Rectangle(pos=self.pos, size=self.size)
        self.bind(pos=self._cover, size=self._cover)

    def _cover(self, *_args) -> None:
        self._dark.pos, self._dark.size = self.pos, self.size

    def on_touch_down(self, touch) -> bool:
        self._on_wake()
        return True

    def on_touch_move(self, touch) -> bool:
        return True

    def on_touch_up(self, touch) -> bool:
        return True
