"""A hub's pg_dump brought back over its store on PostgreSQL, as ``ontmoet-hub restore`` does
for hub.db (SYNC.md rule 11): a new epoch, and from the store it replaces whatever must not
go back in time (hub_store.carry_over). restore-hub.sh and install-hub.sh --rollback use it
unchanged for a region's hub.

In the hub's own database, without rights to make databases: the store being replaced is
set aside as the schema ASIDE, the dump is restored into a new ``public``, and the carry-over,
the new epoch and dropping ASIDE are one transaction. A restore cut off before that finds
ASIDE and puts it back first: the store is then the replaced one, whole, or the restored one
with everything carried over, never a mix."""

from __future__ import annotations

from pathlib import Path

from sync.hub import database
from sync.hub import store as hub_store
from sync.hub.engine import STORE_ERRORS, PgToolError, PostgresConnection, libpq_url, pg_tool

ASIDE = database.SET_ASIDE
DUMP_MAGIC = b"PGDMP"  # the first bytes of pg_dump's custom format


class RestoreError(Exception):
    """Why the restore did not happen; the store is as it was."""


def is_dump(path: Path) -> bool:
    with open(path, "rb") as file:
        return file.read(len(DUMP_MAGIC)) == DUMP_MAGIC


def _schema_exists(conn: PostgresConnection, name: str) -> bool:
    return conn.execute("SELECT to_regnamespace(?) IS NOT NULL", [name]).fetchone()[0]


def put_back_aside(conn: PostgresConnection) -> bool:
    """The store an interrupted restore set aside, back in its place; False: none was."""
    if not _schema_exists(conn, ASIDE):
        return False
    with hub_store.write(conn):
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute(f"ALTER SCHEMA {ASIDE} RENAME TO public")
    return True


def _pg_restore(url: str, dump: Path) -> None:
    # Owners and grants are the hub's own role's here, whatever they were where it was dumped.
    try:
        pg_tool("pg_restore", "--single-transaction", "--exit-on-error", "--no-owner",
                "--no-acl", "--dbname", libpq_url(url), str(dump))  # fmt: skip
    except PgToolError as exc:
        raise RestoreError(str(exc)) from None


def in_use(url: str, holds_data) -> bool:
    """Whether the store at ``url`` was used (``holds_data(conn)``), once a restore cut off
    before has put the store it set aside back; refused while others use the database."""
    conn = PostgresConnection(url)
    try:
        _alone(conn)
        if put_back_aside(conn):
            print("An earlier restore was cut off: its replaced store is back in place first.")
        return holds_data(conn)
    finally:
        conn.close()


def restore_dump(url: str, dump: Path, carry_over: bool) -> str:
    """Restore ``dump`` over the hub's store at ``url``; with ``carry_over`` (the store holds
    this hub, not one that init just made on a new machine) what must not go back in time
    comes from the replaced store. The hub's processes must be stopped. The new epoch."""
    conn = PostgresConnection(url)
    try:
        _alone(conn)
        if put_back_aside(conn):
            print("An earlier restore was cut off: its replaced store is back in place first.")
        try:
            with hub_store.write(conn):  # DDL is transactional: aside and a new public, or not
                conn.execute(f"ALTER SCHEMA public RENAME TO {ASIDE}")
                conn.execute("CREATE SCHEMA public")
        except STORE_ERRORS as exc:
            raise RestoreError(
                f"the store could not be set aside ({exc}); the hub's role must own its database"
            ) from None
        try:
            return _restore_into_public(url, conn, dump, carry_over)
        except Exception as exc:  # whatever failed (Alembic, the network, pg_restore, a file)
            put_back_aside(conn)  # nothing if the last transaction committed
            raise RestoreError(f"{exc}; the store is as it was") from None
    finally:
        conn.close()


def _alone(conn: PostgresConnection) -> None:
    """No other client on the hub's database: a hub process on another machine would serve
    the half-restored store, or write into it under the old epoch."""
    others = conn.execute(
        "SELECT count(*), string_agg(DISTINCT coalesce(host(client_addr), 'local'), ', ')"
        " FROM pg_stat_activity WHERE datname = current_database()"
        " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
    ).fetchone()
    if others[0]:
        raise RestoreError(
            f"{others[0]} other sessions use the hub's database (from {others[1]}): stop every "
            "hub process, on every machine, and whatever else uses it; nothing was changed"
        )


def _restore_into_public(url: str, conn: PostgresConnection, dump: Path, carry_over: bool) -> str:
    _pg_restore(url, dump)
    if conn.execute("SELECT to_regclass('meta') IS NULL").fetchone()[0]:
        raise RestoreError(f"{dump} holds no hub's store")
    database.prepare_postgresql(url, restoring=True)  # an older backup gets the newer tables
    replaced = PostgresConnection(url)
    try:
        replaced.execute(f"SET search_path TO {ASIDE}")
        epoch = hub_store.new_epoch()
        with hub_store.write(conn):  # all of it, or the store set aside is put back
            if carry_over:
                hub_store.carry_over(replaced, conn)
            conn.execute("UPDATE meta SET value = ? WHERE key = 'epoch'", [epoch])
            conn.execute(f"DROP SCHEMA {ASIDE} CASCADE")
    finally:
        replaced.close()
    return epoch
