"""``ontmoet-hub migrate-store --to postgresql://...``: a SQLite hub's whole store into an empty
PostgreSQL database (issue 18), verified by counts and checksums before anything is committed.

- The source is read in one read transaction: a consistent snapshot, even while the hub runs
  (WAL). Stop the hub first anyway, or what kiosks push after the snapshot stays behind.
- The target must hold no hub yet. Alembic makes the schema there (the baseline, which
  tests/test_tables.py holds equal to SQLite's m001 to m014); every table is copied in the order
  of its foreign keys, in one transaction, and each table's rows are compared by a SHA-256 over
  them in key order, source against target, before the commit. Any difference: nothing stays.
- Sequences continue where SQLite's ended: the change log's seq after the highest ever handed
  out (sqlite_sequence), so no kiosk's pull cursor ever meets a seq again.
- The keys (hub.key, hub.pub) stay in the hub's folder: the hub needs them wherever its store
  lives. Its photos stay there too, and ``ontmoet-hub migrate-store`` then puts those in use
  into the store's photo_files (sync.hub.photos.share_photos), for the hub's other machines.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from sync.hub import database, tables
from sync.hub.schema import MIGRATION_SET, MIGRATIONS

BATCH = 1000  # rows per INSERT round trip


class MoveStoreError(Exception):
    """The store cannot be moved as asked; the message says why."""


@dataclass(frozen=True)
class Moved:
    table: str
    rows: int
    checksum: str


def target_engine(url: str) -> sa.Engine:
    """An engine for ``url``: PostgreSQL only, with a clear word for anything else."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise MoveStoreError(f"not a database address: {url!r}") from exc
    if parsed.get_backend_name() != "postgresql":
        raise MoveStoreError("the store can move to PostgreSQL only: postgresql://USER@HOST/DB")
    if parsed.drivername == "postgresql":  # psycopg 3 is the driver the hub installs
        parsed = parsed.set(drivername="postgresql+psycopg")
    return sa.create_engine(parsed)


def move(source: Path, url: str) -> list[Moved]:
    """Copy the hub store at ``source`` (hub.db) into the empty PostgreSQL database at ``url``;
    the tables with their row counts and checksums (equal on both sides, or nothing stays)."""
    if not source.exists():
        raise MoveStoreError(f"no hub store at {source}: run 'ontmoet-hub init' first")
    target = target_engine(url)
    reader = sa.create_engine(f"sqlite:///{source}")
    try:
        with reader.connect() as old:
            old.exec_driver_sql("BEGIN")  # one snapshot for all tables
            _check_source(old)
            with target.begin() as new:
                _check_empty(new)
                database.upgrade_in(new)
                moved = [_copy(old, new, table) for table in tables.metadata.sorted_tables]
                _continue_sequences(old, new)
                for done in moved:
                    again = _checksum(new, tables.metadata.tables[done.table])
                    if again != (done.rows, done.checksum):
                        raise MoveStoreError(
                            f"{done.table}: {again[0]} rows in PostgreSQL against {done.rows} "
                            "in SQLite, or other values: nothing was kept"
                        )
            old.exec_driver_sql("ROLLBACK")
    except sa.exc.OperationalError as exc:
        raise MoveStoreError(f"PostgreSQL cannot be reached or used: {exc.orig}") from exc
    finally:
        reader.dispose()
        target.dispose()
    return moved


def _check_source(old: sa.Connection) -> None:
    applied = {
        row[0]
        for row in old.exec_driver_sql(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", (MIGRATION_SET,)
        )
    }
    known = {fn.__name__ for fn in MIGRATIONS}
    if applied != known:
        missing, unknown = sorted(known - applied), sorted(applied - known)
        raise MoveStoreError(
            "the store is not at this version's schema"
            + (
                f" (not yet applied: {', '.join(missing)}: start this hub once first)"
                if missing
                else ""
            )
            + (f" (from a newer Ontmoet: {', '.join(unknown)})" if unknown else "")
        )


def _check_empty(new: sa.Connection) -> None:
    present = set(sa.inspect(new).get_table_names()) & {*tables.metadata.tables, "alembic_version"}
    if present:
        raise MoveStoreError(
            "the PostgreSQL database holds a hub already (tables "
            + ", ".join(sorted(present)[:5])
            + "): move into an empty database"
        )


def _rows(conn: sa.Connection, table: sa.Table) -> Iterator[tuple]:
    order = [column for column in table.primary_key.columns]
    for row in conn.execute(sa.select(*table.columns).order_by(*order)):
        yield tuple(row)


def _copy(old: sa.Connection, new: sa.Connection, table: sa.Table) -> Moved:
    names = [column.name for column in table.columns]
    digest, count, batch = hashlib.sha256(), 0, []
    for row in _rows(old, table):
        digest.update(_line(row))
        count += 1
        batch.append(dict(zip(names, row, strict=True)))
        if len(batch) == BATCH:
            new.execute(table.insert(), batch)
            batch = []
    if batch:
        new.execute(table.insert(), batch)
    return Moved(table.name, count, digest.hexdigest())


def _checksum(conn: sa.Connection, table: sa.Table) -> tuple[int, str]:
    digest, count = hashlib.sha256(), 0
    for row in _rows(conn, table):
        digest.update(_line(row))
        count += 1
    return count, digest.hexdigest()


def _line(row: tuple) -> bytes:
    return json.dumps(list(row), ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _continue_sequences(old: sa.Connection, new: sa.Connection) -> None:
    """Each integer key's sequence past the highest value SQLite used (for AUTOINCREMENT
    tables the highest ever handed out, also of rows deleted since)."""
    handed_out = dict(old.exec_driver_sql("SELECT name, seq FROM sqlite_sequence").all())
    for table in tables.metadata.sorted_tables:
        key = list(table.primary_key.columns)
        if (
            len(key) != 1
            or not isinstance(key[0].type, sa.Integer)
            or key[0].autoincrement is False
        ):
            continue
        column = key[0]
        highest = new.execute(sa.select(sa.func.max(column))).scalar() or 0
        highest = max(highest, handed_out.get(table.name, 0))
        sequence = new.execute(
            sa.select(sa.func.pg_get_serial_sequence(table.name, column.name))
        ).scalar()
        if sequence is None:
            continue  # not a serial column (a text key, or an integer without a sequence)
        # is_called false for an empty table: the first value handed out is then 1.
        new.execute(sa.select(sa.func.setval(sequence, max(highest, 1), highest > 0)))
