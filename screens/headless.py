"""Drive the real kiosk app without a display and without blocking: for the screenshots
command and the GUI tests. Kivy's environment must be set before this module is imported
(kiosk.kivy_env with headless=True)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from kivy.app import App
from kivy.base import EventLoop, runTouchApp
from kivy.clock import Clock
from kivy.config import Config as KivyConfig
from kivy.input.motionevent import MotionEvent
from kivy.lang import Builder


class Finger(MotionEvent):
    """One finger on the window at (x, y) in window pixels: ``down()``, ``up()``.

    Kivy's own UnitTestTouch does the same, but it lives in kivy.tests, which imports pytest
    (12 MB more in a kiosk's memory, and a test library on a production install)."""

    def __init__(self, x: float, y: float) -> None:
        window = EventLoop.window
        super().__init__(
            "Finger",
            99,
            {"x": x / (window.width - 1.0), "y": y / (window.height - 1.0)},
            is_touch=True,
            type_id="touch",
        )
        self.profile = ["pos"]

    def depack(self, args) -> None:
        self.sx, self.sy = args["x"], args["y"]
        super().depack(args)

    def down(self) -> None:
        EventLoop.post_dispatch_input("begin", self)

    def up(self) -> None:
        EventLoop.post_dispatch_input("end", self)


class HeadlessRunner:
    """One app on the shared window: ``start()``, drive it, ``stop()``; repeat with a new app.

    ``draw=False`` advances frames without drawing them: the clock, input, layout and
    textures run as in a drawn frame, but the window is not rendered (in software GL most of
    a frame's cost). The tests use it; ``screenshot()`` draws its frame either way."""

    def __init__(self, app: App, draw: bool = True) -> None:
        self.app = app
        self.draw = draw

    def start(self) -> App:
        # No real device may inject events into a test or a screenshot.
        for option in KivyConfig.options("input"):
            KivyConfig.remove_option("input", option)
        EventLoop.ensure_window()
        self.app._run_prepare()
        runTouchApp(embedded=True)
        # The first frame is drawn either way: an app may wait for it (the kiosk builds its
        # other screens and starts syncing once the attract screen is on the panel).
        if not self.draw:
            self.frame_drawn()
        self.pump()
        return self.app

    def pump(self, frames: int = 3) -> None:
        for _ in range(frames):
            if self.draw:
                EventLoop.idle()
            else:
                self.frame_undrawn()

    @staticmethod
    def frame_undrawn() -> None:
        """One frame as EventLoop.idle() has it, up to the drawing."""
        Clock.tick()
        EventLoop.dispatch_input()
        Builder.sync()
        Clock.tick_draw()
        Builder.sync()

    @staticmethod
    def frame_drawn() -> None:
        """One frame, drawn whether or not the window thinks it needs it."""
        EventLoop.window.canvas.ask_update()
        EventLoop.idle()

    def tap(self, widget) -> None:
        """A finger down and up on the middle of ``widget``, where it is once laid out.
        Layouts settle over a few frames (a bar's height follows its labels', which follow
        their widths): the finger waits until the widget stays put for a frame, as a
        visitor's does, else it lands where the widget was a frame ago."""
        self.pump(1)
        x, y = widget.to_window(*widget.center)
        for _ in range(10):
            self.pump(1)
            settled = widget.to_window(*widget.center)
            if settled == (x, y):
                break
            x, y = settled
        finger = Finger(x, y)
        finger.down()
        self.pump(1)
        finger.up()
        self.pump(2)

    def screenshot(self, target: Path) -> Path:
        """Save what the window shows as ``target`` (a PNG)."""
        # Layouts settle over a few frames (a label's height follows its width, which
        # follows its parent's): let them, so the picture shows the settled screen.
        self.pump(10)
        if not self.draw:
            self.frame_drawn()
        with tempfile.TemporaryDirectory() as scratch:
            # Kivy adds a counter to the name it is given; move the file to the exact name.
            made = EventLoop.window.screenshot(name=str(Path(scratch) / "shot.png"))
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(made, target)
        return target

    def stop(self) -> None:
        # Let callbacks this app scheduled run while it is still the running app: after the
        # switch they would build widgets for an app that is gone.
        self.pump(3)
        self.app.dispatch("on_stop")
        window = EventLoop.window
        for child in list(window.children):
            window.remove_widget(child)
        App._running_app = None
        self.pump(1)
