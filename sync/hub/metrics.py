"""/metrics: the hub in Prometheus's text format (prometheus-client), for whoever watches the
fleet: requests and their latency, kiosks known and online, and per kiosk the seconds since
its last sync, its outbox and the age of its oldest waiting record, and the last backup's age.

Requests are counted by route template (/m/{token}), never by the path itself: paths carry
tokens and ids, which would leak into the metrics and grow them without bound. Kiosk names
are labels: admins enrol kiosks one by one, so there are few.

Not for the internet: /metrics answers the addresses in ONTMOET_HUB_METRICS_FROM (this machine
by default), or anyone with ONTMOET_HUB_METRICS_TOKEN as a bearer token. The address is the
one uvicorn gives, which comes from X-Forwarded-For only for a trusted proxy
(ONTMOET_HUB_TRUSTED_PROXIES, sync.hub.server); a request that came through a proxy the hub was
not told to trust carries the proxy's address, so it is refused by address.
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import time
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

from sync.hub import alerts
from sync.hub import store as hub_store

PATH = "/metrics"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "(unmatched)"  # no route: a 404, or refused before routing (Host, size)
BACKUP_KEY = "last_backup"  # in the hub's meta table: when `ontmoet-hub backup` last finished
# Seconds: a sync is a few milliseconds, a photo upload or an export up to seconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

router = APIRouter()


def note_backup(conn, moment: datetime | None = None) -> None:
    """Called by `ontmoet-hub backup` once the copy is in place."""
    stamp = (moment or datetime.now(UTC)).isoformat(timespec="seconds")
    with hub_store.write(conn):
        hub_store.set_meta(conn, BACKUP_KEY, stamp)


class Metrics:
    """One hub process's metrics: its own registry, so two apps in one test never mix."""

    def __init__(self, state) -> None:
        self.registry = CollectorRegistry(auto_describe=False)  # no store read at start
        self.requests = Counter(
            "ontmoet_hub_http_requests", "HTTP requests answered, by route template and status"
            " class.", ["method", "route", "status"], registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "ontmoet_hub_http_request_duration_seconds", "Time to answer a request, by route"
            " template.", ["method", "route"], buckets=BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.registry.register(FleetCollector(state))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "other"  # WebDAV's and made-up ones: one label
        self.requests.labels(method, route, f"{status // 100}xx").inc()
        self.latency.labels(method, route).observe(seconds)


class FleetCollector(Collector):
    """Reads the store at each scrape: what the kiosks last said, and the last backup."""

    def __init__(self, state) -> None:
        self.state = state

    def collect(self):
        now = datetime.now(UTC)
        conn = self.state.conn
        views = [v for v in alerts.fleet(conn, self.state.settings, now) if not v.revoked]
        yield GaugeMetricFamily("ontmoet_hub_kiosks_known", "Enrolled kiosks, not revoked.",
                                value=len(views))  # fmt: skip
        yield GaugeMetricFamily(
            "ontmoet_hub_kiosks_online",
            "Kiosks that synced within ONTMOET_ALERT_OFFLINE_MINUTES.",
            value=sum(v.online for v in views),
        )
        families = {
            "online": GaugeMetricFamily(
                "ontmoet_hub_kiosk_online", "1 when the kiosk synced within the offline limit.",
                labels=["kiosk"]),
            "silent": GaugeMetricFamily(
                "ontmoet_hub_kiosk_seconds_since_sync",
                "Seconds since the kiosk's last sync (never synced: not listed).",
                labels=["kiosk"]),
            "outbox": GaugeMetricFamily(
                "ontmoet_hub_kiosk_outbox_records",
                "Records waiting in the kiosk's outbox, as it said at its last sync.",
                labels=["kiosk"]),
            "oldest": GaugeMetricFamily(
                "ontmoet_hub_kiosk_outbox_oldest_seconds",
                "Age of the oldest record waiting in the kiosk's outbox (0: none waits).",
                labels=["kiosk"]),
            "alert": GaugeMetricFamily(
                "ontmoet_hub_kiosk_alert",
                "1 while an alert about the kiosk is raised (offline, outbox).",
                labels=["kiosk", "kind"]),
        }  # fmt: skip
        for view in views:
            families["online"].add_metric([view.name], float(view.online))
            if view.silent_seconds is not None:
                families["silent"].add_metric([view.name], view.silent_seconds)
            if view.outbox_size is not None:
                families["outbox"].add_metric([view.name], view.outbox_size)
            families["oldest"].add_metric([view.name], view.outbox_age_seconds or 0.0)
            for kind in (alerts.OFFLINE, alerts.OUTBOX):
                alert = view.alerts.get(kind)
                raised = alert is not None and not alert["cleared_at"]
                families["alert"].add_metric([view.name, kind], float(raised))
        yield from families.values()
        yield GaugeMetricFamily(
            "ontmoet_hub_backup_age_seconds",
            "Seconds since 'ontmoet-hub backup' last finished (+Inf: never).",
            value=_backup_age(conn, now),
        )


def _backup_age(conn, now: datetime) -> float:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", [BACKUP_KEY]).fetchone()
    if row is None:
        return math.inf
    return max(0.0, (now - datetime.fromisoformat(row[0])).total_seconds())


class MetricsMiddleware:
    """A pure ASGI middleware, outermost: every request is counted, also those refused before
    routing (a wrong Host, a body too large), by the route template the router matched."""

    def __init__(self, app, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = {"code": 500}  # an exception that escapes every handler is answered 500

        async def noting_send(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED
            self.metrics.observe(scope["method"], template, status["code"],
                                 time.perf_counter() - started)  # fmt: skip


def allowed(request: Request) -> bool:
    """From an address in ONTMOET_HUB_METRICS_FROM (and not through an untrusted proxy), or
    with the metrics token."""
    settings = request.app.state.hub.settings
    token = settings.metrics_token
    given = request.headers.get("authorization", "")
    if token and given.startswith("Bearer "):
        return hmac.compare_digest(given[7:].strip().encode(), token.encode())
    if request.headers.get("x-forwarded-for") and not settings.trusted_proxies:
        return False  # the address is a proxy's, not the client's
    try:
        address = ipaddress.ip_address((request.client.host if request.client else "").strip())
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in ipaddress.ip_network(n, strict=False) for n in settings.metrics_from)


@router.get(PATH, include_in_schema=False)
def metrics(request: Request) -> Response:
    if not allowed(request):
        raise HTTPException(403, "Not from this address: see ONTMOET_HUB_METRICS_FROM.")
    body = generate_latest(request.app.state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
