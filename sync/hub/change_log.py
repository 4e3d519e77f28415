"""The change log the kiosks pull (SYNC.md rules 7 to 9), written with SQLAlchemy Core so that
one piece of code serves SQLite and PostgreSQL (issue 18: a region's hub).

Rule 8, hub order = commit order: a kiosk pulls ``seq > cursor`` and moves its cursor to the
last seq it got, so a change whose seq is below the cursor but becomes visible later is never
pulled. SQLite has one writer at a time, so its seqs are committed in order. PostgreSQL hands
out sequence values at insert and makes rows visible at commit: a writer that took seq 11 and
commits after one that took seq 12 lets a pull in between see 12 first, and the kiosk skips 11
for good. Here every transaction that appends to the log first takes one transaction-scoped
advisory lock, held until it commits: the next writer gets its seq only after the previous one
is visible. Appends are serialised; pushes of visitor records never append to this log, only
edits of shared records (the desk, the groups, imports) do, so the cost is small.

tests/test_change_log.py proves it against a real PostgreSQL, and shows the same scenario
losing a change without the lock."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from sync.hub.tables import changes  # one row per record: its newest change or tombstone

#: The advisory lock key of the change log (any 64-bit number no other part of the hub uses:
#: the bytes of "ontmoet" and a 1).
CHANGE_LOG_LOCK = int.from_bytes(b"ontmoet\x01", "big")


@dataclass(frozen=True)
class Change:
    seq: int
    entity: str
    id: str
    deleted: bool
    data: str | None


def serialise_appends(conn: sa.Connection) -> None:
    """Hold the change log's lock until this transaction ends (PostgreSQL; SQLite has one
    writer anyway). Call it before the first append of a transaction; again is harmless."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(CHANGE_LOG_LOCK)))


def record_change(
    conn: sa.Connection, entity: str, record_id: str, data: str | None, changed_at: str
) -> None:
    """Append the newest state of one record (``data`` None: it was deleted), in the caller's
    transaction, dropping its older change."""
    serialise_appends(conn)
    conn.execute(changes.delete().where(changes.c.entity == entity, changes.c.id == record_id))
    conn.execute(
        changes.insert().values(
            entity=entity,
            id=record_id,
            deleted=int(data is None),
            data=data,
            changed_at=changed_at,
        )
    )


def changes_after(conn: sa.Connection, since: int, limit: int) -> list[Change]:
    """Up to ``limit`` changes after ``since``, in seq order (which is commit order)."""
    rows = conn.execute(
        sa.select(changes.c.seq, changes.c.entity, changes.c.id, changes.c.deleted, changes.c.data)
        .where(changes.c.seq > since)
        .order_by(changes.c.seq)
        .limit(limit)
    )
    return [
        Change(seq, entity, rid, bool(deleted), data) for seq, entity, rid, deleted, data in rows
    ]
