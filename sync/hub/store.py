"""The hub's store: one SQLite file (hub.db) in the hub's data directory, WAL mode.

What lives here: the shared records (taxonomy, communities, events) with their change log for
pulling, the kiosks and their tokens, one-time enrolment codes, accounts, the epoch, edit
conflicts, and (through sync.hub.ledger) what the kiosks pushed.

Hub order is commit order (SYNC.md rule 8): SQLite has one writer at a time and the change
log's seq is AUTOINCREMENT, so a change committed later always has a higher seq. The log keeps
one row per record (its latest state, or its tombstone): a kiosk pulling from zero reads each
record once, however often it changed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sync.hub import ledger
from sync.hub.change_log import CHANGE_LOG_LOCK
from sync.hub.engine import (
    BUSY_TIMEOUT_MS,
    DB_NAME,
    PostgresConnection,
    SQLiteConnection,
    connect_sqlite,
    database_of,
    on_postgresql,
)
from sync.protocol import EDITABLE_COMMUNITY_FIELDS, validate_shared

TOMBSTONE_DAYS = 180  # a kiosk that has not pulled for longer starts again from zero
ENROLMENT_MINUTES = 60 * 24  # a one-time code is good for a day


class HubStoreError(Exception):
    """The hub's store cannot be used as asked; the message says why."""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def connect(path: Path) -> SQLiteConnection:
    """A connection to the SQLite store at ``path`` (sync.hub.engine sets it up)."""
    return connect_sqlite(path)


def create_schema(conn: Any) -> None:
    """Create or migrate the hub's store, outside a transaction: SQLite's hub.db through
    sync.hub.schema, PostgreSQL through Alembic (sync.hub.database)."""
    if on_postgresql(conn):
        from sync.hub.database import prepare_postgresql

        prepare_postgresql(conn.url)
        return
    from sync.hub.schema import migrate

    migrate(conn)


def new_epoch() -> str:
    return str(uuid.uuid4())


