import hashlib
import sqlite3

import pytest

from kiosk.schema import MIGRATION_SET, apply_migrations, migration_names
from kiosk.store import StoreError, open_store


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_store_has_every_table_in_wal_mode(store):
    tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}
    for table in (
        "communities",
        "themes",
        "neighbourhoods",
        "gifts",
        "events",
        "outbox",
        "outbox_archive",
        "sync_state",
    ):
        assert table in tables
    # Visitor records live only in the outbox (kiosk.outbox), not in tables of their own.
    assert not tables & {"interests", "contact_requests", "introductions", "help_requests",
                         "take_home_lists"}  # fmt: skip
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_community_columns_cover_the_design(store):
    columns = {r[1] for r in store.conn.execute("PRAGMA table_info(communities)")}
    assert columns >= {
        "id",
        "name",
        "pitch",
        "story",
        "kind",
        "themes",
        "gifts_welcome",
        "neighbourhood",
        "schedule",
        "languages",
        "welcome",
        "accessibility",
        "contact",
        "join_url",
        "photo",
        "state",
        "provenance",
        "last_confirmed",
    }


def test_reopening_applies_nothing_twice(config):
    open_store(config.db_path).close()
    store = open_store(config.db_path)
    names = [r[0] for r in store.conn.execute("SELECT name FROM _sqlite_migrations")]
    assert names == migration_names()
    store.close()


def test_older_database_is_migrated_in_place_keeping_its_data(config, make_record):
    # A database as the first release left it: only the first migration applied.
    db_path = config.db_path
    db_path.parent.mkdir(parents=True)
    old = sqlite3.connect(db_path, isolation_level=None)
    apply_migrations(old, stop_before="m002_visitor_records")
    record = make_record("Oude Buurtgroep")
    old.execute(
        "INSERT INTO communities (id, name, kind, pitch, story, themes, gifts_welcome,"
        " neighbourhood, schedule, languages, welcome, accessibility, contact, state,"
        ' provenance, updated_at) VALUES (?, ?, \'club\', \'{"nl":"p"}\', \'{"nl":"s"}\','
        " '[]', '[]', NULL, '[]', '[]', '{}', '{}', '{}', 'active', '{}', 'now')",
        [record["id"], record["name"]],
    )
    old.close()

    store = open_store(db_path)
    assert store.community(record["id"]).name == "Oude Buurtgroep"
    assert store.conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    # The search index was built for the row that was already there.
    assert store.search("buurtgroep", seed="s") == [record["id"]]
    store.close()


def test_database_from_a_newer_version_is_refused_untouched(config):
    open_store(config.db_path).close()
    conn = sqlite3.connect(config.db_path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
        [MIGRATION_SET, "m099_from_the_future", "2030-01-01"],
    )
    conn.commit()
    conn.close()
    before = digest(config.db_path)
    with pytest.raises(StoreError, match="newer version.*m099_from_the_future"):
        open_store(config.db_path)
    assert digest(config.db_path) == before


@pytest.mark.parametrize(
    "content", [b"this is not a database" * 100, b"SQLite format 3\x00" + b"\x07" * 4000]
)
def test_corrupt_database_is_refused_untouched(config, content):
    config.db_path.parent.mkdir(parents=True)
    config.db_path.write_bytes(content)
    with pytest.raises(StoreError, match="damaged or is not a database|cannot be used"):
        open_store(config.db_path)
    assert config.db_path.read_bytes() == content


def test_unreadable_database_is_a_clear_error(config, tmp_path):
    config.db_path.mkdir(parents=True)  # a folder where the file should be
    with pytest.raises(StoreError, match=str(config.db_path)):
        open_store(config.db_path)


