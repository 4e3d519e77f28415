"""Communities own their records. A community edits its own record through an expiring edit
link (no account needed); what it writes is reviewed lightly at the desk before it reaches the
kiosks. A change by the reception to a field the community wrote waits for the community's
approval; a field the reception wrote itself changes at once. Every applied change records
who wrote each field (provenance) and, from the community, the day it confirmed its record.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from datetime import UTC, datetime, timedelta

from sync.hub import desk_store
from sync.hub.store import edit_community, hash_secret, now_iso, put_shared, shared_record, write
from sync.protocol import community_changes

LINK_DAYS = 30
#: The fields a community edits on its own page, and the reception on the desk.
FORM_FIELDS = ("name", "pitch", "story", "welcome", "accessibility", "contact", "state")


def new_edit_link(conn: sqlite3.Connection, actor: str, community_id: str) -> str:
    """A token for /edit/<token>, valid LINK_DAYS; only its hash is kept. The group's older
    links stop working: one link per group, so a link handed to someone who left the group
    ends when the group asks for a new one."""
    if shared_record(conn, "community", community_id) is None:
        raise ValueError("unknown community")
    token = secrets.token_urlsafe(24)
    expires = datetime.now(UTC) + timedelta(days=LINK_DAYS)
    with write(conn):
        _revoke(conn, community_id)
        conn.execute(
            "INSERT INTO edit_links (token_hash, community_id, expires_at, created_by,"
            " created_at) VALUES (?, ?, ?, ?, ?)",
            [hash_secret(token), community_id, expires.isoformat(), actor, now_iso()],
        )
        desk_store.audit(conn, actor, "edit link made", community_id)
    return token


def _revoke(conn: sqlite3.Connection, community_id: str) -> int:
    return conn.execute(
        "UPDATE edit_links SET revoked_at = ? WHERE community_id = ? AND revoked_at IS NULL",
        [now_iso(), community_id],
    ).rowcount


def revoke_edit_links(conn: sqlite3.Connection, actor: str, community_id: str) -> int:
    """End every edit link of a group at once."""
    with write(conn):
        ended = _revoke(conn, community_id)
        desk_store.audit(conn, actor, f"edit links revoked: {ended}", community_id)
    return ended


def community_for_link(conn: sqlite3.Connection, token: str) -> str | None:
    if not token or len(token) > 64:
        return None
    row = conn.execute(
        "SELECT community_id, expires_at FROM edit_links WHERE token_hash = ?"
        " AND revoked_at IS NULL",
        [hash_secret(token)],
    ).fetchone()
    if row is None or row[1] < datetime.now(UTC).isoformat():
        return None
    return row[0]


def changed_fields(record: dict, form: dict) -> dict:
    """What the form changes, checked by the protocol's rules (an allowlist)."""
    changes = {k: v for k, v in form.items() if k in FORM_FIELDS and record.get(k) != v}
    return community_changes("changes", changes) if changes else {}


def propose(
    conn: sqlite3.Connection, community_id: str, changes: dict, source: str, actor: str
) -> dict[str, str]:
    """File a change. From the community: reviewed at the desk. From the reception: fields
    the community wrote wait for its approval; the rest is applied at once. Returns what
    happened to each field ('review', 'awaiting_community' or 'applied')."""
    with write(conn):
        return propose_within(conn, community_id, changes, source, actor)


def propose_within(
    conn: sqlite3.Connection, community_id: str, changes: dict, source: str, actor: str
) -> dict[str, str]:
    """As ``propose``, inside the caller's write transaction (an import: all or nothing)."""
    record = shared_record(conn, "community", community_id)
    if record is None:
        raise ValueError("unknown community")
    if not changes:
        return {}
    if source == "community":
        _file(conn, record, changes, "community", "review", actor)
        return dict.fromkeys(changes, "review")
    theirs = {k: v for k, v in changes.items() if _author(record, k) == "community"}
    ours = {k: v for k, v in changes.items() if k not in theirs}
    if theirs:
        _file(conn, record, theirs, "reception", "awaiting_community", actor)
    if ours:
        _apply(conn, community_id, record["revision"], ours, "reception", actor)
        desk_store.audit(conn, actor, "community record changed", community_id)
    return {**dict.fromkeys(theirs, "awaiting_community"), **dict.fromkeys(ours, "applied")}