@contextmanager
def write(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, all or nothing."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:  # SQLite may have rolled back by itself (a full disk)
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def meta(conn: sqlite3.Connection, key: str) -> str:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    if row is None:
        raise HubStoreError(f"the hub's store has no '{key}': run 'ontmoet-hub init' first")
    return row[0]


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


# -- shared records ---------------------------------------------------------------------------


def _log_change(conn: sqlite3.Connection, entity: str, rid: str, data: str | None) -> None:
    if on_postgresql(conn):  # seq order = commit order (sync.hub.change_log, SYNC.md rule 8)
        conn.execute("SELECT pg_advisory_xact_lock(?)", [CHANGE_LOG_LOCK])
    conn.execute("DELETE FROM changes WHERE entity = ? AND id = ?", [entity, rid])
    conn.execute(
        "INSERT INTO changes (entity, id, deleted, data, changed_at) VALUES (?, ?, ?, ?, ?)",
        [entity, rid, int(data is None), data, now_iso()],
    )


def shared_record(conn: sqlite3.Connection, entity: str, rid: str) -> dict | None:
    row = conn.execute(
        "SELECT data FROM shared_records WHERE entity = ? AND id = ? AND data IS NOT NULL",
        [entity, rid],
    ).fetchone()
    return json.loads(row[0]) if row else None


def put_shared(conn: sqlite3.Connection, entity: str, data: dict) -> dict:
    """Store a whole shared record (new, or replacing the old one) and log the change.
    The record is checked with the protocol's rules: the hub never stores what a kiosk would
    refuse. For communities the revision goes up by one and every changed field is noted."""
    if entity == "community":
        old = conn.execute(
            "SELECT data, revision, field_revisions FROM shared_records"
            " WHERE entity = 'community' AND id = ?",
            [data.get("id")],
        ).fetchone()
        revision = (old[1] + 1) if old else 1
        data = {**data, "revision": revision}
        field_revisions = json.loads(old[2]) if old else {}
        before = json.loads(old[0]) if old and old[0] else {}
        for name in EDITABLE_COMMUNITY_FIELDS:
            if before.get(name) != data.get(name):
                field_revisions[name] = revision
    else:
        revision, field_revisions = 1, {}
    checked = validate_shared(entity, data)
    text_data = _json(checked)
    conn.execute(
        "INSERT INTO shared_records (entity, id, data, revision, field_revisions, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (entity, id) DO UPDATE SET data = excluded.data,"
        " revision = excluded.revision, field_revisions = excluded.field_revisions,"
        " updated_at = excluded.updated_at",
        [entity, checked["id"], text_data, revision, _json(field_revisions), now_iso()],
    )
    _log_change(conn, entity, checked["id"], text_data)
    return checked


def delete_shared(conn: sqlite3.Connection, entity: str, rid: str) -> bool:
    """Delete a shared record: a tombstone goes into the change log (SYNC.md rule 9).
    A community's events go with it."""
    cursor = conn.execute(
        "UPDATE shared_records SET data = NULL, revision = revision + 1, updated_at = ?"
        " WHERE entity = ? AND id = ? AND data IS NOT NULL",
        [now_iso(), entity, rid],
    )
    if not cursor.rowcount:
        return False
    _log_change(conn, entity, rid, None)
    if entity == "community":
        events = conn.execute(
            "SELECT id FROM shared_records WHERE entity = 'event' AND data IS NOT NULL"
            " AND json_extract(data, '$.community_id') = ?",
            [rid],
        ).fetchall()
        for (eid,) in events:
            delete_shared(conn, "event", eid)
    return True


@dataclass
class EditOutcome:
    revision: int
    applied: list[str]
    conflicts: list[str]


def edit_community(
    conn: sqlite3.Connection,
    community_id: str,
    changes: dict[str, Any],
    base_revision: int,
    source: str,
    edit_id: str | None = None,
) -> EditOutcome:
    """An edit made on top of ``base_revision`` (SYNC.md rule 10). A field that someone else
    changed since that revision keeps the hub's value; the edit's value goes into
    ``conflicts`` for the desk. Clocks decide nothing. Call inside a write transaction."""
    row = conn.execute(
        "SELECT data, revision, field_revisions FROM shared_records"
        " WHERE entity = 'community' AND id = ?",
        [community_id],
    ).fetchone()
    if row is None or row[0] is None:
        # The record was deleted at the hub: the edit is kept for the desk, not applied.
        for name, value in changes.items():
            _conflict(conn, community_id, name, None, value, base_revision, 0, source, edit_id)
        return EditOutcome(0, [], sorted(changes))
    data, revision, field_revisions = json.loads(row[0]), row[1], json.loads(row[2])
    applied, conflicted = {}, []
    for name, value in changes.items():
        if field_revisions.get(name, 0) > base_revision and data.get(name) != value:
            _conflict(conn, community_id, name, data.get(name), value, base_revision, revision,
                      source, edit_id)  # fmt: skip
            conflicted.append(name)
        else:
            applied[name] = value
    if applied and any(data.get(k) != v for k, v in applied.items()):
        data = put_shared(conn, "community", {**data, **applied})
        revision = data["revision"]
    return EditOutcome(revision, sorted(applied), sorted(conflicted))


def _conflict(conn, community_id, name, kept, proposed, base, hub_rev, source, edit_id) -> None:
    conn.execute(
        "INSERT INTO conflicts (community_id, field, kept_value, proposed_value, base_revision,"
        " hub_revision, source, edit_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [community_id, name, _json(kept), _json(proposed), base, hub_rev, source, edit_id,
         now_iso()],
    )  # fmt: skip


def conflicts(conn: sqlite3.Connection, open_only: bool = True) -> list[dict]:
    sql = "SELECT * FROM conflicts" + (" WHERE resolved_at IS NULL" if open_only else "")
    cursor = conn.execute(sql + " ORDER BY id")
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor]


