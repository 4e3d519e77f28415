"""A community's own page for editing its record: /edit/<token>, reached through an expiring
link (or its QR code) that the reception made; no account needed. What the community writes
is reviewed lightly at the desk before the kiosks show it; changes the reception proposed to
what the community wrote wait here for the community's yes or no."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from sync import protocol
from sync.hub import proposals
from sync.hub import store as hub_store
from sync.hub.pages import TEXTS as PAGE_TEXTS
from sync.hub.pages import choose_language, templates

router = APIRouter(include_in_schema=False)

TEXTS = {
    "nl": {
        "title": "Jullie gegevens", "intro": "Zo staan jullie op de kiosk in het stadhuis. "
        "Pas aan wat niet meer klopt; de receptie kijkt er even naar voordat het op de "
        "kiosk komt.", "name": "Naam", "pitch": "In één zin", "story": "Jullie verhaal",
        "welcome": "Wie is welkom", "accessibility": "Toegankelijkheid", "contact": "Contact",
        "state": "Stand", "in_dutch": "Nederlands", "in_english": "Engels (mag leeg)",
        "send": "Opsturen", "confirm": "Alles klopt nog", "sent": "Dank je! De receptie "
        "kijkt ernaar.", "confirmed": "Dank je! We hebben genoteerd dat alles nog klopt.",
        "nothing": "Er was niets veranderd.", "awaiting": "Voorstellen van de receptie",
        "awaiting_intro": "De receptie wil dit aanpassen in wat jullie schreven. Goed zo?",
        "approve": "Ja, goed", "decline": "Nee, liever niet", "expired": "Deze link werkt "
        "niet (meer). Vraag de receptie om een nieuwe.", "problem": "Dit kan zo niet:",
        "last_confirmed": "Laatst door jullie bevestigd op",
        "active": "actief", "seasonal": "seizoensgebonden", "resting": "even in rust",
        "seeking_organiser": "zoekt iemand die het trekt", "ended": "gestopt",
    },
    "en": {
        "title": "Your record", "intro": "This is how you appear on the kiosk in the town "
        "hall. Change what is no longer right; the reception has a quick look before it "
        "reaches the kiosk.", "name": "Name", "pitch": "In one sentence",
        "story": "Your story", "welcome": "Who is welcome", "accessibility": "Accessibility",
        "contact": "Contact", "state": "State", "in_dutch": "Dutch",
        "in_english": "English (may stay empty)", "send": "Send", "confirm":
        "Everything is still right", "sent": "Thank you! The reception will have a look.",
        "confirmed": "Thank you! We noted that everything is still right.",
        "nothing": "Nothing had changed.", "awaiting": "Changes the reception proposes",
        "awaiting_intro": "The reception would like to change this in what you wrote. Agreed?",
        "approve": "Yes, fine", "decline": "No, rather not", "expired": "This link does not "
        "work (any more). Ask the reception for a new one.", "problem": "Not like this:",
        "last_confirmed": "Last confirmed by you on",
        "active": "active", "seasonal": "seasonal", "resting": "resting for now",
        "seeking_organiser": "looking for someone to lead it", "ended": "ended",
    },
}  # fmt: skip

TEXT_FIELDS = ("pitch", "story", "welcome", "accessibility", "contact")


def form_changes(record: dict, form: dict[str, str]) -> dict:
    """The edit form (name, texts in Dutch and English, state) as changes to ``record``."""
    wanted: dict = {"name": form.get("name", "").strip(), "state": form.get("state", "")}
    for field in TEXT_FIELDS:
        texts = dict(record[field])
        for lang in ("nl", "en"):
            value = form.get(f"{field}_{lang}", "").replace("\r\n", "\n").strip()
            if value:
                texts[lang] = value
            else:
                texts.pop(lang, None)
        wanted[field] = texts
    return proposals.changed_fields(record, wanted)


def _page(request: Request, record: dict | None, status: int = 200, **context):
    lang = choose_language(request)
    t = {**PAGE_TEXTS[lang], **TEXTS[lang]}
    return templates.TemplateResponse(
        request, "edit.html",
        {"lang": lang, "t": t, "other": "en" if lang == "nl" else "nl", "c": record,
         "states": protocol.LIFECYCLE_STATES, "fields": TEXT_FIELDS, **context},
        status_code=status, headers={"Cache-Control": "no-store"},
    )  # fmt: skip


def _record(request: Request, token: str):
    conn = request.app.state.hub.conn
    community_id = proposals.community_for_link(conn, token)
    record = hub_store.shared_record(conn, "community", community_id) if community_id else None
    return conn, record


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
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str) and len(v) <= 4000}
    who = f"community {record['name'][:40]}"
    if "confirm" in fields:
        proposals.confirm(conn, record["id"], who)
        return RedirectResponse(f"/edit/{token}?done=confirmed", status_code=303)
    if "proposal" in fields:
        # Only this group's own proposals: a link of one group decides nothing for another.
        if not proposals.decide(
            conn,
            fields["proposal"][:64],
            fields.get("answer") == "yes",
            who,
            "awaiting_community",
            community_id=record["id"],
        ):
            waiting = proposals.pending(conn, "awaiting_community", record["id"])
            return _page(request, record, status=404, waiting=waiting)
        return RedirectResponse(f"/edit/{token}", status_code=303)
    try:
        changes = form_changes(record, fields)
    except protocol.ProtocolError as exc:
        waiting = proposals.pending(conn, "awaiting_community", record["id"])
        return _page(request, record, status=400, problem=str(exc), waiting=waiting)
    if not changes:
        return RedirectResponse(f"/edit/{token}?done=nothing", status_code=303)
    proposals.propose(conn, record["id"], changes, "community", who)
    return RedirectResponse(f"/edit/{token}?done=sent", status_code=303)
