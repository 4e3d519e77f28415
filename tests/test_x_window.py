"""The real kiosk process in a real X window (Xvfb, as Kivy's own CI runs it), clicked with
xdotool: what headless tests cannot see (the mouse provider, real frame times, SDL's events).

Issue 11: a click on the first card of 'Alle groepen', some ten seconds after the list had
appeared, was reported to bring the visitor home instead of opening the group. This test
clicks exactly there, after that wait, and checks which screen the kiosk then shows.
Xvfb and xdotool come with ./tasks setup; without them the test fails."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import x_server

pytestmark = pytest.mark.slow  # a real X server, and the visitor's LATER seconds of looking

HERE = Path(__file__).resolve().parent
PANEL = (1080, 1920)
LATER = 10.0  # seconds the visitor looks at the list before the click, as in the report
BOUND = 60.0  # seconds: a bound against a hang, not a timing claim


@pytest.fixture
def xvfb():
    with x_server.xvfb(*PANEL) as display:
        yield display


class Kiosk:
    """The kiosk process; its report lines (see x_kiosk.py) arrive in a queue."""

    def __init__(self, display: str, data_dir: Path) -> None:
        env = {
            **os.environ,
            "DISPLAY": display,
            "ONTMOET_DATA_DIR": str(data_dir),
            "ONTMOET_FULLSCREEN": "1",
            "KIVY_HOME": str(data_dir.parent / "kivy-home"),
        }
        # The tests' own Kivy settings (offscreen, no input) must not reach the real window.
        for name in ("SDL_VIDEODRIVER", "KIVY_WINDOW", "KIVY_NO_ARGS", "KCFG_GRAPHICS_MAXFPS"):
            env.pop(name, None)
        env = {k: v for k, v in env.items() if not k.startswith("KCFG_")}
        self.display = display
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "x_kiosk.py"), "--demo"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[list[str]] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.log.append(line.rstrip())
            self.lines.put(line.split())

    def expect(self, kind: str, name: str | None = None) -> list[str]:
        """The next report line of ``kind`` (and ``name``); others before it are passed."""
        deadline = time.monotonic() + BOUND
        while time.monotonic() < deadline:
            try:
                words = self.lines.get(timeout=1)
            except queue.Empty:
                assert self.process.poll() is None, "\n".join(self.log[-30:])
                continue
            if words[:1] == [kind] and (name is None or words[1:2] == [name]):
                return words
            if kind == "SCREEN" and words[:1] == ["SCREEN"]:
                return words  # another screen than hoped for: the caller says which
        raise AssertionError(
            f"no {kind} {name or ''} from the kiosk:\n" + "\n".join(self.log[-30:])
        )

    def start_visit(self) -> None:
        """Click the attract screen until the visit starts: X maps the window a little after
        the app's first frame, and a click before that reaches nobody."""
        deadline = time.monotonic() + BOUND
        while time.monotonic() < deadline:
            self.click(PANEL[0] // 2, PANEL[1] - 200)  # below everything on the home screen
            try:
                words = self.lines.get(timeout=2)
            except queue.Empty:
                continue
            self.lines.put(words)  # for expect()
            return
        raise AssertionError("the attract screen took no click:\n" + "\n".join(self.log[-30:]))

    def click(self, x: int | str, y: int | str) -> None:
        subprocess.run(
            ["xdotool", "mousemove", "--sync", str(x), str(y), "click", "1"],
            env={**os.environ, "DISPLAY": self.display},
            check=True,
            timeout=BOUND,
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def x_kiosk(xvfb, tmp_path):
    kiosk = Kiosk(xvfb, tmp_path / "data")
    yield kiosk
    kiosk.stop()


def test_a_click_on_the_first_card_of_all_groups_opens_it_later_too(x_kiosk):
    kiosk = x_kiosk
    ready = kiosk.expect("READY")
    assert [int(n) for n in ready[1:3]] == list(PANEL)
    kiosk.start_visit()
    assert kiosk.expect("SCREEN")[1] == "home"
    _at, _name, x, y, *_ = kiosk.expect("AT", "all_groups")
    kiosk.click(x, y)
    assert kiosk.expect("SCREEN")[1] == "listing"
    _at, _name, x, y, first = kiosk.expect("AT", "first_title")
    time.sleep(LATER)  # the visitor reads the list (the report: about ten seconds)
    kiosk.click(x, y)
    shown = kiosk.expect("SCREEN")
    assert shown[1:] == ["community", first], "\n".join(kiosk.log[-30:])
