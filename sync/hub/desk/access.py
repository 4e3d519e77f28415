"""Who may do what at the desk, as FastAPI dependencies: a page needs a session with a role
(``page("queue")``), a form also its session's CSRF token (``form("queue")``). What happens
otherwise is said once, by the handlers ``install`` registers: log in first, choose your own
password first, or "not for your role" (403).

Sessions are cookies (HttpOnly, SameSite=Strict, Secure with an https public address).
"""

# No 'from __future__ import annotations' here: FastAPI reads the dependencies' annotations
# at run time, and those of page() and form() name a variable of the enclosing function.
import hmac
from typing import Annotated

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response

from sync.hub import desk_store
from sync.hub.desk_store import DeskSession
from sync.hub.i18n import choose_language, translator
from sync.hub.render import render as render_page

COOKIE = "ontmoet_desk"
PRE_COOKIE = "ontmoet_desk_login"

#: What each role may open (and post to).
PAGES = {
    "queue": ("admin", "receptionist"),
    "contacts": ("admin", "receptionist"),
    "communities": ("admin", "receptionist"),
    "review": ("admin", "receptionist"),
    "signups": ("admin", "receptionist"),  # new groups, kiosk tips, unconfirmed groups
    "introductions": ("admin", "receptionist"),
    "wishes": ("admin", "receptionist"),  # "count me in": unmet wishes, as seeds for groups
    "figures": ("admin", "receptionist"),
    "lists": ("admin", "receptionist"),  # the town's themes, neighbourhoods, gifts
    "events": ("admin", "receptionist"),  # the hall's and the groups' events
    "hall": ("admin", "receptionist"),  # messages for the hall's kiosks
    "kiosks": ("admin",),
    "accounts": ("admin",),
    "audit": ("admin",),
    "opendata": ("admin",),  # exports and the spreadsheet template
    "mine": ("community_editor",),  # a community editor's own record (the home page)
}
#: The navigation, in groups (a page not in PAGES, or not for the role, is left out): at
#: 1280 px sixteen links in one row wrapped to three ragged lines; groups wrap as a whole.
NAV_GROUPS = (
    ("visitors", ("queue", "contacts", "introductions", "wishes")),
    ("groups", ("communities", "review", "signups", "events", "lists")),
    ("hall", ("hall", "kiosks", "figures")),
    ("management", ("accounts", "audit", "opendata")),
)
NAV = tuple(page for _group, pages in NAV_GROUPS for page in pages)


class LogInFirst(Exception):
    """No valid session: to the login page."""


class ChooseOwnPasswordFirst(Exception):
    """A generated password is still in use: to the password page."""


class NotAllowed(Exception):
    """Not for this role, or a form without its session's token: 403."""

    def __init__(self, session: DeskSession, bad_form: bool = False) -> None:
        super().__init__(session.username)
        self.session, self.bad_form = session, bad_form


def lang_of(request: Request) -> str:
    return choose_language(request)


def words_for(request: Request):
    """``_`` in the request's language, for what a handler words itself (a refusal)."""
    return translator(lang_of(request))


def hub_of(request: Request):
    return request.app.state.hub


def session_of(request: Request) -> DeskSession | None:
    return desk_store.session_for(hub_of(request).conn, request.cookies.get(COOKIE))


def render(request: Request, template: str, session, status: int = 200,
           headers: dict[str, str] | None = None, **context) -> Response:  # fmt: skip
    nav = [
        (group, shown)
        for group, pages in NAV_GROUPS
        if (shown := [p for p in pages if session and session.role in PAGES.get(p, ())])
    ]
    # The queue link says how many wait (desk-live.js keeps it current); None: not shown.
    waiting = None
    if session and session.role in PAGES["queue"]:
        waiting = desk_store.waiting_count(hub_of(request).conn)
    return render_page(request, f"desk/{template}", lang_of(request), status=status,
                       headers={"Cache-Control": "no-store", **(headers or {})},
                       session=session, nav=nav, queue_waiting=waiting, **context)  # fmt: skip


def to_login(_request: Request | None = None) -> RedirectResponse:
    return RedirectResponse("/desk/login", status_code=303)


def secure(request: Request) -> bool:
    """Cookies are Secure whenever the hub's public address is https, whatever a proxy says."""
    return hub_of(request).public_url.startswith("https://") or request.url.scheme == "https"


def signed_in(request: Request) -> DeskSession:
    """Any valid session whose owner chose their own password."""
    session = session_of(request)
    if session is None:
        raise LogInFirst
    if session.must_change_password:
        raise ChooseOwnPasswordFirst
    return session


def page(name: str):
    """A dependency: the session, when its role may open page ``name``."""

    def allowed(session: Annotated[DeskSession, Depends(signed_in)]) -> DeskSession:
        if session.role not in PAGES[name]:
            raise NotAllowed(session)
        return session

    return allowed


def form(name: str):
    """A dependency: as ``page``, and the posted form carries the session's CSRF token."""

    def checked(
        session: Annotated[DeskSession, Depends(page(name))],
        csrf: Annotated[str, Form(max_length=100)] = "",
    ) -> DeskSession:
        if not hmac.compare_digest(csrf.encode(), session.csrf.encode()):
            raise NotAllowed(session, bad_form=True)
        return session

    return checked


def install(app: FastAPI) -> None:
    """The answers to a request that ``page`` or ``form`` refused."""

    async def log_in_first(request: Request, _exc: LogInFirst) -> Response:
        return to_login(request)

    async def own_password_first(request: Request, _exc: ChooseOwnPasswordFirst) -> Response:
        return RedirectResponse("/desk/password", status_code=303)

    async def not_allowed(request: Request, exc: NotAllowed) -> Response:
        return render(request, "forbidden.html", exc.session, status=403, bad_form=exc.bad_form)

    app.add_exception_handler(LogInFirst, log_in_first)
    app.add_exception_handler(ChooseOwnPasswordFirst, own_password_first)
    app.add_exception_handler(NotAllowed, not_allowed)
