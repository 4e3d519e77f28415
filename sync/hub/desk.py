"""The reception desk under /desk/: server-rendered pages for the receptionist's PC, in Dutch
and English, with little more than forms and links (the queue refreshes itself).

Every page needs a login (a session cookie: HttpOnly, SameSite=Strict); every form carries the
session's CSRF token; roles decide what each person sees: a receptionist handles the queue and
contact requests, an admin also kiosks, accounts and the audit log, a community editor none of
the visitors' requests.
"""

from __future__ import annotations

import hmac
import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated

import anyio
from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sync import protocol
from sync.hub import desk_store, keys, mail, proposals
from sync.hub import store as hub_store
from sync.hub.pages import LANGUAGES, templates

router = APIRouter(prefix="/desk", include_in_schema=False)
COOKIE = "ontmoet_desk"
PRE_COOKIE = "ontmoet_desk_login"
ONLINE_WITHIN = timedelta(minutes=3)  # a kiosk seen this recently counts as online
LOGIN_WAIT = 5.0  # seconds a login waits for its turn at the password check
QUEUE_SHOWN = 100  # requests on the queue page at most: a flood must not make it megabytes

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "desk": "Receptie", "queue": "Wachtrij", "contacts": "Contactverzoeken",
        "kiosks": "Kiosken", "accounts": "Accounts", "audit": "Logboek", "log_out": "Uitloggen",
        "log_in": "Inloggen", "username": "Naam", "password": "Wachtwoord",
        "login_wrong": "Naam of wachtwoord klopt niet.",
        "login_locked": "Te vaak een verkeerd wachtwoord vanaf deze computer. Wacht een kwartier "
        "en probeer het dan opnieuw.",
        "queue_intro": "Mensen bij een kiosk die graag hulp willen. Deze lijst ververst zichzelf.",
        "queue_empty": "Niemand wacht op dit moment.",
        "kiosk": "Kiosk", "asked_at": "Gevraagd om", "state": "Stand", "take": "Ik ga",
        "close": "Afgerond", "new": "nieuw", "taken": "onderweg", "closed": "afgerond",
        "delivered_by_email": "per e-mail bezorgd", "handed_over": "persoonlijk overgedragen",
        "contacts_intro": "Bezoekers die gevraagd hebben of een groep contact opneemt.",
        "contacts_empty": "Er zijn geen contactverzoeken.",
        "for": "Voor", "until": "Bewaard tot", "open": "Openen", "channel": "Hoe",
        "detail": "Gegevens", "email": "e-mail", "phone": "telefoon",
        "deliver_email": "Per e-mail naar de groep sturen", "mailbox": "E-mailadres van de groep",
        "save": "Opslaan", "no_mailbox": "Nog geen e-mailadres bekend.",
        "handed_over_button": "Persoonlijk overgedragen",
        "detail_note": "Alleen voor het doorgeven aan de groep. Niet opschrijven of kopiëren.",
        "sent": "Verstuurd.", "mail_failed": "Versturen lukte niet:",
        "forbidden": "Deze pagina is niet voor jouw rol.",
        "kiosks_intro": "Kiosken, of ze online zijn, hun laatste synchronisatie en wachtrij.",
        "online": "online", "offline": "offline", "last_sync": "Laatste sync",
        "outbox": "Wacht op verzenden", "oldest": "Oudste", "version": "Versie",
        "alert": "Melding", "enrol": "Nieuwe kiosk aanmelden", "revoke": "Toegang intrekken",
        "enrol_code": "Eenmalige code (24 uur geldig):", "name": "Naam",
        "accounts_intro": "Wie op de receptie mag inloggen, en met welke rol.",
        "role": "Rol", "create": "Aanmaken", "new_password": "Wachtwoord (wordt één keer getoond):",
        "admin": "beheerder", "receptionist": "receptionist", "community_editor": "groepsredacteur",
        "audit_intro": "Wie deed wat. Zonder persoonsgegevens.", "when": "Wanneer",
        "who": "Wie", "what": "Wat", "record": "Over", "other_language": "English",
        "editor_home": "Je bent ingelogd als groepsredacteur.",
        "bad_form": "Dit formulier is verlopen. Laad de pagina opnieuw en probeer het nog eens.",
        "introductions": "Kennismakingen", "figures": "Cijfers",
        "introductions_intro": "Wie je met wie in contact bracht, en of het iets opleverde.",
        "visitor_community": "bezoeker – groep", "visitor_visitor": "bezoeker – bezoeker",
        "community_community": "groep – groep", "kind": "Soort", "party_a": "Wie",
        "party_b": "Met wie", "note": "Korte notitie", "follow_up_in": "Navragen over",
        "weeks": "weken", "make": "Kennismaking vastleggen", "follow_up_on": "Navragen op",
        "outcome": "Uitkomst", "outcome_open": "nog open",
        "outcome_led_to_something": "leidde tot iets", "outcome_not_yet": "nog niet",
        "outcome_nothing": "niets", "visitor": "Bezoeker",
        "intro_same": "Kies twee verschillende partijen.",
        "intro_unknown visitor": "Kies bij een bezoeker een contactverzoek.",
        "intro_unknown community": "Kies bij een groep een groep.",
        "intro_visitor_consent": "Twee bezoekers stel je aan elkaar voor bij de kiosk, in de "
        "receptiemodus: daar zeggen ze allebei ja.",
        "at_kiosk": "bij kiosk", "assisted": "Door de receptie ingevuld bij een kiosk",
        "assisted_interest": "Interesses", "assisted_contact_request": "Contactverzoeken",
        "intro_form": "Controleer het formulier.", "intro_unknown kind": "Kies een soort.",
        "figures_intro": "Anonieme aantallen. Minder dan 5 tonen we niet: dat zou naar een "
        "persoon kunnen wijzen.", "fewer_than_5": "minder dan 5",
        "interests_by_theme": "Interesses per thema",
        "interests_by_neighbourhood": "Interesses per buurt of dorp",
        "introductions_made": "Kennismakingen", "requests_handled": "Afgehandelde verzoeken",
        "count": "Aantal", "none_area": "geen voorkeur",
        "communities": "Groepen", "review": "Nakijken",
        "communities_intro": "Groepen beheren hun eigen gegevens. Maak een link waarmee een "
        "groep dat zelf doet, zonder account.", "edit_link": "Link voor de groep",
        "edit_link_made": "Geef deze link (30 dagen geldig) aan de groep:",
        "last_confirmed": "Laatst bevestigd", "waiting": "Wacht",
        "review_intro": "Wat groepen zelf schreven. Even nakijken voordat het op de kiosk komt.",
        "review_empty": "Er is niets na te kijken.", "approve": "Goedkeuren",
        "decline": "Afwijzen", "change": "Wijziging",
        "reception_edit": "Aanpassen door de receptie",
        "reception_edit_intro": "Wat de groep zelf schreef, verandert pas als de groep het "
        "goedkeurt.",
        "edit_result": "Verwerkt:", "applied": "direct aangepast",
        "awaiting_community": "wacht op de groep",
        "community_of_editor": "Groep (voor een groepsredacteur)",
        "pin": "Pincode voor de receptie op de kiosken",
        "pin_rule": "Een pincode heeft 6 tot 8 cijfers.", "set_pin": "Pincode instellen",
        "pin_done": "De nieuwe pincode gaat met de volgende synchronisatie naar de kiosken.",
        "login_busy": "Het is even druk. Probeer het over een paar seconden opnieuw.",
        "login_disabled": "Dit account staat uit. Vraag het een beheerder.",
        "password_page": "Wachtwoord wijzigen", "must_change": "Kies eerst een eigen "
        "wachtwoord. Het wachtwoord dat je kreeg, werkt maar één keer.",
        "current_password": "Huidig wachtwoord",
        "new_password_label": "Nieuw wachtwoord (minstens 12 tekens)",
        "repeat_password": "Nieuw wachtwoord nog een keer",
        "password_changed": "Je wachtwoord is gewijzigd. Op andere computers ben je uitgelogd.",
        "passwords_differ": "De twee nieuwe wachtwoorden zijn niet gelijk.",
        "account_too_short": "Een wachtwoord heeft minstens 12 tekens.",
        "account_too_long": "Een wachtwoord heeft hoogstens 256 tekens.",
        "account_has_name": "Zet je naam niet in je wachtwoord.",
        "account_wrong_current": "Je huidige wachtwoord klopt niet.",
        "account_same": "Kies een ander wachtwoord dan je huidige.",
        "account_no_account": "Dat account bestaat niet.",
        "account_self_disable": "Je eigen account kun je niet uitzetten.",
        "account_self_reset": "Je eigen wachtwoord wijzig je met je huidige wachtwoord.",
        "disable": "Uitzetten", "enable": "Aanzetten", "reset_password": "Nieuw wachtwoord",
        "end_sessions": "Overal uitloggen", "disabled": "staat uit", "status": "Stand",
        "active_account": "actief", "sessions": "Ingelogd", "locked_somewhere": "op slot "
        "voor een adres", "actions": "Doen", "sessions_ended": "Uitgelogd op alle computers:",
        "account_changed": "Aangepast:", "first_login": "moet wachtwoord nog kiezen",
        "pin_stolen": "Is een kiosk gestolen of kwijt? Trek de toegang in en stel meteen een "
        "nieuwe pincode in.",
        "close_kiosk": "Alles van deze kiosk afronden", "more_waiting": "Nog meer verzoeken "
        "wachten. Rond eerst deze af.",
        "unreadable": "Deze gegevens zijn niet te openen: ze kwamen beschadigd binnen. Vraag "
        "de bezoeker om het opnieuw te doen.",
        "intro_not_chosen": "Deze bezoeker koos die groep niet. Kies een groep uit het "
        "verzoek.", "mailbox_invalid": "Vul precies één geldig e-mailadres in.",
        "revoke_link": "Link intrekken", "link_revoked": "De link werkt niet meer.",
        "one_link": "Een nieuwe link maakt de vorige ongeldig.",
        "editor_intro": "Dit is jullie groep op de kiosk. Wat je aanpast, kijkt de receptie "
        "even na.", "in_review": "Bij de receptie om na te kijken:",
    },
    "en": {
        "desk": "Reception", "queue": "Queue", "contacts": "Contact requests",
        "kiosks": "Kiosks", "accounts": "Accounts", "audit": "Audit log", "log_out": "Log out",
        "log_in": "Log in", "username": "Name", "password": "Password",
        "login_wrong": "Name or password is not right.",
        "login_locked": "Too many wrong passwords from this computer. Wait a quarter of an hour, "
        "then try again.",
        "queue_intro": "People at a kiosk who would like help. This list refreshes itself.",
        "queue_empty": "Nobody is waiting right now.",
        "kiosk": "Kiosk", "asked_at": "Asked at", "state": "State", "take": "I'm going",
        "close": "Done", "new": "new", "taken": "on the way", "closed": "done",
        "delivered_by_email": "delivered by e-mail", "handed_over": "handed over in person",
        "contacts_intro": "Visitors who asked for a group to contact them.",
        "contacts_empty": "There are no contact requests.",
        "for": "For", "until": "Kept until", "open": "Open", "channel": "How",
        "detail": "Details", "email": "e-mail", "phone": "phone",
        "deliver_email": "Send to the group by e-mail", "mailbox": "The group's e-mail address",
        "save": "Save", "no_mailbox": "No e-mail address known yet.",
        "handed_over_button": "Handed over in person",
        "detail_note": "Only for passing on to the group. Do not write it down or copy it.",
        "sent": "Sent.", "mail_failed": "Sending failed:",
        "forbidden": "This page is not for your role.",
        "kiosks_intro": "Kiosks, whether they are online, their last sync and their outbox.",
        "online": "online", "offline": "offline", "last_sync": "Last sync",
        "outbox": "Waiting to be sent", "oldest": "Oldest", "version": "Version",
        "alert": "Alert", "enrol": "Enrol a new kiosk", "revoke": "Revoke access",
        "enrol_code": "One-time code (valid 24 hours):", "name": "Name",
        "accounts_intro": "Who may log in at the reception, and in which role.",
        "role": "Role", "create": "Create", "new_password": "Password (shown once):",
        "admin": "admin", "receptionist": "receptionist", "community_editor": "community editor",
        "audit_intro": "Who did what. Without personal data.", "when": "When",
        "who": "Who", "what": "What", "record": "About", "other_language": "Nederlands",
        "editor_home": "You are logged in as a community editor.",
        "bad_form": "This form has expired. Reload the page and try again.",
        "introductions": "Introductions", "figures": "Figures",
        "introductions_intro": "Whom you put in touch with whom, and whether it led to "
        "something.",
        "visitor_community": "visitor – group", "visitor_visitor": "visitor – visitor",
        "community_community": "group – group", "kind": "Kind", "party_a": "Who",
        "party_b": "With whom", "note": "Short note", "follow_up_in": "Follow up in",
        "weeks": "weeks", "make": "Record the introduction", "follow_up_on": "Follow up on",
        "outcome": "Outcome", "outcome_open": "open",
        "outcome_led_to_something": "led to something", "outcome_not_yet": "not yet",
        "outcome_nothing": "nothing", "visitor": "Visitor",
        "intro_same": "Choose two different parties.",
        "intro_unknown visitor": "For a visitor, choose a contact request.",
        "intro_unknown community": "For a group, choose a group.",
        "intro_visitor_consent": "Introduce two visitors at a kiosk, in receptionist mode: "
        "there both say yes.",
        "at_kiosk": "at kiosk", "assisted": "Filled in by reception at a kiosk",
        "assisted_interest": "Interests", "assisted_contact_request": "Contact requests",
        "intro_form": "Check the form.", "intro_unknown kind": "Choose a kind.",
        "figures_intro": "Anonymous counts. Counts below 5 are not shown: they could point at "
        "a person.", "fewer_than_5": "fewer than 5",
        "interests_by_theme": "Interests by theme",
        "interests_by_neighbourhood": "Interests by neighbourhood or village",
        "introductions_made": "Introductions", "requests_handled": "Requests handled",
        "count": "Count", "none_area": "no preference",
        "communities": "Groups", "review": "Review",
        "communities_intro": "Groups keep their own records. Make a link with which a group "
        "does that itself, without an account.", "edit_link": "Link for the group",
        "edit_link_made": "Give this link (valid 30 days) to the group:",
        "last_confirmed": "Last confirmed", "waiting": "Waiting",
        "review_intro": "What groups wrote themselves. A quick look before the kiosks show it.",
        "review_empty": "Nothing to review.", "approve": "Approve", "decline": "Decline",
        "change": "Change", "reception_edit": "Change by the reception",
        "reception_edit_intro": "What the group wrote itself changes only when the group agrees.",
        "edit_result": "Done:", "applied": "changed at once",
        "awaiting_community": "waiting for the group",
        "community_of_editor": "Group (for a community editor)",
        "pin": "Receptionist PIN on the kiosks", "pin_rule": "A PIN has 6 to 8 digits.",
        "set_pin": "Set the PIN",
        "pin_done": "The new PIN reaches the kiosks with their next sync.",
        "login_busy": "It is busy right now. Try again in a few seconds.",
        "login_disabled": "This account is disabled. Ask an admin.",
        "password_page": "Change password", "must_change": "First choose a password of your "
        "own. The password you were given works only once.",
        "current_password": "Current password",
        "new_password_label": "New password (at least 12 characters)",
        "repeat_password": "New password again",
        "password_changed": "Your password was changed. You were logged out elsewhere.",
        "passwords_differ": "The two new passwords are not the same.",
        "account_too_short": "A password has at least 12 characters.",
        "account_too_long": "A password has at most 256 characters.",
        "account_has_name": "Do not put your name in your password.",
        "account_wrong_current": "Your current password is not right.",
        "account_same": "Choose a password other than your current one.",
        "account_no_account": "There is no such account.",
        "account_self_disable": "You cannot disable your own account.",
        "account_self_reset": "Change your own password with your current one.",
        "disable": "Disable", "enable": "Enable", "reset_password": "New password",
        "end_sessions": "Log out everywhere", "disabled": "disabled", "status": "State",
        "active_account": "active", "sessions": "Logged in", "locked_somewhere": "locked for "
        "an address", "actions": "Actions", "sessions_ended": "Logged out everywhere:",
        "account_changed": "Changed:", "first_login": "still to choose a password",
        "pin_stolen": "A kiosk stolen or lost? Revoke its access and set a new PIN at once.",
        "close_kiosk": "Close everything from this kiosk", "more_waiting": "More requests are "
        "waiting. Close these first.",
        "unreadable": "These details cannot be opened: they arrived damaged. Ask the visitor "
        "to do it again.",
        "intro_not_chosen": "This visitor did not choose that group. Choose a group from the "
        "request.", "mailbox_invalid": "Fill in exactly one valid e-mail address.",
        "revoke_link": "Revoke the link", "link_revoked": "The link no longer works.",
        "one_link": "A new link makes the previous one invalid.",
        "editor_intro": "This is your group on the kiosk. The reception has a quick look at "
        "what you change.", "in_review": "With the reception for review:",
    },
}  # fmt: skip

