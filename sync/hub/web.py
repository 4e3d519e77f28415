"""What every request to the hub passes through: a body size limit, security headers, an
access log without tokens, and rate limits: for the doors that take guesses (enrolment, login,
answer links) and for the forms a flood could fill (sign-ups, a group's mails and photos).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import threading
import time
from collections import deque

log = logging.getLogger("ontmoet.hub")

# Tokens in public page paths (/m/<token>, /w/<token>, /edit/<token>, /confirm/<token>,
# /i/<token>) are secrets: never logged.
_SECRET_PATH = re.compile(r"^/(m|w|edit|confirm|i)/[^/]+")


def loggable_path(path: str) -> str:
    return _SECRET_PATH.sub(lambda m: f"/{m.group(1)}/…", path)


class LimitsMiddleware:
    """A pure ASGI middleware (cheaper than BaseHTTPMiddleware on every sync request):
    refuses bodies over ``max_body`` with 413 before reading them, adds security headers,
    and logs method, path (tokens removed), status and milliseconds."""

    HEADERS = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        (
            b"content-security-policy",
            # font-src: the Arabic font the hub serves itself (nothing from elsewhere);
            # script-src and connect-src: the desk's live queue (static/desk-live.js, its
            # stream and its rows), from the hub itself, never inline.
            b"default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self';"
            b" script-src 'self'; connect-src 'self';"
            b" form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    ]

    HSTS = (b"strict-transport-security", b"max-age=31536000")

    def __init__(self, app, max_body: int, https: bool = False,
                 larger: tuple[tuple[re.Pattern, int], ...] = ()) -> None:  # fmt: skip
        self.app = app
        self.max_body = max_body
        # Paths that take a larger body (a group's photo upload: sync.hub.photos).
        self.larger = larger
        # Whenever the hub's public address is https, browsers are told to keep to it.
        self.headers = self.HEADERS + ([self.HSTS] if https else [])

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status_holder = {"status": 0}
        max_body = next((n for path, n in self.larger if path.match(scope["path"])), self.max_body)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > max_body):
            await _plain_error(send, 413, f"The body is larger than {max_body} bytes.")
            return self._log(scope, 413, started)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_body:
                    raise BodyTooLarge
            return message

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                # Server-Timing: the hub's own time for this request, for benchmarks and
                # for a browser's developer tools.
                ms = (time.perf_counter() - started) * 1000
                timing = (b"server-timing", f"app;dur={ms:.2f}".encode())
                message["headers"] = list(message.get("headers", [])) + self.headers + [timing]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            if not status_holder["status"]:
                await _plain_error(send, 413, f"The body is larger than {max_body} bytes.")
                status_holder["status"] = 413
        self._log(scope, status_holder["status"], started)

    @staticmethod
    def _log(scope, status: int, started: float) -> None:
        if log.isEnabledFor(logging.INFO):
            ms = (time.perf_counter() - started) * 1000
            log.info("%s %s %s %.1f ms", scope["method"], loggable_path(scope["path"]), status, ms)


class BodyTooLarge(Exception):
    pass


async def _plain_error(send, status: int, detail: str) -> None:
    import json

    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode())],
        }
    )  # fmt: skip
    await send({"type": "http.response.body", "body": body})


class RateLimit:
    """At most ``limit`` failed attempts per ``seconds`` per key (a client address), sliding
    window: guessing is slowed down, while a municipality enrolling twenty kiosks in a row
    is not. In memory: a restart forgets, which is fine for slowing down guessing."""

    def __init__(self, limit: int, seconds: float, clock=time.monotonic) -> None:
        self.limit, self.seconds, self.clock = limit, seconds, clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= self.clock() - self.seconds:
            hits.popleft()
        return hits

    def blocked(self, key: str) -> bool:
        with self._lock:
            return len(self._recent(key)) >= self.limit

    def take(self, key: str) -> bool:
        """Count an attempt as failed *before* it is checked, if the key has room: parallel
        attempts cannot all pass the check before the first failure is counted. False when
        blocked. A success gives the slot back with ``forgive``."""
        with self._lock:
            hits = self._recent(key)
            if len(hits) >= self.limit:
                return False
            hits.append(self.clock())
            return True

    def forgive(self, key: str) -> None:
        with self._lock:
            hits = self._hits.get(key)
            if hits:
                hits.pop()

    def failed(self, key: str) -> None:
        with self._lock:
            self._recent(key).append(self.clock())
            if len(self._hits) > 10_000:  # forget idle clients rather than grow forever
                for stale in [k for k, v in self._hits.items() if not v]:
                    del self._hits[stale]

    def retry_after(self, key: str) -> int:
        hits = self._hits.get(key)
        if not hits:
            return 0
        return max(1, int(hits[0] + self.seconds - self.clock()) + 1)


class SharedRateLimit(RateLimit):
    """A RateLimit that holds for every hub process on one store together (issue 18): with
    the store on PostgreSQL, attempts are counted in its rate_hits table too, so ten hub
    processes behind a load balancer allow what one allows, not ten times as much. The count
    in memory stays the first gate: an address over the limit in this process is turned away
    without a write; one over it in the store, with one read. The count is kept under a lock
    of its own limit, never the hub's write lock: a flood of refused attempts never holds up
    a kiosk's sync. On SQLite (one process) it is the RateLimit it extends.

    ``hub``: the open store (sync.hub.store.Hub). Every method may ask it: call them from a
    worker thread (run_in_threadpool), never on the event loop. Times in the store are
    wall-clock milliseconds, so processes on several machines count alike."""

    def __init__(self, name: str, limit: int, seconds: float, hub=None,
                 clock=time.monotonic) -> None:  # fmt: skip
        super().__init__(limit, seconds, clock)
        self.name, self.hub = name, hub

    def _conn(self):
        """This thread's connection to a store on PostgreSQL; None: count in memory only."""
        return self.hub.conn if self.hub is not None and self.hub.on_postgresql else None

    @functools.cached_property
    def _lock_key(self) -> int:
        """This limit's own advisory lock: its count is kept under it (conn.locked), never
        under the hub's write lock."""
        digest = hashlib.sha256(f"ontmoet rate limit {self.name}".encode()).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    def _since(self) -> int:
        return int((time.time() - self.seconds) * 1000)

    def _count(self, conn, key: str) -> int:
        return conn.execute(
            "SELECT count(*) FROM rate_hits WHERE name = ? AND key = ? AND at > ?",
            [self.name, key, self._since()],
        ).fetchone()[0]

    def _add(self, conn, key: str) -> None:
        conn.execute(
            "DELETE FROM rate_hits WHERE name = ? AND key = ? AND at <= ?",
            [self.name, key, self._since()],
        )  # the key's old attempts go as new ones come: the table stays small
        conn.execute(
            "INSERT INTO rate_hits (name, key, at) VALUES (?, ?, ?)",
            [self.name, key, int(time.time() * 1000)],
        )

    def blocked(self, key: str) -> bool:
        if super().blocked(key):
            return True
        conn = self._conn()
        return conn is not None and self._count(conn, key) >= self.limit

    def take(self, key: str) -> bool:
        if not super().take(key):
            return False
        conn = self._conn()
        if conn is None:
            return True
        taken = self._count(conn, key) < self.limit  # over it: turned away with one read
        if taken:
            with conn.locked(self._lock_key):
                taken = self._count(conn, key) < self.limit
                if taken:
                    self._add(conn, key)
        if not taken:
            super().forgive(key)
        return taken

    def forgive(self, key: str) -> None:
        super().forgive(key)
        conn = self._conn()
        if conn is None:
            return
        with conn.locked(self._lock_key):
            conn.execute(
                "DELETE FROM rate_hits WHERE ctid IN (SELECT ctid FROM rate_hits"
                " WHERE name = ? AND key = ? ORDER BY at DESC LIMIT 1)",
                [self.name, key],
            )

    def failed(self, key: str) -> None:
        super().failed(key)
        conn = self._conn()
        if conn is None:
            return
        with conn.locked(self._lock_key):
            self._add(conn, key)

    def retry_after(self, key: str) -> int:
        conn = self._conn()
        if conn is None:
            return super().retry_after(key)
        oldest = conn.execute(
            "SELECT min(at) FROM rate_hits WHERE name = ? AND key = ? AND at > ?",
            [self.name, key, self._since()],
        ).fetchone()[0]
        if oldest is None:
            return super().retry_after(key)
        return max(1, int(oldest / 1000 + self.seconds - time.time()) + 1)


_made = threading.Lock()


def shared_limit(request, name: str, limit: int, seconds: float,
                 kind: type[SharedRateLimit] = SharedRateLimit) -> SharedRateLimit:  # fmt: skip
    """This hub process's rate limit ``name`` (made on first use), counted for every hub
    process on the store together: a group's mails, a link's photos, an address's sign-ups
    and guesses are limited for a region's hub as a whole, not once per process. Ask it
    from a worker thread (it may read the store)."""
    app = request.app.state.hub
    with _made:
        made = app.rate_limits.get(name)
        if made is None:
            made = app.rate_limits[name] = kind(name, limit, seconds, hub=app.hub)
    return made


def purge_rate_hits(conn, seconds: float = 24 * 3600) -> int:
    """Forget attempts older than any limit's window (the purge job, every 10 minutes)."""
    return conn.execute(
        "DELETE FROM rate_hits WHERE at < ?", [int((time.time() - seconds) * 1000)]
    ).rowcount
