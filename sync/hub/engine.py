"""Where the hub's store lives, and one kind of connection to it on either engine (issue 18).

SQLite in the hub's folder (hub.db) is the default. A region's hub sets
``ONTMOET_HUB_DATABASE=postgresql://USER@HOST/DB``; ``ontmoet-hub init`` (or ``migrate-store``)
then writes that address into the hub's folder (the file ``database``), so that every command
run on the folder, with or without the environment of the service, finds the same store.

The hub's modules speak one SQL to both engines: the SQL SQLite and PostgreSQL both run
(``ON CONFLICT``, ``RETURNING``, ``?`` parameters), plus SQLite's ``json_extract`` and
``json_each``, which Alembic's revision 0004 defines on PostgreSQL. Each module therefore
keeps the sqlite3 way of asking (``conn.execute(sql, params)``, ``fetchone``, ``rowcount``), and
on PostgreSQL a ``PostgresConnection`` takes those calls to psycopg: ``?`` and ``:name`` become
psycopg's placeholders, and SQLite's transaction statements keep their meaning:

- ``BEGIN IMMEDIATE`` (a write) takes one transaction-scoped advisory lock besides BEGIN: as
  on SQLite, one hub process writes at a time, so every read-then-write the modules do (a
  revision plus one, a quota, a claim) stays as safe as it is on SQLite, and the change log's
  seq order is its commit order (SYNC.md rule 8);
- ``BEGIN`` (a read of several statements) is a REPEATABLE READ snapshot, as SQLite's is.

Why not SQLAlchemy Core for every query: 263 queries in 29 modules, each proven by the suite
on SQLite; rewritten they would be new code, while the same text run on both engines is the
code the suite already proves, now proven on PostgreSQL too. The schema is SQLAlchemy's and
Alembic's (sync/hub/tables.py, sync/hub/migrations/)."""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

DB_NAME = "hub.db"
DATABASE_FILE = "database"  # in the hub's folder: the PostgreSQL address its store is at
DATABASE_ENV = "ONTMOET_HUB_DATABASE"
BUSY_TIMEOUT_MS = 10_000

#: The advisory lock every write transaction holds on PostgreSQL (the bytes of "ontmoet" and a
#: 2; the change log's own lock, sync.hub.change_log, ends in a 1).
WRITE_LOCK = int.from_bytes(b"ontmoet\x02", "big")


class DatabaseSettingError(Exception):
    """The hub's folder and ONTMOET_HUB_DATABASE disagree, or the address is not one."""


def is_postgresql(url: str) -> bool:
    return url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://"))


def libpq_url(url: str) -> str:
    """The address as libpq takes it (SQLAlchemy's driver name dropped)."""
    return re.sub(r"^postgresql\+psycopg://", "postgresql://", url)


def database_of(data_dir: Path, environ: dict[str, str] | None = None) -> str:
    """The PostgreSQL address of the hub in ``data_dir``, or "" for SQLite in the folder.

    The folder's own record wins, and the environment must agree with it: a hub moved to
    PostgreSQL never falls back to the SQLite file it left behind, and a SQLite hub is never
    pointed at a database by an environment meant for another hub."""
    env = os.environ if environ is None else environ
    wanted = env.get(DATABASE_ENV, "").strip()
    if wanted and not is_postgresql(wanted):
        raise DatabaseSettingError(
            f"{DATABASE_ENV} must be a PostgreSQL address (postgresql://USER@HOST/DB), or empty "
            "for SQLite in the hub's folder"
        )
    record = Path(data_dir) / DATABASE_FILE
    recorded = record.read_text(encoding="utf-8").strip() if record.exists() else ""
    if recorded:
        if wanted and libpq_url(wanted) != libpq_url(recorded):
            raise DatabaseSettingError(
                f"{DATABASE_ENV} names another database than the one this hub's folder is on "
                f"({record}): the folder's store is where its keys belong; fix the setting"
            )
        return recorded
    if wanted and (Path(data_dir) / DB_NAME).exists():
        raise DatabaseSettingError(
            f"{DATABASE_ENV} is set, but the hub in {data_dir} keeps its store in SQLite "
            f"({DB_NAME}): move it with 'ontmoet-hub migrate-store --to {wanted}' first"
        )
    return wanted


def record_database(data_dir: Path, url: str) -> None:
    """Note in the hub's folder that its store is at ``url`` (readable by the hub's user only:
    an address may hold a password, though a password file, ?passfile=, is the place for one)."""
    record = Path(data_dir) / DATABASE_FILE
    record.touch(mode=0o600)
    record.write_text(url + "\n", encoding="utf-8")


def on_postgresql(conn: Any) -> bool:
    """Whether ``conn`` is a PostgreSQL store (a plain sqlite3 connection is SQLite's)."""
    return getattr(conn, "dialect", "sqlite") == "postgresql"


def store_key(conn: Any) -> str:
    """Which store ``conn`` reaches, for caches kept per store in a process (the figures'
    tally, the published photos): the PostgreSQL address, or the SQLite file."""
    if on_postgresql(conn):
        return conn.url
    return conn.execute("PRAGMA database_list").fetchone()[2] or f"memory:{id(conn)}"


