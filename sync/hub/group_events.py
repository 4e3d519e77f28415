"""A group's own events through its edit link: /edit/<token>/events. The same link as the
group's record (sync.hub.proposals.community_for_link); no account needed.

A new or changed event goes to the desk's review, like the group's other edits: the kiosks
show nothing a group wrote before a person at the reception has looked at it. Cancelling its
own event is the exception and happens at once: it puts no words of anyone on the kiosks, and
a cancellation that waits for the desk sends visitors to an activity that does not happen.
A link reaches only its own group's events: another group's event id is "not found", and
nothing is stored.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from sync.hub import events, proposals
from sync.hub import store as hub_store
from sync.hub.i18n import N_, choose_language, translator
from sync.hub.render import render
from sync.hub.web import shared_limit

router = APIRouter(include_in_schema=False)

_ID = re.compile(r"^[0-9a-f-]{36}$")
#: Posts an hour through one group's link: a leaked link cannot keep the hub busy.
SENDS_PER_HOUR = 60
TOO_MANY = N_("Many events were sent in the last hour. Try again later.")
FIELD_LIMIT = 4000
DONE = {
    "sent": N_("Thank you! The reception will have a look before the kiosks show it."),
    "cancelled": N_("The event is cancelled."),
}


def _group(request: Request, token: str) -> dict | None:
    conn = request.app.state.hub.conn
    community_id = proposals.community_for_link(conn, token)
    return hub_store.shared_record(conn, "community", community_id) if community_id else None


def _page(request: Request, token: str, group: dict | None, status: int = 200,
          editing: dict | None = None, values: dict | None = None, **context):  # fmt: skip
    lang = choose_language(request)
    page = {"group": group, "token": token, "repeats": events.REPEAT_LABELS, "editing": editing}
    if group is not None:
        conn, _ = request.app.state.hub.conn, translator(lang)
        page["coming"] = [
            {**e, "repeat": events.repeat_words(e, _, lang)}
            for e in events.upcoming(conn, events.local_now(), group["id"])
        ]
        page["waiting"] = [
            {**p["event"], "next": events.naive(p["event"]["starts_at"]),
             "repeat": events.repeat_words(p["event"], _, lang)}
            for p in events.waiting(conn, group["id"])
        ]  # fmt: skip
        page["values"] = values if values is not None else events.form_from_event(editing)
        base = request.app.state.hub.base_url(request)
        page["feed"] = f"{base}/calendar/{group['id']}.ics"
        page["webcal"] = re.sub(r"^https?://", "webcal://", page["feed"])
    return render(request, "group_events.html", lang, status=status,
                  headers={"Cache-Control": "no-store"}, **page, **context)  # fmt: skip


def _own_event(request: Request, group: dict, event_id: str) -> dict | None:
    """The group's own event with this id, or None (unknown, or another group's)."""
    if not _ID.match(event_id):
        return None
    record = hub_store.shared_record(request.app.state.hub.conn, "event", event_id)
    return record if record and record["community_id"] == group["id"] else None


@router.get("/edit/{token}/events", response_class=HTMLResponse)
def group_events_page(request: Request, token: str, edit: str = "", done: str = ""):
    group = _group(request, token)
    if group is None:
        return _page(request, token, None, status=404)
    editing = _own_event(request, group, edit) if edit else None
    if edit and editing is None:
        return _page(request, token, group, status=404, problem=_gone(request))
    return _page(request, token, group, editing=editing, done=DONE.get(done))


@router.post("/edit/{token}/events", response_class=HTMLResponse)
async def group_events_send(request: Request, token: str):
    group = _group(request, token)
    if group is None:
        return _page(request, token, None, status=404)
    sends = shared_limit(request, "event_sends", SENDS_PER_HOUR, 3600)
    if not await run_in_threadpool(sends.take, group["id"]):
        words = translator(choose_language(request))
        return _page(request, token, group, status=429, problem=words(TOO_MANY))
    posted = await request.form()
    if any(isinstance(v, str) and len(v) > FIELD_LIMIT for v in posted.values()):
        words = translator(choose_language(request))
        return _page(request, token, group, status=400, problem=words(N_("Check the form.")))
    fields = {k: v for k, v in posted.items() if isinstance(v, str)}
    conn, who = request.app.state.hub.conn, f"community {group['name'][:40]}"
    event_id = fields.get("event", "")
    editing = _own_event(request, group, event_id) if event_id else None
    if event_id and editing is None:
        return _page(request, token, group, status=404, problem=_gone(request))
    if fields.get("action") == "cancel":
        if editing is None or not events.cancel(conn, editing["id"], who, group["id"]):
            return _page(request, token, group, status=404, problem=_gone(request))
        return RedirectResponse(f"/edit/{token}/events?done=cancelled", status_code=303)
    try:
        # Checking a rule is work for a thread, not for the loop that serves everyone.
        record = await run_in_threadpool(
            events.event_from_form, fields, event_id or None, group["id"], events.local_now()
        )
        events.propose(conn, group["id"], record, who)
    except events.FormProblem as exc:
        words = translator(choose_language(request))
        return _page(request, token, group, status=400, editing=editing, values=fields,
                     problem=exc.words(words))  # fmt: skip
    return RedirectResponse(f"/edit/{token}/events?done=sent", status_code=303)


def _gone(request: Request) -> str:
    return translator(choose_language(request))(N_("Your group has no such event."))
