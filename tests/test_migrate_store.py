"""'ontmoet-hub migrate-store --to postgresql://...' (issue 18): a SQLite hub that kiosks used,
moved into an empty PostgreSQL database by the real CLI, compared table by table by the test
itself; and every way it is refused, leaving nothing behind."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
import sqlalchemy as sa
from hub_helpers import HubProcess, enrolled_kiosk, hub_cli, visit

from sync.client import SyncClient
from sync.hub import move_store, tables
from sync.hub.change_log import record_change
from sync.hub.schema import MIGRATION_SET

# About the SQLite file itself (hub.db): its hubs keep their store in SQLite.
pytestmark = pytest.mark.hub_sqlite_only


@pytest.fixture(scope="module")
def used_hub(tmp_path_factory):
    """A demo hub two kiosks enrolled at and pushed a few visits to, then stopped."""
    hub = HubProcess(tmp_path_factory.mktemp("hub")).start()
    try:
        for name in ("kiosk-hal", "kiosk-bieb"):
            kiosk = enrolled_kiosk(hub, tmp_path_factory.mktemp(name), name)
            SyncClient(kiosk).sync_once()
            visit(kiosk, name, sorted(hub.communities())[:3], n=4)
            SyncClient(kiosk).sync_once()
        hub_cli(hub.data_dir, "delete-community", sorted(hub.communities())[-1])  # a tombstone
    finally:
        hub.stop()
    return hub.data_dir


@pytest.fixture
def moving_hub(used_hub, tmp_path):
    """A copy of the used hub for one test: a move turns its folder over to PostgreSQL."""
    copy = tmp_path / "moving-hub"
    shutil.copytree(used_hub, copy)
    return copy


def rows(engine: sa.Engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {
            name: sorted((tuple(r) for r in conn.execute(sa.select(*table.columns))), key=repr)
            for name, table in tables.metadata.tables.items()
        }


def test_a_used_hub_moves_whole_and_its_sequences_go_on(used_hub, moving_hub, empty_postgresql):
    moved = hub_cli(moving_hub, "migrate-store", "--to", empty_postgresql)
    assert "every table's count and checksum are equal" in moved.stdout
    # The folder now serves from PostgreSQL; the old file is set aside, to be deleted.
    assert not (moving_hub / "hub.db").exists()
    assert (moving_hub / "hub.db.moved-to-postgresql").exists()
    assert "delete it once the hub serves from PostgreSQL" in moved.stdout
    listed = hub_cli(moving_hub, "kiosks").stdout.splitlines()
    listed = [json.loads(line)["name"] for line in listed]
    assert sorted(listed) == ["kiosk-bieb", "kiosk-hal"]
    sqlite = sa.create_engine(f"sqlite:///{used_hub / 'hub.db'}")
    postgresql = sa.create_engine(empty_postgresql)
    before, after = rows(sqlite), rows(postgresql)
    stored = after.pop("photo_files")
    assert before.pop("photo_files") == []  # a hub on SQLite keeps its photos as files only
    assert after == before
    # The photos in use went into the store too, for the hub's processes on other machines.
    assert stored and f"{len(stored)} photos in use are in it too" in moved.stdout
    for sha, jpeg, _saved_at in stored:
        assert hashlib.sha256(jpeg).hexdigest() == sha
        assert (used_hub / "photos" / f"{sha}.jpg").read_bytes() == jpeg
    # What a used hub holds really was there to move (not 34 empty tables).
    for name in ("kiosks", "pushed_ops", "visitor_records", "take_home_lists", "changes"):
        assert before[name], name
    assert any(r[3] == 1 for r in before["changes"])  # the tombstone (deleted = 1)
    with sqlite.connect() as conn:
        highest = conn.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = 'changes'")
        highest = highest.scalar()
    with postgresql.begin() as conn:
        record_change(conn, "community", "new-after-the-move", "{}", "2026-12-04T12:00:00+00:00")
        seq = conn.execute(
            sa.select(tables.changes.c.seq).where(tables.changes.c.id == "new-after-the-move")
        ).scalar()
        conn.execute(tables.audit_log.insert().values(at="n", actor="admin", action="moved"))
    assert seq == highest + 1  # never a seq a kiosk's cursor has passed
    sqlite.dispose()
    postgresql.dispose()


def test_a_database_that_holds_a_hub_is_refused_and_left_as_it_was(
    used_hub, moving_hub, empty_postgresql
):
    hub_cli(moving_hub, "migrate-store", "--to", empty_postgresql)
    engine = sa.create_engine(empty_postgresql)
    first = rows(engine)
    again = hub_cli(moving_hub, "migrate-store", "--to", empty_postgresql, check=False)
    assert again.returncode == 2 and "is in PostgreSQL already" in again.stderr
    another = hub_cli(used_hub, "migrate-store", "--to", empty_postgresql, check=False)
    assert another.returncode == 2 and "holds a hub already" in another.stderr
    assert (used_hub / "hub.db").exists()  # a refused move leaves the folder as it was
    assert rows(engine) == first
    engine.dispose()


@pytest.mark.parametrize(
    ("url", "says"),
    [("sqlite:////tmp/other.db", "PostgreSQL only"),
     ("mysql://hub@127.0.0.1/hub", "PostgreSQL only"),
     ("not a url", "not a database address"),
     ("postgresql://hub@127.0.0.1:1/hub", "cannot be reached")],
)  # fmt: skip
def test_a_wrong_or_unreachable_address_is_named(used_hub, url, says):
    refused = hub_cli(used_hub, "migrate-store", "--to", url, check=False)
    assert refused.returncode == 2 and says in refused.stderr, refused.stderr


def test_a_password_in_the_address_is_warned_about_and_never_printed(used_hub):
    refused = hub_cli(used_hub, "migrate-store", "--to",
                      "postgresql://hub:s3cret-word@127.0.0.1:1/hub", check=False)  # fmt: skip
    assert refused.returncode == 2 and "a password file the address names" in refused.stderr
    assert "s3cret-word" not in refused.stderr + refused.stdout


def test_a_folder_without_a_hub_or_a_store_behind_its_version_is_refused(
    used_hub, tmp_path, empty_postgresql
):
    refused = hub_cli(tmp_path / "nothing", "migrate-store", "--to", empty_postgresql, check=False)
    assert refused.returncode == 2 and "no hub store" in refused.stderr
    import shutil
    import sqlite3

    behind = tmp_path / "behind"
    shutil.copytree(used_hub, behind)
    with sqlite3.connect(behind / "hub.db") as conn:  # as if m014 had not run yet
        conn.execute("DELETE FROM _sqlite_migrations WHERE migration_set = ? AND name = ?",
                     [MIGRATION_SET, "m014_hall_messages"])  # fmt: skip
    refused = hub_cli(behind, "migrate-store", "--to", empty_postgresql, check=False)
    assert refused.returncode == 2 and "m014_hall_messages" in refused.stderr
    engine = sa.create_engine(empty_postgresql)
    assert sa.inspect(engine).get_table_names() == []  # nothing made
    engine.dispose()


def test_a_checksum_that_differs_keeps_nothing(used_hub, empty_postgresql, monkeypatch):
    """If PostgreSQL read back other rows than were sent, the whole move is undone."""
    real = move_store._checksum

    def one_row_short(conn, table):
        count, digest = real(conn, table)
        return (count - 1, digest) if table.name == "visitor_records" else (count, digest)

    monkeypatch.setattr(move_store, "_checksum", one_row_short)
    with pytest.raises(move_store.MoveStoreError, match="visitor_records.*nothing was kept"):
        move_store.move(used_hub / "hub.db", empty_postgresql)
    engine = sa.create_engine(empty_postgresql)
    assert sa.inspect(engine).get_table_names() == []
    engine.dispose()
