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
from sync.hub.i18n import LANGUAGES, choose_language
from sync.hub.render import render

router = APIRouter(include_in_schema=False)

TEXT_FIELDS = ("pitch", "story", "welcome", "accessibility", "contact")


def form_changes(record: dict, form: dict[str, str]) -> dict:
    """The edit form (name, texts per language, state) as changes to ``record``. A language
    the form has no box for keeps its text."""
    wanted: dict = {"name": form.get("name", "").strip(), "state": form.get("state", "")}
    for field in TEXT_FIELDS:
        texts = dict(record[field])
        for lang in LANGUAGES:
            if f"{field}_{lang}" not in form:
                continue
            value = form[f"{field}_{lang}"].replace("\r\n", "\n").strip()
            if value:
                texts[lang] = value
            else:
                texts.pop(lang, None)
        wanted[field] = texts
    return proposals.changed_fields(record, wanted)


def _page(request: Request, record: dict | None, status: int = 200, **context):
    return render(request, "edit.html", choose_language(request), status=status,
                  headers={"Cache-Control": "no-store"}, c=record,
                  states=protocol.LIFECYCLE_STATES, fields=TEXT_FIELDS, **context)  # fmt: skip


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
