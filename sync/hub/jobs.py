"""The hub's periodic jobs (the purge of expired records, the groups' freshness reminders),
claimed before each run so that with several hub processes on one store each job runs once per
period, not once per process (issue 18): two processes would otherwise both mail a group its
reminder.

A claim is one conditional UPDATE: the row's ``due_at`` moves a period on only where it was
due. On SQLite writers take turns; on PostgreSQL a second claimer waits for the first one's row
lock and then finds the row no longer due. Either way exactly one claim per period succeeds.
Plain SQL that both engines run alike."""

from __future__ import annotations

import os
import socket
import sqlite3
from datetime import UTC, datetime, timedelta

from sync.hub.store import write

NEVER_RUN = "1970-01-01T00:00:00+00:00"  # a new job is due at once


def claimant() -> str:
    """This process, as the job's log names it: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


#: The claim's two statements, with named parameters: sqlite3 runs them as they are, and so
#: does SQLAlchemy's text() on PostgreSQL (tests/test_jobs.py races them on both).
ADD_JOB = "INSERT INTO job_runs (name, due_at) VALUES (:name, :never) ON CONFLICT (name) DO NOTHING"
CLAIM_RUN = (
    "UPDATE job_runs SET due_at = :next, last_by = :by, last_at = :now"
    " WHERE name = :name AND due_at <= :now"
)


def claim_parameters(name: str, every: timedelta, now: datetime) -> dict[str, str]:
    return {
        "name": name,
        "never": NEVER_RUN,
        "now": now.isoformat(timespec="seconds"),
        "next": (now + every).isoformat(timespec="seconds"),
        "by": claimant(),
    }


def claim(
    conn: sqlite3.Connection, name: str, every: timedelta, now: datetime | None = None
) -> bool:
    """True if this process claimed the run of ``name`` that is due now (and the next one is
    due ``every`` later); False if it is not due yet or another process claimed it."""
    parameters = claim_parameters(name, every, now or datetime.now(UTC))
    with write(conn):
        conn.execute(ADD_JOB, parameters)
        claimed = conn.execute(CLAIM_RUN, parameters).rowcount
    return claimed == 1