def _author(record: dict, field: str) -> str:
    return record.get("provenance", {}).get(field, "community")


def _file(conn, record: dict, changes: dict, source: str, status: str, actor: str) -> None:
    conn.execute(
        "INSERT INTO proposals (community_id, base_revision, changes, source, status,"
        " made_by, made_at, ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [record["id"], record["revision"], json.dumps(changes, ensure_ascii=False), source,
         status, actor, now_iso(), secrets.token_hex(16)],
    )  # fmt: skip
    desk_store.audit(conn, actor, f"change proposed ({status.replace('_', ' ')})",
                     record["id"])  # fmt: skip


def _apply(conn, community_id: str, base: int, changes: dict, author: str, actor: str) -> None:
    """Apply on top of ``base`` (a field changed by someone else since then is kept and the
    other value goes to the conflicts, SYNC.md rule 10), then note who wrote what."""
    outcome = edit_community(conn, community_id, changes, base, actor)
    record = shared_record(conn, "community", community_id)
    if record is None or not outcome.applied:
        return
    provenance = {**record.get("provenance", {}), **dict.fromkeys(outcome.applied, author)}
    confirmed = record.get("last_confirmed")
    if author == "community":
        confirmed = datetime.now(UTC).date().isoformat()
    put_shared(conn, "community", {**record, "provenance": provenance,
                                   "last_confirmed": confirmed})  # fmt: skip


def pending(conn: sqlite3.Connection, status: str, community_id: str | None = None) -> list:
    """Proposals in ``status``; each named in forms by its ``ref``, an unguessable reference
    (a row id would let whoever holds one group's link try the next numbers)."""
    sql = "SELECT id, ref, community_id, changes, made_by, made_at FROM proposals WHERE status = ?"
    params: list = [status]
    if community_id:
        sql, params = sql + " AND community_id = ?", [status, community_id]
    return [
        {"id": i, "ref": ref, "community_id": c, "changes": json.loads(ch), "made_by": by,
         "made_at": at}
        for i, ref, c, ch, by, at in conn.execute(sql + " ORDER BY id", params)
    ]  # fmt: skip


def decide(
    conn: sqlite3.Connection, ref: str, approve: bool, actor: str, expected: str,
    community_id: str | None = None,
) -> bool:  # fmt: skip
    """Approve or decline the proposal ``ref`` in state ``expected`` ('review' at the desk,
    'awaiting_community' on the community's page, where ``community_id`` must be the group's
    own). False when there is no such proposal."""
    with write(conn):
        row = conn.execute(
            "SELECT id, community_id, base_revision, changes, source FROM proposals"
            " WHERE ref = ? AND status = ? AND community_id = coalesce(?, community_id)",
            [ref, expected, community_id],
        ).fetchone()
        if row is None:
            return False
        proposal_id, community_id, base, changes, source = row
        if approve:
            _apply(conn, community_id, base, json.loads(changes), source, actor)
        conn.execute(
            "UPDATE proposals SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?",
            ["applied" if approve else "declined", actor, now_iso(), proposal_id],
        )
        desk_store.audit(conn, actor, f"change {'approved' if approve else 'declined'}",
                         community_id)  # fmt: skip
    return True


def confirm(conn: sqlite3.Connection, community_id: str, actor: str) -> None:
    """'Still correct': the community confirms its record as it is."""
    with write(conn):
        record = shared_record(conn, "community", community_id)
        if record is not None:
            today = datetime.now(UTC).date().isoformat()
            put_shared(conn, "community", {**record, "last_confirmed": today})
            desk_store.audit(conn, actor, "record confirmed by the community", community_id)
