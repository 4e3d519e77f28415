"""The hub's schema as SQLAlchemy tables (sync/hub/tables.py) against the schema SQLite hubs
reach through their migrations (sync/hub/schema.py), and on a real PostgreSQL (issue 18)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from sync.hub import database, store, tables

INTERNAL = {"_sqlite_migrations", "sqlite_sequence", "alembic_version"}  # the tools' own


def described(engine: sa.Engine) -> dict[str, dict]:
    """Each table as the database itself describes it: columns, keys, indexes, checks."""
    seen = sa.inspect(engine)
    found = {}
    for name in sorted(set(seen.get_table_names()) - INTERNAL):
        key = seen.get_pk_constraint(name)["constrained_columns"]
        found[name] = {
            # A key column can never be NULL, whether or not its SQL says NOT NULL.
            "columns": [
                (
                    c["name"],
                    str(c["type"]),
                    c["nullable"] and c["name"] not in key,
                    _plain(c["default"]),
                )
                for c in seen.get_columns(name)
            ],  # fmt: skip
            "primary key": key,
            "foreign keys": foreign_keys(engine, name),
            "indexes": sorted(
                (tuple(i["column_names"]), bool(i["unique"])) for i in seen.get_indexes(name)
            ),
            "unique": sorted(tuple(u["column_names"]) for u in seen.get_unique_constraints(name)),
            "checks": sorted(_plain(c["sqltext"]) for c in seen.get_check_constraints(name)),
        }
    return found


def foreign_keys(engine: sa.Engine, table: str) -> list[tuple]:
    """(column, referred table, referred column, ON DELETE). On SQLite from SQLite itself:
    SQLAlchemy's reflection misses ON DELETE written on the column (as the migrations do)."""
    if engine.dialect.name != "sqlite":
        return sorted(
            (f["constrained_columns"][0], f["referred_table"], f["referred_columns"][0],
             (f.get("options") or {}).get("ondelete", "NO ACTION"))
            for f in sa.inspect(engine).get_foreign_keys(table)
        )  # fmt: skip
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"PRAGMA foreign_key_list({table})").mappings().all()
    return sorted((r["from"], r["table"], r["to"], r["on_delete"]) for r in rows)


def migrated_sqlite(folder) -> sa.Engine:
    """A hub store as 'ontmoet-hub init' makes it today: sync/hub/schema.py's migrations."""
    conn = store.connect(folder / "migrated.db")
    store.create_schema(conn)
    conn.close()
    return sa.create_engine(f"sqlite:///{folder / 'migrated.db'}")


def drift(engine: sa.Engine) -> list:
    """What Alembic's autogenerate would change to make the store match sync/hub/tables.py."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), tables.metadata)


def _plain(sql: str | None) -> str | None:
    """SQL text without the layout: runs of white space as one space, none inside brackets."""
    if sql is None:
        return None
    return re.sub(r"\s*([(),])\s*", r"\1", re.sub(r"\s+", " ", str(sql))).strip()


def strict_tables(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("PRAGMA table_list").mappings().all()
    return {r["name"] for r in rows if r["strict"] and r["name"] not in INTERNAL}


@pytest.mark.parametrize("made_by", ["tables.py", "alembic"])
def test_the_tables_and_the_baseline_are_the_schema_the_sqlite_migrations_make(tmp_path, made_by):
    migrated = migrated_sqlite(tmp_path)
    made = sa.create_engine(f"sqlite:///{tmp_path / 'made.db'}")
    if made_by == "alembic":
        database.upgrade(made)
        assert database.current_revision(made) == database.head_revision()
    else:
        tables.metadata.create_all(made)
    want, got = described(migrated), described(made)
    assert sorted(got) == sorted(want)
    differ = {name: (got[name], want[name]) for name in want if got[name] != want[name]}
    assert not differ, "\n".join(
        f"{n}:\n  tables.py {a}\n  migrated  {b}" for n, (a, b) in differ.items()
    )
    assert strict_tables(made) == strict_tables(migrated) == set(want)
    # Alembic's own comparison too (not for the migrated file: its reflection of SQLite misses
    # ON DELETE written on a column and calls an INTEGER PRIMARY KEY nullable, which the
    # comparison above reads from SQLite itself).
    assert drift(made) == []
    migrated.dispose()
    made.dispose()


def test_the_baseline_on_postgresql_is_the_tables_and_cannot_be_undone(postgresql_url):
    engine = sa.create_engine(postgresql_url)
    with engine.begin() as conn:
        tables.metadata.drop_all(conn)
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    database.upgrade(engine)
    assert database.current_revision(engine) == database.head_revision()
    assert drift(engine) == []
    by_alembic = described(engine)
    assert sorted(by_alembic) == sorted(tables.metadata.tables)
    with pytest.raises(RuntimeError, match="restore a backup"):
        with engine.begin() as conn:
            from alembic import command

            command.downgrade(database.alembic_config(conn), "base")
    assert database.current_revision(engine) == database.head_revision()  # nothing undone
    with engine.begin() as conn:
        tables.metadata.drop_all(conn)
        conn.exec_driver_sql("DROP TABLE alembic_version")
        tables.metadata.create_all(conn)
    assert described(engine) == by_alembic  # the same as the tables would make
    engine.dispose()


def test_every_table_is_made_on_postgresql_and_its_keys_hold(postgresql_url):
    engine = sa.create_engine(postgresql_url)
    with engine.begin() as conn:
        tables.metadata.drop_all(conn)
        tables.metadata.create_all(conn)
    assert set(sa.inspect(engine).get_table_names()) >= set(tables.metadata.tables)
    with engine.begin() as conn:
        conn.execute(tables.accounts.insert().values(
            username="sanne", password_hash="x", role="receptionist", created_at="2026-12-04"
        ))  # fmt: skip
        conn.execute(tables.desk_sessions.insert().values(
            token_hash="t", username="sanne", csrf="c", created_at="n", last_used="n"
        ))  # fmt: skip
        conn.execute(tables.accounts.delete())  # ON DELETE CASCADE: her session goes too
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(tables.desk_sessions)).scalar() == 0
        )
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(tables.accounts.insert().values(
            username="x", password_hash="x", role="mayor", created_at="2026-12-04"
        ))  # a role the CHECK does not know  # fmt: skip
    with engine.begin() as conn:
        tables.metadata.drop_all(conn)
    engine.dispose()
