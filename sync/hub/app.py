"""The hub's ASGI app: the sync API for kiosks (documented at /openapi.json) and the public
pages that the kiosks' QR codes point to.

Every request body is read raw and checked by sync.protocol before anything is stored: the
same rules the kiosk applied before queueing. Refusals are 4xx with ``{"detail": ...}`` that
names the field and the rule; nothing of a refused request is stored.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import sqlite3
import threading
import time
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import anyio
from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from starlette.middleware.trustedhost import TrustedHostMiddleware

from sync import protocol
from sync.hub import alerts, desk_store, freshness, jobs, keys, ledger, metrics, photos, render
from sync.hub import store as hub_store
from sync.hub.engine import STORE_ERRORS
from sync.hub.introductions import run_safely as send_introduction_mail
from sync.hub.settings import HubSettings, load_settings
from sync.hub.store import Hub
from sync.hub.web import LimitsMiddleware, SharedRateLimit

API = "/api/v1"
VERSION = "0.1.0"
SEEN_EVERY = 15  # seconds
PURGE_EVERY = 600  # seconds between two runs of the purge of expired contact requests
LOGIN_CHECKS = 2  # password checks at once: this machine's cores

_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

_PUSH_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["ops"],
                "additionalProperties": False,
                "properties": {
                    "ops": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": protocol.MAX_BATCH_OPS,
                        "items": {
                            "type": "object",
                            "required": ["version", "device_seq", "op_id", "entity",
                                         "record_id", "fields"],
                            "additionalProperties": False,
                            "properties": {
                                "version": {"type": "integer"},
                                "device_seq": {"type": "integer", "minimum": 1},
                                "op_id": {"type": "string", "format": "uuid"},
                                "entity": {"type": "string", "enum": list(protocol.ENTITIES)},
                                "record_id": {"type": "string", "format": "uuid"},
                                "fields": {"type": "object"},
                            },
                        },
                    }
                },
            }
        }
    },
}  # fmt: skip

_ENROL_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["code", "device"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string", "minLength": 8, "maxLength": 64},
                    "device": {"type": "string", "format": "uuid"},
                },
            }
        }
    },
}


def _schema_of(rules_doc: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": rules_doc}}


_PUSH_REPLY = {
    "type": "object",
    "required": ["epoch", "acked_seq", "applied", "duplicates", "quarantined"],
    "properties": {
        "epoch": {"type": "string"},
        "acked_seq": {"type": "integer"},
        "applied": {"type": "integer"},
        "duplicates": {"type": "integer"},
        "quarantined": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"device_seq": {"type": "integer"}, "problem": {"type": "string"}},
            },
        },
    },
}
_PULL_REPLY = {
    "type": "object",
    "required": ["epoch", "acked_seq", "resync", "changes", "next", "has_more"],
    "properties": {
        "epoch": {"type": "string"},
        "acked_seq": {"type": "integer"},
        "resync": {"type": "boolean"},
        "changes": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "seq": {"type": "integer"},
                    "entity": {"type": "string", "enum": list(protocol.SHARED_ENTITIES)},
                    "id": {"type": "string"},
                    "deleted": {"type": "boolean"},
                    "data": {"type": ["object", "null"]},
                },
            },
        },
        "next": {"type": "integer"},
        "has_more": {"type": "boolean"},
    },
}


class HubApp:
    """State shared by the requests of one hub process."""

    def __init__(self, data_dir: Path, settings: HubSettings) -> None:
        self.hub = Hub(data_dir)
        self.data_dir = Path(data_dir)
        self.settings = settings
        self.public_url = settings.public_url.rstrip("/")
        self.public_key = keys.public_key(self.data_dir)
        # Per address, for every hub process on the store together (a region's hub).
        self.enrol_limit = SharedRateLimit("enrol", 10, 60, hub=self.hub)
        self.login_limit = SharedRateLimit("login", 20, 60, hub=self.hub)
        self.rate_limits: dict[str, SharedRateLimit] = {}  # the others (web.shared_limit)
        self.mail = settings.mail
        hub_store.create_schema(self.conn)  # an older store is migrated before serving
        self._seen: dict[str, tuple[float, dict]] = {}
        self.stopping = threading.Event()
        self._login_turns: anyio.Semaphore | None = None

    def base_url(self, request: Request) -> str:
        """Where links point (edit links, calendar files, enrolment replies): the configured
        public address. Without one (a hub on this machine only), the address the request
        came to, whose host the TrustedHostMiddleware has checked against the allow-list:
        never a Host header someone made up."""
        return self.public_url or str(request.base_url).rstrip("/")

    def login_turns(self) -> anyio.Semaphore:
        """Turns at the password check (argon2: 64 MiB and most of a core each): at most
        LOGIN_CHECKS at once, so forty parallel logins cannot starve the kiosks' syncs or
        take a gigabyte. Made on first use, inside the server's event loop."""
        if self._login_turns is None:
            self._login_turns = anyio.Semaphore(LOGIN_CHECKS)
        return self._login_turns

    @property
    def conn(self) -> sqlite3.Connection:
        return self.hub.conn

    def epoch(self) -> str:
        return hub_store.meta(self.conn, "epoch")

    def note_seen(self, kiosk: str, what: str | None, facts: dict, force: bool = False) -> None:
        """Note that a kiosk was here and what it said. A kiosk with nothing new is noted at
        most every SEEN_EVERY seconds: an idle sync stays a read, not a write with an fsync."""
        now = time.monotonic()
        last = self._seen.get(kiosk)
        if not force and last and now - last[0] < SEEN_EVERY and last[1] == facts:
            return
        self._seen[kiosk] = (now, facts)
        moments = {what: hub_store.now_iso()} if what else {}
        with hub_store.write(self.conn):
            hub_store.note_kiosk_seen(self.conn, kiosk, **moments, **facts)


