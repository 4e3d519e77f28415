"""Serving the hub with uvicorn, hardened for the internet: slow clients are cut off, the
number of connections is bounded, and the client's address comes from a proxy only when that
proxy is trusted (ONTMOET_HUB_TRUSTED_PROXIES)."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import resource

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("ontmoet.hub")

#: Seconds a client has to send a request's headers, from connecting or from its first byte.
#: uvicorn times out only idle keep-alive connections, so a client that connects and sends
#: nothing (or a header a minute) held its socket for ever: 1,100 of them stopped a hub.
HEADER_TIMEOUT = float(os.environ.get("ONTMOET_HUB_HEADER_TIMEOUT", "10"))
KEEP_ALIVE = 5  # seconds an idle connection stays open between requests
# Beyond this many connections, requests get 503 rather than file descriptors running out
# (the unit allows 65,536 open files; a reverse proxy in front bounds it further).
MAX_CONNECTIONS = 4000


class GuardedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline for a request's headers."""

    _header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._header_deadline = self.loop.call_later(HEADER_TIMEOUT, self._too_slow)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _too_slow(self) -> None:
        self._header_deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def trusted_proxies(text: str) -> list[str]:
    """The proxies whose X-Forwarded-For is believed: addresses or networks, comma-separated.
    Empty: none (the client's address is the connection's). Checked here, so that a typo is
    an error at start, not a hub that trusts nobody or everybody."""
    proxies = [p.strip() for p in text.split(",") if p.strip()]
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ValueError(
                f"ONTMOET_HUB_TRUSTED_PROXIES: {proxy!r} is not an address or network"
            ) from None
    return proxies


def raise_open_files_limit() -> None:
    """Use the hard limit on open files (the unit sets it; the soft default is 1,024)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def serve(app, host: str, port: int, log_level: str, proxies: list[str]) -> None:
    import uvicorn

    raise_open_files_limit()
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