def community_revision(conn: sqlite3.Connection, community_id: str) -> int:
    row = conn.execute(
        "SELECT revision FROM shared_records WHERE entity = 'community' AND id = ?",
        [community_id],
    ).fetchone()
    return row[0] if row else 0


# -- pull -------------------------------------------------------------------------------------


@dataclass
class Page:
    changes: list[dict]
    next: int
    has_more: bool
    resync: bool


def last_seq(conn: sqlite3.Connection) -> int:
    """The highest seq the change log ever handed out (0: none yet)."""
    if on_postgresql(conn):
        row = conn.execute(
            "SELECT pg_sequence_last_value(pg_get_serial_sequence('changes', 'seq'))"
        ).fetchone()
    else:
        row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'changes'").fetchone()
    return (row[0] or 0) if row else 0


def changes_since(
    conn: sqlite3.Connection, since: int, limit: int, leave_out: frozenset[str] = frozenset()
) -> Page:
    """A page of the change log after ``since``. A cursor older than the tombstone horizon,
    or ahead of the hub (a hub restored from a backup), gets ``resync`` (SYNC.md rule 9).
    Changes of the entities in ``leave_out`` (records a kiosk's version does not know) are
    left out of the page, and its ``next`` still passes them."""
    horizon = int(meta(conn, "horizon"))
    if since > last_seq(conn) or (since and since < horizon):
        return Page([], 0, False, True)
    rows = conn.execute(
        "SELECT seq, entity, id, deleted, data FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
        [since, limit + 1],
    ).fetchall()
    has_more = len(rows) > limit
    rows = rows[:limit]
    # The records' JSON is spliced in as it is stored: no parse and dump per record.
    changes = [
        {"seq": seq, "entity": entity, "id": rid, "deleted": bool(deleted), "data": data}
        for seq, entity, rid, deleted, data in rows
        if entity not in leave_out
    ]
    return Page(changes, rows[-1][0] if rows else since, has_more, False)


def purge_tombstones(conn: sqlite3.Connection, days: int = TOMBSTONE_DAYS) -> int:
    """Forget tombstones older than ``days``; kiosks with an older cursor start from zero."""
    limit = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
    with write(conn):
        rows = conn.execute(
            "SELECT seq FROM changes WHERE deleted = 1 AND changed_at < ?", [limit]
        ).fetchall()
        if rows:
            horizon = max(int(meta(conn, "horizon")), max(r[0] for r in rows))
            conn.execute("DELETE FROM changes WHERE deleted = 1 AND changed_at < ?", [limit])
            set_meta(conn, "horizon", str(horizon))
    return len(rows)


# -- kiosks, enrolment, tokens ----------------------------------------------------------------


#: Enrolment codes: letters and digits only, 16 of them (95 bits). Not token_urlsafe: one code
#: in 64 began with '-', which a command line takes for an option ('ontmoet-kiosk enrol URL
#: -hX...' failed: the flaky test_hub_demo.py), and '_' and '-' are easily misread aloud.
CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
CODE_LENGTH = 16


def new_enrolment_code(conn: sqlite3.Connection, kiosk: str) -> str:
    """A one-time code for ``kiosk``; only its hash is stored."""
    from sync.protocol import kiosk_name

    kiosk_name("kiosk", kiosk)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    expires = datetime.now(UTC) + timedelta(minutes=ENROLMENT_MINUTES)
    with write(conn):
        conn.execute(
            "INSERT INTO enrolment_codes (code_hash, kiosk, expires_at) VALUES (?, ?, ?)",
            [hash_secret(code), kiosk, expires.isoformat(timespec="seconds")],
        )
    return code


