"""The public pages the kiosk's QR codes point to, for a visitor's phone: a community's page
(/c/<id>), a take-home list (/m/<token>), the consent receipt (/w/<token>, where consent is
withdrawn) and events as calendar files (/e/<id>.ics, and feeds: /calendar/hall.ics and
/calendar/<community-id>.ics). In the kiosk's six languages (see sync.hub.i18n),
server-rendered, no JavaScript, no trackers; the one cookie is the language a visitor chose.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from kiosk.meeting_words import meeting_line
from kiosk.paths import FONT_DIR
from sync import protocol
from sync.hub import calendars, events, keys
from sync.hub import store as hub_store
from sync.hub.i18n import choose_language, language_name, translator
from sync.hub.render import HERE, render

router = APIRouter(include_in_schema=False)


def localised(texts: dict[str, str], lang: str) -> dict[str, Any]:
    """The text in the visitor's language, or honestly in another one."""
    for candidate in (lang, "nl", *texts):
        if texts.get(candidate):
            return {"text": texts[candidate], "fallback": candidate != lang, "lang": candidate}
    return {"text": "", "fallback": False, "lang": lang}


def said_in(value: dict[str, Any], lang: str) -> str:
    """A community's words as plain text (a calendar file), marked when in another language."""
    if not value["fallback"]:
        return value["text"]
    language = language_name(value["lang"], lang)
    return f"{translator(lang)('In {language}:').format(language=language)} {value['text']}"


def _page(request: Request, template: str, lang: str, status: int = 200, **context):
    private = template in ("consent.html", "list.html")  # a token's page: never cached
    headers = {"Cache-Control": "no-store"} if private else {}
    return render(request, template, lang, status=status, headers=headers, **context)


def _not_found(request: Request, lang: str) -> HTMLResponse:
    return _page(request, "not_found.html", lang, status=404)


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def _state(request: Request):
    return request.app.state.hub


#: What /static/ serves: a fixed list, so no path from the request reaches the disk. The font
#: (Noto Sans with Noto Sans Arabic, the kiosk's own) is served here, never fetched from the
#: internet; the stylesheet asks for it only for Arabic letters (unicode-range).
STATIC = {
    "hub.css": (HERE / "static" / "hub.css", "text/css"),
    "desk.css": (HERE / "static" / "desk.css", "text/css"),
    # The desk's live queue (server-sent events); the only script the hub serves.
    "desk-live.js": (HERE / "static" / "desk-live.js", "text/javascript"),
    "OntmoetSans-Regular.ttf": (FONT_DIR / "OntmoetSans-Regular.ttf", "font/ttf"),
    "OntmoetSans-Bold.ttf": (FONT_DIR / "OntmoetSans-Bold.ttf", "font/ttf"),
}


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    if name not in STATIC:
        return Response("Not found.", status_code=404, media_type="text/plain")
    path, media_type = STATIC[name]
    # The fonts change only with a release; a phone on a slow line fetches them once a day.
    headers = {"Cache-Control": "public, max-age=86400"} if media_type.startswith("font/") else {}
    return FileResponse(path, media_type=media_type, headers=headers)


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
            {
                "words": meeting_line(m, lang, date.today()),
                "when": localised(m["when"], lang) if m.get("when") else None,
                "place": m["place"],
            }
            for m in data["schedule"]
        ],  # fmt: skip
        "join_url": data["join_url"],
        "image": data.get("image"),  # served by sync.hub.photos
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
    # By their next occurrence: a weekly series that began in spring is on next Tuesday.
    coming = [
        {**e, "title": localised(e["title"], lang), "start": e["next"]}
        for e in events.upcoming(conn, events.local_now(), community_id)
    ]
    return _page(request, "community.html", lang, c=_community_view(data, lang), events=coming)


