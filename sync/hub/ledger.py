"""What each kiosk has pushed, applied as SYNC.md rules 4 to 6 ask, in one transaction per
batch:

- a device_seq the hub already has is a duplicate and changes nothing — unless its content
  differs, which is refused (ReplayMismatch) and must be alerted;
- the next device_seq is applied; a gap is refused with the seq the hub expects (GapError),
  and nothing of the batch is applied;
- a record that fails validation is quarantined with its payload and its problem, and
  acknowledged, so one poison record never blocks a kiosk's queue;
- records are idempotent by their own UUID: a kiosk that pushes a record again (after a hub
  restore, say) never makes a second one.

The transport (HTTP, tokens, the epoch) lives elsewhere; this module only needs a connection.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sync.protocol import ProtocolError, op_digest, validate_op


class GapError(Exception):
    """The batch does not start where the hub is: answer 409 with ``expected``."""

    def __init__(self, expected: int) -> None:
        super().__init__(f"expected device_seq {expected}")
        self.expected = expected


class ReplayMismatch(Exception):
    """A seq or op id the hub has, with other content: refuse, and alert the desk."""


@dataclass
class PushOutcome:
    acked_seq: int
    applied: int = 0
    duplicates: int = 0
    quarantined: list[tuple[int, str]] = field(default_factory=list)


def create_schema(conn: sqlite3.Connection) -> None:
    """The hub's whole schema (sync.hub.schema), of which the ledger's tables are a part."""
    from sync.hub.schema import migrate

    migrate(conn)


def acked_seq(conn: sqlite3.Connection, kiosk: str) -> int:
    row = conn.execute("SELECT acked_seq FROM kiosk_cursors WHERE kiosk = ?", [kiosk]).fetchone()
    return row[0] if row else 0


#: What the hub does with one valid record: (connection, kiosk, checked op, now).
RecordApplier = Callable[[sqlite3.Connection, str, dict[str, Any], str], object]


def insert_record(conn: sqlite3.Connection, kiosk: str, checked: dict[str, Any], now: str) -> bool:
    """Keep the record, once: idempotent by its own UUID. True when it is new."""
    cursor = conn.execute(
        "INSERT INTO visitor_records (entity, id, kiosk, fields, received_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (entity, id) DO NOTHING",
        [
            checked["entity"],
            checked["record_id"],
            kiosk,
            json.dumps(checked["fields"], ensure_ascii=False, sort_keys=True),
            now,
        ],
    )
    return bool(cursor.rowcount)


def apply_push(
    conn: sqlite3.Connection,
    kiosk: str,
    ops: list[dict[str, Any]],
    apply_record: RecordApplier = insert_record,
) -> PushOutcome:
    """Apply a batch whose envelopes sync.protocol.parse_push checked. All or nothing: an
    exception leaves the hub as it was, and no acknowledgement goes out without a commit."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    conn.execute("BEGIN IMMEDIATE")
    try:
        outcome = _apply(conn, kiosk, ops, now, apply_record)
    except BaseException:
        if conn.in_transaction:  # SQLite may have rolled back by itself (a full disk)
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return outcome


def _apply(
    conn: sqlite3.Connection, kiosk: str, ops: list[dict], now: str, apply_record: RecordApplier
) -> PushOutcome:
    acked = acked_seq(conn, kiosk)
    outcome = PushOutcome(acked_seq=acked)
    for op in ops:
        seq, digest = op["device_seq"], op_digest(op)
        if seq <= acked:
            known = conn.execute(
                "SELECT digest FROM pushed_ops WHERE kiosk = ? AND device_seq = ?", [kiosk, seq]
            ).fetchone()
            if known is not None and known[0] != digest:
                raise ReplayMismatch(f"device_seq {seq} of {kiosk} came again with other content")
            outcome.duplicates += 1
            continue
        if seq != outcome.acked_seq + 1:
            raise GapError(outcome.acked_seq + 1)
        if conn.execute("SELECT 1 FROM pushed_ops WHERE op_id = ?", [op["op_id"]]).fetchone():
            raise ReplayMismatch(f"op_id {op['op_id']} came again under device_seq {seq}")
        status, problem, payload = "applied", None, None
        # The record's own writes can be undone alone: an applier may still refuse it (a
        # kiosk over its quota) after it started, and then nothing of it stays.
        conn.execute("SAVEPOINT op")
        try:
            checked = validate_op(op)
            named = checked["fields"].get("kiosk")
            if named is not None and named != kiosk:
                # A kiosk speaks for itself only (it cannot send the reception elsewhere).
                raise ProtocolError("op.fields.kiosk", f"is not the kiosk that sent it ({kiosk})")
            apply_record(conn, kiosk, checked, now)
        except ProtocolError as refusal:
            conn.execute("ROLLBACK TO op")
            status, problem = "quarantined", str(refusal)
            payload = json.dumps(op, ensure_ascii=False, sort_keys=True)
            outcome.quarantined.append((seq, problem))
        else:
            outcome.applied += 1
        conn.execute("RELEASE op")
        conn.execute(
            "INSERT INTO pushed_ops (kiosk, device_seq, op_id, digest, status, problem, payload,"
            " received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [kiosk, seq, op["op_id"], digest, status, problem, payload, now],
        )
        outcome.acked_seq = seq
    conn.execute(
        "INSERT INTO kiosk_cursors (kiosk, acked_seq) VALUES (?, ?)"
        " ON CONFLICT (kiosk) DO UPDATE SET acked_seq = excluded.acked_seq",
        [kiosk, outcome.acked_seq],
    )
    return outcome


#: How long a refused record keeps its payload for whoever looks into it: a refused contact
#: request holds sealed contact details, which must not outlive their purpose.
QUARANTINE_PAYLOAD_DAYS = 30

# A payload is the op as the kiosk sent it: its record id is the envelope's or the record's.
_PAYLOAD_OF = (
    "status = 'quarantined' AND payload IS NOT NULL"
    " AND (json_extract(payload, '$.record_id') {0} OR json_extract(payload, '$.fields.id') {0})"
)


def erase_quarantined_payloads(conn: sqlite3.Connection, record_id: str) -> int:
    """Forget the payloads of refused ops of an erased record (inside a write transaction);
    the kiosk, seq, problem and time stay, so the quarantine still lists them."""
    return conn.execute(
        f"UPDATE pushed_ops SET payload = NULL WHERE {_PAYLOAD_OF.format('= ?')}",
        [record_id, record_id],
    ).rowcount


def expire_quarantined_payloads(conn: sqlite3.Connection, now: datetime) -> int:
    """Forget the payloads of refused ops older than QUARANTINE_PAYLOAD_DAYS, and of any that
    came in for a record already erased (inside a write transaction)."""
    cutoff = (now - timedelta(days=QUARANTINE_PAYLOAD_DAYS)).isoformat(timespec="seconds")
    old = conn.execute(
        "UPDATE pushed_ops SET payload = NULL WHERE status = 'quarantined'"
        " AND payload IS NOT NULL AND received_at < ?",
        [cutoff],
    ).rowcount
    erased = conn.execute(
        "UPDATE pushed_ops SET payload = NULL WHERE "
        + _PAYLOAD_OF.format("IN (SELECT id FROM erased_records)")
    ).rowcount
    return old + erased
