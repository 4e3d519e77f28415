"""The live queue (issue 17.2): from a visitor's 'ask the reception' to the row on the desk's
open queue page in Chromium, through the hub's server-sent events, against the baseline
measured in the same run: the same page without JavaScript, which reloads itself every 5 s
(the fallback, and the queue as it was before). Also what the stream costs the hub: one
fingerprint query per open page per second.

The kiosk side is a real kiosk store and its real SyncWorker, whose regular round is an hour
away: 'ask the reception' stores the request and nudges the worker, as kiosk/app.py's
ask_reception does (the Kivy screen itself is driven in tests/test_live_queue.py, which prints
the same figure from a real tap).

    .venv/bin/python -m bench.live_queue [ROUNDS]
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.hub_process import HubProcess  # noqa: E402
from kiosk.store import open_store  # noqa: E402
from kiosk.visitor_records import new_record_id, record_help_request  # noqa: E402
from sync.client import enrol  # noqa: E402
from sync.hub import desk_store  # noqa: E402
from sync.hub import store as hub_store  # noqa: E402
from sync.hub.desk import live  # noqa: E402
from sync.worker import SyncWorker  # noqa: E402

ROUNDS = 12
HOUR = 3600.0
ROWS = "document.querySelectorAll('#queue-rows tr[data-id]').length"
# A function, not an expression: the hub's CSP (no 'unsafe-eval') refuses a string to eval.
MORE_ROWS = f"before => {ROWS} > before"


def _account(hub: HubProcess) -> str:
    conn = hub_store.connect(hub.data_dir / "hub.db")
    try:
        generated = desk_store.create_account(conn, "bench", "sanne", "receptionist")
        chosen = f"eigen-{generated}-gekozen"
        desk_store.change_password(conn, "sanne", generated, chosen)
        return chosen
    finally:
        conn.close()


def _log_in(page, hub: HubProcess, password: str) -> None:
    page.goto(f"{hub.url}/desk/login")
    page.get_by_label("Naam").fill("sanne")
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{hub.url}/desk/queue")


def _rounds(page, kiosk, worker: SyncWorker, n: int) -> list[float]:
    """Seconds from 'ask the reception' to the new row on ``page``, ``n`` times."""
    seconds = []
    # A visitor asks at any moment, not just after the page's reload or the stream's look
    # at the database: a random wait of up to one refresh period first (the same waits for
    # both pages).
    moments = random.Random(17)
    for _ in range(n):
        time.sleep(moments.uniform(0, 5))
        before = page.evaluate(ROWS)
        asked = time.monotonic()
        record_help_request(kiosk, new_record_id(), "nl", "kiosk-hal")
        worker.nudge(0)
        # Polled at every frame; a reload in between (the fallback) is waited out.
        while True:
            try:
                page.wait_for_function(MORE_ROWS, arg=before, polling="raf", timeout=60_000)
                break
            except Exception as exc:  # the page was being reloaded under the wait
                if "Execution context was destroyed" not in str(exc):
                    raise
        seconds.append(time.monotonic() - asked)
    return seconds


def _fingerprint_cost(hub: HubProcess, n: int = 2000) -> float:
    conn = hub_store.connect(hub.data_dir / "hub.db")
    try:
        started = time.perf_counter()
        for _ in range(n):
            live.fingerprint(conn)
        return (time.perf_counter() - started) / n * 1e6
    finally:
        conn.close()


def _summary(what: str, seconds: list[float]) -> None:
    print(f"{what:<40} median {statistics.median(seconds):5.2f} s  "
          f"mean {statistics.mean(seconds):5.2f} s  "
          f"min {min(seconds):5.2f} s  max {max(seconds):5.2f} s")  # fmt: skip


def main(rounds: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="ontmoet-live-queue-bench-"))
    hub = HubProcess(folder / "hub").start()
    worker = None
    try:
        password = _account(hub)
        kiosk = open_store(folder / "kiosk.db")
        enrol(kiosk, hub.url, hub.code("kiosk-hal"))
        worker = SyncWorker(folder / "kiosk.db", interval=HOUR)
        worker.start()
        deadline = time.monotonic() + 60
        while worker.status.get("next_round_in") != HOUR and time.monotonic() < deadline:
            time.sleep(0.05)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium")
            live_page = browser.new_context(locale="nl-NL").new_page()
            _log_in(live_page, hub, password)
            live_page.get_by_text("Live", exact=True).wait_for()
            live_seconds = _rounds(live_page, kiosk, worker, rounds)
            live_page.context.close()
            plain = browser.new_context(locale="nl-NL", java_script_enabled=False).new_page()
            _log_in(plain, hub, password)
            plain_seconds = _rounds(plain, kiosk, worker, rounds)
            browser.close()
        print(f"{rounds} requests each; the kiosk's regular sync round an hour away "
              f"(rounds it made: {worker.rounds})")  # fmt: skip
        _summary("live page (server-sent events)", live_seconds)
        _summary("baseline: no JavaScript (5 s refresh)", plain_seconds)
        ratio = statistics.mean(live_seconds) / statistics.mean(plain_seconds)
        print(f"{'ratio live / baseline (means)':<40} {ratio:5.2f}")
        print(f"{'the stream: one fingerprint query':<40} {_fingerprint_cost(hub):5.0f} µs "
              f"(with {2 * rounds} requests stored), once a second per open page")  # fmt: skip
    finally:
        if worker is not None:
            worker.stop()
        hub.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS)