def redeem_enrolment_code(
    conn: sqlite3.Connection, code: str, device: str
) -> tuple[str, str] | None:
    """Exchange a valid, unused code for (kiosk name, new token). The kiosk's old token, if
    any, stops working. The same device enrolled again goes on with its device_seq; another
    device under the same name (a replaced kiosk) starts its own sequence, and what the old
    one pushed is kept under '<name> (replaced <when>)'."""
    with write(conn):
        row = conn.execute(
            "SELECT kiosk, expires_at, used_at FROM enrolment_codes WHERE code_hash = ?",
            [hash_secret(code)],
        ).fetchone()
        if row is None or row[2] is not None or row[1] < now_iso():
            return None
        kiosk, token = row[0], secrets.token_urlsafe(32)
        conn.execute(
            "UPDATE enrolment_codes SET used_at = ? WHERE code_hash = ?",
            [now_iso(), hash_secret(code)],
        )
        known = conn.execute("SELECT device_id FROM kiosks WHERE name = ?", [kiosk]).fetchone()
        if known is not None and known[0] != device:
            retired = f"{kiosk} (replaced {now_iso()})"
            conn.execute("UPDATE pushed_ops SET kiosk = ? WHERE kiosk = ?", [retired, kiosk])
            conn.execute("DELETE FROM kiosk_cursors WHERE kiosk = ?", [kiosk])
        conn.execute(
            "INSERT INTO kiosks (name, token_hash, device_id, enrolled_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash,"
            " device_id = excluded.device_id, enrolled_at = excluded.enrolled_at,"
            " revoked_at = NULL",
            [kiosk, hash_secret(token), device, now_iso()],
        )
    return kiosk, token


def revoke_kiosk(conn: sqlite3.Connection, kiosk: str) -> bool:
    with write(conn):
        cursor = conn.execute(
            "UPDATE kiosks SET token_hash = NULL, revoked_at = ? WHERE name = ?",
            [now_iso(), kiosk],
        )
        conn.execute("DELETE FROM enrolment_codes WHERE kiosk = ? AND used_at IS NULL", [kiosk])
    return bool(cursor.rowcount)


def kiosk_for_token(conn: sqlite3.Connection, token: str) -> str | None:
    """The kiosk this token belongs to, or None. Tokens are stored as SHA-256 only; the
    final comparison is in constant time."""
    wanted = hash_secret(token)
    row = conn.execute(
        "SELECT name, token_hash FROM kiosks WHERE token_hash = ? AND revoked_at IS NULL",
        [wanted],
    ).fetchone()
    if row is None or not hmac.compare_digest(row[1], wanted):
        return None
    return row[0]


def kiosks(conn: sqlite3.Connection) -> list[dict]:
    cursor = conn.execute("SELECT * FROM kiosks ORDER BY name")
    columns = [d[0] for d in cursor.description]
    rows = [dict(zip(columns, row, strict=True)) for row in cursor]
    for row in rows:
        row.pop("token_hash")
        row.pop("device_id")
        row["acked_seq"] = ledger.acked_seq(conn, row["name"])
    return rows


def note_kiosk_seen(conn: sqlite3.Connection, kiosk: str, **facts: Any) -> None:
    """What a kiosk said about itself with a request (outbox size, version, clock)."""
    allowed = {"last_push", "last_pull", "outbox_size", "oldest_unsent", "version",
               "clock_skew_seconds"}  # fmt: skip
    # None means "not said", except for oldest_unsent, where it means "nothing waits".
    facts = {
        k: v for k, v in facts.items() if k in allowed and (v is not None or k == "oldest_unsent")
    }
    sets = ", ".join(f"{k} = ?" for k in facts)
    conn.execute(
        f"UPDATE kiosks SET last_seen = ?{', ' + sets if sets else ''} WHERE name = ?",
        [now_iso(), *facts.values(), kiosk],
    )


# -- visitor records at the hub ---------------------------------------------------------------


def take_home_list(conn: sqlite3.Connection, token: str) -> dict | None:
    row = conn.execute(
        "SELECT id, communities, language, expires_on FROM take_home_lists WHERE token_hash = ?",
        [hash_secret(token)],
    ).fetchone()
    if row is None:
        return None
    return {"id": row[0], "communities": json.loads(row[1]), "language": row[2],
            "expires_on": row[3]}  # fmt: skip


