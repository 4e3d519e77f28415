"""A community's own page for editing its record: /edit/<token>, reached through an expiring
link (or its QR code) that the reception made; no account needed. The whole record is here:
name, kind, state, texts in six languages, themes and gifts welcome, neighbourhood, places,
join link, languages spoken, the schedule (schedule_form) and the group's mailbox. What the
community writes is reviewed at the desk before the kiosks show it; changes the reception
proposed to what the community wrote wait here for the community's yes or no.

The same form (templates/_community_form.html, ``record_fields``) and the same reading of it
(``form_record``) serve the desk's editor and its new-community page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from sync import protocol
from sync.hub import desk_store, mail, proposals
from sync.hub import store as hub_store
from sync.hub.i18n import LANGUAGES, N_, choose_language, translator
from sync.hub.render import HERE, render
from sync.hub.schedule_form import (
    MONTH_NUMBERS,
    NTH,
    NTH_LABELS,
    PATTERN_LABELS,
    PATTERNS,
    WEEKDAYS,
    FormProblem,
    Msg,
    meeting_form_values,
    meetings_from_form,
    places_from_form,
)
from sync.hub.web import RateLimit

router = APIRouter(include_in_schema=False)

TEXT_FIELDS = ("pitch", "story", "welcome", "accessibility", "contact")
TEXT_LIMITS = {
    "pitch": 120,
    "story": 4000,
    "welcome": 4000,
    "accessibility": 4000,
    "contact": 4000,
}  # fmt: skip  (protocol.COMMUNITY_FIELDS)
MAX_VALUE = 10_000  # one posted value; longer is refused before anything is read
MAX_VALUES = 3_000
#: A community's kind (protocol.COMMUNITY_KINDS), as the form names it.
KINDS = {
    "informal_group": N_("Informal group"),
    "cooperative": N_("Cooperative"),
    "club": N_("Club or association"),
    "foundation": N_("Foundation"),
    "network": N_("Network"),
    "pop_up": N_("For a while (pop-up)"),
}
#: The form's words for the fields words.FIELDS does not name.
LABELS = {
    "kind": N_("Kind of group"),
    "themes": N_("Themes"),
    "gifts_welcome": N_("Gifts you welcome"),
    "neighbourhood": N_("Neighbourhood or village"),
    "places": N_("Places"),
    "join_url": N_("Join link (https://...)"),
    "mailbox": N_("E-mail address for requests from visitors"),
    "languages": N_("Languages spoken"),
    "schedule": N_("When you meet"),
}
#: Languages a group may say it speaks (the kiosk's six, then others often heard in Dutch
#: towns); a code already in a record is always offered too.
SPOKEN = ("nl", "en", "tr", "ar", "pl", "uk", "de", "fr", "es", "pt", "it", "ro", "bg", "ru",
          "so", "ti", "fa", "ku", "zh", "hi", "ur", "pap", "fy")  # fmt: skip
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")

#: How often one group's link may send its record: far above a group's needs, far below a
#: flood of proposals for the desk.
SENDS_PER_HOUR = 30
_sends = RateLimit(limit=SENDS_PER_HOUR, seconds=3600)

BLANK = {"name": "", "kind": "informal_group", "state": "active", "themes": [],
         "gifts_welcome": [], "neighbourhood": None, "schedule": [], "places": [],
         "languages": [], "join_url": None, **{f: {} for f in TEXT_FIELDS}}  # fmt: skip


# -- reading the form -------------------------------------------------------------------------


def form_values(posted: Any) -> dict[str, list[str]]:
    """A posted form (Starlette's FormData, or a plain dict) as every field's values."""
    if isinstance(posted, dict) and all(isinstance(v, list) for v in posted.values()):
        return posted  # read already
    items = posted.multi_items() if hasattr(posted, "multi_items") else posted.items()
    values: dict[str, list[str]] = {}
    for count, (key, value) in enumerate(items):
        if count >= MAX_VALUES:
            raise FormProblem(N_("This form has too many fields."))
        if not isinstance(value, str):
            continue  # a file: not for this form
        if len(value) > MAX_VALUE:
            raise FormProblem(N_("A field is far too long."))
        values.setdefault(key, []).append(value)
    return values


def _one(form: Mapping[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0]


def _slugs(form, name: str, allowed: list[str], problem: str) -> list[str]:
    chosen = [v.strip() for v in form.get(name, [])]
    if any(slug not in allowed for slug in chosen) or len(set(chosen)) != len(chosen):
        raise FormProblem(problem)
    return [slug for slug in allowed if slug in chosen]  # in the list's order


def form_record(record: dict, posted: Any, taxonomy: dict | None, today: date) -> dict:
    """``record`` as the form changes it. Only what the form shows changes: a language, a
    section or a field without its inputs in the form keeps its value (an older form, the
    community editor's page, keeps working). Raises FormProblem with a message for people."""
    form = form_values(posted)
    wanted = {k: record.get(k, v) for k, v in BLANK.items()}
    if "name" in form:
        wanted["name"] = _one(form, "name").strip()
        if not wanted["name"]:
            raise FormProblem(N_("Give the group's name."))
        if len(wanted["name"]) > 120:
            raise FormProblem(N_("A name has at most 120 characters."))
    if "state" in form:
        wanted["state"] = _one(form, "state")
        if wanted["state"] not in protocol.LIFECYCLE_STATES:
            raise FormProblem(N_("Choose a state from the list."))
    if "kind" in form:
        wanted["kind"] = _one(form, "kind")
        if wanted["kind"] not in KINDS:
            raise FormProblem(N_("Choose a kind of group from the list."))
    for field in TEXT_FIELDS:
        texts = dict(record.get(field) or {})
        for lang in LANGUAGES:
            if f"{field}_{lang}" not in form:
                continue
            value = _one(form, f"{field}_{lang}").replace("\r\n", "\n").strip()
            if len(value) > TEXT_LIMITS[field]:
                raise FormProblem(
                    N_("{field}: at most {max} characters (now {count})."),
                    field=Msg(_field_label(field)), max=TEXT_LIMITS[field], count=len(value),
                )  # fmt: skip
            if value:
                texts[lang] = value
            else:
                texts.pop(lang, None)
        wanted[field] = texts
    terms = taxonomy or {"themes": [], "gifts": [], "neighbourhoods": []}
    if "themes_shown" in form:
        wanted["themes"] = _slugs(form, "themes", [t["slug"] for t in terms["themes"]],
                                  N_("Choose themes from the list."))  # fmt: skip
    if "gifts_shown" in form:
        wanted["gifts_welcome"] = _slugs(form, "gifts_welcome",
                                         [t["slug"] for t in terms["gifts"]],
                                         N_("Choose gifts from the list."))  # fmt: skip
    if "neighbourhood" in form:
        hood = _one(form, "neighbourhood").strip()
        if hood and hood not in [t["slug"] for t in terms["neighbourhoods"]]:
            raise FormProblem(N_("Choose a neighbourhood from the list."))
        wanted["neighbourhood"] = hood or None
    if "languages_shown" in form:
        spoken = [v.strip() for v in form.get("languages", [])]
        if not all(_LANGUAGE.match(code) for code in spoken) or len(spoken) > 20:
            raise FormProblem(N_("Choose languages from the list."))
        wanted["languages"] = list(dict.fromkeys(spoken))
    if "join_url" in form:
        url = _one(form, "join_url").strip()
        if url:
            try:
                protocol.https_url("join_url", url)
            except protocol.ProtocolError:
                raise FormProblem(N_("The join link must be a web address that starts with "
                                     "https://")) from None  # fmt: skip
        wanted["join_url"] = url or None
    if "schedule_shown" in form:
        wanted["schedule"] = meetings_from_form(form, LANGUAGES, today)
    if "places_shown" in form:
        wanted["places"] = places_from_form(form)
    for field in TEXT_FIELDS:
        if not wanted[field]:
            raise FormProblem(N_("{field}: write it in at least one language."),
                              field=Msg(_field_label(field)))  # fmt: skip
    if not wanted["themes"]:
        raise FormProblem(N_("Tick at least one theme."))
    return wanted


def _field_label(field: str) -> str:
    from sync.hub import words

    return words.FIELDS.get(field) or LABELS.get(field, field)


def changes_to(record: dict, wanted: dict) -> dict:
    """What differs, checked by the protocol's rules (an allowlist)."""
    changes = {
        k: v
        for k, v in wanted.items()
        if k in protocol.EDITABLE_COMMUNITY_FIELDS and record.get(k, BLANK.get(k)) != v
    }
    return protocol.community_changes("changes", changes) if changes else {}


def form_changes(record: dict, form: Any, taxonomy: dict | None = None) -> dict:
    """The form as changes to ``record`` (raises FormProblem or ProtocolError)."""
    if taxonomy is None:  # an older caller: the lists stay as they are
        form = {k: v for k, v in form_values(form).items()
                if k not in ("themes_shown", "gifts_shown", "neighbourhood")}  # fmt: skip
    return changes_to(record, form_record(record, form, taxonomy, date.today()))


def mailbox_from_form(posted: Any) -> str | None:
    """The mailbox the form sets: None when the form has no such field or leaves it as it
    is; FormProblem when it is not one plain address."""
    form = form_values(posted)
    if "mailbox" not in form:
        return None
    value = _one(form, "mailbox").strip()
    if not value:
        return None
    try:
        return mail.valid_mailbox(value)
    except ValueError:
        raise FormProblem(N_("Give one e-mail address, like name@example.nl.")) from None


# -- what the form shows ----------------------------------------------------------------------


def _label(term: dict, lang: str) -> str:
    labels = term["labels"]
    return labels.get(lang) or labels.get("nl") or next(iter(labels.values()), term["slug"])


def form_context(conn, record: dict, lang: str) -> dict[str, Any]:
    """What templates/_community_form.html's ``record_fields`` needs for ``record``."""
    from babel.dates import get_day_names, get_month_names

    taxonomy = hub_store.shared_record(conn, "taxonomy", "taxonomy") or {
        "themes": [], "gifts": [], "neighbourhoods": []}  # fmt: skip
    meetings = [meeting_form_values(m) for m in record.get("schedule", [])]
    meetings.append(meeting_form_values({}))  # one empty row (forms without JavaScript)
    places = [dict(p) for p in record.get("places") or []]
    if len(places) < 10:
        places.append({})
    days = get_day_names("wide", locale=lang)
    months = get_month_names("abbreviated", context="stand-alone", locale=lang)
    spoken = list(dict.fromkeys([*SPOKEN, *record.get("languages", [])]))
    from sync.hub.i18n import language_name

    return {
        "c": record,
        "themes": [(t["slug"], _label(t, lang)) for t in taxonomy["themes"]],
        "gifts": [(t["slug"], _label(t, lang), t.get("kind")) for t in taxonomy["gifts"]],
        "neighbourhoods": [(t["slug"], _label(t, lang)) for t in taxonomy["neighbourhoods"]],
        "kinds": KINDS,
        "states": protocol.LIFECYCLE_STATES,
        "labels": LABELS,
        "fields": TEXT_FIELDS,
        "text_limits": TEXT_LIMITS,
        "meetings": meetings,
        "places": places,
        "patterns": [(p, PATTERN_LABELS[p]) for p in PATTERNS],
        "weekdays": [(code, days[i]) for i, code in enumerate(WEEKDAYS)],
        "months": [(str(n), months[n]) for n in MONTH_NUMBERS],
        "nths": [(n, NTH_LABELS[n]) for n in NTH],
        "spoken": [(code, language_name(code, lang)) for code in spoken],
    }


def taxonomy_of(conn) -> dict:
    return hub_store.shared_record(conn, "taxonomy", "taxonomy") or {
        "themes": [], "gifts": [], "neighbourhoods": []}  # fmt: skip


# -- the pages --------------------------------------------------------------------------------


def with_review(conn, record: dict) -> tuple[dict, bool]:
    """The record as the group last sent it: its changes waiting at the desk on top of what
    the kiosks show, so that the group goes on from what it sent (not from before)."""
    waiting = [p for p in proposals.pending(conn, "review", record["id"])
               if p["made_by"].startswith("community ")]  # fmt: skip
    shown = dict(record)
    for proposal in waiting:
        shown.update(proposal["changes"])
    return shown, bool(waiting)


def _page(request: Request, record: dict | None, status: int = 200, **context):
    lang = choose_language(request)
    extra = {}
    if record is not None:
        conn = request.app.state.hub.conn
        shown, in_review = with_review(conn, record)
        extra = form_context(conn, shown, lang)
        extra["mailbox"] = desk_store.mailbox(conn, record["id"]) or ""
        extra["in_review"] = in_review
    page = {"c": record, **extra, **context}
    return render(request, "edit.html", lang, status=status,
                  headers={"Cache-Control": "no-store"}, **page)  # fmt: skip


def _record(request: Request, token: str):
    conn = request.app.state.hub.conn
    community_id = proposals.community_for_link(conn, token)
    record = hub_store.shared_record(conn, "community", community_id) if community_id else None
    return conn, record


STYLESHEET = HERE / "static" / "record_form.css"


@router.get("/record-form.css")
def stylesheet() -> FileResponse:
    return FileResponse(STYLESHEET, media_type="text/css")


@router.get("/edit/{token}", response_class=HTMLResponse)
def edit_page(request: Request, token: str, done: str = ""):
    conn, record = _record(request, token)
    if record is None:
        return _page(request, None, status=404)
    waiting = proposals.pending(conn, "awaiting_community", record["id"])
    return _page(request, record, waiting=waiting, done=done)


@router.post("/edit/{token}", response_class=HTMLResponse)
async def edit_send(request: Request, token: str):
    conn, record = _record(request, token)
    if record is None:
        return _page(request, None, status=404)
    posted = await request.form()
    who = f"community {record['name'][:40]}"
    waiting = proposals.pending(conn, "awaiting_community", record["id"])
    try:
        form = form_values(posted)
    except FormProblem as exc:
        return _page(request, record, status=400, waiting=waiting,
                     problem=exc.words(translator(choose_language(request))))  # fmt: skip
    if "confirm" in form:
        proposals.confirm(conn, record["id"], who)
        return RedirectResponse(f"/edit/{token}?done=confirmed", status_code=303)
    if "proposal" in form:
        # Only this group's own proposals: a link of one group decides nothing for another.
        if not proposals.decide(conn, _one(form, "proposal")[:64], _one(form, "answer") == "yes",
                                who, "awaiting_community", community_id=record["id"]):  # fmt: skip
            return _page(request, record, status=404, waiting=waiting)
        return RedirectResponse(f"/edit/{token}", status_code=303)
    if not _sends.take(record["id"]):
        return _page(request, record, status=429, waiting=waiting,
                     problem=translator(choose_language(request))(
                         N_("You sent your record many times in the last hour. Try again "
                            "later.")))  # fmt: skip
    # Which group is changed comes from the link alone: an id in the form is never read.
    try:
        shown, _in_review = with_review(conn, record)
        changes = changes_to(record, form_record(shown, form, taxonomy_of(conn), date.today()))
        mailbox = mailbox_from_form(form)
    except FormProblem as exc:
        return _page(request, record, status=400, waiting=waiting,
                     problem=exc.words(translator(choose_language(request))))  # fmt: skip
    except protocol.ProtocolError as exc:
        return _page(request, record, status=400, waiting=waiting, problem=str(exc))
    if mailbox and mailbox != desk_store.mailbox(conn, record["id"]):
        # Where the hub e-mails visitors' requests: hub-private, never sent to kiosks.
        desk_store.set_mailbox(conn, who, record["id"], mailbox)
    if not changes:
        return RedirectResponse(f"/edit/{token}?done={'sent' if mailbox else 'nothing'}",
                                status_code=303)  # fmt: skip
    proposals.propose(conn, record["id"], changes, "community", who)
    return RedirectResponse(f"/edit/{token}?done=sent", status_code=303)
