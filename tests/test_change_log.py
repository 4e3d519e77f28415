"""The change log the kiosks pull, on SQLite and on a real PostgreSQL (issue 18, SYNC.md rule 8:
hub order = commit order). The PostgreSQL server is Debian's, started by the tests
(bench/pg_server.py)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from sync.hub.change_log import changes, changes_after, record_change

NOW = "2026-12-04T12:00:00+00:00"
A_ID = "aaaaaaaa-0000-4000-8000-000000000001"  # writer A: the lower seq, committed last
B_ID = "bbbbbbbb-0000-4000-8000-000000000002"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hub.db'}"
    else:
        url = request.getfixturevalue("postgresql_url")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        changes.drop(conn, checkfirst=True)  # one server per worker: start from an empty log
        changes.create(conn)
    yield engine
    engine.dispose()


class Kiosk:
    """A kiosk's side of the pull: a cursor and the records it holds."""

    def __init__(self) -> None:
        self.cursor = 0
        self.records: dict[str, str | None] = {}

    def pull(self, engine: sa.Engine, limit: int = 100) -> None:
        while True:
            with engine.connect() as conn:
                page = changes_after(conn, self.cursor, limit)
            for change in page:
                self.records[change.id] = change.data
            if page:
                self.cursor = page[-1].seq
            if len(page) < limit:
                return


def write(engine: sa.Engine, rid: str, data: str | None) -> None:
    with engine.begin() as conn:
        record_change(conn, "community", rid, data, NOW)


def test_pages_follow_the_log_and_a_newer_change_replaces_the_older_one(engine):
    ids = [str(uuid.UUID(int=n)) for n in range(1, 8)]
    for n, rid in enumerate(ids):
        write(engine, rid, f'{{"name": "group {n}"}}')
    kiosk = Kiosk()
    kiosk.pull(engine, limit=3)  # three pages: 3, 3 and 1
    assert kiosk.records == {rid: f'{{"name": "group {n}"}}' for n, rid in enumerate(ids)}
    write(engine, ids[0], '{"name": "group 0, renamed"}')
    write(engine, ids[1], None)  # deleted: a tombstone
    with engine.connect() as conn:
        rows = conn.execute(sa.select(changes.c.id).order_by(changes.c.seq)).scalars().all()
    assert rows == [*ids[2:], ids[0], ids[1]]  # one row per record, the newest last
    before = kiosk.cursor
    kiosk.pull(engine, limit=3)
    assert kiosk.cursor > before
    assert kiosk.records[ids[0]] == '{"name": "group 0, renamed"}' and kiosk.records[ids[1]] is None
    fresh = Kiosk()  # a kiosk from zero gets each record once, in its newest state
    fresh.pull(engine, limit=2)
    assert fresh.records == kiosk.records


def waiting_for_the_lock(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(sa.text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        )).scalar())  # fmt: skip


def commit_order_scenario(engine: sa.Engine, append) -> Kiosk:
    """Writer A takes the lower seq and commits late; writer B takes the next one and commits
    as soon as it can; a kiosk pulls while A is still open, and again after both."""
    kiosk = Kiosk()
    b_done = threading.Event()
    a = engine.connect()
    a.begin()
    append(a, A_ID)

    def writer_b() -> None:
        with engine.begin() as b:
            append(b, B_ID)
        b_done.set()

    thread = threading.Thread(target=writer_b)
    thread.start()
    # B is either committed (without the lock) or waiting for A (with it): wait for one of the
    # two, as the database says, not for a while.
    deadline = time.monotonic() + 60
    while not (b_done.is_set() or waiting_for_the_lock(engine)):
        assert time.monotonic() < deadline, "writer B neither committed nor waited"
        time.sleep(0.01)
    kiosk.pull(engine)  # between the two commits
    a.commit()
    a.close()
    thread.join(60)
    assert b_done.is_set()
    kiosk.pull(engine)
    return kiosk


def test_a_change_committed_after_a_later_one_still_reaches_the_kiosk(postgresql_url):
    engine = sa.create_engine(postgresql_url)
    with engine.begin() as conn:
        changes.drop(conn, checkfirst=True)
        changes.create(conn)

    def append(conn, rid):
        record_change(conn, "community", rid, '{"name": "x"}', NOW)

    kiosk = commit_order_scenario(engine, append)
    engine.dispose()
    assert sorted(kiosk.records) == [
        A_ID,
        B_ID,
    ]


def test_without_the_lock_the_same_pull_skips_a_change_for_good(postgresql_url):
    """The scenario above against a naive log (``seq > cursor``, no lock): the kiosk never
    gets A's change. This is what the test above would catch."""
    engine = sa.create_engine(postgresql_url)
    with engine.begin() as conn:
        changes.drop(conn, checkfirst=True)
        changes.create(conn)

    def append(conn, rid):
        conn.execute(changes.insert().values(entity="community", id=rid, deleted=0,
                                             data='{"name": "x"}', changed_at=NOW))  # fmt: skip

    kiosk = commit_order_scenario(engine, append)
    with engine.connect() as conn:
        seqs = dict(conn.execute(sa.select(changes.c.id, changes.c.seq)).all())
    engine.dispose()
    assert seqs[A_ID] < seqs[B_ID]
    assert sorted(kiosk.records) == [B_ID]  # A: lost


def test_many_writers_at_once_leave_no_change_behind(postgresql_url):
    """Eight writers on their own connections, a kiosk pulling all the while: it ends with
    every record, and the log's seqs follow the commits."""
    engine = sa.create_engine(postgresql_url, pool_size=10)
    with engine.begin() as conn:
        changes.drop(conn, checkfirst=True)
        changes.create(conn)
    written: list[str] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        for i in range(40):
            rid = str(uuid.uuid4())
            with engine.begin() as conn:
                record_change(conn, "community", rid, f'{{"n": {n}, "i": {i}}}', NOW)
            with lock:
                written.append(rid)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    kiosk = Kiosk()
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        kiosk.pull(engine, limit=7)
    for thread in threads:
        thread.join()
    kiosk.pull(engine, limit=7)
    engine.dispose()
    assert len(written) == 320 and sorted(kiosk.records) == sorted(written)
