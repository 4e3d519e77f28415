"""A kiosk that runs for months: the real app, headless, through N visitors' visits, and its
memory (RSS) along the way, beside a bare Kivy app's RSS measured in the same run.

Each visit goes where a visitor goes: a finger on the attract screen, browse by theme and open
a community, back, browse by neighbourhood and open another, search by typing on the on-screen
keyboard and open a result, keep it, the talents journey to the matches, 'I'm done' and the
end of the session. The communities opened rotate, so that every one has been shown after the
first pass. Frames run the app's clocks and layouts; a full redraw of the window (software GL
here) happens once per screen, not per key, to keep the run short.

Targets (issue 12): RSS after start <= 1.3x bare Kivy; growth <= 10 MB from visit 100 to the
last (2,000 by default).

    python bench/soak.py               # 2,000 visits
    python bench/soak.py --visits 300  # quicker
    python bench/soak.py --trace       # also: tracemalloc's top growth from visit 100 to 300
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from kiosk.kivy_env import kivy_environment  # noqa: E402

SIZE = (540, 960)
WORDS = ["moes", "cafe", "koor", "wandel", "buurt", "taal", "repair", "zorg", "fiets", "xylo"]


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def setup_kivy() -> None:
    os.environ.update(kivy_environment(SIZE, headless=True))
    os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="ontmoet-soak-kivy-")


def bare() -> None:
    """A bare Kivy app on the same window: one label, a few frames. Prints its RSS in MB."""
    setup_kivy()
    from kivy.app import App
    from kivy.base import EventLoop, runTouchApp
    from kivy.config import Config as KivyConfig
    from kivy.uix.label import Label

    for option in KivyConfig.options("input"):
        KivyConfig.remove_option("input", option)

    class Bare(App):
        def build(self):
            return Label(text="Ontmoet")

    app = Bare()
    EventLoop.ensure_window()
    app._run_prepare()
    runTouchApp(embedded=True)
    for _ in range(20):
        EventLoop.idle()
    print(f"{rss_mb():.1f}")


def bare_rss() -> float:
    out = subprocess.run(
        [sys.executable, __file__, "--bare"], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


class Visitor:
    """Drives the app like a finger does; frames without drawing, one drawn per screen."""

    def __init__(self, app, draw: bool = True) -> None:
        from kivy.base import EventLoop
        from kivy.clock import Clock
        from kivy.lang import Builder

        self.app, self.draw = app, draw
        self._loop, self._clock, self._builder = EventLoop, Clock, Builder
        self.shown = 0

    def frame(self, drawn: bool = False) -> None:
        if drawn and self.draw:
            self._loop.idle()
            return
        self._clock.tick()
        self._loop.dispatch_input()
        self._builder.sync()
        self._clock.tick_draw()
        self._builder.sync()

    def settle(self) -> None:
        """The screen as a visitor sees it: layouts settled, one frame drawn."""
        for _ in range(3):
            self.frame()
        self.frame(drawn=True)

    def tap(self, widget) -> None:
        """A finger on ``widget``. A button inside a scroll view is pressed instead: the
        view hands a tap on to it only 0.2 s (of real time) later."""
        from kivy.uix.scrollview import ScrollView

        from screens.headless import Finger

        x, y = widget.to_window(*widget.center)
        chain = [widget]
        while chain[-1].parent is not None and chain[-1].parent is not chain[-1]:
            chain.append(chain[-1].parent)  # up to the window (its own parent)
        if any(isinstance(w, ScrollView) for w in chain):
            widget.dispatch("on_release")
            self.frame()
            return
        finger = Finger(x, y)
        finger.down()
        self.frame()
        finger.up()
        self.frame()
        self.frame()

    def visit(self, number: int, community_ids: list[str]) -> None:
        from kiosk import navigation as nav
        from screens.widgets.common import ChoiceTile, Tile

        app = self.app

        def next_community() -> str:
            cid = community_ids[self.shown % len(community_ids)]
            self.shown += 1
            return cid

        self.tap(app.screen(nav.ATTRACT))
        assert app.current_screen == nav.HOME, app.current_screen
        for by in ("theme", "neighbourhood"):
            app.browse(by)
            self.settle()
            tiles = [w for w in app.screen(nav.BROWSE).walk(restrict=True) if isinstance(w, Tile)]
            self.tap(tiles[number % len(tiles)])
            self.settle()
            assert app.current_screen == nav.LISTING, app.current_screen
            app.open_community(next_community())
            self.settle()
            app.back()
            self.settle()
        app.go_home()
        self.settle()
        self.tap(app.screen(nav.HOME).ids.search_tile)
        self.settle()
        assert app.current_screen == nav.SEARCH, app.current_screen
        keyboard = app.screen(nav.SEARCH).ids.keyboard
        for char in WORDS[number % len(WORDS)]:
            self.tap(keyboard.key_for(char))
        self.settle()
        results = app.screen(nav.SEARCH).ids.results_view.data
        app.open_community(results[0]["community_id"] if results else next_community())
        self.settle()
        page = app.screen(nav.COMMUNITY)
        page.ids.keep_button.dispatch("on_release")  # may lie below the fold at this size
        self.frame()
        assert app.session.kept, "nothing kept"
        app.go_home()
        self.settle()
        self.tap(app.screen(nav.HOME).ids.talents_tile)
        self.settle()
        assert app.current_screen == nav.TALENTS, app.current_screen
        talents = app.screen(nav.TALENTS)
        for _step in ("themes", "gifts", "area"):
            tiles = [w for w in talents.walk(restrict=True) if isinstance(w, ChoiceTile)]
            tiles[number % len(tiles)].dispatch("on_release")
            self.frame()
            self.app.idle.clock.advance(1)
            talents.next_step()
            self.settle()
        assert app.current_screen == nav.MATCHES, app.current_screen
        app.finish()  # 'I'm done': the take-home list
        self.settle()
        assert app.current_screen == nav.DONE, app.current_screen
        app.goodbye()
        self.settle()


class _Clock:
    """The app's idle clock, moved by hand (a visit here takes less than a second)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def prepare(folder: Path) -> None:
    """The demo store with its pictures, made in a process of its own: a kiosk starts with
    its data already there (making the pictures loads Pillow and fonts for good)."""
    from kiosk.cli import prepare_store
    from kiosk.config import Config

    prepare_store(Config(data_dir=folder, public_url="https://ontmoet.example"), demo=True).close()


