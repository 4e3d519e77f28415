"""'Vraag de receptie' says the reception has been asked: the request must leave at once, not
wait in the outbox for the next regular sync round, a minute later (issue 11)."""

from __future__ import annotations

import queue
import time

from gui_helpers import find, screen, start
from hub_helpers import outbox_size

from kiosk import navigation as nav
from kiosk.store import open_store
from screens.widgets.common import BottomBar
from sync.client import enrol
from sync.worker import INTERVAL, SyncWorker

BOUND = 20.0  # seconds: a bound against a hang, well inside the regular INTERVAL
assert BOUND < INTERVAL / 2


def wait_for(condition, bound: float = BOUND) -> bool:
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline and not condition():
        time.sleep(0.05)
    return condition()


def test_asking_the_reception_reaches_the_hub_at_once(hub, make_kiosk, demo_store):
    enrol(demo_store, hub.url, hub.code("kiosk-hal"))
    kiosk = make_kiosk(hub_url=hub.url, hub_public_key=demo_store.get_state("hub_public_key"))
    app = kiosk.app
    worker = app.sync_worker
    # The round at start is over: the worker now waits INTERVAL seconds for the next one.
    assert wait_for(lambda: worker.status.get("next_round_in") == INTERVAL)
    start(kiosk)
    home = screen(app, nav.HOME)
    (bar,) = find(home, BottomBar)
    kiosk.tap(bar.ids.reception_button)
    assert app.notice is not None and app.notice.parent is not None
    assert "receptie" in app.notice.message
    # The visitor is still here (no goodbye to nudge the worker): the request goes anyway.
    assert wait_for(lambda: hub.records("help_request") and outbox_size(demo_store) == 0)
    assert [entity for entity, _id in hub.records()] == ["help_request"]


def test_a_nudge_for_now_is_not_held_up_by_a_later_one(tmp_path, monkeypatch):
    """A visitor leaving asks for a round soon; the reception asked right after must not wait
    for that one."""
    rounds: queue.Queue = queue.Queue()

    def fake_round(_worker, _store, _session) -> float:
        rounds.put(time.monotonic())
        return 3600.0  # the next regular round: an hour away

    monkeypatch.setattr(SyncWorker, "_round", fake_round)
    open_store(tmp_path / "kiosk.db").close()
    worker = SyncWorker(tmp_path / "kiosk.db")
    worker.start()
    try:
        rounds.get(timeout=BOUND)  # the round at start
        worker.nudge(3600)  # 'soon', stretched: a visitor left
        # The worker has taken that nudge up and now waits on it (or on the hour).
        assert wait_for(lambda: not worker._wake.is_set())
        worker.nudge(0)
        rounds.get(timeout=BOUND)
    finally:
        worker.stop()
    assert not worker._thread.is_alive()