def contact_request_for_receipt(conn: sqlite3.Connection, token: str) -> dict | None:
    row = conn.execute(
        "SELECT v.id, v.fields FROM contact_receipts r JOIN visitor_records v"
        " ON v.entity = 'contact_request' AND v.id = r.id WHERE r.token_hash = ?",
        [hash_secret(token)],
    ).fetchone()
    return {"id": row[0], **json.loads(row[1])} if row else None


def withdraw_contact_request(conn: sqlite3.Connection, record_id: str) -> None:
    """Withdrawn consent: the request and its sealed details are erased at once and will
    never be delivered; only the bare id stays, so that nothing brings it back."""
    with write(conn):
        erase_contact_request(conn, record_id)
    checkpoint_after_erasure(conn)


def audit(conn: sqlite3.Connection, actor: str, action: str, target: str = "") -> None:
    """Who did what to which record (by id): never names, addresses or numbers."""
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, target) VALUES (?, ?, ?, ?)",
        [now_iso(), actor, action, target],
    )


#: How an introduction made at a kiosk names the visitors in it: the kiosk, never a person.
KIOSK_VISITOR = "kiosk:"


def _introduction_from_kiosk(conn: sqlite3.Connection, kiosk: str, fields: dict, now: str) -> None:
    kind, communities = fields["kind"], fields["communities"]
    visitor = KIOSK_VISITOR + kiosk
    party_a, party_b = {
        "visitor_community": (visitor, communities[0] if communities else ""),
        "community_community": tuple(communities[:2]) if len(communities) == 2 else ("", ""),
        "visitor_visitor": (visitor, visitor),
    }[kind]
    follow_up = datetime.fromisoformat(now).date() + timedelta(weeks=fields["follow_up_weeks"])
    made_by = f"kiosk {kiosk}"
    (new,) = conn.execute(
        "INSERT INTO introductions (kind, party_a, party_b, note, follow_up_on, made_by,"
        " made_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [kind, party_a, party_b, fields.get("note") or "", follow_up.isoformat(), made_by, now],
    ).fetchone()
    audit(conn, made_by, f"introduction made ({kind.replace('_', '-')}) in receptionist mode",
          str(new))  # fmt: skip


#: The group figure each erased kind of record counted in (sync.hub.group_figures).
ERASED_FIGURE = {"take_home_list": "kept", "contact_request": "asked"}


def keep_figures_of(conn: sqlite3.Connection, entity: str, fields: str) -> None:
    """Before a take-home list or contact request is erased (inside its write transaction):
    count it in erased_figures, per month made and group named, as the groups' figures
    count it live, so a month's figures do not shrink when its records go."""
    data = json.loads(fields)
    month = str(data.get("created_at", ""))[:7]
    for community in dict.fromkeys(data.get("communities") or ()):
        conn.execute(
            "INSERT INTO erased_figures (month, community_id, figure, count) VALUES (?, ?, ?, 1)"
            " ON CONFLICT (month, community_id, figure)"
            " DO UPDATE SET count = erased_figures.count + 1",
            [month, community, ERASED_FIGURE[entity]],
        )


def erase_contact_request(conn: sqlite3.Connection, record_id: str) -> None:
    """Erase a contact request and its sealed details (inside a write transaction); the bare
    id stays in erased_records so that nothing brings it back, and its figures stay counted."""
    # Counted from what the DELETE itself removed: two erasures of one request at once (two
    # hub processes on PostgreSQL) count it once.
    for (fields,) in conn.execute(
        "DELETE FROM visitor_records WHERE entity = 'contact_request' AND id = ? RETURNING fields",
        [record_id],
    ).fetchall():
        keep_figures_of(conn, "contact_request", fields)
    conn.execute("DELETE FROM contact_receipts WHERE id = ?", [record_id])
    ledger.erase_quarantined_payloads(conn, record_id)  # a refused copy holds the details too
    conn.execute(
        "INSERT INTO erased_records (entity, id, erased_at)"
        " VALUES ('contact_request', ?, ?) ON CONFLICT DO NOTHING",
        [record_id, now_iso()],
    )


