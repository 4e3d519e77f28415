"""Serving the hub with uvicorn, hardened for the internet: slow clients are cut off, the
number of connections is bounded, and the client's address comes from a proxy only when that
proxy is trusted (the settings' trusted_proxies)."""

from __future__ import annotations

import asyncio
import logging
import resource

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from sync.hub.settings import HubSettings

log = logging.getLogger("ontmoet.hub")

KEEP_ALIVE = 5  # seconds an idle connection stays open between requests
# Beyond this many connections, requests get 503 rather than file descriptors running out
# (the unit allows 65,536 open files; a reverse proxy in front bounds it further).
MAX_CONNECTIONS = 4000


class GuardedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with deadlines for a request's headers and its body:
    uvicorn times out only idle keep-alive connections, so a client that connected and sent
    nothing, a header a minute, or half a body and then silence, held its socket for ever
    (1,100 of them stopped a hub; 4,000 half bodies filled every connection slot)."""

    #: Seconds to send a request's headers, from connecting or from its first byte (set from
    #: the settings' header_timeout by serve()).
    header_timeout = 10.0
    #: Seconds to send a body once the headers are in: 256 KiB at most, at a crawl of 9 KiB/s.
    body_timeout = 30.0
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm(self.header_timeout)

    def on_headers_complete(self) -> None:
        self._arm(self.body_timeout)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def raise_open_files_limit() -> None:
    """Use the hard limit on open files (the unit sets it; the soft default is 1,024)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def serve(app, host: str, port: int, log_level: str, settings: HubSettings) -> None:
    import uvicorn

    raise_open_files_limit()
    GuardedHttpTools.header_timeout = settings.header_timeout
    GuardedHttpTools.body_timeout = 3 * settings.header_timeout
    proxies = list(settings.trusted_proxies)
    uvicorn.run(
        app,
        host=host,
        port=port,
        http=GuardedHttpTools,
        # uvicorn's own access log would print paths with tokens: the hub logs requests itself.
        access_log=False,
        log_level=log_level,
        timeout_graceful_shutdown=5,
        timeout_keep_alive=KEEP_ALIVE,
        limit_concurrency=MAX_CONNECTIONS,
        # Without trusted proxies, X-Forwarded-* is ignored: anyone could send it.
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
        server_header=False,
    )