def soak(
    visits: int, trace: bool, draw: bool, unbounded: bool, trim: bool = True, every: int = 250
) -> None:
    baseline = bare_rss()
    folder = Path(tempfile.mkdtemp(prefix="ontmoet-soak-"))
    subprocess.run([sys.executable, __file__, "--prepare", str(folder)], check=True)
    setup_kivy()
    if trace:
        import tracemalloc

        tracemalloc.start(12)
    from kiosk.app import KioskApp
    from kiosk.cli import prepare_store
    from kiosk.config import Config
    from screens.headless import HeadlessRunner

    config = Config(data_dir=folder, public_url="https://ontmoet.example")
    store = prepare_store(config, demo=True)
    clock = _Clock()
    app = KioskApp(config, store, clock=clock)
    runner = HeadlessRunner(app)
    runner.start()
    runner.pump(30)  # the remaining screens are built after the first frame
    if unbounded:  # Kivy's own cache settings, as before issue 12: for comparison
        from kivy.cache import Cache

        Cache.register("kv.image", timeout=60)
        Cache.register("kv.texture", limit=1000, timeout=60)
    if not trim:  # no freed memory handed back after a visit, as before: for comparison
        import kiosk.memory

        kiosk.memory.ENABLED = False
    gc.collect()
    figures = [("after start", 0, rss_mb())]
    ids = store.community_ids()
    visitor = Visitor(app, draw=draw)
    first_pass_done = False
    snapshot_100 = None
    started = time.perf_counter()
    for number in range(1, visits + 1):
        clock.advance(5)
        visitor.visit(number, ids)
        if not first_pass_done and visitor.shown >= len(ids):
            first_pass_done = True
            figures.append(("every community shown once", number, rss_mb()))
        if number == 100:
            gc.collect()
            figures.append(("visit 100", number, rss_mb()))
            if trace:
                snapshot_100 = tracemalloc.take_snapshot()
        if trace and number == 300 and snapshot_100 is not None:
            gc.collect()
            top = tracemalloc.take_snapshot().compare_to(snapshot_100, "traceback")
            print("tracemalloc, growth from visit 100 to 300 (top 12):")
            for stat in top[:12]:
                print(f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} objects")
                for line in stat.traceback.format()[-6:]:
                    print("     ", line)
        if number % every == 0:
            print(f"  visit {number}: {rss_mb():.1f} MB", flush=True)
    gc.collect()
    figures.append(("end", visits, rss_mb()))
    elapsed = time.perf_counter() - started
    runner.stop()

    print(f"bare Kivy app ({SIZE[0]}x{SIZE[1]}, headless, same run): {baseline:.1f} MB")
    print(f"{'':30} {'visit':>6} {'RSS MB':>8} {'x bare':>7}")
    for name, number, mb in figures:
        print(f"{name:30} {number:>6} {mb:>8.1f} {mb / baseline:>7.2f}")
    at_100 = next((mb for name, _n, mb in figures if name == "visit 100"), None)
    if at_100 is not None:
        print(
            f"growth from visit 100 to {visits}: {figures[-1][2] - at_100:+.1f} MB (target <= 10)"
        )
    print(f"{visits} visits in {elapsed:.0f} s ({elapsed / visits * 1000:.0f} ms per visit)")
    if os.environ.get("SOAK_CACHES"):
        from kivy.cache import Cache

        Cache.print_usage()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visits", type=int, default=2000)
    parser.add_argument("--trace", action="store_true", help="tracemalloc diff, visit 100-300")
    parser.add_argument("--no-draw", action="store_true", help="never draw a frame")
    parser.add_argument(
        "--unbounded-caches", action="store_true", help="Kivy's own image cache bounds (before)"
    )
    parser.add_argument(
        "--no-trim", action="store_true", help="no malloc_trim after a visit (before)"
    )
    parser.add_argument("--every", type=int, default=250, help="print RSS every N visits")
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        bare()
    elif args.prepare:
        prepare(args.prepare)
    else:
        soak(args.visits, args.trace, draw=not args.no_draw, unbounded=args.unbounded_caches,
             trim=not args.no_trim, every=args.every)  # fmt: skip


if __name__ == "__main__":
    main()
