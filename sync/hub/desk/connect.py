"""The receptionist as a connector: introductions with a follow-up, and the anonymous figures."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from sync.hub import desk_store, words
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
    items = [
        {**i, "a": label(i["party_a"]), "b": label(i["party_b"]),
         "due": i["outcome"] == "open" and i["follow_up_on"] <= today}
        for i in desk_store.introductions(conn)
    ]  # fmt: skip
    return render(request, "introductions.html", session, status=status, items=items,
                   visitors=visitors, communities=communities, problem=problem,
                   kinds=desk_store.INTRODUCTION_KINDS, outcomes=desk_store.OUTCOMES)  # fmt: skip


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
            desk_store.follow_up(conn, session.username, introduction, outcome)
        else:
            desk_store.make_introduction(conn, session.username, kind, party_a, party_b, note,
                                         weeks)  # fmt: skip
    except desk_store.IntroductionRefused as refused:
        reason = words.INTRODUCTION_REFUSALS.get(str(refused))
        return _introductions_page(request, session, 400, _(reason) if reason else str(refused))
    return RedirectResponse("/desk/introductions", status_code=303)


@router.get("/figures", response_class=HTMLResponse)
def figures_page(request: Request, session: Annotated[DeskSession, Depends(page("figures"))]):
    conn = hub_of(request).conn
    lang = lang_of(request)
    taxonomy = hub_store.shared_record(conn, "taxonomy", "taxonomy") or {}
    labels = {
        term["slug"]: term["labels"].get(lang) or term["labels"].get("nl", term["slug"])
        for group in ("themes", "neighbourhoods", "gifts")
        for term in taxonomy.get(group, [])
    }
    _ = words_for(request)
    labels["-"] = _("no preference")
    for names in (words.INTRODUCTION_KINDS, words.REQUEST_STATES, words.ASSISTED):
        labels.update({code: _(name) for code, name in names.items()})
    return render(request, "figures.html", session, figures=desk_store.figures(conn),
                   labels=labels)  # fmt: skip
