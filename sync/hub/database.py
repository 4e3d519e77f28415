"""The hub's store through SQLAlchemy (issue 18): an engine for SQLite or PostgreSQL, and its
schema made and kept up to date by Alembic (sync/hub/migrations/), the same revisions for both.

SQLite hubs still reach the same schema through sync/hub/schema.py's migrations: m001 to m014
are revision 0001 (the baseline), m015 is 0002, m016 is 0003, m017 is 0006, m018 is 0007
(0004 and 0005 change PostgreSQL only). A schema change is both, and the table in
sync/hub/tables.py; tests/test_tables.py holds the three equal."""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the store to ``revision`` (all of them by default), in one transaction."""
    with engine.begin() as conn:
        upgrade_in(conn, revision)


def upgrade_in(conn: sa.Connection, revision: str = "head") -> None:
    """As upgrade(), inside the caller's transaction (committed or rolled back with it)."""
    command.upgrade(alembic_config(conn), revision)


def current_revision(engine: sa.Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest revision this Ontmoet knows."""
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def engine_for(url: str) -> sa.Engine:
    """A short-lived engine for the PostgreSQL store at ``url`` (psycopg 3, which the hub's
    extra installs), for Alembic: the hub's own queries go through sync.hub.engine."""
    parsed = sa.engine.make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return sa.create_engine(parsed, poolclass=sa.pool.NullPool)


#: The schema a restore sets the replaced store aside in (sync.hub.restore_postgresql).
SET_ASIDE = "ontmoet_replaced"


def prepare_postgresql(url: str, restoring: bool = False) -> None:
    """Create the hub's store on PostgreSQL, or bring it up to date, and give a new one what
    SQLite's migrations give a new hub.db: its epoch and its keys (sync.hub.schema). One
    process at a time: every hub process of a region calls this as it starts.

    Refused while a restore that was cut off left the store it replaces set aside (schema
    ontmoet_replaced, sync.hub.restore_postgresql): a hub must not start on the half-restored
    (or empty) one in its place. ``restoring``: the restore itself, which may."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from sync.hub.engine import WRITE_LOCK
    from sync.hub.schema import HalfRestoredError, NewerStoreError

    engine = engine_for(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(WRITE_LOCK)))
            aside = conn.execute(
                sa.text("SELECT to_regnamespace(:aside)"), {"aside": SET_ASIDE}
            ).scalar()
            if aside is not None and not restoring:
                raise HalfRestoredError(
                    "a restore of this hub's store was cut off: its old store is set aside "
                    "(schema ontmoet_replaced); run 'ontmoet-hub restore' with the backup again"
                )
            current = MigrationContext.configure(conn).get_current_revision()
            script = ScriptDirectory.from_config(alembic_config(conn))
            if current and current not in {rev.revision for rev in script.walk_revisions()}:
                raise NewerStoreError(
                    f"the hub's store was written by a newer Ontmoet (it is at revision "
                    f"'{current}'); it was not changed: update Ontmoet"
                )
            upgrade_in(conn)
            first_introduction = conn.execute(
                sa.text("SELECT coalesce(max(id), 0) + 1 FROM introductions")
            ).scalar_one()
            for key, value in (
                ("epoch", str(uuid.uuid4())),
                ("horizon", "0"),
                ("signup_form_key", secrets.token_hex(32)),
                ("answer_form_key", secrets.token_hex(32)),
                ("introduction_mail_from", str(first_introduction)),
            ):
                conn.execute(
                    sa.text(
                        "INSERT INTO meta (key, value) VALUES (:key, :value)"
                        " ON CONFLICT (key) DO NOTHING"
                    ),
                    {"key": key, "value": value},
                )
    finally:
        engine.dispose()
