"""The hub's store through SQLAlchemy (issue 18): an engine for SQLite or PostgreSQL, and its
schema made and kept up to date by Alembic (sync/hub/migrations/), the same revisions for both.

SQLite hubs still reach the same schema through sync/hub/schema.py's migrations: m001 to m014
are revision 0001 (the baseline), m015 is 0002, m016 is 0003. A schema change is both, and
the table in sync/hub/tables.py; tests/test_tables.py holds the three equal."""

from __future__ import annotations

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
