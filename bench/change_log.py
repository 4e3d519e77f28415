"""What rule 8's lock costs (issue 18): appends to the change log from several writers at once,
each append its own transaction, on a real PostgreSQL (bench/pg_server.py), with the advisory
lock (sync/hub/change_log.py) against the baseline measured in the same run: the same appends
without it (the naive log, which can skip changes; tests/test_change_log.py). SQLite's figure
(one writer at a time by design) is printed beside them.

    .venv/bin/python -m bench.change_log [APPENDS_PER_WRITER]
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.pg_server import postgresql_server  # noqa: E402
from sync.hub.change_log import changes, record_change  # noqa: E402

WRITERS = 4
NOW = "2026-12-04T12:00:00+00:00"


def naive_append(conn: sa.Connection, rid: str) -> None:
    conn.execute(changes.delete().where(changes.c.entity == "community", changes.c.id == rid))
    conn.execute(changes.insert().values(entity="community", id=rid, deleted=0, data="{}",
                                         changed_at=NOW))  # fmt: skip


def locked_append(conn: sa.Connection, rid: str) -> None:
    record_change(conn, "community", rid, "{}", NOW)


def appends_per_second(engine: sa.Engine, append, per_writer: int, writers: int) -> float:
    with engine.begin() as conn:
        changes.drop(conn, checkfirst=True)
        changes.create(conn)

    def writer() -> None:
        for _ in range(per_writer):
            with engine.begin() as conn:
                append(conn, str(uuid.uuid4()))

    threads = [threading.Thread(target=writer) for _ in range(writers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(changes)).scalar() == (
            per_writer * writers
        )
    return per_writer * writers / elapsed


def main() -> None:
    per_writer = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with postgresql_server() as url:
        engine = sa.create_engine(url, pool_size=WRITERS + 1)
        appends_per_second(engine, locked_append, 20, WRITERS)  # warm-up: connections, plans
        naive = appends_per_second(engine, naive_append, per_writer, WRITERS)
        locked = appends_per_second(engine, locked_append, per_writer, WRITERS)
        engine.dispose()
    with tempfile.TemporaryDirectory() as folder:
        engine = sa.create_engine(f"sqlite:///{Path(folder) / 'hub.db'}")
        sqlite = appends_per_second(engine, locked_append, per_writer * WRITERS, 1)
        engine.dispose()
    print(f"{WRITERS} writers x {per_writer} appends, one transaction each (PostgreSQL, fsync off)")
    print(f"  without the lock (baseline, can skip changes): {naive:8.0f} appends/s")
    print(f"  with the lock (sync/hub/change_log.py):        {locked:8.0f} appends/s")
    print(f"  ratio with/without: {locked / naive:.2f}")
    print(f"SQLite, one writer, same appends:                {sqlite:8.0f} appends/s")


if __name__ == "__main__":
    main()
