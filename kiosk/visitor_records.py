"""What a visitor leaves behind, written as SYNC.md asks: each record and its outbox row in one
transaction, idempotent by the id the record got when its form opened (a double tap or a retry
writes nothing twice). Nothing here holds a name, an address or a number in plain text.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import uuid
from collections.abc import Sequence
from datetime import date, timedelta

from kiosk.contact import CHANNELS, CONSENT_VERSION
from kiosk.store import Store, transaction, utcnow
from sync.protocol import MAX_OP_BYTES, ProtocolError, validate_fields

TAKE_HOME_DAYS = 90  # how long a take-home list stays reachable on the hub


def new_record_id() -> str:
    """A record's id, made when its form opens (rule 1 of SYNC.md)."""
    return str(uuid.uuid4())


def new_token() -> str:
    """An unguessable token for a public page (128 bits)."""
    return secrets.token_urlsafe(16)


def token_hash(token: str) -> str:
    """What the kiosk stores and sends of a token: the hub finds the page by this hash."""
    return hashlib.sha256(token.encode()).hexdigest()


def _insert_with_outbox(store: Store, entity: str, table: str, row: dict, fields: dict) -> bool:
    """Insert ``row`` into ``table`` and queue ``fields`` for the hub, in one transaction.
    Returns False (and writes nothing) when a record with this id already exists.

    The fields are checked with the hub's own rules first (sync.protocol): the outbox never
    holds an operation the hub would refuse."""
    validate_fields(entity, fields)
    encoded = json.dumps(fields, ensure_ascii=False, sort_keys=True)
    if len(encoded.encode()) > MAX_OP_BYTES:
        # It could never be pushed (and would block the queue behind it): refuse it now.
        raise ProtocolError("fields", f"together are larger than {MAX_OP_BYTES} bytes")
    columns = ", ".join(row)
    marks = ", ".join("?" * len(row))
    with transaction(store.conn):
        cursor = store.conn.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({marks}) ON CONFLICT(id) DO NOTHING",
            list(row.values()),
        )
        if cursor.rowcount == 0:
            return False
        store.conn.execute(
            "INSERT INTO outbox (op_id, entity, record_id, fields, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                str(uuid.uuid4()),
                entity,
                row["id"],
                encoded,
                row["created_at"],
            ],
        )
    return True


def record_interest(
    store: Store,
    record_id: str,
    themes: Sequence[str],
    gifts: Sequence[str],
    neighbourhood: str | None,
    language: str,
    kiosk: str,
    assisted: bool = False,
) -> bool:
    """The anonymous choices of 'what do you like, what can you give'; ``assisted`` when a
    receptionist registered them on the visitor's behalf."""
    row = {
        "id": record_id,
        "themes": json.dumps(sorted(themes)),
        "gifts": json.dumps(sorted(gifts)),
        "neighbourhood": neighbourhood,
        "language": language,
        "kiosk": kiosk,
        "created_at": utcnow(),
    }
    fields = {**row, "themes": sorted(themes), "gifts": sorted(gifts), **_assisted(assisted)}
    return _insert_with_outbox(store, "interest", "interests", row, fields)


def _assisted(assisted: bool) -> dict:
    # Left out when false: records look as they did before receptionist mode existed.
    return {"assisted": True} if assisted else {}


def record_contact_request(
    store: Store,
    record_id: str,
    communities: Sequence[str],
    channel: str,
    sealed: bytes,
    days: int,
    receipt_token: str,
    today: date | None = None,
    assisted: bool = False,
) -> bool:
    """Which communities may contact the visitor, until when, under which consent text; the
    detail itself arrives sealed (kiosk.contact.seal), so it never touches the disk in plain."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    expires = (today or date.today()) + timedelta(days=days)
    row = {
        "id": record_id,
        "communities": json.dumps(list(communities)),
        "channel": channel,
        "sealed_payload": sealed,
        "consent_version": CONSENT_VERSION,
        "expires_on": expires.isoformat(),
        "receipt_token_hash": token_hash(receipt_token),
        "created_at": utcnow(),
    }
    fields = {
        **row,
        "communities": list(communities),
        "sealed_payload": base64.b64encode(sealed).decode(),
        **_assisted(assisted),
    }
    return _insert_with_outbox(store, "contact_request", "contact_requests", row, fields)


def record_help_request(store: Store, record_id: str, language: str, kiosk: str) -> bool:
    """'Ask the reception': a receptionist is asked to come over to this kiosk."""
    row = {"id": record_id, "kiosk": kiosk, "language": language, "created_at": utcnow()}
    return _insert_with_outbox(store, "help_request", "help_requests", row, dict(row))


def record_introduction(
    store: Store,
    record_id: str,
    kind: str,
    communities: Sequence[str],
    note: str,
    follow_up_weeks: int,
    kiosk: str,
    both_agreed: bool = False,
) -> bool:
    """An introduction a receptionist made on the spot; the desk follows it up after
    ``follow_up_weeks`` ("did it lead to something?")."""
    row = {
        "id": record_id,
        "kind": kind,
        "communities": json.dumps(list(communities)),
        "note": note.strip(),
        "follow_up_weeks": follow_up_weeks,
        "created_at": utcnow(),
    }
    fields = {
        **{k: v for k, v in row.items() if k != "note" or v},
        "communities": list(communities),
        "kiosk": kiosk,
        **({"both_agreed": True} if both_agreed else {}),
    }
    return _insert_with_outbox(store, "introduction", "introductions", row, fields)


def record_take_home_list(
    store: Store,
    record_id: str,
    token: str,
    communities: Sequence[str],
    language: str,
    today: date | None = None,
) -> bool:
    expires = (today or date.today()) + timedelta(days=TAKE_HOME_DAYS)
    row = {
        "id": record_id,
        "token_hash": token_hash(token),
        "communities": json.dumps(list(communities)),
        "language": language,
        "expires_on": expires.isoformat(),
        "created_at": utcnow(),
    }
    fields = {**row, "communities": list(communities)}
    return _insert_with_outbox(store, "take_home_list", "take_home_lists", row, fields)


def pending_outbox(store: Store) -> list[dict]:
    """The queued operations, oldest first (what the sync worker will push)."""
    cursor = store.conn.execute(
        "SELECT device_seq, op_id, entity, record_id, fields FROM outbox ORDER BY device_seq"
    )
    return [
        {
            "device_seq": seq,
            "op_id": op,
            "entity": entity,
            "record_id": rid,
            "fields": json.loads(fields),
        }
        for seq, op, entity, rid, fields in cursor
    ]
