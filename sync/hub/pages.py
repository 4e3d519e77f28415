"""The public pages the kiosk's QR codes point to, for a visitor's phone: a community's page
(/c/<id>), a take-home list (/m/<token>), the consent receipt (/w/<token>, where consent is
withdrawn) and events as calendar files (/e/<id>.ics). Dutch and English, server-rendered,
no JavaScript, no cookies, no trackers.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from sync import protocol
from sync.hub import keys
from sync.hub import store as hub_store

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")  # autoescape on for .html
#: The hall's time zone: the hub stores UTC, people read local time. create_app sets it from
#: the hub's settings (ONTMOET_TIMEZONE).
LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")


def local_time(moment: str | None, pattern: str = "%d-%m-%Y %H:%M") -> str:
    if not moment:
        return ""
    # Whatever a kiosk said (a stolen one can say year 1 at +14:00) is shown, never a 500.
    try:
        parsed = datetime.fromisoformat(moment)
        if parsed.tzinfo is None:
            return parsed.strftime(pattern)
        return parsed.astimezone(LOCAL_ZONE).strftime(pattern)
    except (ValueError, OverflowError):
        return moment


templates.env.filters["local"] = local_time
router = APIRouter(include_in_schema=False)
LANGUAGES = ("nl", "en")

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "in_language": "In het Nederlands:",
        "when_where": "Wanneer en waar",
        "welcome": "Wie is welkom",
        "accessibility": "Toegankelijkheid",
        "contact": "Contact",
        "join": "Meedoen",
        "coming_up": "Binnenkort",
        "add_to_calendar": "Zet in je agenda",
        "not_found_title": "Niet gevonden",
        "not_found": "Deze pagina bestaat niet (meer). Vraag het gerust bij de receptie.",
        "list_title": "Jouw lijstje",
        "list_intro": "Dit zijn de groepen die je bij de kiosk hebt bewaard.",
        "list_until": "Dit lijstje blijft bewaard tot",
        "list_expired": "Dit lijstje is verlopen. Bij de kiosk in het stadhuis maak je een nieuw.",
        "consent_title": "Jouw toestemming",
        "consent_intro": "Je hebt bij de kiosk gevraagd of deze groepen contact met je opnemen.",
        "what_stored": "Wat er bewaard is",
        "channel": "Hoe",
        "email": "e-mail",
        "phone": "telefoon",
        "detail": "Gegevens",
        "for": "Voor",
        "until": "Bewaard tot",
        "withdraw_intro": "Wil je toch geen contact? Dan wissen we je gegevens meteen. "
        "Niemand krijgt ze dan nog.",
        "withdraw": "Toestemming intrekken en wissen",
        "withdrawn_title": "Gewist",
        "withdrawn": "Je gegevens zijn gewist. Niemand neemt contact met je op.",
        "nothing_stored": "Er is onder deze code niets (meer) bewaard.",
        "state_seasonal": "Seizoensgebonden",
        "state_resting": "Even in rust",
        "state_seeking_organiser": "Zoekt iemand die het wil trekken",
        "state_ended": "Gestopt",
        "other_language": "English",
    },
    "en": {
        "in_language": "In Dutch:",
        "when_where": "When and where",
        "welcome": "Who is welcome",
        "accessibility": "Accessibility",
        "contact": "Contact",
        "join": "Join",
        "coming_up": "Coming up",
        "add_to_calendar": "Add to your calendar",
        "not_found_title": "Not found",
        "not_found": "This page does not exist (any more). Feel free to ask at the reception.",
        "list_title": "Your list",
        "list_intro": "These are the groups you kept at the kiosk.",
        "list_until": "This list is kept until",
        "list_expired": "This list has expired. Make a new one at the kiosk in the town hall.",
        "consent_title": "Your consent",
        "consent_intro": "At the kiosk you asked these groups to contact you.",
        "what_stored": "What is stored",
        "channel": "How",
        "email": "e-mail",
        "phone": "phone",
        "detail": "Details",
        "for": "For",
        "until": "Kept until",
        "withdraw_intro": "Changed your mind? We erase your details at once, and nobody "
        "will receive them.",
        "withdraw": "Withdraw consent and erase",
        "withdrawn_title": "Erased",
        "withdrawn": "Your details have been erased. Nobody will contact you.",
        "nothing_stored": "Nothing is stored under this code (any more).",
        "state_seasonal": "Seasonal",
        "state_resting": "Resting for now",
        "state_seeking_organiser": "Looking for someone to lead it",
        "state_ended": "Ended",
        "other_language": "Nederlands",
    },
}


def choose_language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    header = request.headers.get("accept-language", "").lower()
    for part in header.split(","):
        code = part.split(";")[0].strip()[:2]
        if code in LANGUAGES:
            return code
    return "nl"


def localised(texts: dict[str, str], lang: str) -> dict[str, Any]:
    """The text in the visitor's language, or honestly in another one."""
    for candidate in (lang, "nl", *texts):
        if texts.get(candidate):
            return {"text": texts[candidate], "fallback": candidate != lang, "lang": candidate}
    return {"text": "", "fallback": False, "lang": lang}


def _page(request: Request, template: str, lang: str, status: int = 200, **context):
    return templates.TemplateResponse(
        request,
        template,
        {"lang": lang, "t": TEXTS[lang], "other": "en" if lang == "nl" else "nl", **context},
        status_code=status,
        headers={"Cache-Control": "no-store"} if template in ("consent.html", "list.html") else {},
    )


def _not_found(request: Request, lang: str) -> HTMLResponse:
    return _page(request, "not_found.html", lang, status=404)


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def _state(request: Request):
    return request.app.state.hub


STYLESHEETS = ("hub.css", "desk.css")


