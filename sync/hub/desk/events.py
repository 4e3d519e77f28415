"""The desk's events: what is coming up, new ones (once or repeating, of the town hall itself
or of a group), changes, cancellations, and the events groups proposed through their edit
links, to approve or decline. Saved events reach the kiosks with the next sync; a cancelled
one leaves them as a tombstone (sync.hub.store.delete_shared)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from sync.hub import events
from sync.hub import store as hub_store
from sync.hub.desk.access import form, hub_of, lang_of, page, render, words_for
from sync.hub.desk_store import DeskSession
from sync.hub.i18n import N_

router = APIRouter()

_ID = re.compile(r"^[0-9a-f-]{36}$")
#: What a form may hold: the longest field is a description (2,000 characters per language).
FIELD_LIMIT = 4000
DONE = {
    "saved": N_("The event is saved. The kiosks show it after their next sync."),
    "cancelled": N_("The event is cancelled."),
    "approved": N_("Approved: the kiosks show it after their next sync."),
    "declined": N_("Declined."),
}


def _page(request: Request, session, status: int = 200, editing: dict | None = None,
          values: dict | None = None, **context):  # fmt: skip
    conn = hub_of(request).conn
    now = events.local_now()
    names = events.group_names(conn)
    _, lang = words_for(request), lang_of(request)
    coming = [
        {**e, "organiser": names.get(e["community_id"] or "", _("Town hall")),
         "repeat": events.repeat_words(e, _, lang)}
        for e in events.upcoming(conn, now)
    ]  # fmt: skip
    proposed = [
        {**p, "group": names.get(p["community_id"], "—"),
         "repeat": events.repeat_words(p["event"], _, lang),
         "start": events.naive(p["event"]["starts_at"])}
        for p in events.waiting(conn)
    ]  # fmt: skip
    if values is None:
        values = events.form_from_event(editing)
    base = hub_of(request).base_url(request)
    return render(request, "events.html", session, status=status, coming=coming,
                  proposed=proposed, editing=editing, values=values,
                  groups=sorted(names.items(), key=lambda kv: kv[1].casefold()),
                  repeats=events.REPEAT_LABELS, hall_feed=f"{base}/calendar/hall.ics",
                  webcal=re.sub(r"^https?://", "webcal://", f"{base}/calendar/hall.ics"),
                  **context)  # fmt: skip


@router.get("/events", response_class=HTMLResponse)
def events_page(
    request: Request,
    session: Annotated[DeskSession, Depends(page("events"))],
    edit: str = "",
    done: str = "",
):
    editing = None
    if edit:
        editing = hub_store.shared_record(hub_of(request).conn, "event", edit[:64])
        if editing is None:
            return render(request, "forbidden.html", session, status=404, gone=True)
    return _page(request, session, editing=editing, done=DONE.get(done))


@router.post("/events", response_class=HTMLResponse)
async def events_action(request: Request, session: Annotated[DeskSession, Depends(form("events"))]):
    posted = await request.form()
    if any(isinstance(v, str) and len(v) > FIELD_LIMIT for v in posted.values()):
        return _page(request, session, status=400, problem=_check_the_form(request))
    fields = {k: v for k, v in posted.items() if isinstance(v, str)}
    conn, actor = hub_of(request).conn, session.username
    action = fields.get("action", "")
    if action in ("approve", "decline"):
        if not events.decide(conn, fields.get("proposal", "")[:64], action == "approve", actor):
            return _page(request, session, status=404, problem=_gone(request))
        return RedirectResponse(f"/desk/events?done={action}d", status_code=303)
    event_id = fields.get("event", "")
    if event_id and not _ID.match(event_id):
        return _page(request, session, status=404, problem=_gone(request))
    if action == "cancel":
        if not events.cancel(conn, event_id, actor):
            return _page(request, session, status=404, problem=_gone(request))
        return RedirectResponse("/desk/events?done=cancelled", status_code=303)
    if action != "save":
        return _page(request, session, status=400, problem=_check_the_form(request))
    editing = hub_store.shared_record(conn, "event", event_id) if event_id else None
    if event_id and editing is None:
        return _page(request, session, status=404, problem=_gone(request))
    organiser = fields.get("organiser", "")
    try:
        if organiser and organiser not in events.group_names(conn):
            raise events.FormProblem(N_("Choose the organiser from the list."))
        record = events.event_from_form(fields, event_id or None, organiser or None,
                                        events.local_now())  # fmt: skip
        events.save(conn, record, actor)
    except events.FormProblem as exc:
        return _page(request, session, status=400, editing=editing, values=fields,
                     problem=exc.words(words_for(request)))  # fmt: skip
    return RedirectResponse("/desk/events?done=saved", status_code=303)


def _check_the_form(request: Request) -> str:
    return words_for(request)(N_("Check the form."))


def _gone(request: Request) -> str:
    return words_for(request)(N_("That event is no longer there."))
