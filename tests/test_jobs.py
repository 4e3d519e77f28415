"""The hub's periodic jobs are claimed once per period, however many hub processes share the
store (sync.hub.jobs, issue 18): on SQLite and, with the same SQL, on a real PostgreSQL; and two
real hub processes on one store mail a group its freshness reminder once, not twice."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from hub_helpers import HubProcess, store_of
from test_freshness import SENDER, a_group, confirmed_on, mails_to

from sync.hub import jobs, tables
from sync.hub import store as hub_store

T0 = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
EVERY = timedelta(minutes=10)


def race(claimers: int, claim_once) -> list[bool]:
    """``claimers`` threads claim at the same moment (a barrier); what each one got."""
    start, results = threading.Barrier(claimers), [False] * claimers

    def claimer(n: int) -> None:
        start.wait()
        results[n] = claim_once(n)

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(claimers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_on_sqlite_one_claim_per_period_among_eight_at_once(tmp_path):
    setup = hub_store.connect(tmp_path / "hub.db")
    hub_store.create_schema(setup)
    connections = [hub_store.connect(tmp_path / "hub.db") for _ in range(8)]
    for at in (T0, T0 + timedelta(minutes=1), T0 + EVERY, T0 + EVERY + timedelta(seconds=1)):
        won = race(8, lambda n, at=at: jobs.claim(connections[n], "purge", EVERY, now=at))
        # Due at T0 (never run) and at T0 + 10 min; not a minute after either claim.
        assert won.count(True) == (1 if at in (T0, T0 + EVERY) else 0), at
    (due, by) = setup.execute(
        "SELECT due_at, last_by FROM job_runs WHERE name = 'purge'"
    ).fetchone()
    assert due == (T0 + 2 * EVERY).isoformat() and by == jobs.claimant()
    assert jobs.claim(connections[0], "another job", EVERY, now=T0)  # each job its own row
    for conn in [setup, *connections]:
        conn.close()


def test_on_postgresql_the_same_statements_give_one_claim_per_period(postgresql_url):
    engine = sa.create_engine(postgresql_url, pool_size=9)
    with engine.begin() as conn:
        tables.job_runs.drop(conn, checkfirst=True)
        tables.job_runs.create(conn)

    def claim_once(_n: int, at: datetime) -> bool:
        parameters = jobs.claim_parameters("purge", EVERY, at)
        with engine.begin() as conn:
            conn.execute(sa.text(jobs.ADD_JOB), parameters)
            return conn.execute(sa.text(jobs.CLAIM_RUN), parameters).rowcount == 1

    for at in (T0, T0 + timedelta(minutes=1), T0 + EVERY):
        won = race(8, lambda n, at=at: claim_once(n, at))
        assert won.count(True) == (0 if at == T0 + timedelta(minutes=1) else 1), at
    engine.dispose()


def test_two_hub_processes_on_one_store_mail_a_reminder_once(tmp_path, smtp_sink):
    first = HubProcess(tmp_path / "hub")
    conn = store_of(first.data_dir)
    hub_store.create_schema(conn)
    confirmed_on(conn, a_group(conn), date.today() - timedelta(days=200))  # a reminder is due
    conn.close()
    second = first.another_process()
    env = {"ONTMOET_SMTP_HOST": "127.0.0.1", "ONTMOET_SMTP_PORT": str(smtp_sink.port),
           "ONTMOET_MAIL_FROM": SENDER, "ONTMOET_HUB_PUBLIC_URL": first.url}  # fmt: skip
    first.start(env=env)
    second.start(env=env)
    try:
        # Both run their job loop at start; wait until both have claimed or found it claimed.
        check = store_of(first.data_dir)
        deadline = time.monotonic() + 30
        while not mails_to(smtp_sink, "groep@voorbeeld.nl") and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)  # a second mail, if there were one, goes out as quickly as the first
        (last_by,) = check.execute("SELECT last_by FROM job_runs WHERE name = 'purge'").fetchone()
        check.close()
    finally:
        second.stop()
        first.stop()
    assert len(mails_to(smtp_sink, "groep@voorbeeld.nl")) == 1
    assert last_by.endswith(f":{first.process.pid}") or last_by.endswith(f":{second.process.pid}")