#: How long an erasure's checkpoint waits for readers; it holds up writers meanwhile.
CHECKPOINT_WAIT_MS = 1000


def checkpoint_after_erasure(conn: sqlite3.Connection) -> bool:
    """Call after an erasure committed (outside a transaction). secure_delete zeroes erased
    rows, but the WAL still holds the frames that wrote them until it is checkpointed and
    emptied. A reader on an older snapshot can keep that from finishing: then False, the
    frames stay for now, and the next purge (every 10 minutes) tries again. PostgreSQL
    keeps no WAL of its own for the hub to empty: its dead rows go at the next vacuum, and its
    WAL and base backups are the operator's to keep and expire (docs/postgresql.md)."""
    if on_postgresql(conn):
        return True
    conn.execute(f"PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}")
    try:
        busy, _frames, _copied = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.OperationalError:  # locked past the wait
        return False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return busy == 0


#: What one kiosk may make per hour, per kind of record: far above what a busy hall makes,
#: far below a flood from a stolen kiosk (5,000 help requests in seconds). Counted by the
#: hour a record was made in (UTC), so that a kiosk back after days offline sends its backlog
#: in one go; a kiosk that backdates its records to spread a flood still meets BACKLOG_FACTOR
#: times the quota per hour of arrival. Over it, records are quarantined (kept for a person to
#: look at, acknowledged so the queue moves on) and the kiosk shows an alert at the desk.
QUOTAS_PER_HOUR = {
    "help_request": 30,
    "contact_request": 60,
    "introduction": 60,
    "interest": 300,
    "take_home_list": 300,
    "group_tip": 30,  # a tip about a missing group: a few a day in a busy hall
    "wish": 60,  # "I'd join this": as often as an interest that found too little
    "kiosk_counts": 30,  # one per kiosk and day; a kiosk back after weeks sends its backlog
}
BACKLOG_FACTOR = 10
QUOTA_WINDOW_DAYS = 15  # records received longer ago are not counted (the kiosk's archive: 14)
OVER_QUOTA = "is over this kiosk's quota"


def quota_hour(made: str, now: str) -> str:
    """The hour (UTC) a record counts in: the hour it was made, by its kiosk's word; the hour
    it arrived when that word is off by more than the kiosk's archive (a clock at 1970, or a
    stolen kiosk spreading a flood over invented hours)."""
    arrived = datetime.fromisoformat(now)
    try:
        claimed = datetime.fromisoformat(made).astimezone(UTC)
    except (ValueError, OverflowError):
        claimed = arrived
    if not arrived - timedelta(days=QUOTA_WINDOW_DAYS) <= claimed <= arrived + timedelta(days=1):
        claimed = arrived
    return claimed.strftime("%Y-%m-%dT%H")


def _within_quota(
    conn: sqlite3.Connection, kiosk: str, entity: str, hour: str, now: str, factor: float
) -> None:
    from sync.protocol import ProtocolError

    # The quota factor (ONTMOET_HUB_QUOTA_FACTOR) scales every quota: for a kiosk in a very
    # busy place, and for the sync fault tests, which make months of visitors in seconds.
    quota = int(QUOTAS_PER_HOUR.get(entity, 300) * factor)
    last_hour = (datetime.fromisoformat(now) - timedelta(hours=1)).isoformat(timespec="seconds")
    same_hour = conn.execute(
        "SELECT count(*) FROM visitor_records WHERE kiosk = ? AND entity = ? AND quota_hour = ?",
        [kiosk, entity, hour],
    ).fetchone()[0]
    arrived_lately = conn.execute(
        "SELECT count(*) FROM visitor_records WHERE kiosk = ? AND entity = ? AND received_at > ?",
        [kiosk, entity, last_hour],
    ).fetchone()[0]
    if same_hour >= quota or arrived_lately >= quota * BACKLOG_FACTOR:
        raise ProtocolError("op.entity", f"{OVER_QUOTA} ({quota} {entity} an hour)")


