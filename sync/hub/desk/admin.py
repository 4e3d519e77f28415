"""For admins: the kiosks (enrol, revoke, the receptionist PIN), accounts and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from babel.dates import format_timedelta
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from sync import protocol
from sync.hub import alerts, desk_store, keys, words
from sync.hub import store as hub_store
from sync.hub.desk.access import COOKIE, form, hub_of, lang_of, page, render, words_for
from sync.hub.desk_store import DeskSession

router = APIRouter()


def _kiosks_page(request: Request, session, status: int = 200, **context) -> Response:
    """The kiosks as /metrics and the alert mails see them (sync.hub.alerts): online when
    synced within ONTMOET_ALERT_OFFLINE_MINUTES, how long their oldest record has waited, and
    the alerts raised, mailed or not."""
    state = hub_of(request)
    lang = lang_of(request)
    items = []
    for view in alerts.fleet(state.conn, state.settings, datetime.now(UTC)):
        waited = view.outbox_age_seconds
        raised = [(kind, alert["mailed_at"]) for kind, alert in sorted(view.alerts.items())
                  if not alert["cleared_at"]]  # fmt: skip
        syncs = [m for m in (view.row["last_push"], view.row["last_pull"]) if m]
        items.append({**view.row, "online": view.online, "raised": raised,
                      "last_sync": max(syncs) if syncs else None,  # both UTC, as now_iso()
                      "waited": _duration(waited, lang) if view.outbox_size else ""})  # fmt: skip
    settings = state.settings
    return render(request, "kiosks.html", session, status=status, items=items,
                  offline_minutes=f"{settings.alert_offline_minutes:g}",
                  outbox_minutes=f"{settings.alert_outbox_minutes:g}",
                  alert_to=", ".join(settings.alert_to), **context)  # fmt: skip


def _duration(seconds: float | None, lang: str) -> str:
    """'3 uur', '12 minutes': how long a record has waited, in the page's language."""
    if seconds is None:
        return ""
    try:
        return format_timedelta(timedelta(seconds=seconds), locale=lang)
    except OverflowError:  # a kiosk that said its record was made in the year 1
        return ""


@router.get("/kiosks", response_class=HTMLResponse)
def kiosks(request: Request, session: Annotated[DeskSession, Depends(page("kiosks"))]):
    return _kiosks_page(request, session)


@router.post("/kiosks", response_class=HTMLResponse)
def kiosk_action(
    request: Request,
    session: Annotated[DeskSession, Depends(form("kiosks"))],
    action: Annotated[str, Form(pattern="^(enrol|revoke|pin)$")],
    name: Annotated[str, Form(max_length=64)] = "",
    pin: Annotated[str, Form(max_length=16)] = "",
):
    conn = hub_of(request).conn
    if action == "pin":
        return _set_pin(request, session, pin)
    try:
        if action == "enrol":
            code = hub_store.new_enrolment_code(conn, name)
        else:
            hub_store.revoke_kiosk(conn, name)
            code = ""
    except protocol.ProtocolError as exc:
        return render(request, "forbidden.html", session, status=400, problem=str(exc))
    with hub_store.write(conn):
        desk_store.audit(conn, session.username, f"kiosk {action}", name)
    return _kiosks_page(request, session, code=code, code_for=name)


def _accounts_page(request: Request, session, status: int = 200, **context) -> Response:
    conn = hub_of(request).conn
    return render(request, "accounts.html", session, status=status,
                   items=desk_store.accounts(conn), roles=desk_store.ROLES,
                   communities=desk_store.parties(conn)[1], **context)  # fmt: skip


def _set_pin(request: Request, session, pin: str) -> Response:
    """The receptionist PIN for every kiosk: kept and sent only as an argon2 hash."""
    conn = hub_of(request).conn
    _ = words_for(request)
    if not (pin.isascii() and pin.isdigit() and 6 <= len(pin) <= 8):
        return _kiosks_page(request, session, status=400, problem=_("A PIN has 6 to 8 digits."))
    with hub_store.write(conn):
        hub_store.put_shared(conn, "settings", {"id": "kiosk-settings",
                             "receptionist_pin_hash": keys.hash_password(pin)})  # fmt: skip
        desk_store.audit(conn, session.username, "receptionist PIN changed")
    return _kiosks_page(request, session, pin_set=True)


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(request: Request, session: Annotated[DeskSession, Depends(page("accounts"))]):
    return _accounts_page(request, session)


@router.post("/accounts", response_class=HTMLResponse)
def create_account(
    request: Request,
    session: Annotated[DeskSession, Depends(form("accounts"))],
    username: Annotated[str, Form(max_length=64)],
    role: Annotated[str, Form(max_length=32)],
    community: Annotated[str, Form(max_length=64)] = "",
):
    conn = hub_of(request).conn
    try:
        password = desk_store.create_account(conn, session.username, username, role, community)
    except ValueError as exc:
        return _accounts_page(request, session, status=400, problem=str(exc))
    return _accounts_page(request, session, created=username, password=password)


@router.post("/accounts/{username}", response_class=HTMLResponse)
def account_action(
    request: Request,
    session: Annotated[DeskSession, Depends(form("accounts"))],
    username: str,
    action: Annotated[str, Form(pattern="^(disable|enable|reset-password|end-sessions)$")],
):
    """An admin disables or enables an account, gives it a new generated password (shown
    once, to be changed at its next login), or logs it out everywhere."""
    conn = hub_of(request).conn
    _ = words_for(request)
    try:
        if action == "reset-password":
            if username == session.username:  # one's own: with the current one, on /password
                raise desk_store.AccountRefused("self_reset")
            password = desk_store.reset_password(conn, session.username, username)
            return _accounts_page(request, session, created=username, password=password)
        if action == "end-sessions":
            keep = request.cookies.get(COOKIE, "") if username == session.username else ""
            desk_store.end_sessions(conn, session.username, username, keep=keep)
        else:
            desk_store.set_disabled(conn, session.username, username, action == "disable")
    except desk_store.AccountRefused as refused:
        return _accounts_page(request, session, status=400,
                              problem=_(words.ACCOUNT_REFUSALS[refused.code]))  # fmt: skip
    done = _(words.ACCOUNT_DONE[action])
    return _accounts_page(request, session, changed=f"{username} ({done})")


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, session: Annotated[DeskSession, Depends(page("audit"))]):
    return render(request, "audit.html", session,
                   items=desk_store.audit_entries(hub_of(request).conn))  # fmt: skip
