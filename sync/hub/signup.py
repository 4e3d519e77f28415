"""'Sign up your group': the public page where a new group puts itself forward, without an
account (/join, in the visitor's language). What it sends waits in the desk's review
(sync.hub.desk.signups); nothing reaches a kiosk before a person said yes.

Abuse is kept out without a CAPTCHA that shuts people out:
- a honeypot field that people and screen readers never see: filled in, the sign-up is
  thanked for and thrown away (a bot learns nothing);
- a form token: the form must have been fetched from this hub in the last FORM_HOURS (signed
  with a key in the hub's store, so it survives a restart);
- rate limits per address (PER_ADDRESS an hour) and for everyone together (GLOBAL an hour),
  answered with 429 before anything is read from the store;
- at most MAX_PENDING sign-ups wait at once;
- every field checked by the protocol's own text rules, with a size limit, no control or
  invisible characters, one plain e-mail address and only an https:// join link.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import time
import unicodedata
import uuid
from datetime import UTC, datetime
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from sync import protocol
from sync.hub import desk_store, mail
from sync.hub import store as hub_store
from sync.hub.i18n import N_, choose_language, supported, translator
from sync.hub.render import render
from sync.hub.web import SharedRateLimit, shared_limit

router = APIRouter(include_in_schema=False)

PER_ADDRESS = 10  # sign-up posts an hour from one address (a library PC serves several groups)
GLOBAL = 200  # sign-up posts an hour from everybody together
MAX_PENDING = 100  # sign-ups waiting for the desk at once
FORM_HOURS = 4  # how long a fetched form can be sent
HONEYPOT = "website"  # the hidden field's name: what a form-filling bot fills in

#: Each field's longest text. The name and the pitch are as long as a community's own.
LIMITS = {"name": 120, "pitch": 120, "story": 1000, "when": 200, "where": 200,
          "email": mail.MAX_MAILBOX_LENGTH, "join_url": 500}  # fmt: skip

# Words a group reads on the page, marked for the catalogues.
FILL_IN = N_("Fill this in.")
TOO_LONG = N_("This is too long: at most {count} characters.")
NOT_PLAIN = N_("Use ordinary letters and words, without control or invisible characters.")
NO_THEME = N_("Choose at least one thing your group does.")
NOT_IN_LIST = N_("Choose from the list.")
BAD_EMAIL = N_("Give one e-mail address, like name@example.nl.")
BAD_LINK = N_("A link must start with https:// and hold no spaces.")
TOO_MANY_HERE = N_("Many groups signed up from this address in the last hour. Try again later.")
TOO_MANY = N_("Many groups signed up in the last hour. Try again later.")
FULL = N_("The reception has many sign-ups to look at. Please try again in a few days.")
STALE = N_("This form was open too long. Please check it and send it again.")


MAX_ADDRESSES = 50_000  # addresses remembered at once by the per-address limit


class AddressLimit(SharedRateLimit):
    """A limit per address that cannot grow without end: addresses with nothing in the
    window are forgotten, and while MAX_ADDRESSES are remembered a new one is refused (a
    flood from very many addresses; the global limit stops that too)."""

    def take(self, key: str) -> bool:
        with self._lock:
            if key not in self._hits and len(self._hits) >= MAX_ADDRESSES:
                for stale in [k for k in self._hits if not self._recent(k)]:
                    del self._hits[stale]
                if len(self._hits) >= MAX_ADDRESSES:
                    return False
        return super().take(key)


def _over_a_limit(request: Request, address: str) -> Response | None:
    """The refusal when this address, or everyone together, sent many sign-ups in the last
    hour (for every hub process together: it may read the store, so a worker thread's)."""
    _ = translator(choose_language(request))
    per_address = shared_limit(request, "signup_address", PER_ADDRESS, 3600, kind=AddressLimit)
    if not per_address.take(address):
        return _refused(request, 429, _(TOO_MANY_HERE), per_address.retry_after(address))
    everyone = shared_limit(request, "signup_everyone", GLOBAL, 3600)
    if not everyone.take("*"):
        return _refused(request, 429, _(TOO_MANY), everyone.retry_after("*"))
    return None


# -- the form token --------------------------------------------------------------------------


def _form_key(conn: sqlite3.Connection) -> bytes:
    return hub_store.meta(conn, "signup_form_key").encode()


def form_token(conn: sqlite3.Connection, now: float | None = None) -> str:
    issued = str(int(time.time() if now is None else now))
    signature = hmac.new(_form_key(conn), issued.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{issued}.{signature}"


def form_token_fresh(conn: sqlite3.Connection, token: str, now: float | None = None) -> bool:
    issued, _dot, signature = token.partition(".")
    if not issued.isdigit() or len(issued) > 12:
        return False
    expected = hmac.new(_form_key(conn), issued.encode(), hashlib.sha256).hexdigest()[:32]
    age = (time.time() if now is None else now) - int(issued)
    return hmac.compare_digest(signature, expected) and -60 <= age <= FORM_HOURS * 3600


# -- checking what was sent ------------------------------------------------------------------


def taxonomy(conn: sqlite3.Connection) -> dict:
    return hub_store.shared_record(conn, "taxonomy", "taxonomy") or {}


def label(term: dict, lang: str) -> str:
    labels = term.get("labels", {})
    return labels.get(lang) or labels.get("nl") or next(iter(labels.values()), term["slug"])


def _text(form: dict, field: str, required: bool = True, multiline: bool = False):
    """The field's text in NFC (as the protocol stores it), or a problem's msgid."""
    value = unicodedata.normalize("NFC", form.get(field, "").replace("\r\n", "\n")).strip()
    if not value:
        return None, (FILL_IN if required else None)
    if len(value) > LIMITS[field]:
        return None, TOO_LONG
    try:
        protocol.text(LIMITS[field], name=field == "name", multiline=multiline)(field, value)
    except protocol.ProtocolError:
        return None, NOT_PLAIN
    return value, None


def check(form: dict[str, str], themes: list[str], conn: sqlite3.Connection):
    """(the sign-up, {}) or (None, {field: msgid of the problem})."""
    terms = taxonomy(conn)
    theme_slugs = {t["slug"] for t in terms.get("themes", [])}
    area_slugs = {t["slug"] for t in terms.get("neighbourhoods", [])}
    problems: dict[str, str] = {}
    found: dict = {}
    for field, required, multiline in (("name", True, False), ("pitch", True, False),
                                       ("story", False, True), ("when", True, False),
                                       ("where", True, False)):  # fmt: skip
        found[field], problem = _text(form, field, required, multiline)
        if problem:
            problems[field] = problem
    if not themes:
        problems["themes"] = NO_THEME
    elif len(themes) > 30 or not set(themes) <= theme_slugs:
        problems["themes"] = NOT_IN_LIST
    found["themes"] = sorted(set(themes))
    area = form.get("neighbourhood", "")
    if area and area not in area_slugs:
        problems["neighbourhood"] = NOT_IN_LIST
    found["neighbourhood"] = area or None
    try:
        found["email"] = mail.valid_mailbox(form.get("email", ""))
    except ValueError:
        problems["email"] = BAD_EMAIL
    link = form.get("join_url", "").strip()
    found["join_url"] = None
    if link:
        try:
            found["join_url"] = protocol.https_url("join_url", link)
        except protocol.ProtocolError:
            problems["join_url"] = BAD_LINK
    return (None, problems) if problems else (found, {})


# -- the store -------------------------------------------------------------------------------


class Full(Exception):
    """MAX_PENDING sign-ups are waiting already."""


def add(conn: sqlite3.Connection, signup: dict, lang: str, cap: int = MAX_PENDING) -> str:
    """Keep a checked sign-up for the desk; returns its ref. Counted and added in one write
    transaction: parallel posts cannot pass the cap together."""
    ref = secrets.token_hex(16)
    with hub_store.write(conn):
        (waiting,) = conn.execute("SELECT count(*) FROM signups").fetchone()
        if waiting >= cap:
            raise Full
        conn.execute(
            "INSERT INTO signups (ref, name, pitch, story, themes, neighbourhood, meets_when,"
            " meets_where, email, join_url, language, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [ref, signup["name"], signup["pitch"], signup["story"] or "",
             json.dumps(signup["themes"]), signup["neighbourhood"], signup["when"],
             signup["where"], signup["email"], signup["join_url"], lang, hub_store.now_iso()],
        )  # fmt: skip
        desk_store.audit(conn, "public sign-up page", "group signed up", ref)
    return ref


_COLUMNS = ("ref", "name", "pitch", "story", "themes", "neighbourhood", "meets_when",
            "meets_where", "email", "join_url", "language", "created_at")  # fmt: skip


def pending(conn: sqlite3.Connection) -> list[dict]:
    rows = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM signups ORDER BY created_at, ref")
    return [{**dict(zip(_COLUMNS, row, strict=True)), "themes": json.loads(row[4])} for row in rows]


def signup(conn: sqlite3.Connection, ref: str) -> dict | None:
    return next((s for s in pending(conn) if s["ref"] == ref), None) if len(ref) <= 64 else None


def community_from(found: dict) -> dict:
    """The new community's record: what the group wrote (provenance 'community'); the texts it
    was not asked for say where to ask (the reception's words, in the group's language)."""
    lang = found["language"]
    _ = translator(lang)
    theirs = {
        "name": found["name"],
        "pitch": {lang: found["pitch"]},
        "story": {lang: found["story"] or found["pitch"]},
        "themes": found["themes"],
        "neighbourhood": found["neighbourhood"],
        "schedule": [{"when": {lang: found["meets_when"]}, "place": found["meets_where"]}],
        "languages": [lang],
        "join_url": found["join_url"],
    }
    ours = {
        "kind": "informal_group",
        "gifts_welcome": [],
        "welcome": {lang: _("Everyone is welcome. Ask the group what to expect.")},
        "accessibility": {lang: _("Ask the group how easy the place is to reach.")},
        "contact": {lang: _("Ask at the reception of the town hall.")},
        "state": "active",
    }
    provenance = {**dict.fromkeys(theirs, "community"), **dict.fromkeys(ours, "reception")}
    return {
        "id": str(uuid.uuid4()),
        **theirs,
        **ours,
        "provenance": {k: v for k, v in provenance.items() if k in protocol.COMMUNITY_FIELDS},
        "last_confirmed": datetime.now(UTC).date().isoformat(),  # the group just said so
        "revision": 1,
    }


def approve(conn: sqlite3.Connection, ref: str, actor: str) -> tuple[dict, dict] | None:
    """The sign-up becomes a community (kiosks get it with their next pull), its e-mail the
    group's mailbox at the hub; the sign-up is gone. (sign-up, community) or None."""
    found = signup(conn, ref)
    if found is None:
        return None
    record = community_from(found)
    with hub_store.write(conn):
        if not conn.execute("DELETE FROM signups WHERE ref = ?", [ref]).rowcount:
            return None  # someone else decided it in the meantime
        record = hub_store.put_shared(conn, "community", record)
        conn.execute(
            "INSERT INTO community_mailboxes (community_id, email) VALUES (?, ?)"
            " ON CONFLICT (community_id) DO UPDATE SET email = excluded.email",
            [record["id"], found["email"]],
        )
        desk_store.audit(conn, actor, "sign-up approved", f"{ref} -> {record['id']}")
    return found, record


#: Why a sign-up is declined: a code the audit keeps, never free text (no personal data).
DECLINE_REASONS = {
    "not_local": N_("Not a group in this town"),
    "duplicate": N_("The group is on the kiosk already"),
    "not_a_group": N_("Not a community group (a business, an advertisement)"),
    "not_serious": N_("Not a real sign-up"),
}


def decline(conn: sqlite3.Connection, ref: str, reason: str, actor: str) -> dict | None:
    """Erase the sign-up; the audit keeps its ref, who declined and the reason's code. The
    erased rows are zeroed (secure_delete) and the WAL emptied. Returns what was erased (for
    the group's mail) or None."""
    found = signup(conn, ref)
    if found is None or reason not in DECLINE_REASONS:
        return None
    with hub_store.write(conn):
        if not conn.execute("DELETE FROM signups WHERE ref = ?", [ref]).rowcount:
            return None
        desk_store.audit(conn, actor, f"sign-up declined: {reason}", ref)
    hub_store.checkpoint_after_erasure(conn)
    return found


# -- the page --------------------------------------------------------------------------------


def _page(request: Request, status: int = 200, **context) -> Response:
    lang = choose_language(request)
    if "refused" in context or context.get("sent"):
        # No store query: a flood's 429s cost no more than the limit's lookup.
        return render(request, "signup.html", lang, status=status,
                      headers={"Cache-Control": "no-store"}, problems={}, **context)  # fmt: skip
    conn = request.app.state.hub.conn
    terms = taxonomy(conn)
    return render(
        request, "signup.html", lang, status=status,
        headers={"Cache-Control": "no-store"},
        themes=sorted(((t["slug"], label(t, lang)) for t in terms.get("themes", [])),
                      key=lambda t: t[1].casefold()),
        areas=sorted(((t["slug"], label(t, lang)) for t in terms.get("neighbourhoods", [])),
                     key=lambda t: t[1].casefold()),
        token=form_token(conn), limits=LIMITS, honeypot=HONEYPOT,
        **{"form": {}, "chosen": [], "problems": {}, **context},
    )  # fmt: skip


STYLESHEET = Path(__file__).parent / "static" / "signup.css"


@router.get("/join.css")
def join_stylesheet() -> Response:
    return Response(STYLESHEET.read_bytes(), media_type="text/css",
                    headers={"Cache-Control": "public, max-age=3600"})  # fmt: skip


@router.get("/join", response_class=HTMLResponse)
def join_page(request: Request) -> Response:
    return _page(request)


@router.post("/join", response_class=HTMLResponse)
async def join_send(request: Request) -> Response:
    address = desk_store.address_key(request.client.host if request.client else "?")
    # Counted before the form is read: a flood's refusals cost a dictionary lookup (and,
    # on PostgreSQL, the shared count), never a form parsed.
    if refused := await run_in_threadpool(_over_a_limit, request, address):
        return refused
    posted = await request.form()
    form = {k: v for k, v in posted.items() if isinstance(v, str) and k != "themes"}
    themes = [v for v in posted.getlist("themes") if isinstance(v, str)][:100]
    # The store on a worker thread, with that thread's own connection.
    return await run_in_threadpool(_receive, request, form, themes)


def _receive(request: Request, form: dict[str, str], themes: list[str]) -> Response:
    conn = request.app.state.hub.conn
    if form.get(HONEYPOT):
        return _page(request, sent=True)  # a bot: thanked, and nothing kept
    if any(len(v) > 5000 for v in form.values()):  # each field's own limit is checked below
        kept = {k: v for k, v in form.items() if len(v) <= 5000}
        return _page(request, 400, form=kept, chosen=themes, problems={"": TOO_LONG})
    if not form_token_fresh(conn, form.get("token", "")):
        return _page(request, 400, form=form, chosen=themes, problems={"": STALE})
    found, problems = check(form, themes, conn)
    if problems:
        # Sent back to be corrected; what is far too long is not sent back.
        kept = {k: v for k, v in form.items() if len(v) <= LIMITS.get(k, 200)}
        return _page(request, 400, form=kept, chosen=themes, problems=problems)
    lang = supported(form.get("lang")) or choose_language(request)
    try:
        add(conn, found, lang)
    except Full:
        return _refused(request, 503, translator(lang)(FULL), 86400)
    return _page(request, sent=True)


def _refused(request: Request, status: int, why: str, retry_after: int) -> Response:
    response = _page(request, status, refused=why)
    response.headers["Retry-After"] = str(retry_after)
    return response
