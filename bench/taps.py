"""Tap to next screen fully drawn, and keystroke to search results drawn, in the real app
(headless, 1080x1920). Each figure is from the finger's touch to the end of the frame that
shows the result; the app's own work (its handlers, before drawing) is shown apart.

These machines draw with Mesa's software renderer and are shared, so the unit is a bare Kivy
app measured in the same run, in a process of its own with no Ontmoet code: it builds and
shows a new screen of 6 wrapped paragraphs, 12 lines and 4 buttons (same window size, same
renderer), timed from the switch to the drawn frame, asked between the app's rounds so a
busy machine slows both alike. Every figure is also given as a multiple of its median.

Targets (issue 12), as multiples of the bare switch's median: tap to next screen p50 <= 1.5,
p95 <= 3; keystroke to results drawn at 10,000 communities p95 <= 3.

Where the time went (cProfile around the timed taps; docs/performance.md, "Taps and first
frame"): 94 % in Kivy refilling a label's texture that a recent frame drew with, which makes
llvmpipe wait (0.4-3 s a label, also when filled between frames; a fresh texture costs
< 1 ms); then the community page's QR code made again on every visit (20-28 ms),
and full garbage collections over every widget of every screen in the middle of a tap (up to
180 ms). BENCH_STEPS=1 prints every round.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from kiosk.kivy_env import kivy_environment  # noqa: E402

os.environ.update(kivy_environment((1080, 1920), headless=True))
os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="ontmoet-bench-kivy-")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


class BareKivy:
    """A bare Kivy app (no Ontmoet code, Kivy's own font) in a process of its own, same
    window size and renderer, that builds and shows a new screen of 6 wrapped paragraphs,
    12 lines and 4 buttons each time it is asked: ms from the switch to the drawn frame.
    Asked between the app's taps, so a busy machine slows both alike."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--bare"],
            env=os.environ,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.times: list[float] = []
        self.switch()  # the first loads the font
        self.times.clear()

    def switch(self) -> None:
        self.process.stdin.write("switch\n")
        self.process.stdin.flush()
        self.times.append(float(self.process.stdout.readline()))

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def bare_kivy() -> None:
    from kivy.base import EventLoop, runTouchApp
    from kivy.config import Config as KivyConfig
    from kivy.uix.boxlayout import BoxLayout
    from kivy.uix.button import Button
    from kivy.uix.label import Label
    from kivy.uix.screenmanager import NoTransition, Screen, ScreenManager

    for option in KivyConfig.options("input"):
        KivyConfig.remove_option("input", option)
    EventLoop.ensure_window()
    manager = ScreenManager(transition=NoTransition())
    manager.add_widget(Screen(name="start"))
    runTouchApp(manager, embedded=True)
    words = "Elke week komen we samen om te koken, te eten en elkaar beter te leren kennen"

    def screen(number: int) -> Screen:
        box = BoxLayout(orientation="vertical", padding=40, spacing=12)
        for n in range(6):
            text = f"{number}.{n} " + " ".join([words] * 3)
            label = Label(text=text, font_size=28, size_hint_y=None, halign="left")
            label.bind(
                width=lambda w, width: setattr(w, "text_size", (width, None)),
                texture_size=lambda w, size: setattr(w, "height", size[1]),
            )
            box.add_widget(label)
        for n in range(12):
            box.add_widget(Label(text=f"Regel {number}.{n}: {words[:40]}", font_size=25))
        for n in range(4):
            box.add_widget(Button(text=f"Knop {number}.{n}", font_size=28))
        new = Screen(name=f"s{number}")
        new.add_widget(box)
        return new

    for number, _line in enumerate(sys.stdin):
        EventLoop.idle()  # settled, as the app's screen is before a tap
        EventLoop.idle()
        start = time.perf_counter()
        old = manager.current_screen
        manager.add_widget(screen(number))
        manager.current = f"s{number}"
        manager.remove_widget(old)
        EventLoop.idle()  # the frame that shows it
        print(f"{(time.perf_counter() - start) * 1000:.2f}", flush=True)


def main() -> None:
    bare = BareKivy()

    from kivy.base import EventLoop

    from bench.synthetic import synthetic_store
    from kiosk import navigation as nav
    from kiosk.app import KioskApp
    from kiosk.cli import prepare_store
    from kiosk.config import Config
    from screens.headless import Finger, HeadlessRunner
    from screens.listing import CommunityCard
    from screens.widgets.common import Tile

    def timed_tap(widget, done=lambda: True, work_only: bool = False) -> float:
        """ms from the touch to the frame that shows the result; with ``work_only``, to the
        end of the app's handlers (before any drawing)."""
        # A finger needs longer than two frames to reach the next button: let the screen
        # settle first (untimed), as it has when a real finger lands.
        EventLoop.idle()
        EventLoop.idle()
        x, y = widget.to_window(*widget.center)
        start = time.perf_counter()
        finger = Finger(x, y)
        finger.down()
        finger.up()
        handled = time.perf_counter()
        for _ in range(30):
            if done():
                break
            EventLoop.idle()
        EventLoop.idle()  # the frame that shows it
        end = handled if work_only else time.perf_counter()
        return (end - start) * 1000

    def full_redraw() -> float:
        from kivy.core.window import Window

        Window.canvas.ask_update()
        start = time.perf_counter()
        EventLoop.idle()
        return (time.perf_counter() - start) * 1000

    folder = Path(tempfile.mkdtemp(prefix="ontmoet-bench-taps-"))
    demo = Config(data_dir=folder / "demo", public_url="https://ontmoet.example")
    app = KioskApp(demo, prepare_store(demo, demo=True))
    runner = HeadlessRunner(app)
    runner.start()
    runner.pump(20)  # the screens built after the first frame

    def on(name):
        return lambda: app.current_screen == name and not app.manager.transition.is_active

    taps, tap_work, redraws = [], [], []
    for round_number in range(16):
        if round_number == 1:
            taps.clear()  # the first round loads pictures and fonts: a warm kiosk has them
        app.end_session()
        runner.pump(2)
        mark = len(taps)
        taps.append(timed_tap(app.screen(nav.ATTRACT), on(nav.HOME)))
        taps.append(timed_tap(app.screen(nav.HOME).ids.themes_tile, on(nav.BROWSE)))
        tile = next(w for w in app.screen(nav.BROWSE).walk() if isinstance(w, Tile))
        taps.append(timed_tap(tile, on(nav.LISTING)))
        runner.pump(2)
        card = max(
            (w for w in app.screen(nav.LISTING).walk() if isinstance(w, CommunityCard)),
            key=lambda w: w.y,
        )
        taps.append(timed_tap(card, on(nav.COMMUNITY)))
        taps.append(
            timed_tap(app.screen(nav.COMMUNITY).ids.top_bar.ids.back_button, on(nav.LISTING))
        )
        taps.append(timed_tap(app.screen(nav.LISTING).ids.top_bar.ids.home_button, on(nav.HOME)))
        taps.append(timed_tap(app.screen(nav.HOME).ids.search_tile, on(nav.SEARCH)))
        bare.switch()
        redraws.extend(full_redraw() for _ in range(3))
        # The same round again, timing only the handlers (before any drawing).
        app.go_home()
        tap_work.append(
            timed_tap(app.screen(nav.HOME).ids.themes_tile, on(nav.BROWSE), work_only=True)
        )
        tile = next(w for w in app.screen(nav.BROWSE).walk() if isinstance(w, Tile))
        tap_work.append(timed_tap(tile, on(nav.LISTING), work_only=True))
        runner.pump(2)
        card = max(
            (w for w in app.screen(nav.LISTING).walk() if isinstance(w, CommunityCard)),
            key=lambda w: w.y,
        )
        tap_work.append(timed_tap(card, on(nav.COMMUNITY), work_only=True))
        if os.environ.get("BENCH_STEPS"):
            print(" ".join(f"{t:6.1f}" for t in taps[mark:]))
    runner.stop()

    big = Config(data_dir=folder / "10k", public_url="https://ontmoet.example")
    store = synthetic_store(big.db_path, 10_000)
    app = KioskApp(big, store)
    runner = HeadlessRunner(app)
    runner.start()
    runner.pump(20)
    app.start_session()
    app.open(nav.SEARCH)
    runner.pump(3)
    keyboard = app.screen(nav.SEARCH).ids.keyboard
    keys, work = [], []
    for _ in range(6):
        for char in "moestuin":
            keys.append(timed_tap(keyboard.key_for(char), lambda: True))
        keys.append(timed_tap(keyboard.key_for("clear"), lambda: True))
        bare.switch()
        bare.switch()
        for char in "moestuin":
            work.append(timed_tap(keyboard.key_for(char), work_only=True))
        timed_tap(keyboard.key_for("clear"))
        if os.environ.get("BENCH_STEPS"):
            print("keys " + " ".join(f"{t:6.1f}" for t in keys[-9:]))
    runner.stop()
    bare.close()

    base = statistics.median(bare.times)
    print("headless, software GL, 1080x1920: to the frame that shows the result (ms), and as")
    print("a multiple of the median of the bare Kivy app's screen switch measured in this run")
    print(f"{'':44} {'p50':>7} {'p95':>7} {'p50 x':>6} {'p95 x':>6} {'n':>4}")
    for name, values in (
        ("bare Kivy: new screen drawn (the unit)", bare.times),
        ("one full redraw of the panel", redraws),
        ("tap to next screen drawn, demo data", taps),
        ("tap, the app's own work, demo data", tap_work),
        ("keystroke to results drawn, 10k", keys),
        ("keystroke, the app's own work, 10k", work),
    ):
        median, high = statistics.median(values), p95(values)
        print(
            f"{name:44} {median:>7.1f} {high:>7.1f} {median / base:>6.2f} {high / base:>6.2f}"
            f" {len(values):>4}"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--bare"]:
        bare_kivy()
    else:
        main()