def _json_response(payload: bytes | dict, status: int = 200) -> Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return Response(body, status_code=status, media_type="application/json")


def _store_failure(exc: Exception) -> HTTPException:
    """A store that cannot write: nothing was committed, so nothing was acknowledged."""
    logging.getLogger("ontmoet.hub").warning("the store refused: %s: %s", type(exc).__name__, exc)
    if "full" in str(exc):
        return HTTPException(507, "The hub's disk is full: nothing was stored. Try again later.")
    return HTTPException(503, "The hub's store is busy or unavailable: try again later.")


def _kiosk_facts(request: Request) -> dict[str, Any]:
    """What a kiosk tells about itself in headers, checked like any other field."""
    facts: dict[str, Any] = {}
    outbox = request.headers.get("x-ontmoet-outbox")
    if outbox is not None:
        if not re.fullmatch(r"[0-9]{1,9}", outbox):
            raise HTTPException(400, "Header X-Ontmoet-Outbox must be a whole number.")
        facts["outbox_size"] = int(outbox)
    oldest = request.headers.get("x-ontmoet-oldest-unsent")
    if oldest is not None:
        try:
            protocol.iso_moment("X-Ontmoet-Oldest-Unsent", oldest)
        except protocol.ProtocolError:
            raise HTTPException(
                400, "Header X-Ontmoet-Oldest-Unsent must be a moment with a time zone."
            ) from None
    # Rule 13: a kiosk whose oldest unsent record is old shows at the desk (no header: the
    # kiosk's outbox is empty).
    facts["oldest_unsent"] = oldest
    version = request.headers.get("x-ontmoet-version")
    if version is not None:
        if not 0 < len(version) <= 32 or not version.isascii() or not version.isprintable():
            raise HTTPException(400, "Header X-Ontmoet-Version must be a short version text.")
        facts["version"] = version
    clock = request.headers.get("x-ontmoet-clock")
    if clock is not None:
        try:
            moment = datetime.fromisoformat(protocol.iso_moment("X-Ontmoet-Clock", clock))
        except protocol.ProtocolError:
            raise HTTPException(
                400, "Header X-Ontmoet-Clock must be a moment with a time zone."
            ) from None
        # Informational only (SYNC.md rule 10): a kiosk whose clock is off shows at the desk.
        # In whole minutes: a kiosk with nothing new then says the same each time, and its
        # idle syncs stay reads (see note_seen).
        skew = (moment - datetime.now(UTC)).total_seconds()
        facts["clock_skew_seconds"] = int(round(skew / 60)) * 60
    return facts


LOOPBACK_NAMES = ("127.0.0.1", "localhost")


def allowed_hosts(public_url: str, extra: tuple[str, ...] = ()) -> list[str]:
    """The Host headers the hub answers: its public address's host, the names in ``extra``
    (ONTMOET_HUB_ALLOWED_HOSTS) and this machine's own names."""
    hosts = [h.strip().lower() for h in extra if h.strip()]
    if public_url:
        hosts.append((urlsplit(public_url).hostname or "").lower())
    return sorted({*hosts, *LOOPBACK_NAMES} - {""})