@router.get("/static/{name}")
def stylesheet(name: str) -> Response:
    if name not in STYLESHEETS:  # a fixed list: no path from the request reaches the disk
        return Response("Not found.", status_code=404, media_type="text/plain")
    return FileResponse(HERE / "static" / name, media_type="text/css")


def _community_view(data: dict, lang: str) -> dict[str, Any]:
    return {
        "id": data["id"],
        "name": data["name"],
        "state": data["state"],
        "pitch": localised(data["pitch"], lang),
        "story": localised(data["story"], lang),
        "welcome": localised(data["welcome"], lang),
        "accessibility": localised(data["accessibility"], lang),
        "contact": localised(data["contact"], lang),
        "schedule": [
            {"when": localised(m["when"], lang), "place": m["place"]} for m in data["schedule"]
        ],
        "join_url": data["join_url"],
    }


@router.get("/c/{community_id}", response_class=HTMLResponse)
def community_page(request: Request, community_id: str):
    lang = choose_language(request)
    conn = _state(request).conn
    data = (
        hub_store.shared_record(conn, "community", community_id) if _is_uuid(community_id) else None
    )
    if data is None:
        return _not_found(request, lang)
    events = [
        {**e, "title": localised(e["title"], lang), "start": datetime.fromisoformat(e["starts_at"])}
        for e in hub_store.community_events(conn, community_id, date.today().isoformat())
    ]
    return _page(request, "community.html", lang, c=_community_view(data, lang), events=events)


@router.get("/m/{token}", response_class=HTMLResponse)
def take_home_page(request: Request, token: str):
    lang = choose_language(request)
    conn = _state(request).conn
    found = hub_store.take_home_list(conn, token) if len(token) <= 64 else None
    if found is None:
        return _not_found(request, lang)
    if "lang" not in request.query_params:
        lang = found["language"] if found["language"] in LANGUAGES else lang
    if found["expires_on"] < date.today().isoformat():
        return _page(request, "list.html", lang, status=410, expired=True, items=[])
    items = []
    for cid in found["communities"]:
        data = hub_store.shared_record(conn, "community", cid)
        if data is not None:
            items.append({"id": cid, "name": data["name"], "pitch": localised(data["pitch"], lang)})
    return _page(request, "list.html", lang, expired=False, items=items,
                 until=date.fromisoformat(found["expires_on"]))  # fmt: skip


def _consent_view(conn, found: dict, lang: str, data_dir: Path) -> dict[str, Any]:
    # The details are opened here, inside the hub process, only to show them masked. Damaged
    # ones show as a dash: the visitor can still withdraw the request.
    try:
        channel, value = protocol.open_sealed(found["sealed_payload"], keys.private_key(data_dir))
        shown = {"channel": TEXTS[lang][channel], "masked": protocol.mask(channel, value)}
    except protocol.ProtocolError:
        shown = {"channel": "—", "masked": "—"}
    names = []
    for cid in found["communities"]:
        data = hub_store.shared_record(conn, "community", cid)
        names.append(data["name"] if data else "—")
    return {
        **shown,
        "communities": names,
        "until": date.fromisoformat(found["expires_on"]),
    }


@router.get("/w/{token}", response_class=HTMLResponse)
def consent_page(request: Request, token: str):
    # A plain def: FastAPI runs it on a worker thread, with that thread's own connection.
    lang = choose_language(request)
    state = _state(request)
    found = hub_store.contact_request_for_receipt(state.conn, token) if len(token) <= 64 else None
    if found is None:
        return _page(request, "consent.html", lang, status=404, nothing=True)
    view = _consent_view(state.conn, found, lang, state.data_dir)
    return _page(request, "consent.html", lang, nothing=False, **view)


@router.post("/w/{token}", response_class=HTMLResponse)
def withdraw(request: Request, token: str, confirm: Annotated[str, Form()] = ""):
    lang = choose_language(request)
    state = _state(request)
    found = hub_store.contact_request_for_receipt(state.conn, token) if len(token) <= 64 else None
    if found is None:
        return _page(request, "consent.html", lang, status=404, nothing=True)
    if confirm != "yes":
        return Response("Confirm with confirm=yes.", status_code=400)
    hub_store.withdraw_contact_request(state.conn, found["id"])
    return _page(request, "withdrawn.html", lang)


@router.get("/e/{event_file}")
def event_calendar(request: Request, event_file: str) -> Response:
    lang = choose_language(request)
    event_id = event_file.removesuffix(".ics")
    conn = _state(request).conn
    data = (
        hub_store.shared_record(conn, "event", event_id)
        if (event_file.endswith(".ics") and _is_uuid(event_id))
        else None
    )
    if data is None:
        return _not_found(request, lang)
    community = hub_store.shared_record(conn, "community", data["community_id"])
    return Response(
        calendar_file(data, community, lang, _state(request).base_url(request)),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{event_id}.ics"'},
    )


def calendar_file(event: dict, community: dict | None, lang: str, public_url: str) -> bytes:
    from icalendar import Calendar
    from icalendar import Event as CalendarEvent

    calendar = Calendar()
    calendar.add("prodid", "-//Ontmoet//hub//NL")
    calendar.add("version", "2.0")
    item = CalendarEvent()
    item.add("uid", f"{event['id']}@ontmoet")
    item.add("summary", localised(event["title"], lang)["text"])
    item.add("dtstart", datetime.fromisoformat(event["starts_at"]))
    item.add("dtend", datetime.fromisoformat(event["ends_at"]))
    item.add("dtstamp", datetime.now().astimezone())
    item.add("location", event["place"])
    if community is not None:
        item.add("description", community["name"])
        if public_url:
            item.add("url", f"{public_url}/c/{community['id']}")
    calendar.add_component(item)
    return calendar.to_ical()