class SQLiteConnection(sqlite3.Connection):
    """sqlite3's connection, which says which engine it is."""

    dialect = "sqlite"


def connect_sqlite(path: Path) -> SQLiteConnection:
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=10, factory=SQLiteConnection
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")  # no acknowledgement of a commit a power cut loses
    conn.execute("PRAGMA foreign_keys = ON")
    # Erased rows are overwritten with zeros, in their page and in freed pages, so that a
    # withdrawn contact request cannot be read back from hub.db (or a copy of it).
    conn.execute("PRAGMA secure_delete = ON")
    return conn


# A quoted string (left as it is, but for %), a ? placeholder, a % sign, or :name (not ::type).
_SQL_PARTS = re.compile(r"('(?:[^']|'')*')|(\?)|(%)|(?<![:\w]):([A-Za-z_]\w*)")


@lru_cache(maxsize=2048)
def postgresql_sql(sql: str) -> str:
    """sqlite3's placeholders as psycopg's: ``?`` to ``%s``, ``:name`` to ``%(name)s``, and
    every ``%`` doubled (psycopg reads ``%`` as the start of a placeholder, in strings too)."""

    def part(match: re.Match) -> str:
        quoted, mark, percent, name = match.groups()
        if quoted is not None:
            return quoted.replace("%", "%%")
        if mark is not None:
            return "%s"
        if percent is not None:
            return "%%"
        return f"%({name})s"

    return _SQL_PARTS.sub(part, sql)


class PostgresConnection:
    """A psycopg connection asked the sqlite3 way (see the module's docstring): autocommit
    outside explicit transactions, as the hub's SQLite connections are."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        import psycopg

        self._pq = psycopg.pq
        self.url = url
        self.raw = psycopg.connect(libpq_url(url), autocommit=True, connect_timeout=10)
        # A write waits for the one before it as long as SQLite's busy timeout lets it.
        self.raw.execute(f"SET lock_timeout = {BUSY_TIMEOUT_MS}")
        self.raw.execute("SET TIME ZONE 'UTC'")

    def execute(self, sql: str, params: Any = ()) -> Any:
        if sql == "BEGIN IMMEDIATE":
            return self.begin_locked(WRITE_LOCK)
        if sql == "BEGIN":
            return self.raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        return self.raw.execute(postgresql_sql(sql), params)

    def begin_locked(self, key: int) -> Any:
        """BEGIN (READ COMMITTED: what others committed while it waited is seen) under the
        transaction-scoped advisory lock ``key``: the writes, or one rate limit's count."""
        self.raw.execute("BEGIN")
        try:
            return self.raw.execute("SELECT pg_advisory_xact_lock(%s)", [key])
        except BaseException:  # waited past lock_timeout: no half-begun write stays open
            self.raw.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def locked(self, key: int) -> Iterator[None]:
        """A transaction under the advisory lock ``key``: committed, or rolled back on an
        error."""
        self.begin_locked(key)
        try:
            yield
        except BaseException:
            self.raw.execute("ROLLBACK")
            raise
        self.raw.execute("COMMIT")

    def executemany(self, sql: str, rows: Any) -> Any:
        cursor = self.raw.cursor()
        cursor.executemany(postgresql_sql(sql), rows)
        return cursor

    def commit(self) -> None:
        if self.in_transaction:
            self.raw.execute("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:
            self.raw.execute("ROLLBACK")

    def __enter__(self) -> PostgresConnection:
        return self

    def __exit__(self, kind: type | None, *_: object) -> None:
        """As sqlite3's connection: end an open transaction (commit, or roll back on an
        error); the connection stays open."""
        if self.in_transaction:
            self.raw.execute("ROLLBACK" if kind else "COMMIT")

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != self._pq.TransactionStatus.IDLE

    @property
    def usable(self) -> bool:
        """False once the server went away: the hub then opens a new connection."""
        return not (self.raw.closed or self.raw.broken)

    def close(self) -> None:
        self.raw.close()


class PgToolError(Exception):
    """A PostgreSQL client tool (pg_dump, pg_restore) is missing or failed: its words."""


def pg_tool(name: str, *args: str) -> None:
    """Run PostgreSQL's client tool ``name`` (Debian's postgresql-client) with ``args``."""
    import shutil
    import subprocess

    program = shutil.which(name)
    if program is None:
        raise PgToolError(f"{name} is not installed: apt-get install postgresql-client")
    done = subprocess.run([program, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise PgToolError(f"{name} failed: {done.stderr.strip()[:500]}")


def store_errors() -> tuple[type[Exception], ...]:
    """What a failing store raises, on either engine: a busy, full or unreachable store."""
    try:
        import psycopg
    except ImportError:  # the hub's extra brings psycopg; without it, SQLite only
        return (sqlite3.Error,)
    return (sqlite3.Error, psycopg.Error)


STORE_ERRORS = store_errors()
