"""sync/hub/engine.py: where a hub's store lives, and the one SQL both engines run."""

import sqlite3
import threading
import time

import pytest

from sync.hub import database
from sync.hub.engine import (
    DatabaseSettingError,
    PostgresConnection,
    connect_sqlite,
    database_of,
    postgresql_sql,
    record_database,
)


@pytest.mark.parametrize(
    ("sqlite", "postgresql"),
    [
        ("SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = %s AND c = %s"),
        ("SELECT '?' , ? FROM t", "SELECT '?' , %s FROM t"),  # a quoted ? is text
        ("SELECT '10%' LIKE ?", "SELECT '10%%' LIKE %s"),  # psycopg reads % in strings too
        ("SELECT x % 2 FROM t", "SELECT x %% 2 FROM t"),
        ("UPDATE t SET a = :a WHERE b = :b_2", "UPDATE t SET a = %(a)s WHERE b = %(b_2)s"),
        ("SELECT data::jsonb, '10:00' FROM t", "SELECT data::jsonb, '10:00' FROM t"),
        ("SELECT 'it''s ?' , ?", "SELECT 'it''s ?' , %s"),  # a doubled quote inside a string
    ],
)
def test_sqlite_placeholders_become_psycopgs(sqlite, postgresql):
    assert postgresql_sql(sqlite) == postgresql


def test_where_the_store_lives_is_the_folders_word_and_the_setting_must_agree(tmp_path):
    url = "postgresql://ontmoet@db.example/ontmoet"
    assert database_of(tmp_path, {}) == ""  # nothing said: SQLite in the folder
    assert database_of(tmp_path, {"ONTMOET_HUB_DATABASE": url}) == url  # init makes it there
    with pytest.raises(DatabaseSettingError, match="must be a PostgreSQL address"):
        database_of(tmp_path, {"ONTMOET_HUB_DATABASE": "mysql://hub@db/hub"})
    (tmp_path / "hub.db").touch()
    with pytest.raises(DatabaseSettingError, match="migrate-store"):
        database_of(tmp_path, {"ONTMOET_HUB_DATABASE": url})  # a SQLite hub is not re-pointed
    (tmp_path / "hub.db").unlink()
    record_database(tmp_path, url)
    assert (tmp_path / "database").stat().st_mode & 0o777 == 0o600
    assert database_of(tmp_path, {}) == url  # the folder's word, without the setting
    assert database_of(tmp_path, {"ONTMOET_HUB_DATABASE": url.replace("://", "+psycopg://")})
    with pytest.raises(DatabaseSettingError, match="another database"):
        database_of(tmp_path, {"ONTMOET_HUB_DATABASE": url + "2"})


DOCUMENTS = [
    '{"community_id": "c1", "image": {"sha256": "ab"}, "themes": ["eten", "natuur"]}',
    '{"community_id": null, "themes": [], "n": 3, "ok": true}',
    '{"name": "Café \\"De Hoek\\"", "themes": ["koken"]}',
]
QUERIES = [
    "SELECT json_extract(d, '$.community_id') FROM docs ORDER BY i",
    "SELECT json_extract(d, '$.image.sha256') FROM docs ORDER BY i",
    "SELECT json_extract(d, '$.name') FROM docs ORDER BY i",
    "SELECT json_extract(d, '$.themes') IS NOT NULL FROM docs ORDER BY i",
    "SELECT i FROM docs WHERE EXISTS"
    " (SELECT 1 FROM json_each(d, '$.themes') WHERE value = 'natuur') ORDER BY i",
    "SELECT i, (SELECT count(*) FROM json_each(d)) FROM docs ORDER BY i",
    "SELECT i FROM docs WHERE json_extract(d, '$.missing') IS NULL ORDER BY i",
]


def test_json_extract_and_json_each_answer_alike_on_both_engines(tmp_path, empty_postgresql):
    """Alembic 0004's functions give what SQLite's own give, for what the hub asks."""
    engine = database.engine_for(empty_postgresql)
    database.upgrade(engine)
    engine.dispose()
    answers = []
    for conn in (connect_sqlite(tmp_path / "hub.db"), PostgresConnection(empty_postgresql)):
        conn.execute("CREATE TABLE docs (i INTEGER, d TEXT)")
        conn.executemany("INSERT INTO docs (i, d) VALUES (?, ?)", list(enumerate(DOCUMENTS)))
        answers.append(
            [[tuple(bool(v) if q.endswith("IS NOT NULL FROM docs ORDER BY i") else v
                    for v in row) for row in conn.execute(q).fetchall()] for q in QUERIES]
        )  # fmt: skip
        conn.close()
    assert answers[0] == answers[1]
    assert answers[1][4] == [(0,)]  # the one document whose themes hold natuur


def test_writers_on_postgresql_take_turns_as_sqlites_do(empty_postgresql):
    """BEGIN IMMEDIATE on PostgreSQL: the second writer waits until the first commits."""
    first, second = PostgresConnection(empty_postgresql), PostgresConnection(empty_postgresql)
    first.execute("CREATE TABLE n (v INTEGER)")
    first.execute("BEGIN IMMEDIATE")
    assert first.in_transaction
    first.execute("INSERT INTO n (v) VALUES (1)")
    seen = []

    def write() -> None:
        second.execute("BEGIN IMMEDIATE")  # waits for the lock
        seen.append(second.execute("SELECT count(*) FROM n").fetchone()[0])
        second.execute("COMMIT")

    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(0.3)
    assert seen == []  # still waiting
    first.execute("COMMIT")
    writer.join(10)
    assert seen == [1]  # it saw the first writer's row: one after the other
    assert not first.in_transaction and not second.in_transaction
    first.close()
    second.close()


def test_a_plain_sqlite3_connection_counts_as_sqlite(tmp_path):
    from sync.hub.engine import on_postgresql

    assert not on_postgresql(sqlite3.connect(tmp_path / "x.db"))
    assert not on_postgresql(connect_sqlite(tmp_path / "y.db"))


def test_the_settings_name_the_database_but_never_its_password():
    from sync.hub.settings import describe, load_settings

    shown = {
        row["variable"]: row["value"]
        for row in describe(load_settings({
            "ONTMOET_HUB_DATABASE": "postgresql://ontmoet:geheim-wachtwoord@db.example/hub"
        }))
    }  # fmt: skip
    assert shown["ONTMOET_HUB_DATABASE"] == "postgresql://ontmoet:(set)@db.example/hub"


def test_a_writer_that_waits_too_long_is_refused_and_its_connection_stays_usable(
    empty_postgresql,
):
    """A write waits for the one before it at most lock_timeout (SQLite's busy timeout); then
    a store error (a 503 to the kiosk) and a connection ready for the next request."""
    import psycopg

    first, second = PostgresConnection(empty_postgresql), PostgresConnection(empty_postgresql)
    second.raw.execute("SET lock_timeout = 200")  # not 10 s: the same path, sooner
    first.execute("BEGIN IMMEDIATE")
    with pytest.raises(psycopg.errors.LockNotAvailable):
        second.execute("BEGIN IMMEDIATE")
    assert not second.in_transaction
    first.execute("COMMIT")
    second.execute("BEGIN IMMEDIATE")  # the next write goes ahead on the same connection
    assert second.execute("SELECT 1").fetchone() == (1,)
    second.execute("COMMIT")
    first.close()
    second.close()