#: What each role may open.
PAGES = {
    "queue": ("admin", "receptionist"),
    "contacts": ("admin", "receptionist"),
    "communities": ("admin", "receptionist"),
    "review": ("admin", "receptionist"),
    "introductions": ("admin", "receptionist"),
    "figures": ("admin", "receptionist"),
    "kiosks": ("admin",),
    "accounts": ("admin",),
    "audit": ("admin",),
}


class NotLoggedIn(Exception):
    pass


def _lang(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get("ontmoet_lang")
    return asked if asked in LANGUAGES else "nl"


def _state(request: Request):
    return request.app.state.hub


def _session(request: Request) -> desk_store.DeskSession | None:
    return desk_store.session_for(_state(request).conn, request.cookies.get(COOKIE))


def _render(request: Request, template: str, session, status: int = 200,
            headers: dict[str, str] | None = None, **context) -> Response:  # fmt: skip
    lang = _lang(request)
    nav = [name for name, roles in PAGES.items() if session and session.role in roles]
    response = templates.TemplateResponse(
        request,
        f"desk/{template}",
        {"lang": lang, "t": TEXTS[lang], "other": "en" if lang == "nl" else "nl",
         "session": session, "nav": nav, **context},
        status_code=status,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )  # fmt: skip
    if "lang" in request.query_params and request.query_params["lang"] in LANGUAGES:
        response.set_cookie("ontmoet_lang", lang, samesite="strict", path="/desk")
    return response


def _to_login(request: Request) -> RedirectResponse:
    return RedirectResponse("/desk/login", status_code=303)


def _secure(request: Request) -> bool:
    """Cookies are Secure whenever the hub's public address is https, whatever a proxy says."""
    return _state(request).public_url.startswith("https://") or request.url.scheme == "https"


def _page_session(request: Request, page: str):
    """The session for a page, or the response to give instead (login, the password to
    choose first, or 403)."""
    session = _session(request)
    if session is None:
        return None, _to_login(request)
    if session.must_change_password:
        return None, RedirectResponse("/desk/password", status_code=303)
    if session.role not in PAGES[page]:
        return None, _render(request, "forbidden.html", session, status=403)
    return session, None


def _checked_form(request: Request, page: str, csrf: str):
    """As _page_session, and the form's CSRF token must be the session's."""
    session, refusal = _page_session(request, page)
    if refusal is not None:
        return None, refusal
    if not hmac.compare_digest(csrf.encode(), session.csrf.encode()):
        return None, _render(request, "forbidden.html", session, status=403, bad_form=True)
    return session, None


# -- login ------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(request: Request):
    session = _session(request)
    if session is None:
        return _to_login(request)
    if session.must_change_password:
        return RedirectResponse("/desk/password", status_code=303)
    if session.role == "community_editor":
        return _editor_page(request, session)
    return RedirectResponse("/desk/queue", status_code=303)


def _editor_page(request: Request, session, status: int = 200, **context) -> Response:
    """A community editor's home: their own community's record, to edit like its edit link."""
    from sync.hub.edit import TEXT_FIELDS
    from sync.hub.edit import TEXTS as EDIT_TEXTS

    conn = _state(request).conn
    community_id = desk_store.editor_community(conn, session.username)
    record = hub_store.shared_record(conn, "community", community_id) if community_id else None
    return _render(request, "editor.html", session, status=status, c=record,
                   e=EDIT_TEXTS[_lang(request)], fields=TEXT_FIELDS,
                   states=protocol.LIFECYCLE_STATES,
                   waiting=proposals.pending(conn, "review", community_id), **context)  # fmt: skip


@router.post("/mine", response_class=HTMLResponse)
async def editor_send(request: Request):
    """A community editor proposes a change to their own record: reviewed like any other
    change a community writes."""
    from sync.hub.edit import form_changes

    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str) and len(v) <= 4000}
    session = _session(request)
    if session is None:
        return _to_login(request)
    if session.must_change_password:
        return RedirectResponse("/desk/password", status_code=303)
    if session.role != "community_editor" or not hmac.compare_digest(
        fields.get("csrf", "").encode(), session.csrf.encode()
    ):
        return _render(request, "forbidden.html", session, status=403, bad_form=True)
    conn = _state(request).conn
    community_id = desk_store.editor_community(conn, session.username)
    record = hub_store.shared_record(conn, "community", community_id) if community_id else None
    if record is None:
        return _render(request, "forbidden.html", session, status=404, gone=True)
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
    response = _render(request, "login.html", None, pre=token)
    response.set_cookie(PRE_COOKIE, token, httponly=True, samesite="strict", path="/desk",
                        secure=_secure(request))  # fmt: skip
    return response


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    pre: Annotated[str, Form(max_length=100)] = "",
):
    state = _state(request)
    client = request.client.host if request.client else "?"
    cookie = request.cookies.get(PRE_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), pre.encode()):
        return _render(request, "login.html", None, status=403, pre="", error="bad_form")
    # The address's slot is taken before the password is checked (a success gives it back):
    # a burst of parallel guesses cannot all pass before the first failure is counted.
    if not state.login_limit.take(client):
        return _render(request, "login.html", None, status=429, pre=pre, error="login_locked")
    # A password check costs 64 MiB and most of a core: at most LOGIN_CHECKS at once. The
    # others wait here without a thread, and after LOGIN_WAIT seconds are asked to retry.
    turn, my_turn = state.login_turns(), False
    with anyio.move_on_after(LOGIN_WAIT):
        await turn.acquire()
        my_turn = True
    if not my_turn:
        state.login_limit.forgive(client)
        return _render(request, "login.html", None, status=503, pre=pre, error="login_busy",
                       headers={"Retry-After": "5"})  # fmt: skip
    try:
        # state.conn inside the worker thread: each thread has its own connection.
        token, _session_ = await run_in_threadpool(
            lambda: desk_store.log_in(state.conn, username, password, client)
        )
    except desk_store.LoginRefused as refused:
        status = {"locked": 429, "disabled": 403}.get(str(refused), 401)
        if str(refused) == "disabled":
            state.login_limit.forgive(client)
        return _render(
            request,
            "login.html",
            None,
            status=status,
            pre=pre,
            error=f"login_{refused}" if str(refused) != "wrong" else "login_wrong",
        )
    finally:
        turn.release()
    state.login_limit.forgive(client)
    response = RedirectResponse("/desk/", status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/desk",
                        secure=_secure(request))  # fmt: skip
    response.delete_cookie(PRE_COOKIE, path="/desk")
    return response