#: The longest a record may be kept, from its arrival: a kiosk's word on expires_on is
#: capped here (a visitor chooses at most 12 months of consent; a take-home list lives 90
#: days). Capped, not refused: a kiosk whose clock is years off keeps its records.
RETENTION_DAYS = {"contact_request": 366, "take_home_list": 91}


def _within_retention(checked: dict, now: str) -> dict:
    days = RETENTION_DAYS.get(checked["entity"])
    fields = checked["fields"]
    if days is None or "expires_on" not in fields:
        return checked
    latest = (datetime.fromisoformat(now).date() + timedelta(days=days)).isoformat()
    if fields["expires_on"] <= latest:
        return checked
    return {**checked, "fields": {**fields, "expires_on": latest}}


def apply_visitor_record(
    conn: sqlite3.Connection, kiosk: str, checked: dict, now: str, quota_factor: float = 1.0
) -> None:
    """What the hub does with one valid record a kiosk pushed (called by the ledger inside its
    transaction). Idempotent by the record's UUID."""
    entity, rid, fields = checked["entity"], checked["record_id"], checked["fields"]
    if conn.execute(
        "SELECT 1 FROM erased_records WHERE entity = ? AND id = ?", [entity, rid]
    ).fetchone():
        return
    hour = quota_hour(fields.get("created_at") or now, now)
    _within_quota(conn, kiosk, entity, hour, now, quota_factor)
    checked = _within_retention(checked, now)
    fields = checked["fields"]
    if not ledger.insert_record(conn, kiosk, checked, now):
        return
    conn.execute(
        "UPDATE visitor_records SET quota_hour = ? WHERE entity = ? AND id = ?", [hour, entity, rid]
    )
    if entity == "take_home_list":
        conn.execute(
            "INSERT INTO take_home_lists (token_hash, id, communities, language,"
            " expires_on) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [fields["token_hash"], rid, _json(fields["communities"]), fields["language"],
             fields["expires_on"]],
        )  # fmt: skip
    elif entity == "contact_request":
        conn.execute(
            "INSERT INTO contact_receipts (token_hash, id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [fields["receipt_token_hash"], rid],
        )
    elif entity == "introduction":
        _introduction_from_kiosk(conn, kiosk, fields, now)


def visitor_records(conn: sqlite3.Connection, entity: str | None = None) -> list[dict]:
    sql, params = "SELECT entity, id, kiosk, fields FROM visitor_records", []
    if entity:
        sql, params = sql + " WHERE entity = ?", [entity]
    return [
        {"entity": e, "id": i, "kiosk": k, "fields": json.loads(f)}
        for e, i, k, f in conn.execute(sql + " ORDER BY received_at, id", params)
    ]


# -- the demo ---------------------------------------------------------------------------------


def load_records(
    conn: sqlite3.Connection,
    taxonomy: dict | None,
    communities: Iterable[dict],
    events: Iterable[dict],
) -> int:
    """Load shared records in one transaction (taxonomy first: kiosks index communities by its
    labels). Returns the number of communities. A record that breaks a rule changes nothing."""
    count = 0
    with write(conn):
        if taxonomy is not None:
            put_shared(conn, "taxonomy", taxonomy)
        for community in communities:
            put_shared(conn, "community", community)
            count += 1
        for event in events:
            put_shared(conn, "event", event)
    return count


