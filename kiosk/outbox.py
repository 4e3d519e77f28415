"""The kiosk's outbox: every record made here waits in it until the hub has acknowledged it.

One module, so that every record enters, waits and leaves the same way (SYNC.md rules 1-6 and
11). The outbox row is the record: the kiosk keeps no other copy of what a visitor left, so
there is nothing to forget to erase once the hub has it.

- ``add`` queues a record once: idempotent by (entity, record id), the id made when the form
  opened (rule 1), so a double tap or a retry queues nothing twice. Each op gets the next
  ``device_seq`` (AUTOINCREMENT: never reused, even after acknowledged rows are gone).
- ``pending`` is what to push, by ascending ``device_seq``, without a hole (rule 3).
- ``acknowledge`` is the only way out of the outbox, and only after the hub's 200 (rule 6):
  acknowledged ops move to a short archive that a hub restored from an older backup can have
  again (rule 11); ``prune`` forgets the oldest of those, always as a prefix by seq.
- ``size`` and ``oldest`` are what the desk shows of a kiosk's backlog (rule 13).

What the wire looks like (versions, batches, HTTP) is sync.client's business, not this one's.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from kiosk.store import Store, transaction, utcnow
from sync.protocol import MAX_OP_BYTES, ProtocolError, validate_fields

ARCHIVE_DAYS = 14  # how long acknowledged ops stay for a hub restored from an older backup
ARCHIVE_MAX_OPS = 50_000  # and at most this many, whatever the clock says

# sync_state keys (kept as they were before this module, so an existing kiosk.db goes on).
RESEND_FROM = "resend_from"  # >0: the archive is sent again from this seq on (rule 11)
ACKED_SEQ = "acked_seq"  # the highest seq the hub has acknowledged

_COLUMNS = "device_seq, op_id, entity, record_id, fields"


def add(
    store: Store,
    entity: str,
    record_id: str,
    fields: dict[str, Any],
    created_at: str | None = None,
) -> bool:
    """Queue one record for the hub. Returns False, and queues nothing, when an op for this
    (entity, record id) is already queued or acknowledged and archived.

    The fields are checked with the hub's own rules first (sync.protocol), so the outbox never
    holds an op the hub would refuse or one too large to ever be pushed (it would block the
    queue behind it). Opens a transaction, or joins the caller's."""
    validate_fields(entity, fields)
    encoded = json.dumps(fields, ensure_ascii=False, sort_keys=True)
    if len(encoded.encode()) > MAX_OP_BYTES:
        raise ProtocolError("fields", f"together are larger than {MAX_OP_BYTES} bytes")
    conn = store.conn
    with transaction(conn):
        # Looked up first, not left to the unique index: an INSERT that the index turns into
        # "do nothing" still uses up a device_seq, and a gap stops the hub (rule 4). The
        # archive counts too: a retry after a sync must not queue the record again.
        if conn.execute(
            "SELECT 1 FROM outbox WHERE entity = ?1 AND record_id = ?2"
            " UNION ALL SELECT 1 FROM outbox_archive WHERE entity = ?1 AND record_id = ?2",
            [entity, record_id],
        ).fetchone():
            return False
        conn.execute(
            "INSERT INTO outbox (op_id, entity, record_id, fields, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                str(uuid.uuid4()),
                entity,
                record_id,
                encoded,
                created_at or fields.get("created_at") or utcnow(),
            ],
        )
        return True


def pending(store: Store, limit: int | None = None) -> list[dict[str, Any]]:
    """The ops to push, by ascending device_seq: after a hub restore first the archived ones
    it lacks (from ``resend_from``), then the queued ones. Each is a dict with device_seq,
    op_id, entity, record_id and fields (decoded)."""
    resend_from = _int_state(store, RESEND_FROM)
    rows = store.conn.execute(
        f"SELECT {_COLUMNS} FROM ("
        f" SELECT {_COLUMNS} FROM outbox_archive WHERE ? > 0 AND device_seq >= ?"
        f" UNION ALL SELECT {_COLUMNS} FROM outbox"
        ") ORDER BY device_seq LIMIT ?",
        [resend_from, resend_from, -1 if limit is None else limit],
    ).fetchall()
    return [
        {"device_seq": seq, "op_id": op_id, "entity": entity, "record_id": rid,
         "fields": json.loads(fields)}
        for seq, op_id, entity, rid, fields in rows
    ]  # fmt: skip


