"""The kiosk counts how often each group's page is opened (kiosk.counts): per local day, once
per group a visitor opens, never in receptionist mode; a finished day leaves as one
kiosk_counts record (or parts, past 2,000 groups), once, whatever restarts or retries."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

from gui_helpers import find, screen, start

from kiosk import counts, outbox
from kiosk import navigation as nav
from kiosk.store import open_store
from sync.protocol import MAX_COUNTED_COMMUNITIES, validate_fields

DAY = date(2026, 11, 28)


def queued_counts(store) -> list[dict]:
    return [op["fields"] for op in outbox.pending(store) if op["entity"] == "kiosk_counts"]


def test_a_finished_day_leaves_once_as_one_record_even_after_a_restart(config):
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    store = open_store(config.db_path)
    for _ in range(3):
        counts.record_open(store, a, DAY)
    counts.record_open(store, b, DAY)
    counts.record_open(store, a, DAY + timedelta(days=1))  # today: stays
    assert counts.flush_finished_days(store, "kiosk-hal", DAY + timedelta(days=1)) == 1
    (record,) = queued_counts(store)
    assert record["opened"] == {a: 3, b: 1} and record["day"] == DAY.isoformat()
    assert record["id"] == counts.record_id("kiosk-hal", DAY.isoformat())
    assert record["kiosk"] == "kiosk-hal"
    validate_fields("kiosk_counts", record)
    assert counts.today_counts(store, DAY) == {}  # gone with the record, in one transaction
    assert counts.today_counts(store, DAY + timedelta(days=1)) == {a: 1}
    store.close()

    # A restart; the same day's rows come back somehow (a crash before an old version's
    # delete, say): the record's id is the same, so nothing is queued twice.
    store = open_store(config.db_path)
    counts.record_open(store, a, DAY)
    assert counts.flush_finished_days(store, "kiosk-hal", DAY + timedelta(days=1)) == 0
    assert len(queued_counts(store)) == 1
    assert counts.today_counts(store, DAY) == {}
    # Even once the hub has it (acknowledged, archived), a retry queues nothing.
    outbox.acknowledge(store, max(op["device_seq"] for op in outbox.pending(store)))
    counts.record_open(store, a, DAY)
    assert counts.flush_finished_days(store, "kiosk-hal", DAY + timedelta(days=1)) == 0
    assert queued_counts(store) == []
    # The next day, once it is over, is a record of its own.
    assert counts.flush_finished_days(store, "kiosk-hal", DAY + timedelta(days=2)) == 1
    (record,) = queued_counts(store)
    assert record["opened"] == {a: 1} and record["day"] == (DAY + timedelta(days=1)).isoformat()
    store.close()


def test_more_groups_than_one_record_may_name_go_as_parts(store):
    groups = sorted(str(uuid.uuid4()) for _ in range(MAX_COUNTED_COMMUNITIES + 501))
    store.conn.executemany(
        "INSERT INTO community_opens (day, community_id, n) VALUES (?, ?, ?)",
        [(DAY.isoformat(), g, i % 7 + 1) for i, g in enumerate(groups)],
    )
    assert counts.flush_finished_days(store, "kiosk-hal", DAY + timedelta(days=1)) == 2
    first, second = queued_counts(store)
    assert len(first["opened"]) == MAX_COUNTED_COMMUNITIES and len(second["opened"]) == 501
    assert {**first["opened"], **second["opened"]} == {g: i % 7 + 1 for i, g in enumerate(groups)}
    assert first["id"] != second["id"]
    for record in (first, second):
        validate_fields("kiosk_counts", record)
    # A second flush (a retry) queues neither again.
    store.conn.execute(
        "INSERT INTO community_opens (day, community_id, n) VALUES (?, ?, 1)",
        [DAY.isoformat(), groups[0]],
    )
    assert counts.flush_finished_days(store, "kiosk-hal", DAY + timedelta(days=1)) == 0


def test_nothing_leaves_without_a_kiosk_name_or_for_today(store):
    group = str(uuid.uuid4())
    counts.record_open(store, group, DAY)
    assert counts.flush_finished_days(store, "", DAY + timedelta(days=1)) == 0
    assert counts.flush_finished_days(store, "kiosk-hal", DAY) == 0
    assert counts.today_counts(store, DAY) == {group: 1}
    # An id the hub could not have sent (not a UUID) is left out, not a record refused forever.
    counts.record_open(store, "not-a-uuid", DAY)
    assert counts.flush_finished_days(store, "kiosk-hal", DAY + timedelta(days=1)) == 1
    assert queued_counts(store)[0]["opened"] == {group: 1}


def open_first_card(kiosk):
    from screens.listing import CommunityCard
    from screens.widgets.common import Tile

    app = kiosk.app
    kiosk.tap(screen(app, nav.HOME).ids.themes_tile)

    (tile,) = find(screen(app, nav.BROWSE), Tile, value="natuur")
    kiosk.tap(tile)
    cards = sorted(find(screen(app, nav.LISTING).ids.cards_view, CommunityCard),
                   key=lambda card: -card.y)  # fmt: skip
    kiosk.tap(cards[0])
    assert app.current_screen == nav.COMMUNITY
    return cards


def test_the_community_screen_counts_each_group_once_a_visit(kiosk):
    app = kiosk.app
    store = app.store
    start(kiosk)
    cards = open_first_card(kiosk)
    first, second = cards[0].community_id, cards[1].community_id
    # Back and to the same group again, a language switch (the screen redraws), another group.
    community = screen(app, nav.COMMUNITY)
    kiosk.tap(community.ids.top_bar.ids.back_button)
    kiosk.tap(cards[0])
    app.set_language("ar")
    kiosk.pump()
    kiosk.tap(community.ids.top_bar.ids.back_button)
    kiosk.tap(cards[1])
    assert counts.today_counts(store) == {}  # written once, when the visit ends
    app.end_session()
    assert counts.today_counts(store) == {first: 1, second: 1}
    # The next visitor opens the first again: two.
    start(kiosk)
    app.open_community(first)
    app.end_session()
    assert counts.today_counts(store) == {first: 2, second: 1}
    # A receptionist opening pages (for someone, or to try things) counts nothing.
    app.start_receptionist_session()
    app.open_community(first)
    app.open_community(second)
    app.end_session()
    assert counts.today_counts(store) == {first: 2, second: 1}
    # Tomorrow the day leaves as one record through the outbox.
    tomorrow = date.today() + timedelta(days=1)
    assert counts.flush_finished_days(store, app.kiosk_config.kiosk_name, tomorrow) == 1
    (row,) = store.conn.execute(
        "SELECT fields FROM outbox WHERE entity = 'kiosk_counts'"
    ).fetchall()
    assert json.loads(row[0])["opened"] == {first: 2, second: 1}


def test_days_the_hub_could_not_use_are_dropped(store):
    """A kiosk that counted for weeks before it was enrolled sends no more than KEEP_DAYS
    days (all at once they would be over the hub's quota); a day ahead of a clock that was
    wrong is dropped too."""
    group = str(uuid.uuid4())
    today = DAY + timedelta(days=100)
    for back in range(1, 100):
        counts.record_open(store, group, today - timedelta(days=back))
    counts.record_open(store, group, today + timedelta(days=400))  # the clock was wrong
    counts.record_open(store, group, today)
    assert counts.flush_finished_days(store, "kiosk-hal", today) == counts.KEEP_DAYS
    assert len(queued_counts(store)) == counts.KEEP_DAYS <= 30  # the hub's quota an hour
    assert {r["day"] for r in queued_counts(store)} == {
        (today - timedelta(days=back)).isoformat() for back in range(1, counts.KEEP_DAYS + 1)
    }
    assert store.conn.execute("SELECT day FROM community_opens").fetchall() == [
        (today.isoformat(),)
    ]
