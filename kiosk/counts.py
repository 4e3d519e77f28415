"""How often each community's page was opened at this kiosk: a number per group and local day,
nothing about a visit or a visitor (DESIGN: anonymous by default).

- ``record_open`` adds one to today's count of a community (the community screen calls it
  once per community a visitor opens, not per redraw or language switch).
- ``flush_finished_days`` turns every day that is over into ``kiosk_counts`` records in the
  outbox and deletes that day's rows, in one transaction. The record id is made from the
  kiosk's name and the day, so a restart, a retry or a second flush queues nothing twice.
  A day with more groups than one record may name (MAX_COUNTED_COMMUNITIES) goes as several
  parts, each with its own id.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from kiosk import outbox
from kiosk.store import Store, transaction, utcnow
from sync.protocol import MAX_COUNTED_COMMUNITIES

#: The namespace of the records' ids (uuid5 of "<kiosk>/<day>[/<part>]").
NAMESPACE = uuid.UUID("6f3c1c8e-5a0b-4d55-9a55-0c0f1b6e1d17")
MAX_PER_OPEN = 1_000_000  # the protocol's largest count: a stuck finger cannot go past it
#: Finished days older than this are dropped, not sent: fewer than the hub's quota of
#: kiosk_counts records an hour (sync.hub.store.QUOTAS_PER_HOUR: 30), all made in one flush.
KEEP_DAYS = 28


def record_id(kiosk: str, day: str, part: int = 0) -> str:
    name = f"{kiosk}/{day}" if part == 0 else f"{kiosk}/{day}/{part}"
    return str(uuid.uuid5(NAMESPACE, name))


def record_open(store: Store, community_id: str, today: date | None = None) -> None:
    """One more opening of this community's page today (the kiosk's local day)."""
    record_opens(store, [community_id], today)


def record_opens(store: Store, community_ids: Iterable[str], today: date | None = None) -> None:
    """One more opening today of each of these communities' pages, in one transaction (the
    community screen writes a visit's openings once, when the visit ends: one write to the
    SD card a visit, not one a tap)."""
    day = (today or datetime.now().date()).isoformat()
    with transaction(store.conn) as conn:
        conn.executemany(
            "INSERT INTO community_opens (day, community_id, n) VALUES (?, ?, 1)"
            " ON CONFLICT (day, community_id) DO UPDATE SET n = min(n + 1, ?)",
            [(day, cid, MAX_PER_OPEN) for cid in community_ids],
        )


def today_counts(store: Store, today: date | None = None) -> dict[str, int]:
    day = (today or datetime.now().date()).isoformat()
    rows = store.conn.execute(
        "SELECT community_id, n FROM community_opens WHERE day = ?", [day]
    ).fetchall()
    return dict(rows)


def flush_finished_days(store: Store, kiosk: str, today: date | None = None) -> int:
    """Queue one kiosk_counts record (or, past MAX_COUNTED_COMMUNITIES groups, one per part)
    for each finished day and delete the day's rows. Returns how many records were queued
    (0 when they were queued before: the outbox knows their ids)."""
    if not kiosk:
        return 0
    today = today or datetime.now().date()
    before = today.isoformat()
    conn = store.conn
    # Days the hub would not take as they are: older than KEEP_DAYS (a kiosk that counted for
    # weeks before it was enrolled would send them all in one hour, over the hub's quota) or
    # ahead of today (a clock that was wrong). Their numbers go; nobody could use them.
    conn.execute(
        "DELETE FROM community_opens WHERE day < ? OR day > ?",
        [(today - timedelta(days=KEEP_DAYS)).isoformat(), (today + timedelta(days=1)).isoformat()],
    )
    days = [r[0] for r in conn.execute(
        "SELECT DISTINCT day FROM community_opens WHERE day < ? ORDER BY day", [before]
    )]  # fmt: skip
    queued = 0
    for day in days:
        with transaction(conn):
            rows = conn.execute(
                "SELECT community_id, n FROM community_opens WHERE day = ? ORDER BY community_id",
                [day],
            ).fetchall()
            # Only ids the hub could have sent (a demo's or a test's own ids are left out:
            # one of them would make the hub refuse the day's record forever).
            rows = [(cid, n) for cid, n in rows if _is_uuid(cid)]
            for part, start in enumerate(range(0, len(rows), MAX_COUNTED_COMMUNITIES)):
                chunk = rows[start : start + MAX_COUNTED_COMMUNITIES]
                rid = record_id(kiosk, day, part)
                fields = {
                    "id": rid,
                    "day": day,
                    "opened": dict(chunk),
                    "kiosk": kiosk,
                    "created_at": utcnow(),
                }
                queued += outbox.add(store, "kiosk_counts", rid, fields)
            conn.execute("DELETE FROM community_opens WHERE day = ?", [day])
    return queued


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False
