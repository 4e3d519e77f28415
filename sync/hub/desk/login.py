"""Logging in and out, one's own password, and a community editor's home: their own record."""

from __future__ import annotations

import hmac
import secrets
from contextlib import asynccontextmanager
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sync import protocol
from sync.hub import desk_store, proposals, words
from sync.hub import store as hub_store
from sync.hub.desk.access import (
    COOKIE,
    PRE_COOKIE,
    form,
    hub_of,
    render,
    secure,
    session_of,
    to_login,
    words_for,
)
from sync.hub.desk_store import DeskSession

router = APIRouter()
BUSY = words.LOGIN_REFUSALS["login_busy"]
LOGIN_WAIT = 5.0  # seconds a login waits for its turn at the password check


@router.get("/", response_class=HTMLResponse)
def home(request: Request):
    session = session_of(request)
    if session is None:
        return to_login(request)
    if session.must_change_password:
        return RedirectResponse("/desk/password", status_code=303)
    if session.role == "community_editor":
        return _editor_page(request, session)
    return RedirectResponse("/desk/queue", status_code=303)


def _editor_page(request: Request, session, status: int = 200, **context) -> Response:
    """A community editor's home: their own community's record, to edit like its edit link."""
    from sync.hub.edit import TEXT_FIELDS

    conn = hub_of(request).conn
    community_id = desk_store.editor_community(conn, session.username)
    record = hub_store.shared_record(conn, "community", community_id) if community_id else None
    return render(request, "editor.html", session, status=status, c=record, fields=TEXT_FIELDS,
                   states=protocol.LIFECYCLE_STATES,
                   waiting=proposals.pending(conn, "review", community_id), **context)  # fmt: skip


@router.post("/mine", response_class=HTMLResponse)
async def editor_send(
    request: Request, session: Annotated[DeskSession, Depends(form("mine"))]
) -> Response:
    """A community editor proposes a change to their own record: reviewed like any other
    change a community writes."""
    from sync.hub.edit import form_changes

    posted = await request.form()
    fields = {k: v for k, v in posted.items() if isinstance(v, str) and len(v) <= 4000}
    conn = hub_of(request).conn
    community_id = desk_store.editor_community(conn, session.username)
    record = hub_store.shared_record(conn, "community", community_id) if community_id else None
    if record is None:
        return render(request, "forbidden.html", session, status=404, gone=True)
    try:
        changes = form_changes(record, fields)
    except protocol.ProtocolError as exc:
        return _editor_page(request, session, status=400, problem=str(exc))
    proposals.propose(conn, community_id, changes, "community", session.username)
    return _editor_page(request, session, done="sent" if changes else "nothing")


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request):
    # Login CSRF: a random value in a cookie and in the form; a post must carry both.
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", None, pre=token)
    response.set_cookie(PRE_COOKIE, token, httponly=True, samesite="strict", path="/desk",
                        secure=secure(request))  # fmt: skip
    return response


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    pre: Annotated[str, Form(max_length=100)] = "",
):
    state = hub_of(request)
    client = desk_store.address_key(request.client.host if request.client else "?")
    cookie = request.cookies.get(PRE_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), pre.encode()):
        return render(request, "login.html", None, status=403, pre="", error="bad_form")
    # The address's slot is taken before the password is checked (a success gives it back):
    # a burst of parallel guesses cannot all pass before the first failure is counted.
    # The address's limit may ask the store (several hub processes): on a worker thread.
    if not await run_in_threadpool(state.login_limit.take, client):
        return render(request, "login.html", None, status=429, pre=pre, error="login_locked")
    # A password check costs 64 MiB and most of a core: at most LOGIN_CHECKS at once. The
    # others wait here without a thread, and after LOGIN_WAIT seconds are asked to retry.
    async with _password_turn(state) as my_turn:
        if not my_turn:
            await run_in_threadpool(state.login_limit.forgive, client)
            return render(request, "login.html", None, status=503, pre=pre,
                          error="login_busy", headers={"Retry-After": "5"})  # fmt: skip
        try:
            # state.conn inside the worker thread: each thread has its own connection.
            token, _session_ = await run_in_threadpool(
                lambda: desk_store.log_in(state.conn, username, password, client)
            )
        except desk_store.LoginRefused as refused:
            status = {"locked": 429, "disabled": 403}.get(str(refused), 401)
            if str(refused) == "disabled":
                await run_in_threadpool(state.login_limit.forgive, client)
            error = f"login_{refused}" if str(refused) != "wrong" else "login_wrong"
            return render(request, "login.html", None, status=status, pre=pre, error=error)
    await run_in_threadpool(state.login_limit.forgive, client)
    response = RedirectResponse("/desk/", status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/desk",
                        secure=secure(request))  # fmt: skip
    response.delete_cookie(PRE_COOKIE, path="/desk")
    return response


@asynccontextmanager
async def _password_turn(state):
    """A turn at the password check (argon2: 64 MiB and most of a core), shared by every
    door that checks a password: at most LOGIN_CHECKS at once; False after LOGIN_WAIT."""
    turn, my_turn = state.login_turns(), False
    with anyio.move_on_after(LOGIN_WAIT):
        await turn.acquire()
        my_turn = True
    try:
        yield my_turn
    finally:
        if my_turn:
            turn.release()


@router.post("/logout")
def logout(request: Request):
    """Ends the server's session, so a copy of the cookie is worth nothing afterwards. No CSRF
    check: the cookie is SameSite=Strict, and a forced logout harms nobody."""
    token = request.cookies.get(COOKIE)
    session = session_of(request)
    if session is not None and token:
        desk_store.log_out(hub_of(request).conn, token, session.username)
    response = to_login(request)
    response.delete_cookie(COOKIE, path="/desk")
    return response


@router.get("/password", response_class=HTMLResponse)
def password_page(request: Request):
    session = session_of(request)
    if session is None:
        return to_login(request)
    return render(request, "password.html", session)


@router.post("/password", response_class=HTMLResponse)
async def change_password(
    request: Request,
    current: Annotated[str, Form(max_length=256)] = "",
    new: Annotated[str, Form(max_length=300)] = "",
    repeat: Annotated[str, Form(max_length=300)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
):
    """Everyone changes their own password here (and must, after a generated one). The
    current password is checked like a login's: its turn at the argon2 check, and its
    failures counted per account and address."""
    session = session_of(request)
    if session is None:
        return to_login(request)
    if not hmac.compare_digest(csrf.encode(), session.csrf.encode()):
        return render(request, "forbidden.html", session, status=403, bad_form=True)
    _ = words_for(request)
    if new != repeat:
        return render(request, "password.html", session, status=400,
                       problem=_("The two new passwords are not the same."))  # fmt: skip
    state, client = hub_of(request), request.client.host if request.client else "?"
    async with _password_turn(state) as my_turn:
        if not my_turn:
            return render(request, "password.html", session, status=503,
                          problem=_(BUSY), headers={"Retry-After": "5"})  # fmt: skip
        try:
            await run_in_threadpool(
                lambda: desk_store.change_password(
                    state.conn, session.username, current, new,
                    keep=request.cookies.get(COOKIE, ""), address=client,
                )
            )  # fmt: skip
        except desk_store.AccountRefused as refused:
            status = 429 if refused.code == "locked" else 400
            return render(request, "password.html", session, status=status,
                          problem=_(words.ACCOUNT_REFUSALS[refused.code]))  # fmt: skip
    return render(request, "password.html", session_of(request), done=True)