def size(store: Store) -> int:
    """How many ops wait for the hub's acknowledgement."""
    return store.conn.execute("SELECT count(*) FROM outbox").fetchone()[0]


def oldest(store: Store) -> str | None:
    """When the oldest op still waiting was made (None when nothing waits): a kiosk whose
    oldest op is old is one the desk should look at (rule 13)."""
    return store.conn.execute("SELECT min(created_at) FROM outbox").fetchone()[0]


def last_acknowledged(store: Store) -> int:
    """The highest device_seq the hub has acknowledged (0: none yet)."""
    return _int_state(store, ACKED_SEQ)


def acknowledge(
    store: Store,
    upto: int,
    keep_days: int = ARCHIVE_DAYS,
    max_ops: int = ARCHIVE_MAX_OPS,
    now: datetime | None = None,
) -> None:
    """The hub has committed every op up to device_seq ``upto``: they leave the outbox, into
    the archive, all in one transaction (rule 6). Call it only with a seq the hub sent back
    and that was sent to it: a forged reply must not empty the outbox."""
    conn = store.conn
    when = now or datetime.now(UTC)
    with transaction(conn):
        conn.execute(
            "INSERT OR IGNORE INTO outbox_archive (device_seq, op_id, entity, record_id, fields,"
            " base_revision, created_at, acked_at) SELECT device_seq, op_id, entity, record_id,"
            " fields, base_revision, created_at, ? FROM outbox WHERE device_seq <= ?",
            [when.isoformat(timespec="seconds"), upto],
        )
        conn.execute("DELETE FROM outbox WHERE device_seq <= ?", [upto])
        prune(store, keep_days, max_ops, when)
        # Sending again after a restore moves on with every acknowledgement, and ends when
        # the hub has everything the archive holds.
        if _int_state(store, RESEND_FROM):
            (last_archived,) = conn.execute(
                "SELECT coalesce(max(device_seq), 0) FROM outbox_archive"
            ).fetchone()
            store.set_state(RESEND_FROM, "0" if upto >= last_archived else str(upto + 1))
        store.set_state(ACKED_SEQ, str(upto))


def prune(
    store: Store,
    keep_days: int = ARCHIVE_DAYS,
    max_ops: int = ARCHIVE_MAX_OPS,
    now: datetime | None = None,
) -> int:
    """Forget the oldest acknowledged ops: those acknowledged more than ``keep_days`` ago, and
    any beyond ``max_ops``. Always a prefix by device_seq, never a hole, whatever the kiosk's
    clock did meanwhile; never an op that waits for the hub. Returns how many went."""
    conn = store.conn
    keep_after = ((now or datetime.now(UTC)) - timedelta(days=keep_days)).isoformat()
    (old,) = conn.execute(
        "SELECT coalesce(max(device_seq), 0) FROM outbox_archive WHERE acked_at < ?",
        [keep_after],
    ).fetchone()
    (newest,) = conn.execute("SELECT coalesce(max(device_seq), 0) FROM outbox_archive").fetchone()
    return conn.execute(
        "DELETE FROM outbox_archive WHERE device_seq <= ?", [max(old, newest - max_ops)]
    ).rowcount


def resend_from(store: Store, seq: int, sent_from: int) -> bool:
    """A hub restored from an older backup expects ``seq`` next (a 409 to a batch that began
    at ``sent_from``): send again, from the archive, every op from ``seq`` on (rule 11).

    False, and nothing changes, when the archive no longer holds all of them without a hole:
    they cannot be sent again, and someone must look."""
    conn = store.conn
    (first_queued,) = conn.execute("SELECT min(device_seq) FROM outbox").fetchone()
    upto = (first_queued or sent_from) - 1
    (kept,) = conn.execute(
        "SELECT count(*) FROM outbox_archive WHERE device_seq BETWEEN ? AND ?", [seq, upto]
    ).fetchone()
    if kept != upto - seq + 1:
        return False
    store.set_state(RESEND_FROM, str(seq))
    return True


def hub_has_only(store: Store, acked: int) -> None:
    """The hub says it holds ops only up to ``acked``, less than it once acknowledged (it was
    restored): send the rest again from the archive with the next push (rule 11). A hole in
    the archive shows then, as the hub's 409."""
    store.set_state(RESEND_FROM, str(acked + 1))
    store.set_state(ACKED_SEQ, str(acked))


def _int_state(store: Store, key: str) -> int:
    return int(store.get_state(key, "0") or 0)