@router.post("/logout")
def logout(request: Request):
    """Ends the server's session, so a copy of the cookie is worth nothing afterwards. No CSRF
    check: the cookie is SameSite=Strict, and a forced logout harms nobody."""
    token = request.cookies.get(COOKIE)
    session = _session(request)
    if session is not None and token:
        desk_store.log_out(_state(request).conn, token, session.username)
    response = _to_login(request)
    response.delete_cookie(COOKIE, path="/desk")
    return response


@router.get("/password", response_class=HTMLResponse)
def password_page(request: Request):
    session = _session(request)
    if session is None:
        return _to_login(request)
    return _render(request, "password.html", session)


@router.post("/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    current: Annotated[str, Form(max_length=256)] = "",
    new: Annotated[str, Form(max_length=300)] = "",
    repeat: Annotated[str, Form(max_length=300)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
):
    """Everyone changes their own password here (and must, after a generated one)."""
    session = _session(request)
    if session is None:
        return _to_login(request)
    if not hmac.compare_digest(csrf.encode(), session.csrf.encode()):
        return _render(request, "forbidden.html", session, status=403, bad_form=True)
    t = TEXTS[_lang(request)]
    if new != repeat:
        return _render(request, "password.html", session, status=400,
                       problem=t["passwords_differ"])  # fmt: skip
    try:
        desk_store.change_password(_state(request).conn, session.username, current, new,
                                   keep=request.cookies.get(COOKIE, ""))  # fmt: skip
    except desk_store.AccountRefused as refused:
        return _render(request, "password.html", session, status=400,
                       problem=t[f"account_{refused.code}"])  # fmt: skip
    return _render(request, "password.html", _session(request), done=True)


# -- the queue --------------------------------------------------------------------------------


@router.get("/queue", response_class=HTMLResponse)
def queue(request: Request):
    session, refusal = _page_session(request, "queue")
    if refusal is not None:
        return refusal
    items = desk_store.help_queue(_state(request).conn, limit=QUEUE_SHOWN + 1)
    kiosks = sorted({i["kiosk"] for i in items})
    return _render(request, "queue.html", session, items=items[:QUEUE_SHOWN],
                   more=len(items) > QUEUE_SHOWN, kiosks=kiosks)  # fmt: skip


@router.post("/queue")
def queue_close_kiosk(
    request: Request,
    kiosk: Annotated[str, Form(max_length=64)],
    csrf: Annotated[str, Form(max_length=100)] = "",
):
    """Close every open request from one kiosk: a flood from a stolen kiosk in one go."""
    session, refusal = _checked_form(request, "queue", csrf)
    if refusal is not None:
        return refusal
    desk_store.close_help_requests(_state(request).conn, session.username, kiosk)
    return RedirectResponse("/desk/queue", status_code=303)


@router.post("/queue/{record_id}")
def queue_action(
    request: Request,
    record_id: str,
    action: Annotated[str, Form(pattern="^(taken|closed)$")],
    csrf: Annotated[str, Form(max_length=100)] = "",
):
    session, refusal = _checked_form(request, "queue", csrf)
    if refusal is not None:
        return refusal
    desk_store.set_state(_state(request).conn, "help_request", record_id, action,
                         session.username)  # fmt: skip
    return RedirectResponse("/desk/queue", status_code=303)


# -- contact requests -------------------------------------------------------------------------


def _names(conn, ids: list[str]) -> list[str]:
    found = (hub_store.shared_record(conn, "community", cid) for cid in ids)
    return [c["name"] if c else "—" for c in found]


@router.get("/contacts", response_class=HTMLResponse)
def contacts(request: Request):
    session, refusal = _page_session(request, "contacts")
    if refusal is not None:
        return refusal
    conn = _state(request).conn
    items = [
        {**item, "names": _names(conn, item["communities"])}
        for item in desk_store.contact_requests(conn)
    ]
    return _render(request, "contacts.html", session, items=items)


def _contact_page(request: Request, session, record_id: str, message: str = "",
                  status: int = 200) -> Response:  # fmt: skip
    state = _state(request)
    found = desk_store.contact_request(state.conn, record_id)
    if found is None:
        return _render(request, "forbidden.html", session, status=404, gone=True)
    # Opened here, inside the hub process, for the receptionist handling it.
    opened = _opened(state, found)
    if opened is None:
        return _render(request, "forbidden.html", session, status=422,
                       problem=TEXTS[_lang(request)]["unreadable"])  # fmt: skip
    channel, value = opened
    groups = [
        {"id": cid, "name": name, "mailbox": desk_store.mailbox(state.conn, cid)}
        for cid, name in zip(found["communities"], _names(state.conn, found["communities"]),
                             strict=True)
    ]  # fmt: skip
    states = {i["id"]: i for i in desk_store.contact_requests(state.conn)}
    handled = states.get(record_id, {}).get("state", "new")
    with hub_store.write(state.conn):
        desk_store.audit(state.conn, session.username, "contact request opened", record_id)
    return _render(request, "contact.html", session, status=status, item=found, channel=channel,
                   value=value, groups=groups, state=handled, message=message)  # fmt: skip


def _opened(state, found: dict) -> tuple[str, str] | None:
    """The visitor's channel and detail, or None when the sealed bytes do not open (a kiosk
    sent them damaged: a stolen kiosk can send anything)."""
    try:
        return protocol.open_sealed(found["sealed_payload"], keys.private_key(state.data_dir))
    except protocol.ProtocolError:
        return None


@router.get("/contacts/{record_id}", response_class=HTMLResponse)
def contact(request: Request, record_id: str):
    session, refusal = _page_session(request, "contacts")
    if refusal is not None:
        return refusal
    return _contact_page(request, session, record_id)


@router.post("/contacts/{record_id}", response_class=HTMLResponse)
def contact_action(
    request: Request,
    record_id: str,
    action: Annotated[str, Form(pattern="^(email|in_person|mailbox)$")],
    csrf: Annotated[str, Form(max_length=100)] = "",
    community: Annotated[str, Form(max_length=64)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
):
    session, refusal = _checked_form(request, "contacts", csrf)
    if refusal is not None:
        return refusal
    state = _state(request)
    found = desk_store.contact_request(state.conn, record_id)
    if found is None:
        return _render(request, "forbidden.html", session, status=404, gone=True)
    t = TEXTS[_lang(request)]
    if action == "mailbox":
        if community not in found["communities"]:
            return _contact_page(request, session, record_id, t["bad_form"], 400)
        try:
            address = mail.valid_mailbox(email)
        except ValueError:
            return _contact_page(request, session, record_id, t["mailbox_invalid"], 400)
        desk_store.set_mailbox(state.conn, session.username, community, address)
        return _contact_page(request, session, record_id)
    if action == "in_person":
        desk_store.set_state(state.conn, "contact_request", record_id, "handed_over",
                             session.username)  # fmt: skip
        return RedirectResponse("/desk/contacts", status_code=303)
    opened = _opened(state, found)
    if opened is None:
        return _render(request, "forbidden.html", session, status=422, problem=t["unreadable"])
    channel, value = opened
    try:
        for cid, name in zip(found["communities"], _names(state.conn, found["communities"]),
                             strict=True):  # fmt: skip
            to = desk_store.mailbox(state.conn, cid)
            if to is None:
                raise mail.MailError(f"{name}: {t['no_mailbox']}")
            mail.send(state.mail, mail.contact_message(state.mail, to, name, channel, value,
                                                       found["expires_on"]))  # fmt: skip
    except mail.MailError as exc:
        return _contact_page(request, session, record_id, f"{t['mail_failed']} {exc}", 502)
    desk_store.set_state(state.conn, "contact_request", record_id, "delivered_by_email",
                         session.username)  # fmt: skip
    return RedirectResponse("/desk/contacts", status_code=303)


# -- admin ------------------------------------------------------------------------------------


def _kiosks_page(request: Request, session, status: int = 200, **context) -> Response:
    """The kiosks, each marked online when seen within ONLINE_WITHIN."""
    now = datetime.now(UTC)
    items = []
    for kiosk in hub_store.kiosks(_state(request).conn):
        seen = kiosk["last_seen"]
        online = bool(seen) and now - datetime.fromisoformat(seen) < ONLINE_WITHIN
        items.append({**kiosk, "online": online and not kiosk["revoked_at"]})
    return _render(request, "kiosks.html", session, status=status, items=items, **context)


@router.get("/kiosks", response_class=HTMLResponse)
def kiosks(request: Request):
    session, refusal = _page_session(request, "kiosks")
    if refusal is not None:
        return refusal
    return _kiosks_page(request, session)


@router.post("/kiosks", response_class=HTMLResponse)
def kiosk_action(
    request: Request,
    action: Annotated[str, Form(pattern="^(enrol|revoke|pin)$")],
    name: Annotated[str, Form(max_length=64)] = "",
    pin: Annotated[str, Form(max_length=16)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
):
    session, refusal = _checked_form(request, "kiosks", csrf)
    if refusal is not None:
        return refusal
    conn = _state(request).conn
    if action == "pin":
        return _set_pin(request, session, pin)
    try:
        if action == "enrol":
            code = hub_store.new_enrolment_code(conn, name)
        else:
            hub_store.revoke_kiosk(conn, name)
            code = ""
    except protocol.ProtocolError as exc:
        return _render(request, "forbidden.html", session, status=400, problem=str(exc))
    with hub_store.write(conn):
        desk_store.audit(conn, session.username, f"kiosk {action}", name)
    return _kiosks_page(request, session, code=code, code_for=name)


def _accounts_page(request: Request, session, status: int = 200, **context) -> Response:
    conn = _state(request).conn
    return _render(request, "accounts.html", session, status=status,
                   items=desk_store.accounts(conn), roles=desk_store.ROLES,
                   communities=_parties(conn)[1], **context)  # fmt: skip


def _set_pin(request: Request, session, pin: str) -> Response:
    """The receptionist PIN for every kiosk: kept and sent only as an argon2 hash."""
    conn = _state(request).conn
    t = TEXTS[_lang(request)]
    if not (pin.isascii() and pin.isdigit() and 6 <= len(pin) <= 8):
        return _kiosks_page(request, session, status=400, problem=t["pin_rule"])
    with hub_store.write(conn):
        hub_store.put_shared(conn, "settings", {"id": "kiosk-settings",
                             "receptionist_pin_hash": keys.hash_password(pin)})  # fmt: skip
        desk_store.audit(conn, session.username, "receptionist PIN changed")
    return _kiosks_page(request, session, pin_set=True)


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(request: Request):
    session, refusal = _page_session(request, "accounts")
    if refusal is not None:
        return refusal
    return _accounts_page(request, session)


@router.post("/accounts", response_class=HTMLResponse)
def create_account(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    role: Annotated[str, Form(max_length=32)],
    csrf: Annotated[str, Form(max_length=100)] = "",
    community: Annotated[str, Form(max_length=64)] = "",
):
    session, refusal = _checked_form(request, "accounts", csrf)
    if refusal is not None:
        return refusal
    conn = _state(request).conn
    try:
        password = desk_store.create_account(conn, session.username, username, role, community)
    except ValueError as exc:
        return _accounts_page(request, session, status=400, problem=str(exc))
    return _accounts_page(request, session, created=username, password=password)


@router.post("/accounts/{username}", response_class=HTMLResponse)
def account_action(
    request: Request,
    username: str,
    action: Annotated[str, Form(pattern="^(disable|enable|reset-password|end-sessions)$")],
    csrf: Annotated[str, Form(max_length=100)] = "",
):
    """An admin disables or enables an account, gives it a new generated password (shown
    once, to be changed at its next login), or logs it out everywhere."""
    session, refusal = _checked_form(request, "accounts", csrf)
    if refusal is not None:
        return refusal
    conn = _state(request).conn
    t = TEXTS[_lang(request)]
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
                              problem=t[f"account_{refused.code}"])  # fmt: skip
    return _accounts_page(request, session, changed=f"{username} ({t[ACCOUNT_DONE[action]]})")


ACCOUNT_DONE = {"disable": "disabled", "enable": "active_account", "end-sessions": "end_sessions"}


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request):
    session, refusal = _page_session(request, "audit")
    if refusal is not None:
        return refusal
    return _render(request, "audit.html", session,
                   items=desk_store.audit_entries(_state(request).conn))  # fmt: skip


# -- introductions and figures ----------------------------------------------------------------


def _parties(conn) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(visitors, communities) as (id, label): a visitor only as 'Visitor, kiosk, date'."""
    rows = conn.execute(
        "SELECT id, kiosk, substr(received_at, 1, 10) FROM visitor_records"
        " WHERE entity = 'contact_request' ORDER BY received_at DESC"
    ).fetchall()
    visitors = [(rid, f"{kiosk}, {day}") for rid, kiosk, day in rows]
    communities = [
        (rid, json.loads(data)["name"])
        for rid, data in conn.execute(
            "SELECT id, data FROM shared_records WHERE entity = 'community' AND data IS NOT NULL"
        )
    ]
    return visitors, sorted(communities, key=lambda c: c[1].casefold())


def _introductions_page(request: Request, session, status: int = 200, problem: str = ""):
    conn = _state(request).conn
    visitors, communities = _parties(conn)
    t = TEXTS[_lang(request)]
    labels = dict(communities) | {rid: f"{t['visitor']} ({label})" for rid, label in visitors}

    def label(party: str) -> str:
        if party.startswith(hub_store.KIOSK_VISITOR):  # made on the spot, in receptionist mode
            return f"{t['visitor']} ({t['at_kiosk']} {party.removeprefix(hub_store.KIOSK_VISITOR)})"
        return labels.get(party, "—")

    today = datetime.now(UTC).date().isoformat()
    items = [
        {**i, "a": label(i["party_a"]), "b": label(i["party_b"]),
         "due": i["outcome"] == "open" and i["follow_up_on"] <= today}
        for i in desk_store.introductions(conn)
    ]  # fmt: skip
    return _render(request, "introductions.html", session, status=status, items=items,
                   visitors=visitors, communities=communities, problem=problem,
                   kinds=desk_store.INTRODUCTION_KINDS, outcomes=desk_store.OUTCOMES)  # fmt: skip


@router.get("/introductions", response_class=HTMLResponse)
def introductions_page(request: Request):
    session, refusal = _page_session(request, "introductions")
    if refusal is not None:
        return refusal
    return _introductions_page(request, session)


@router.post("/introductions", response_class=HTMLResponse)
def introduction_action(
    request: Request,
    csrf: Annotated[str, Form(max_length=100)] = "",
    kind: Annotated[str, Form(max_length=32)] = "",
    party_a: Annotated[str, Form(max_length=64)] = "",
    party_b: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form(max_length=1000)] = "",
    weeks: Annotated[int, Form(ge=1, le=26)] = 4,
    introduction: Annotated[int, Form(ge=0, le=2**62)] = 0,
    outcome: Annotated[str, Form(max_length=32)] = "",
):
    session, refusal = _checked_form(request, "introductions", csrf)
    if refusal is not None:
        return refusal
    conn = _state(request).conn
    t = TEXTS[_lang(request)]
    try:
        if introduction:
            desk_store.follow_up(conn, session.username, introduction, outcome)
        else:
            desk_store.make_introduction(conn, session.username, kind, party_a, party_b, note,
                                         weeks)  # fmt: skip
    except desk_store.IntroductionRefused as refused:
        return _introductions_page(request, session, 400, t.get(f"intro_{refused}", str(refused)))
    return RedirectResponse("/desk/introductions", status_code=303)


@router.get("/figures", response_class=HTMLResponse)
def figures_page(request: Request):
    session, refusal = _page_session(request, "figures")
    if refusal is not None:
        return refusal
    conn = _state(request).conn
    lang = _lang(request)
    taxonomy = hub_store.shared_record(conn, "taxonomy", "taxonomy") or {}
    labels = {
        term["slug"]: term["labels"].get(lang) or term["labels"].get("nl", term["slug"])
        for group in ("themes", "neighbourhoods", "gifts")
        for term in taxonomy.get(group, [])
    }
    labels["-"] = TEXTS[lang]["none_area"]
    states = ("taken", "closed", "delivered_by_email", "handed_over")
    labels.update({k: TEXTS[lang][k] for k in (*desk_store.INTRODUCTION_KINDS, *states)})
    labels.update({k: TEXTS[lang][f"assisted_{k}"] for k in ("interest", "contact_request")})
    return _render(request, "figures.html", session, figures=desk_store.figures(conn),
                   labels=labels)  # fmt: skip


# -- communities keep their own records -------------------------------------------------------


def _communities_page(request: Request, session, status: int = 200, **context):
    conn = _state(request).conn
    waiting = {}
    for p in proposals.pending(conn, "review") + proposals.pending(conn, "awaiting_community"):
        waiting[p["community_id"]] = waiting.get(p["community_id"], 0) + 1
    items = sorted(
        (
            {"id": rid, "name": data["name"], "last_confirmed": data.get("last_confirmed"),
             "waiting": waiting.get(rid, 0)}
            for rid, data in (
                (r[0], json.loads(r[1])) for r in conn.execute(
                    "SELECT id, data FROM shared_records WHERE entity = 'community'"
                    " AND data IS NOT NULL")
            )
        ),
        key=lambda c: c["name"].casefold(),
    )  # fmt: skip
    return _render(request, "communities.html", session, status=status, items=items, **context)


@router.get("/communities", response_class=HTMLResponse)
def communities_page(request: Request):
    session, refusal = _page_session(request, "communities")
    if refusal is not None:
        return refusal
    return _communities_page(request, session)


@router.post("/communities", response_class=HTMLResponse)
def communities_action(
    request: Request,
    community: Annotated[str, Form(max_length=64)],
    csrf: Annotated[str, Form(max_length=100)] = "",
    action: Annotated[str, Form(pattern="^(link|revoke)$")] = "link",
):
    session, refusal = _checked_form(request, "communities", csrf)
    if refusal is not None:
        return refusal
    conn = _state(request).conn
    if hub_store.shared_record(conn, "community", community) is None:
        return _communities_page(request, session, status=400)
    if action == "revoke":
        proposals.revoke_edit_links(conn, session.username, community)
        return _communities_page(request, session, revoked=community)
    token = proposals.new_edit_link(conn, session.username, community)
    url = f"{_state(request).base_url(request)}/edit/{token}"
    return _communities_page(request, session, link=url, link_for=community,
                             link_qr=_qr_svg(url))  # fmt: skip


def _qr_svg(text: str) -> str:
    """A QR code as an SVG data URI (the page's CSP allows data: images)."""
    import base64
    import io

    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


@router.get("/communities/{community_id}", response_class=HTMLResponse)
def community_edit_page(request: Request, community_id: str):
    session, refusal = _page_session(request, "communities")
    if refusal is not None:
        return refusal
    record = hub_store.shared_record(_state(request).conn, "community", community_id)
    if record is None:
        return _render(request, "forbidden.html", session, status=404, gone=True)
    return _render(request, "community_edit.html", session, c=record,
                   states=protocol.LIFECYCLE_STATES)  # fmt: skip


@router.post("/communities/{community_id}", response_class=HTMLResponse)
async def community_edit(request: Request, community_id: str):
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str) and len(v) <= 4000}
    session, refusal = _checked_form(request, "communities", fields.get("csrf", ""))
    if refusal is not None:
        return refusal
    conn = _state(request).conn
    record = hub_store.shared_record(conn, "community", community_id)
    if record is None:
        return _render(request, "forbidden.html", session, status=404, gone=True)
    from sync.hub.edit import form_changes

    try:
        changes = form_changes(record, fields)
        result = proposals.propose(conn, community_id, changes, "reception", session.username)
    except protocol.ProtocolError as exc:
        return _render(request, "community_edit.html", session, status=400, c=record,
                       states=protocol.LIFECYCLE_STATES, problem=str(exc))  # fmt: skip
    record = hub_store.shared_record(conn, "community", community_id)
    return _render(request, "community_edit.html", session, c=record, result=result,
                   states=protocol.LIFECYCLE_STATES)  # fmt: skip


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request):
    session, refusal = _page_session(request, "review")
    if refusal is not None:
        return refusal
    conn = _state(request).conn
    items = []
    for p in proposals.pending(conn, "review"):
        record = hub_store.shared_record(conn, "community", p["community_id"]) or {}
        items.append({**p, "name": record.get("name", "—"),
                      "before": {k: record.get(k) for k in p["changes"]}})  # fmt: skip
    return _render(request, "review.html", session, items=items)


@router.post("/review", response_class=HTMLResponse)
def review_action(
    request: Request,
    proposal: Annotated[str, Form(max_length=64)],
    answer: Annotated[str, Form(pattern="^(approve|decline)$")],
    csrf: Annotated[str, Form(max_length=100)] = "",
):
    session, refusal = _checked_form(request, "review", csrf)
    if refusal is not None:
        return refusal
    proposals.decide(
        _state(request).conn, proposal, answer == "approve", session.username, "review"
    )  # fmt: skip  (an unknown reference decides nothing)
    return RedirectResponse("/desk/review", status_code=303)
