"""The kiosk app with a hub: its sync worker sends what a visitor left soon after the visit,
staff find the sync status behind a hidden gesture, and the screens never wait on the network.
"""

from __future__ import annotations

import socket
import time

from gui_helpers import screen, start
from hub_helpers import outbox_size

from kiosk import navigation as nav
from sync.client import enrol


def corner_tap(kiosk) -> None:
    """A finger in the attract screen's top-left corner."""
    from screens.headless import Finger

    attract = screen(kiosk.app, nav.ATTRACT)
    finger = Finger(attract.x + 20, attract.top - 20)
    finger.down()
    finger.up()
    kiosk.pump(2)


def test_what_a_visitor_leaves_reaches_the_hub_soon_after_the_visit(hub, make_kiosk, demo_store):
    enrol(demo_store, hub.url, hub.code("kiosk-hal"))
    kiosk = make_kiosk(hub_url=hub.url, hub_public_key=demo_store.get_state("hub_public_key"))
    app = kiosk.app
    assert app.sync_worker is not None
    start(kiosk)
    app.ask_reception()
    assert outbox_size(demo_store) == 1
    app.goodbye()  # the visitor leaves: the worker is nudged
    # The hub commits before the kiosk reads its reply and empties the outbox: wait for both
    # (a bound against a hang, not a timing claim).
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (
        hub.records("help_request") and outbox_size(demo_store) == 0
    ):
        time.sleep(0.1)
    assert [e for e, _i in hub.records()] == ["help_request"]
    assert outbox_size(demo_store) == 0


def test_five_taps_in_the_corner_show_staff_the_sync_status(hub, make_kiosk, demo_store):
    enrol(demo_store, hub.url, hub.code("kiosk-hal"))
    kiosk = make_kiosk(hub_url=hub.url, hub_public_key=demo_store.get_state("hub_public_key"))
    app = kiosk.app
    for _ in range(4):
        corner_tap(kiosk)
    assert app.session is None and app.current_screen == nav.ATTRACT  # nothing yet
    corner_tap(kiosk)
    assert app.current_screen == nav.RECEPTION and app.session is None
    status = screen(app, nav.RECEPTION).status
    assert "Kiosk: kiosk-hal" in status
    assert f"Hub: {hub.url}" in status
    assert "Wacht op verzenden: 0" in status
    kiosk.tap(screen(app, nav.RECEPTION).ids.close_button)
    assert app.current_screen == nav.ATTRACT and app.session is None


def test_the_screens_never_wait_on_a_hub_that_does_not_answer(make_kiosk, demo_store):
    # A hub that accepts connections and never answers: the worker hangs on its timeout.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    demo_store.set_state("hub_url", url)
    demo_store.set_state("token", "x" * 43)
    kiosk = make_kiosk(hub_url=url)
    app = kiosk.app
    deadline = time.monotonic() + 10
    while app.sync_worker.rounds == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert app.sync_worker.rounds == 1 and not app.sync_worker.status  # mid-round, waiting
    start(kiosk)  # and yet a visit goes on as ever
    kiosk.tap(screen(app, nav.HOME).ids.themes_tile)
    assert app.current_screen == nav.BROWSE
    app.ask_reception()
    app.goodbye()
    assert app.current_screen == nav.ATTRACT
    assert app.sync_worker.status == {}  # the round is still waiting on the silent hub
    silent.close()
