"""A community's own page for editing its record: /edit/<token>, reached through an expiring
link (or its QR code) that the reception made; no account needed. The whole record is here
(sync.hub.record_form): name, kind, state, texts in six languages, themes and gifts welcome,
neighbourhood, places, join link, languages spoken, the schedule and the group's mailbox.
What the community writes is reviewed at the desk before the kiosks show it; changes the
reception proposed to what the community wrote wait here for the community's yes or no.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from sync import protocol
from sync.hub import desk_store, group_figures, proposals
from sync.hub import store as hub_store
from sync.hub.i18n import N_, choose_language, translator
from sync.hub.record_form import (  # noqa: F401  (TEXT_FIELDS, form_changes: the desk's too)
    TEXT_FIELDS,
    as_posted,
    changes_to,
    first_value,
    form_changes,
    form_context,
    form_record,
    form_values,
    mailbox_from_form,
    taxonomy_of,
)
from sync.hub.render import HERE, render
from sync.hub.schedule_form import FormProblem
from sync.hub.web import shared_limit

router = APIRouter(include_in_schema=False)

#: How often one group's link may send its record: far above a group's needs, far below a
#: flood of proposals for the desk.
SENDS_PER_HOUR = 30


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


def _page(request: Request, record: dict | None, status: int = 200, posted: Any = None,
          **context):  # fmt: skip
    lang = choose_language(request)
    extra = {}
    if record is not None:
        conn = request.app.state.hub.conn
        shown, in_review = with_review(conn, record)
        rows = None
        if posted is not None:
            shown, rows = as_posted(shown, posted)
        extra = form_context(conn, shown, lang, rows)
        extra["mailbox"] = desk_store.mailbox(conn, record["id"]) or ""
        extra["in_review"] = in_review
        # Only this group's figures: the link names one community, nothing else is read.
        extra["figures"] = [
            (group_figures.month_label(month, lang), shown)
            for month, shown in group_figures.for_group(conn, record["id"])
        ]
        extra["figure_words"] = group_figures.FIGURE_WORDS
        extra["figures_hidden"] = any(
            group_figures.HIDDEN in shown.values() for _month, shown in extra["figures"]
        )
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
        ref, yes = first_value(form, "proposal")[:64], first_value(form, "answer") == "yes"
        if not proposals.decide(conn, ref, yes, who, "awaiting_community",
                                community_id=record["id"]):  # fmt: skip
            return _page(request, record, status=404, waiting=waiting)
        return RedirectResponse(f"/edit/{token}", status_code=303)
    sends = shared_limit(request, "record_sends", SENDS_PER_HOUR, 3600)
    if not await run_in_threadpool(sends.take, record["id"]):
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
        return _page(request, record, status=400, waiting=waiting, posted=form,
                     problem=exc.words(translator(choose_language(request))))  # fmt: skip
    except protocol.ProtocolError as exc:
        return _page(request, record, status=400, waiting=waiting, posted=form,
                     problem=str(exc))  # fmt: skip
    old_mailbox = desk_store.mailbox(conn, record["id"])
    if mailbox and mailbox != old_mailbox:
        # Where the hub e-mails visitors' requests: hub-private, never sent to kiosks. Set at
        # once (a group's own address), and the old address is told (a leaked link).
        desk_store.set_mailbox(conn, who, record["id"], mailbox)
        if old_mailbox:  # SMTP may take seconds: not in the loop that serves everyone
            await run_in_threadpool(_tell_old_mailbox, request, record, old_mailbox, mailbox)
    if not changes:
        return RedirectResponse(f"/edit/{token}?done={'sent' if mailbox else 'nothing'}",
                                status_code=303)  # fmt: skip
    proposals.propose(conn, record["id"], changes, "community", who)
    return RedirectResponse(f"/edit/{token}?done=sent", status_code=303)


def _tell_old_mailbox(request: Request, record: dict, old: str, new: str) -> None:
    from sync.hub import mail

    settings = request.app.state.hub.mail
    if not settings.configured:
        return  # audited either way; a hub without mail has told nobody anything
    try:
        message = mail.mailbox_changed_message(
            settings, old, new, record["name"], mail.group_language(record)
        )
        mail.send(settings, message)
    except (mail.MailError, ValueError):
        pass  # the change stands; the audit log has it
