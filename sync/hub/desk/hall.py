"""The desk's hall page: short messages for the hall's kiosks, to schedule, change and end
(sync/hub/hall_messages.py holds the rules). Saved messages reach the kiosks with their next
sync; an ended one leaves them as a tombstone."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from babel.dates import format_date, get_day_names
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from sync.hub import hall_messages
from sync.hub import store as hub_store
from sync.hub.desk.access import form, hub_of, lang_of, page, render, words_for
from sync.hub.desk_store import DeskSession
from sync.hub.events import FormProblem, local_now
from sync.hub.i18n import N_

router = APIRouter()

#: The longest field is a text (200 characters); a form holds some 20 fields.
FIELD_LIMIT = 1000
FIELDS_LIMIT = 200
DONE = {
    "saved": N_("The message is saved. The kiosks show it after their next sync."),
    "ended": N_("The message has ended. The kiosks take it away after their next sync."),
}


def _day_names(lang: str) -> dict[str, str]:
    names = get_day_names("wide", locale=lang)  # 0: Monday
    return {code: names[i] for i, code in enumerate(hall_messages.WEEKDAYS)}


def _page(request: Request, session, status: int = 200, editing: dict | None = None,
          values: dict | None = None, **context):  # fmt: skip
    conn = hub_of(request).conn
    now, lang = local_now(), lang_of(request)
    day_names = _day_names(lang)
    messages = [
        {**m, "now": hall_messages.shows_now(m, now),
         "first": format_date(date.fromisoformat(m["first_day"]), "medium",
                              locale=lang),
         "last": format_date(date.fromisoformat(m["last_day"]), "medium",
                             locale=lang),
         "day_words": ", ".join(day_names[d] for d in m["days"])}
        for m in hall_messages.live(conn, now.date())
    ]  # fmt: skip
    if values is None:
        values = hall_messages.form_from_message(editing, now.date())
    return render(request, "hall.html", session, status=status, messages=messages,
                  editing=editing, values=values, day_names=day_names,
                  kiosk_names=hall_messages.kiosk_names(conn),
                  max_live=hall_messages.MAX_LIVE, **context)  # fmt: skip


@router.get("/hall", response_class=HTMLResponse)
def hall_page(
    request: Request,
    session: Annotated[DeskSession, Depends(page("hall"))],
    edit: str = "",
    done: str = "",
):
    editing = None
    if edit:
        if hall_messages.well_formed_id(edit):
            editing = hub_store.shared_record(hub_of(request).conn, "hall_message", edit)
        if editing is None:
            return _page(request, session, status=404, problem=_gone(request))
    return _page(request, session, editing=editing, done=DONE.get(done))


@router.post("/hall", response_class=HTMLResponse)
async def hall_action(request: Request, session: Annotated[DeskSession, Depends(form("hall"))]):
    posted = await request.form()
    items = list(posted.multi_items())
    if len(items) > FIELDS_LIMIT or any(
        not isinstance(v, str) or len(v) > FIELD_LIMIT for _k, v in items
    ):
        return _page(request, session, status=400, problem=_check_the_form(request))
    fields: dict = {k: v for k, v in items if k not in ("days", "kiosks")}
    fields["days"] = [v for k, v in items if k == "days"]
    fields["kiosks"] = [v for k, v in items if k == "kiosks"]
    conn, actor = hub_of(request).conn, session.username
    action, message_id = fields.get("action", ""), fields.get("message", "")
    if message_id and not hall_messages.well_formed_id(message_id):
        return _page(request, session, status=404, problem=_gone(request))
    if action == "end":
        if not message_id or not hall_messages.end(conn, message_id, actor):
            return _page(request, session, status=404, problem=_gone(request))
        return RedirectResponse("/desk/hall?done=ended", status_code=303)
    if action != "save":
        return _page(request, session, status=400, problem=_check_the_form(request))
    editing = hub_store.shared_record(conn, "hall_message", message_id) if message_id else None
    if message_id and editing is None:
        return _page(request, session, status=404, problem=_gone(request))
    today = local_now().date()
    try:
        record = hall_messages.message_from_form(
            fields, message_id or None, hall_messages.kiosk_names(conn), today
        )
        hall_messages.save(conn, record, actor, today)
    except FormProblem as exc:
        return _page(request, session, status=400, editing=editing, values=fields,
                     problem=exc.words(words_for(request)))  # fmt: skip
    return RedirectResponse("/desk/hall?done=saved", status_code=303)


def _check_the_form(request: Request) -> str:
    return words_for(request)(N_("Check the form."))


def _gone(request: Request) -> str:
    return words_for(request)(N_("That message is no longer there."))
