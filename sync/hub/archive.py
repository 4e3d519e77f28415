"""Communities the desk makes, archives and restores.

A community made at the desk goes to the kiosks at once: the desk is the reviewer. Archived,
it leaves the kiosks through the hub's normal write path (a tombstone in the change log, its
events with it) and stays at the hub, with its events, until the desk restores it; restored,
it comes back as it was, with a new revision. Each step is audited.
"""

from __future__ import annotations

import json
import sqlite3
import uuid

from sync.hub.store import _json, audit, delete_shared, now_iso, put_shared, shared_record, write


def create_community(conn: sqlite3.Connection, actor: str, fields: dict) -> dict:
    """A new community from the desk's form (``fields``: every editable field). Written by
    the reception, every field (the group takes it over through its edit link)."""
    record = {
        **fields,
        "id": str(uuid.uuid4()),
        "provenance": dict.fromkeys(fields, "reception"),
        "last_confirmed": None,
    }
    with write(conn):
        stored = put_shared(conn, "community", record)
        audit(conn, actor, "community created", stored["id"])
    return stored


def archive_community(conn: sqlite3.Connection, actor: str, community_id: str) -> bool:
    """Take a community off the kiosks and keep it here. False when there is none."""
    with write(conn):
        record = shared_record(conn, "community", community_id)
        if record is None:
            return False
        events = [
            json.loads(row[0])
            for row in conn.execute(
                "SELECT data FROM shared_records WHERE entity = 'event' AND data IS NOT NULL"
                " AND json_extract(data, '$.community_id') = ?",
                [community_id],
            )
        ]
        conn.execute(
            "INSERT INTO archived_communities (community_id, data, events, archived_by,"
            " archived_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (community_id) DO UPDATE SET"
            " data = excluded.data, events = excluded.events,"
            " archived_by = excluded.archived_by, archived_at = excluded.archived_at",
            [community_id, _json(record), _json(events), actor, now_iso()],
        )
        delete_shared(conn, "community", community_id)  # its events go with it
        conn.execute("UPDATE edit_links SET revoked_at = ? WHERE community_id = ?"
                     " AND revoked_at IS NULL", [now_iso(), community_id])  # fmt: skip
        # Its "everything is still right" links end too (a restore must not revive them).
        conn.execute("DELETE FROM confirm_links WHERE community_id = ?", [community_id])
        audit(conn, actor, "community archived", community_id)
    return True


def restore_community(conn: sqlite3.Connection, actor: str, community_id: str) -> bool:
    """Bring an archived community back to the kiosks, with its events."""
    with write(conn):
        row = conn.execute(
            "SELECT data, events FROM archived_communities WHERE community_id = ?",
            [community_id],
        ).fetchone()
        if row is None or shared_record(conn, "community", community_id) is not None:
            return False
        put_shared(conn, "community", json.loads(row[0]))
        for event in json.loads(row[1]):
            put_shared(conn, "event", event)
        conn.execute("DELETE FROM archived_communities WHERE community_id = ?", [community_id])
        audit(conn, actor, "community restored", community_id)
    return True


def archived(conn: sqlite3.Connection) -> list[dict]:
    """Archived communities, by name: id, name, who archived and when."""
    rows = conn.execute(
        "SELECT community_id, json_extract(data, '$.name'), archived_by, archived_at"
        " FROM archived_communities"
    )
    return sorted(
        ({"id": i, "name": n, "by": b, "at": a} for i, n, b, a in rows),
        key=lambda c: c["name"].casefold(),
    )