def test_communities_round_trip_with_filters(taxonomy_store, make_record):
    store = taxonomy_store
    a = make_record("Soepclub", themes=["eten"], neighbourhood="centrum")
    b = make_record(
        "Tuingroep",
        themes=["natuur"],
        neighbourhood="esveld",
        provenance={"accessibility": "reception"},
    )
    c = make_record("Oude kookclub", themes=["eten"], neighbourhood="esveld", state="ended")
    assert store.upsert_communities([a, b, c]) == 3
    assert store.community_count() == 3
    got = store.community(b["id"])
    assert got.name == "Tuingroep" and got.themes == ("natuur",)
    assert got.written_by("accessibility") == "reception"
    assert got.written_by("story") == "community"
    assert set(store.community_ids()) == {a["id"], b["id"]}  # ended ones are not listed
    assert set(store.community_ids(include_ended=True)) == {a["id"], b["id"], c["id"]}
    assert store.community_ids(theme="eten") == [a["id"]]
    assert store.community_ids(neighbourhood="esveld") == [b["id"]]
    assert store.community_ids(theme="eten", neighbourhood="esveld") == []
    assert [c.name for c in store.communities([b["id"], "nope", a["id"]])] == [
        "Tuingroep",
        "Soepclub",
    ]


def test_upsert_replaces_and_reindexes(taxonomy_store, make_record):
    record = make_record("Breiclub")
    taxonomy_store.upsert_communities([record])
    taxonomy_store.upsert_communities(
        [{**record, "name": "Haakclub", "pitch": {"nl": "Wij haken"}, "themes": ["natuur"]}]
    )
    assert taxonomy_store.community_count() == 1
    assert taxonomy_store.search("breiclub", seed="s") == []
    assert taxonomy_store.search("haakclub", seed="s") == [record["id"]]
    assert taxonomy_store.community_ids(theme="eten") == []


def test_a_failing_batch_writes_nothing(taxonomy_store, make_record):
    good, bad = make_record("Goed"), make_record("Fout", state="forgotten")
    with pytest.raises(sqlite3.IntegrityError):
        taxonomy_store.upsert_communities([good, bad])
    assert taxonomy_store.community_count() == 0
    assert taxonomy_store.search("goed", seed="s") == []


def test_sync_state_values(store):
    assert store.get_state("cursor") is None
    store.set_state("cursor", "12")
    store.set_state("cursor", "13")
    assert store.get_state("cursor") == "13"


@pytest.fixture
def usual_umask():
    """The umask most systems start services with (0644 files): the store must not rely on
    a stricter one."""
    import os

    old = os.umask(0o022)
    yield
    os.umask(old)


def modes(folder):
    return {p.name: p.stat().st_mode & 0o777 for p in [folder, *folder.glob("kiosk.db*")]}


def test_the_store_is_private_to_the_kiosk(config, usual_umask):
    # kiosk.db holds the bearer token, the PIN hash and sealed contact details.
    store = open_store(config.db_path)
    store.set_state("token", "x" * 43)  # a write: SQLite makes its -wal and -shm files
    found = modes(config.data_dir)
    store.close()
    assert found == {"data": 0o700, "kiosk.db": 0o600, "kiosk.db-wal": 0o600, "kiosk.db-shm": 0o600}


def test_a_store_made_readable_by_an_older_version_is_tightened(config, usual_umask):
    config.data_dir.mkdir(mode=0o755)
    old = sqlite3.connect(config.db_path)
    old.execute("PRAGMA journal_mode = WAL")
    apply_migrations(old)
    held = sqlite3.connect(config.db_path)  # keeps the -wal and -shm files in place
    held.execute("SELECT count(*) FROM sqlite_master").fetchone()
    old.close()
    for path in [config.data_dir, *config.data_dir.glob("kiosk.db*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    assert set(modes(config.data_dir)) == {"data", "kiosk.db", "kiosk.db-wal", "kiosk.db-shm"}
    open_store(config.db_path).close()
    found = modes(config.data_dir)
    held.close()
    assert found == {"data": 0o700, "kiosk.db": 0o600, "kiosk.db-wal": 0o600, "kiosk.db-shm": 0o600}