def create_app(data_dir: Path, settings: HubSettings | None = None) -> FastAPI:
    settings = settings or load_settings()
    state = HubApp(data_dir, settings)
    render.LOCAL_ZONE = settings.zone  # the templates' times: one hub (one hall) per process
    app = FastAPI(
        title="Ontmoet hub",
        version=VERSION,
        description=(
            "The shared store of the Ontmoet kiosks. Kiosks push what visitors left (idempotent "
            "by device_seq and record UUID) and pull public records by cursor. Every reply "
            "carries the hub's epoch: a new epoch means the hub was restored from a backup."
        ),
        docs_url=None,
        redoc_url=None,
        lifespan=_purging(state),
    )
    app.state.hub = state
    app.state.metrics = metrics.Metrics(state)

    def authenticated_kiosk(
        request: Request,
        authorization: Annotated[str | None, Header()] = None,
    ) -> str:
        if not authorization or not authorization.startswith("Bearer "):
            raise HTTPException(
                401, "This kiosk has no token: enrol it with 'ontmoet-kiosk enrol'.",
                headers={"WWW-Authenticate": "Bearer"},
            )  # fmt: skip
        kiosk = hub_store.kiosk_for_token(state.conn, authorization[7:].strip())
        if kiosk is None:
            raise HTTPException(
                401, "This token is not valid (revoked, or never issued): enrol the kiosk again.",
                headers={"WWW-Authenticate": "Bearer"},
            )  # fmt: skip
        return kiosk

    @app.exception_handler(protocol.ProtocolError)
    async def refused(request: Request, exc: protocol.ProtocolError) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "field": exc.field}, status_code=422)

    @app.get(f"{API}/health", summary="Is the hub up, and which epoch is it in")
    def health() -> dict[str, str]:
        return {"status": "ok", "epoch": state.epoch(), "version": VERSION}

    @app.post(
        f"{API}/enrol",
        summary="Exchange a one-time enrolment code for the kiosk's own token",
        openapi_extra={"requestBody": _ENROL_BODY},
        responses={
            200: {"description": "Enrolled"},
            400: {"description": "Bad request", **_ERROR},
            403: {"description": "Unknown, used or expired code", **_ERROR},
            415: {"description": "Not JSON", **_ERROR},
            422: {"description": "Refused input", **_ERROR},
            429: {"description": "Too many attempts", **_ERROR},
        },
    )
    async def enrol(request: Request) -> Response:
        client = request.client.host if request.client else "?"
        # The limits may ask the store (several hub processes): on a worker thread.
        if await run_in_threadpool(state.enrol_limit.blocked, client):
            wait = await run_in_threadpool(state.enrol_limit.retry_after, client)
            raise HTTPException(
                429, "Too many failed enrolment attempts from this address: wait a minute.",
                headers={"Retry-After": str(wait)},
            )  # fmt: skip
        try:
            body = await _json_body(request)
            data = protocol.validate_object(
                protocol.ENROL_REQUEST, protocol.parse_json(body), "body"
            )
            # On the worker thread, with that thread's own connection.
            redeemed = await run_in_threadpool(
                lambda: hub_store.redeem_enrolment_code(state.conn, data["code"], data["device"])
            )
            if redeemed is None:
                raise HTTPException(403, "This enrolment code is unknown, used or expired.")
        except (HTTPException, protocol.ProtocolError):
            await run_in_threadpool(state.enrol_limit.failed, client)
            raise
        kiosk, token = redeemed
        return _json_response(
            {
                "kiosk": kiosk,
                "token": token,
                "hub_public_key": state.public_key,
                # Without a configured public address, QR codes point where this kiosk
                # reached the hub.
                "public_url": state.base_url(request),
                "epoch": state.epoch(),
            }
        )

    @app.post(
        f"{API}/push",
        summary="Push a batch of outbox operations",
        openapi_extra={"requestBody": _PUSH_BODY},
        responses={
            200: {"description": "Applied", "content": _schema_of(_PUSH_REPLY)},
            400: {"description": "Bad header", **_ERROR},
            401: {"description": "No valid token", **_ERROR},
            409: {"description": "A gap, or a replay with other content", **_ERROR},
            413: {"description": "Body too large: halve the batch", **_ERROR},
            426: {"description": "Update needed: protocol version not accepted", **_ERROR},
            415: {"description": "Not JSON", **_ERROR},
            422: {"description": "Refused input", **_ERROR},
            507: {"description": "The hub's disk is full", **_ERROR},
        },
    )
    async def push(request: Request, kiosk: str = Depends(authenticated_kiosk)) -> Response:
        facts = _kiosk_facts(request)
        try:
            ops = protocol.parse_push(await _json_body(request))
        except protocol.ProtocolError as exc:
            # A refused batch still tells the desk how this kiosk is doing.
            await run_in_threadpool(state.note_seen, kiosk, None, facts, True)
            if exc.problem == protocol.UPDATE_NEEDED:
                raise HTTPException(426, f"{exc}. Update this kiosk; it keeps its queue.") from None
            raise
        return await run_in_threadpool(_push, state, kiosk, ops, facts)

    @app.get(
        f"{API}/pull",
        summary="Shared records changed after a cursor, in hub order, paged, with tombstones",
        responses={
            200: {"description": "A page of changes", "content": _schema_of(_PULL_REPLY)},
            400: {"description": "Bad header", **_ERROR},
            401: {"description": "No valid token", **_ERROR},
        },
    )
    def pull(
        request: Request,
        since: Annotated[int, Query(ge=0, le=2**53)] = 0,
        limit: Annotated[int, Query(ge=1, le=protocol.MAX_PULL_LIMIT)] = 500,
        knows: Annotated[str, Query(max_length=200)] = "",
        kiosk: str = Depends(authenticated_kiosk),
    ) -> Response:
        facts = _kiosk_facts(request)
        # Newer shared records go only to kiosks that say they know them ('knows=a,b').
        leave_out = frozenset(protocol.NEWER_SHARED_ENTITIES) - set(knows.split(","))
        conn = state.conn
        try:
            conn.execute("BEGIN")  # one snapshot for the page, the epoch and the ack
            try:
                page = hub_store.changes_since(conn, since, limit, leave_out)
                epoch, acked = state.epoch(), ledger.acked_seq(conn, kiosk)
            finally:
                conn.execute("COMMIT")
            state.note_seen(kiosk, "last_pull", facts)
        except STORE_ERRORS as exc:
            raise _store_failure(exc) from None
        parts = [
            f'{{"seq":{c["seq"]},"entity":"{c["entity"]}","id":{json.dumps(c["id"])},'
            f'"deleted":{"true" if c["deleted"] else "false"},"data":{c["data"] or "null"}}}'
            for c in page.changes
        ]
        body = (
            f'{{"epoch":{json.dumps(epoch)},"acked_seq":{acked},'
            f'"resync":{"true" if page.resync else "false"},"changes":[{",".join(parts)}],'
            f'"next":{page.next},"has_more":{"true" if page.has_more else "false"}}}'
        )
        return _json_response(body.encode())

    from sync.hub.desk import install as install_desk
    from sync.hub.desk import router as desk_router
    from sync.hub.edit import router as edit_router
    from sync.hub.freshness import router as freshness_router
    from sync.hub.group_events import router as group_events_router
    from sync.hub.hsds.api import router as hsds_router
    from sync.hub.introduction_page import router as introduction_page_router
    from sync.hub.pages import router as pages_router
    from sync.hub.photos import api_router as photos_api_router
    from sync.hub.photos import router as photos_router
    from sync.hub.signup import router as signup_router

    app.include_router(pages_router)
    app.include_router(desk_router)
    install_desk(app)
    app.include_router(photos_router)  # before edit's: /edit/<token>/photo is the photo's
    app.include_router(photos_api_router)
    app.include_router(group_events_router)  # /edit/<token>/events
    app.include_router(edit_router)
    app.include_router(signup_router)
    app.include_router(freshness_router)
    app.include_router(introduction_page_router)  # /i/<token>: did an introduction work out
    app.include_router(hsds_router)  # the open-data read API (docs/open-data.md)
    app.include_router(metrics.router)  # /metrics, for this machine only by default

    _add_error_schema(app)
    # A made-up Host header is refused before anything could build a link from it.
    app.add_middleware(
        TrustedHostMiddleware,
        allowed_hosts=allowed_hosts(state.public_url, settings.allowed_hosts),
    )
    app.add_middleware(LimitsMiddleware, max_body=protocol.MAX_BODY_BYTES,
                       https=state.public_url.startswith("https://"),
                       larger=((photos.UPLOAD_PATH, photos.DRAIN_BYTES),))  # fmt: skip
    # Outermost: also the requests refused above are counted.
    app.add_middleware(metrics.MetricsMiddleware, metrics=app.state.metrics)
    return app


