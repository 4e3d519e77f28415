"""The receptionist as a connector: introductions with a follow-up (the figures: desk.figures)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from sync.hub import desk_store, introductions, mail, words
from sync.hub import store as hub_store
from sync.hub.desk.access import form, hub_of, lang_of, page, render, words_for
from sync.hub.desk_store import DeskSession

router = APIRouter()


def _introductions_page(request: Request, session, status: int = 200, problem: str = ""):
    conn = hub_of(request).conn
    visitors, communities = desk_store.parties(conn)
    _ = words_for(request)
    visitor = _("Visitor")
    labels = dict(communities) | {rid: f"{visitor} ({label})" for rid, label in visitors}

    def label(party: str) -> str:
        if party.startswith(hub_store.KIOSK_VISITOR):  # made on the spot, in receptionist mode
            at_kiosk = _("at kiosk {kiosk}").format(
                kiosk=party.removeprefix(hub_store.KIOSK_VISITOR)
            )
            return f"{visitor} ({at_kiosk})"
        return labels.get(party, "—")

    today = datetime.now(UTC).date().isoformat()
    sides, configured = introductions.sides(conn), hub_of(request).mail.configured
    items = [
        {**i, "a": label(i["party_a"]), "b": label(i["party_b"]),
         "due": i["outcome"] == "open" and i["follow_up_on"] <= today,
         "sides": [introductions.desk_side(p, configured) for p in sides.get(i["id"], [])]}
        for i in desk_store.introductions(conn)
    ]  # fmt: skip
    return render(request, "introductions.html", session, status=status, items=items,
                   visitors=visitors, communities=communities, problem=problem,
                   kinds=desk_store.INTRODUCTION_KINDS, outcomes=desk_store.OUTCOMES,
                   summary=introductions.summary(items), label=label,
                   problems=introductions.PROBLEMS, answers=introductions.ANSWERS)  # fmt: skip


@router.get("/introductions", response_class=HTMLResponse)
def introductions_page(
    request: Request, session: Annotated[DeskSession, Depends(page("introductions"))]
):
    return _introductions_page(request, session)


@router.post("/introductions", response_class=HTMLResponse)
def introduction_action(
    request: Request,
    session: Annotated[DeskSession, Depends(form("introductions"))],
    kind: Annotated[str, Form(max_length=32)] = "",
    party_a: Annotated[str, Form(max_length=64)] = "",
    party_b: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form(max_length=1000)] = "",
    weeks: Annotated[int, Form(ge=1, le=26)] = 4,
    introduction: Annotated[int, Form(ge=0, le=2**62)] = 0,
    outcome: Annotated[str, Form(max_length=32)] = "",
):
    conn = hub_of(request).conn
    _ = words_for(request)
    try:
        if introduction:
            introductions.set_outcome(conn, session.username, introduction, outcome)
        else:
            made = desk_store.make_introduction(conn, session.username, kind, party_a, party_b,
                                                note, weeks)  # fmt: skip
            # Each side is mailed now; what could not go shows on the page (sync.hub.introductions).
            post = introductions.Post.of(hub_of(request), hub_of(request).base_url(request))
            introductions.send_introductions(conn, post, made)
    except desk_store.IntroductionRefused as refused:
        reason = words.INTRODUCTION_REFUSALS.get(str(refused))
        return _introductions_page(request, session, 400, _(reason) if reason else str(refused))
    return RedirectResponse("/desk/introductions", status_code=303)


@router.post("/introductions/{rid}/{side}", response_class=HTMLResponse)
def introduction_side(
    request: Request,
    session: Annotated[DeskSession, Depends(form("introductions"))],
    rid: Annotated[int, Path(ge=1, le=2**62)],
    side: Annotated[str, Path(pattern="^[ab]$")],
    action: Annotated[str, Form(pattern="^(retry|mailbox|called)$")],
    email: Annotated[str, Form(max_length=254)] = "",
):
    """Reach a side the hub could not: set the group's mailbox and send, try again, or note
    that the visitor was called."""
    state, _ = hub_of(request), words_for(request)
    post = introductions.Post.of(state, state.base_url(request))
    if action == "mailbox":
        party = introductions.side_of(state.conn, rid, side)
        try:
            address = mail.valid_mailbox(email)
        except ValueError:
            return _introductions_page(request, session, 400,
                                       _("Fill in exactly one valid e-mail address."))  # fmt: skip
        if party is None or party["role"] != "community":
            return _introductions_page(request, session, 404, _("Check the form."))
        desk_store.set_mailbox(state.conn, session.username, party["party"], address)
    done = (introductions.called(state.conn, session.username, rid, side) if action == "called"
            else introductions.retry(state.conn, post, session.username, rid, side))  # fmt: skip
    if not done:
        return _introductions_page(request, session, 404, _("Check the form."))
    return RedirectResponse(f"/desk/introductions#introduction-{rid}", status_code=303)


@router.get("/introductions/{rid}/{side}/call", response_class=HTMLResponse)
def introduction_call(
    request: Request,
    session: Annotated[DeskSession, Depends(page("introductions"))],
    rid: Annotated[int, Path(ge=1, le=2**62)],
    side: Annotated[str, Path(pattern="^[ab]$")],
):
    """A visitor who left a phone number: the number, opened for whoever calls (audited)."""
    state = hub_of(request)
    found = introductions.phone_number(state.conn, introductions.Post.of(state),
                                       session.username, rid, side, lang_of(request))  # fmt: skip
    if found is None:
        return render(request, "forbidden.html", session, status=404, gone=True)
    return render(request, "introduction_call.html", session, rid=rid, side=side, **found)