class Hub:
    """An open hub store: one connection per thread (SQLite connections are not shared; on
    PostgreSQL each thread has its own session, opened again if the server went away).

    ``database``: the PostgreSQL address; None reads it from the hub's folder and
    ONTMOET_HUB_DATABASE (sync.hub.engine.database_of); "" is SQLite in the folder."""

    def __init__(self, data_dir: Path, database: str | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / DB_NAME
        self.database = database_of(self.data_dir) if database is None else database
        if not self.database and not self.path.exists():
            raise HubStoreError(
                f"{self.data_dir} holds no hub: run 'ontmoet-hub init --data-dir "
                f"{self.data_dir}' first"
            )
        self._local = threading.local()

    @property
    def on_postgresql(self) -> bool:
        return bool(self.database)

    @property
    def conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is not None and self.database and not conn.usable:
            conn = None  # the server restarted or the network dropped: a new session
        if conn is None:
            conn = self._local.conn = (
                PostgresConnection(self.database) if self.database else connect(self.path)
            )
        return conn


#: What a restore never rolls back: who may sync (tokens, revocations, used codes), who may
#: log in and edit (accounts and which group an editor edits, sessions ended or begun, login
#: locks, edit links revoked or made), and every erasure. The records and what the kiosks
#: pushed do go back in time.
# kiosk_alerts: which alert mails went out follows the kiosks (else a restore mails "back"
# for a kiosk whose "offline" mail the backup never saw).
CARRIED_OVER = ("kiosks", "enrolment_codes", "accounts", "editor_communities", "desk_sessions",
                "login_throttle", "edit_links", "erased_records", "kiosk_alerts")  # fmt: skip


def _carry_over_introduction_mail(
    current: sqlite3.Connection, restored: sqlite3.Connection
) -> None:
    """What each side of an introduction was mailed, and what they answered, happened to
    people outside the hub: for every introduction the backup holds (the same one: its kind,
    parties and time agree), its sides and the outcome their answers set come from the current
    store, so no side is mailed a second time. Introductions made after the backup go back in
    time with the rest."""
    columns = "id, kind, party_a, party_b, made_at"
    same = set(current.execute(f"SELECT {columns} FROM introductions").fetchall()) & set(
        restored.execute(f"SELECT {columns} FROM introductions").fetchall()
    )
    ids = sorted(row[0] for row in same)
    for start in range(0, len(ids), 500):  # SQLite's limit on parameters, with room to spare
        chunk = ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        cursor = current.execute(
            f"SELECT * FROM introduction_parties WHERE introduction_id IN ({marks})", chunk
        )
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        restored.execute(
            f"DELETE FROM introduction_parties WHERE introduction_id IN ({marks})", chunk
        )
        restored.executemany(
            f"INSERT INTO introduction_parties ({', '.join(names)})"
            f" VALUES ({', '.join('?' * len(names))})",
            rows,
        )
        for rid, outcome, by in current.execute(
            f"SELECT id, outcome, outcome_by FROM introductions WHERE id IN ({marks})", chunk
        ).fetchall():
            restored.execute(
                "UPDATE introductions SET outcome = ?, outcome_by = ? WHERE id = ?",
                [outcome, by, rid],
            )


def carry_over_on_restore(current: sqlite3.Connection, restored: sqlite3.Connection) -> None:
    """Before a backup replaces the store: keep what must not go back in time, and erase
    again, in the restored store, everything erased since the backup was made (a withdrawn
    consent must not come back with the backup)."""
    restored.execute("BEGIN IMMEDIATE")
    carry_over(current, restored)
    restored.execute("COMMIT")


def carry_over(current: sqlite3.Connection, restored: sqlite3.Connection) -> None:
    """carry_over_on_restore inside the caller's write transaction on ``restored``."""
    for table in CARRIED_OVER:
        cursor = current.execute(f"SELECT * FROM {table}")
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        restored.execute(f"DELETE FROM {table}")
        restored.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            rows,
        )
    _carry_over_introduction_mail(current, restored)
    erased = restored.execute("SELECT entity, id FROM erased_records").fetchall()
    for entity, rid in erased:
        for (fields,) in restored.execute(
            "DELETE FROM visitor_records WHERE entity = ? AND id = ? RETURNING fields",
            [entity, rid],
        ).fetchall():
            if entity in ERASED_FIGURE:  # erased after the backup: its figures stay
                keep_figures_of(restored, entity, fields)
        restored.execute("DELETE FROM contact_receipts WHERE id = ?", [rid])
