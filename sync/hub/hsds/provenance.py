"""Where imported communities came from (migration m009_imports): each source's record and
the community it became, each field's last import (source, when, the hash of the value the
source had), and the import runs with their reports for the desk."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import date

from sync.hub.store import _json
from sync.protocol import EDITABLE_COMMUNITY_FIELDS

#: The report of a run keeps at most this many bad rows (the count says how many there were).
MAX_REPORTED_ROWS = 1000


def value_hash(value: object) -> str:
    return hashlib.sha256(_json(value).encode()).hexdigest()


def known_sources(conn: sqlite3.Connection, source: str) -> dict[str, str]:
    """The source's ids -> the communities they became."""
    rows = conn.execute(
        "SELECT source_id, community_id FROM import_sources WHERE source = ?", [source]
    )
    return dict(rows.fetchall())


def other_sources(conn: sqlite3.Connection, source: str, source_ids: list[str]) -> dict[str, int]:
    """Other sources that brought records by these ids before: source -> how many."""
    found: dict[str, int] = {}
    for start in range(0, len(source_ids), 500):
        chunk = source_ids[start : start + 500]
        rows = conn.execute(
            "SELECT source, count(*) FROM import_sources WHERE source != ? AND source_id IN"
            f" ({', '.join('?' * len(chunk))}) GROUP BY source",
            [source, *chunk],
        )
        for other, n in rows:
            found[other] = found.get(other, 0) + n
    return found


def last_hashes(conn: sqlite3.Connection, community_id: str) -> dict[str, str]:
    rows = conn.execute(
        "SELECT field, value_hash FROM import_fields WHERE community_id = ?", [community_id]
    )
    return dict(rows.fetchall())


def remember(conn: sqlite3.Connection, source: str, source_id: str, community_id: str,
             hashes: dict[str, str], at: str, run_id: int) -> None:  # fmt: skip
    """Inside the import's transaction: the source's record and its fields' values."""
    conn.execute(
        "INSERT INTO import_sources (source, source_id, community_id) VALUES (?, ?, ?)"
        " ON CONFLICT (source, source_id) DO UPDATE SET community_id = excluded.community_id",
        [source, source_id, community_id],
    )
    conn.executemany(
        "INSERT INTO import_fields (community_id, field, source, source_id,"
        " imported_at, value_hash, run_id) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (community_id, field) DO UPDATE SET source = excluded.source,"
        " source_id = excluded.source_id, imported_at = excluded.imported_at,"
        " value_hash = excluded.value_hash, run_id = excluded.run_id",
        [(community_id, name, source, source_id, at, digest, run_id)
         for name, digest in hashes.items()],
    )  # fmt: skip


def new_run(conn: sqlite3.Connection, source: str, fmt: str, actor: str, started: str) -> int:
    return conn.execute(
        "INSERT INTO import_runs (source, format, actor, started_at, finished_at, added,"
        " changed, skipped, report) VALUES (?, ?, ?, ?, ?, 0, 0, 0, '{}') RETURNING id",
        [source, fmt, actor, started, started],
    ).fetchone()[0]


def finish_run(conn: sqlite3.Connection, run_id: int, counts: dict[str, int], report: dict,
               finished: str) -> None:  # fmt: skip
    conn.execute(
        "UPDATE import_runs SET finished_at = ?, added = ?, changed = ?, skipped = ?,"
        " report = ? WHERE id = ?",
        [finished, counts["add"], counts["change"], counts["skip"], _json(report), run_id],
    )


def runs(conn: sqlite3.Connection, limit: int = 50) -> list[dict]:
    """The latest import runs, newest first, with their reports."""
    cursor = conn.execute(
        "SELECT id, source, format, actor, started_at, finished_at, added, changed, skipped,"
        " report FROM import_runs ORDER BY id DESC LIMIT ?",
        [limit],
    )
    columns = [d[0] for d in cursor.description]
    found = [dict(zip(columns, row, strict=True)) for row in cursor]
    for run in found:
        run["report"] = json.loads(run["report"])
    return found


def fields_of(conn: sqlite3.Connection, record: dict) -> dict[str, dict]:
    """The fields of ``record`` that still hold what an import brought: field -> source and
    day (a field changed since, by the group or the desk, is not listed)."""
    rows = conn.execute(
        "SELECT field, source, imported_at, value_hash FROM import_fields WHERE community_id = ?",
        [record["id"]],
    ).fetchall()
    found = {
        name: {"source": source, "on": date.fromisoformat(at[:10])}
        for name, source, at, digest in rows
        if name in record and value_hash(record[name]) == digest
    }
    order = {name: i for i, name in enumerate(EDITABLE_COMMUNITY_FIELDS)}  # as the form has them
    return dict(sorted(found.items(), key=lambda item: order.get(item[0], len(order))))