@router.get("/m/{token}", response_class=HTMLResponse)
def take_home_page(request: Request, token: str):
    conn = _state(request).conn
    found = hub_store.take_home_list(conn, token) if len(token) <= 64 else None
    if found is None:
        return _not_found(request, choose_language(request))
    # In the language the list was made in at the kiosk, unless the link asks for another.
    lang = choose_language(request, made_in=found["language"])
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
        shown = {"channel": channel, "masked": protocol.mask(channel, value)}
    except protocol.ProtocolError:
        shown = {"channel": "", "masked": "—"}
    names = []
    for cid in found["communities"]:
        data = hub_store.shared_record(conn, "community", cid)
        names.append(data["name"] if data else "—")
    if not names and found.get("wish"):  # 'count me in': about a wish, not groups
        _ = translator(lang)
        names = [_("The reception, about your wish")]
    return {
        **shown,
        "communities": names,
        "until": date.fromisoformat(found["expires_on"]),
    }


@router.get("/w/{token}", response_class=HTMLResponse)
def consent_page(request: Request, token: str):
    # A plain def: FastAPI runs it on a worker thread, with that thread's own connection.
    state = _state(request)
    found = hub_store.contact_request_for_receipt(state.conn, token) if len(token) <= 64 else None
    if found is None:
        return _page(request, "consent.html", choose_language(request), status=404, nothing=True)
    # A receipt opens in the visitor's language: the kiosk's link says it (?lang=), and a
    # request that carries its language says it too.
    lang = choose_language(request, made_in=found.get("language"))
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
    """One event as a calendar file (the kiosk's QR code): a series with its rule, so the
    phone's agenda repeats it."""
    lang = choose_language(request)
    event_id = event_file.removesuffix(".ics")
    conn = _state(request).conn
    row = (
        conn.execute(
            "SELECT data, updated_at FROM shared_records WHERE entity = 'event' AND id = ?"
            " AND data IS NOT NULL",
            [event_id],
        ).fetchone()
        if (event_file.endswith(".ics") and _is_uuid(event_id))
        else None
    )
    if row is None:
        return _not_found(request, lang)
    return _calendar_reply(
        request, lambda: [(json.loads(row[0]), row[1])], lang,
        f'attachment; filename="{event_id}.ics"',
    )  # fmt: skip


@router.get("/calendar/{feed_file}")
def calendar_feed(request: Request, feed_file: str) -> Response:
    """A calendar to subscribe to (webcal://<hub>/calendar/hall.ics): the town hall's own
    events and everything in its hall, or (/calendar/<community-id>.ics) one group's. Only
    what the kiosks show anyone; recent and coming events, with their rules."""
    lang = choose_language(request)
    feed = feed_file.removesuffix(".ics")
    conn = _state(request).conn
    names = events.group_names(conn)
    if not feed_file.endswith(".ics") or (feed != "hall" and feed not in names):
        return _not_found(request, lang)

    def chosen() -> list:
        since = events.local_now() - timedelta(days=events.FEED_PAST_DAYS)
        found = [
            (record, updated)
            for record, updated in events.all_events(conn)
            if (record["community_id"] == feed if feed != "hall"
                else record["community_id"] is None or record["in_hall"])
            and events.series_over(record) >= since
        ]  # fmt: skip
        return sorted(found, key=lambda r: (r[0]["starts_at"], r[0]["id"]))[: events.FEED_EVENTS]

    title = translator(lang)("Town hall") if feed == "hall" else names[feed]
    return _calendar_reply(request, chosen, lang, f'inline; filename="{feed}.ics"', title)


def _calendar_reply(request: Request, records, lang: str, disposition: str,
                    name: str = "") -> Response:  # fmt: skip
    """The calendar file from ``records()``, with an ETag made of what the file depends on
    (the hub's last change, the day, the language, the address): a calendar app asking
    again gets 304 without the file being made. Public data: caches may keep it 5 minutes."""
    state = _state(request)
    base = state.base_url(request)
    made_of = [calendars.CALENDAR_FORMAT, request.url.path, lang, base, name,
               str(hub_store.last_seq(state.conn)),
               events.local_now().date().isoformat()]  # fmt: skip
    tag = calendars.etag("\n".join(made_of).encode())
    headers = {"ETag": tag, "Cache-Control": "public, max-age=300",
               "Vary": "Accept-Language, Cookie"}  # fmt: skip
    if tag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    body = calendars.calendar(records(), events.group_names(state.conn), lang, base, said_in,
                           localised, name)  # fmt: skip
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={**headers, "Content-Disposition": disposition})  # fmt: skip
