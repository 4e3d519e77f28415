"""Communities keep their own records: edit links, the reception's changes and the review."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from sync import protocol
from sync.hub import proposals
from sync.hub import store as hub_store
from sync.hub.desk.access import form, hub_of, page, render
from sync.hub.desk_store import DeskSession

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
    return render(request, "communities.html", session, status=status, items=items, **context)


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


@router.get("/communities/{community_id}", response_class=HTMLResponse)
def community_edit_page(
    request: Request,
    community_id: str,
    session: Annotated[DeskSession, Depends(page("communities"))],
):
    record = hub_store.shared_record(hub_of(request).conn, "community", community_id)
    if record is None:
        return render(request, "forbidden.html", session, status=404, gone=True)
    return render(request, "community_edit.html", session, c=record,
                   states=protocol.LIFECYCLE_STATES)  # fmt: skip


@router.post("/communities/{community_id}", response_class=HTMLResponse)
async def community_edit(
    request: Request,
    community_id: str,
    session: Annotated[DeskSession, Depends(form("communities"))],
):
    posted = await request.form()
    fields = {k: v for k, v in posted.items() if isinstance(v, str) and len(v) <= 4000}
    conn = hub_of(request).conn
    record = hub_store.shared_record(conn, "community", community_id)
    if record is None:
        return render(request, "forbidden.html", session, status=404, gone=True)
    from sync.hub.edit import form_changes

    try:
        changes = form_changes(record, fields)
        result = proposals.propose(conn, community_id, changes, "reception", session.username)
    except protocol.ProtocolError as exc:
        return render(request, "community_edit.html", session, status=400, c=record,
                       states=protocol.LIFECYCLE_STATES, problem=str(exc))  # fmt: skip
    record = hub_store.shared_record(conn, "community", community_id)
    return render(request, "community_edit.html", session, c=record, result=result,
                   states=protocol.LIFECYCLE_STATES)  # fmt: skip


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, session: Annotated[DeskSession, Depends(page("review"))]):
    conn = hub_of(request).conn
    items = []
    for p in proposals.pending(conn, "review"):
        record = hub_store.shared_record(conn, "community", p["community_id"]) or {}
        items.append({**p, "name": record.get("name", "—"),
                      "before": {k: record.get(k) for k in p["changes"]}})  # fmt: skip
    return render(request, "review.html", session, items=items)


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