def _claimed(state: HubApp, job: str, seconds: float) -> bool:
    try:
        return jobs.claim(state.hub.conn, job, timedelta(seconds=seconds))
    except STORE_ERRORS:  # a busy or full store: the next round tries again
        logging.getLogger("ontmoet.hub").exception("job %s not claimed; tries again", job)
        return False


def _purging(state: HubApp):
    """While the hub serves, expired contact requests are erased and the groups' reminders
    sent every PURGE_EVERY seconds, whether anybody is logged in at the desk or not, by one
    hub process of several (sync.hub.jobs); the kiosks are checked for alerts every
    alerts.CHECK_EVERY seconds (safe with several hub processes: see sync.hub.alerts). Every
    process sweeps its own photos folder (on several machines, each has one) as often."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        def purge() -> None:
            swept = 0.0
            while True:
                if time.monotonic() - swept >= PURGE_EVERY:
                    swept = time.monotonic()
                    try:  # photos no group shows and none waits with (sync.hub.photos)
                        photos.sweep(state.hub.conn, state.data_dir)
                    except (*STORE_ERRORS, OSError):
                        logging.getLogger("ontmoet.hub").exception("sweep failed; tries again")
                if _claimed(state, "purge", PURGE_EVERY):  # one process per period (jobs.py)
                    try:
                        desk_store.purge_expired(state.hub.conn)
                    except STORE_ERRORS:
                        logging.getLogger("ontmoet.hub").exception("purge failed; tries again")
                    try:  # groups reminded to check their record (sync.hub.freshness)
                        freshness.send_reminders(state.hub.conn, state.mail, state.public_url)
                    except Exception:  # never the end of the purge thread: tried next run
                        logging.getLogger("ontmoet.hub").exception("reminders failed; again")
                alerts.check_safely(state.hub.conn, state.settings, state.public_url)
                send_introduction_mail(state)  # kiosks' introductions, retries, follow-ups
                if state.stopping.wait(alerts.CHECK_EVERY):
                    return

        threading.Thread(target=purge, name="ontmoet-purge", daemon=True).start()
        yield
        state.stopping.set()

    return lifespan


def _push(state: HubApp, kiosk: str, ops: list[dict], facts: dict) -> Response:
    conn = state.conn
    try:
        apply = functools.partial(
            hub_store.apply_visitor_record, quota_factor=state.settings.quota_factor
        )
        outcome = ledger.apply_push(conn, kiosk, ops, apply)
        state.note_seen(kiosk, "last_push", facts, force=True)
    except ledger.GapError as gap:
        return _json_response(
            {
                "detail": f"This batch does not follow on: the hub expects device_seq "
                f"{gap.expected} next.",
                "expected_seq": gap.expected,
                "epoch": state.epoch(),
            },
            409,
        )
    except ledger.ReplayMismatch as mismatch:
        import logging

        logging.getLogger("ontmoet.hub").warning("refused replay from %s: %s", kiosk, mismatch)
        with hub_store.write(conn):  # an alert the desk shows with the kiosk
            conn.execute(
                "UPDATE kiosks SET last_alert = ? WHERE name = ?",
                [f"{hub_store.now_iso()} refused: {mismatch}", kiosk],
            )
        return _json_response({"detail": f"Refused: {mismatch}.", "epoch": state.epoch()}, 409)
    except STORE_ERRORS as exc:
        raise _store_failure(exc) from None
    if outcome.quarantined:
        _alert_quarantine(state, kiosk, outcome.quarantined)
    return _json_response(
        {
            "epoch": state.epoch(),
            "acked_seq": outcome.acked_seq,
            "applied": outcome.applied,
            "duplicates": outcome.duplicates,
            "quarantined": [{"device_seq": s, "problem": p} for s, p in outcome.quarantined],
        }
    )


def _alert_quarantine(state: HubApp, kiosk: str, quarantined: list[tuple[int, str]]) -> None:
    """Refused records are audited, and the kiosk shows an alert at the desk: a kiosk that
    sends what it may not (a community edit, a flood) may be in the wrong hands."""
    first = quarantined[0][1]
    try:
        with hub_store.write(state.conn):
            desk_store.audit(state.conn, f"kiosk {kiosk}",
                             f"{len(quarantined)} records quarantined: {first}"[:300])  # fmt: skip
            state.conn.execute(
                "UPDATE kiosks SET last_alert = ? WHERE name = ?",
                [f"{hub_store.now_iso()} quarantined {len(quarantined)}: {first}"[:300], kiosk],
            )
    except STORE_ERRORS:
        logging.getLogger("ontmoet.hub").exception("could not note quarantined records")


async def _json_body(request: Request) -> bytes:
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise HTTPException(415, "Send the body as application/json.")
    return await request.body()


def _add_error_schema(app: FastAPI) -> None:
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = {
            "type": "object",
            "required": ["detail"],
            "properties": {"detail": {}},
        }
        return schema

    app.openapi = openapi
