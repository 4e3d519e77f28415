"""The live queue: server-sent events that tell an open desk page, within about a second,
that the queue changed (a new 'ask the reception', one taken or closed) or that
introduction follow-ups became due. The page then fetches the queue's rows itself
(``/desk/queue/rows``); the stream carries only counts, never a visitor's detail.

Changes are seen in the database, not in this process's memory: each stream asks sqlite for a
small fingerprint once a second (a few counts and the newest times, off the event loop), so a
request that another hub process stored shows up the same way. A stream re-checks its session
every few seconds and ends when it is gone (logout, an account disabled, the idle limit) or
may no longer see the queue; streams are bounded per session and per process, the extra ones
refused with 429.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from sync.hub import desk_store
from sync.hub.desk.access import COOKIE, PAGES, hub_of, page
from sync.hub.desk_store import DeskSession

router = APIRouter()

POLL = 1.0  # seconds between two looks at the database, per stream
HEARTBEAT = 15.0  # seconds of silence before a comment line keeps proxies from closing
SESSION_CHECK = 5.0  # seconds between two checks that the session is still valid
PER_SESSION = 4  # streams one login may hold (a few tabs); the next is refused
TOTAL = 64  # streams one hub process holds at most


class Slots:
    """Open streams, per session and in total (this process: each hub process has its own)."""

    def __init__(self, per_session: int = PER_SESSION, total: int = TOTAL) -> None:
        self.per_session, self.total = per_session, total
        self._open: Counter[str] = Counter()
        self._lock = threading.Lock()

    def full(self, key: str) -> bool:
        with self._lock:
            return sum(self._open.values()) >= self.total or self._open[key] >= self.per_session

    def take(self, key: str) -> bool:
        with self._lock:
            if sum(self._open.values()) >= self.total or self._open[key] >= self.per_session:
                return False
            self._open[key] += 1
            return True

    def give_back(self, key: str) -> None:
        with self._lock:
            self._open[key] -= 1
            if self._open[key] <= 0:
                del self._open[key]


SLOTS = Slots()


def fingerprint(conn) -> dict:
    """What the desk shows of the queue, in a few numbers: any change to the queue or to the
    follow-ups due changes at least one of them. One cheap read (the tables' primary keys)."""
    today = datetime.now(UTC).date().isoformat()
    row = conn.execute(
        "SELECT"
        " (SELECT count(*) FROM visitor_records WHERE entity = 'help_request'),"
        " (SELECT max(received_at) FROM visitor_records WHERE entity = 'help_request'),"
        " (SELECT count(*) FROM request_states WHERE entity = 'help_request'),"
        " (SELECT count(*) FROM request_states WHERE entity = 'help_request' AND state = 'taken'),"
        " (SELECT max(updated_at) FROM request_states WHERE entity = 'help_request'),"
        " (SELECT count(*) FROM introductions WHERE outcome = 'open' AND follow_up_on <= ?)",
        [today],
    ).fetchone()
    requests, newest, states, taken, changed, due = row
    return {
        "waiting": desk_store.waiting_count(conn),
        "taken": taken,
        "due": due,
        # Not for the page: what makes two moments differ (a request closed and another
        # arrived leave the counts as they were).
        "version": f"{requests}|{newest}|{states}|{changed}",
    }


def _event(name: str, data: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


@router.get("/queue/events")
async def queue_events(request: Request, session: Annotated[DeskSession, Depends(page("queue"))]):
    token = request.cookies.get(COOKIE, "")
    key = desk_store.hash_secret(token)
    if SLOTS.full(key):
        return PlainTextResponse(
            "Too many live queues open: close a tab of the desk.",
            status_code=429,
            headers={"Retry-After": "30", "Cache-Control": "no-store"},
        )
    # The store's connections are one per thread: each look at the database asks for the
    # connection of the worker thread it runs on, never this event loop's.
    state = hub_of(request)

    async def stream():
        # Taken here, where the finally below gives it back: a stream that never started
        # (the client left at once) holds no slot.
        if not SLOTS.take(key):
            yield _event("end", {"busy": True})
            return
        try:
            # The browser tries again after 3 s when the line breaks.
            yield "retry: 3000\n\n"
            last, said, checked = None, time.monotonic(), time.monotonic()
            while True:
                now = time.monotonic()
                if now - checked >= SESSION_CHECK:
                    checked = now
                    alive = await run_in_threadpool(
                        lambda: desk_store.session_for(state.conn, token)
                    )
                    if alive is None or alive.role not in PAGES["queue"]:
                        yield _event("end", {})
                        return
                seen = await run_in_threadpool(lambda: fingerprint(state.conn))
                if seen != last:
                    last, said = seen, now
                    yield _event("queue", {k: v for k, v in seen.items() if k != "version"})
                elif now - said >= HEARTBEAT:
                    said = now
                    yield ": still here\n\n"
                await asyncio.sleep(POLL)
        finally:
            SLOTS.give_back(key)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
