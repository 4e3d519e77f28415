"""Communities keep their own records: edit links, the reception's changes and the review;
the desk also makes new communities (at once on the kiosks: the desk is the reviewer),
archives them (off the kiosks, kept at the hub) and restores them."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from kiosk.meeting_words import describe
from sync import protocol
from sync.hub import archive, desk_store, proposals
from sync.hub import store as hub_store
from sync.hub.desk.access import form, hub_of, lang_of, page, render, words_for
from sync.hub.desk_store import DeskSession
from sync.hub.hsds import provenance
from sync.hub.i18n import N_
from sync.hub.record_form import (
    BLANK,
    LABELS,
    as_posted,
    changes_to,
    form_context,
    form_record,
    form_values,
    mailbox_from_form,
    taxonomy_of,
)
from sync.hub.schedule_form import FormProblem
from sync.hub.web import shared_limit

router = APIRouter()


def _communities_page(request: Request, session, status: int = 200, **context):
    conn = hub_of(request).conn
    waiting = {}
    for p in proposals.pending(conn, "review") + proposals.pending(conn, "awaiting_community"):
        waiting[p["community_id"]] = waiting.get(p["community_id"], 0) + 1
    items = sorted(
        (
            {"id": rid, "name": data["name"], "last_confirmed": data.get("last_confirmed"),
             "waiting": waiting.get(rid, 0)}
            for rid, data in (
                (r[0], json.loads(r[1])) for r in conn.execute(
                    "SELECT id, data FROM shared_records WHERE entity = 'community'"
                    " AND data IS NOT NULL")
            )
        ),
        key=lambda c: c["name"].casefold(),
    )  # fmt: skip
    return render(request, "communities.html", session, status=status, items=items,
                  archived=archive.archived(conn), **context)  # fmt: skip


@router.get("/communities", response_class=HTMLResponse)
def communities_page(
    request: Request, session: Annotated[DeskSession, Depends(page("communities"))]
):
    return _communities_page(request, session)


@router.post("/communities", response_class=HTMLResponse)
def communities_action(
    request: Request,
    session: Annotated[DeskSession, Depends(form("communities"))],
    community: Annotated[str, Form(max_length=64)],
    action: Annotated[str, Form(pattern="^(link|revoke)$")] = "link",
):
    conn = hub_of(request).conn
    if hub_store.shared_record(conn, "community", community) is None:
        return _communities_page(request, session, status=400)
    if action == "revoke":
        proposals.revoke_edit_links(conn, session.username, community)
        return _communities_page(request, session, revoked=community)
    token = proposals.new_edit_link(conn, session.username, community)
    url = f"{hub_of(request).base_url(request)}/edit/{token}"
    return _communities_page(request, session, link=url, link_for=community,
                             link_qr=_qr_svg(url))  # fmt: skip


def _qr_svg(text: str) -> str:
    """A QR code as an SVG data URI (the page's CSP allows data: images)."""
    import base64
    import io

    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def _record_page(request: Request, session, template: str, record: dict, status: int = 200,
                 posted=None, **context):  # fmt: skip
    """The record's form; ``posted``: a refused form, shown again as it was sent."""
    from sync.hub.desk.access import lang_of

    conn = hub_of(request).conn
    mailbox = desk_store.mailbox(conn, record["id"]) if record.get("id") else None
    rows = None
    if posted is not None:
        record, rows = as_posted(record, posted)
        mailbox = (posted.get("mailbox") or [mailbox])[0]
    imported = provenance.fields_of(conn, record) if record.get("id") else {}
    return render(request, template, session, status=status,
                  **{**form_context(conn, record, lang_of(request), rows),
                     "mailbox": mailbox or "", "imported": imported, **context})  # fmt: skip


#: New groups one desk account may make in an hour: a busy day's work many times over, and
#: a stop for a script run with a stolen session.
CREATES_PER_HOUR = 60


@router.get("/communities/new", response_class=HTMLResponse)
def new_community_page(
    request: Request, session: Annotated[DeskSession, Depends(page("communities"))]
):
    return _record_page(request, session, "community_new.html", dict(BLANK))


@router.post("/communities/new", response_class=HTMLResponse)
async def new_community(
    request: Request, session: Annotated[DeskSession, Depends(form("communities"))]
):
    conn = hub_of(request).conn
    posted = await request.form()
    creates = shared_limit(request, "desk_creates", CREATES_PER_HOUR, 3600)
    if not await run_in_threadpool(creates.take, session.username):
        return _record_page(request, session, "community_new.html", dict(BLANK), status=429,
                            problem=words_for(request)(N_("Many new groups in one hour: wait a "
                                                          "while, then try again.")))  # fmt: skip
    form_data = None  # stays None for a form too big to read
    try:
        form_data = form_values(posted)
        wanted = form_record(dict(BLANK), form_data, taxonomy_of(conn), date.today())
        mailbox = mailbox_from_form(form_data)
        fields = protocol.community_changes("record", wanted)
        stored = archive.create_community(conn, session.username, fields)
    except FormProblem as exc:
        return _record_page(request, session, "community_new.html", dict(BLANK), status=400,
                            posted=form_data, problem=exc.words(words_for(request)))  # fmt: skip
    except protocol.ProtocolError as exc:
        return _record_page(request, session, "community_new.html", dict(BLANK), status=400,
                            posted=form_data, problem=str(exc))  # fmt: skip
    if mailbox:
        desk_store.set_mailbox(conn, session.username, stored["id"], mailbox)
    return RedirectResponse(f"/desk/communities/{stored['id']}?done=created", status_code=303)


@router.get("/communities/{community_id}", response_class=HTMLResponse)
def community_edit_page(
    request: Request,
    community_id: str,
    session: Annotated[DeskSession, Depends(page("communities"))],
    done: str = "",
):
    record = hub_store.shared_record(hub_of(request).conn, "community", community_id)
    if record is None:
        return render(request, "forbidden.html", session, status=404, gone=True)
    return _record_page(request, session, "community_edit.html", record,
                        created=done == "created")  # fmt: skip


@router.post("/communities/{community_id}", response_class=HTMLResponse)
async def community_edit(
    request: Request,
    community_id: str,
    session: Annotated[DeskSession, Depends(form("communities"))],
):
    posted = await request.form()
    conn = hub_of(request).conn
    record = hub_store.shared_record(conn, "community", community_id)
    if record is None:
        return render(request, "forbidden.html", session, status=404, gone=True)
    form_data = None  # stays None for a form too big to read
    try:
        form_data = form_values(posted)
        changes = changes_to(record, form_record(record, form_data, taxonomy_of(conn),
                                                 date.today()))  # fmt: skip
        mailbox = mailbox_from_form(form_data)
        result = proposals.propose(conn, community_id, changes, "reception", session.username)
    except FormProblem as exc:
        return _record_page(request, session, "community_edit.html", record, status=400,
                            posted=form_data, problem=exc.words(words_for(request)))  # fmt: skip
    except protocol.ProtocolError as exc:
        return _record_page(request, session, "community_edit.html", record, status=400,
                            posted=form_data, problem=str(exc))  # fmt: skip
    if mailbox and mailbox != desk_store.mailbox(conn, community_id):
        desk_store.set_mailbox(conn, session.username, community_id, mailbox)
        result = {**result, "mailbox": "applied"}
    record = hub_store.shared_record(conn, "community", community_id)
    return _record_page(request, session, "community_edit.html", record, result=result)


@router.post("/communities/{community_id}/archive", response_class=HTMLResponse)
def community_archive(
    request: Request,
    community_id: str,
    session: Annotated[DeskSession, Depends(form("communities"))],
):
    if not archive.archive_community(hub_of(request).conn, session.username, community_id):
        return render(request, "forbidden.html", session, status=404, gone=True)
    return _communities_page(request, session, archived_now=community_id)


@router.post("/communities/{community_id}/restore", response_class=HTMLResponse)
def community_restore(
    request: Request,
    community_id: str,
    session: Annotated[DeskSession, Depends(form("communities"))],
):
    if not archive.restore_community(hub_of(request).conn, session.username, community_id):
        return render(request, "forbidden.html", session, status=404, gone=True)
    return RedirectResponse(f"/desk/communities/{community_id}", status_code=303)


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, session: Annotated[DeskSession, Depends(page("review"))]):
    conn = hub_of(request).conn
    items = []
    for p in proposals.pending(conn, "review"):
        record = hub_store.shared_record(conn, "community", p["community_id"]) or {}
        items.append({**p, "name": record.get("name", "—"),
                      "before": {k: record.get(k) for k in p["changes"]}})  # fmt: skip
    lang = lang_of(request)
    return render(request, "review.html", session, items=items, labels=LABELS,
                  meeting_words=lambda m: describe(m.get("rrule"), m.get("opens"),
                                                   m.get("closes"), lang))  # fmt: skip


@router.post("/review", response_class=HTMLResponse)
def review_action(
    request: Request,
    session: Annotated[DeskSession, Depends(form("review"))],
    proposal: Annotated[str, Form(max_length=64)],
    answer: Annotated[str, Form(pattern="^(approve|decline)$")],
):
    proposals.decide(
        hub_of(request).conn, proposal, answer == "approve", session.username, "review"
    )  # fmt: skip  (an unknown reference decides nothing)
    return RedirectResponse("/desk/review", status_code=303)
