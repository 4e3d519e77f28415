"""'Count me in' at the desk: the unmet wishes visitors left at a kiosk, grouped as seeds for
new groups (by theme, and by their words), with how many people are behind each and how many
left contact details; once enough did, the receptionist introduces them with an invitation
(one separate mail per person, in their language; a list of whom to call). The logic and the
queries are sync.hub.wishes."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sync.hub import wishes
from sync.hub.desk.access import form, hub_of, lang_of, page, render, words_for
from sync.hub.desk_store import DeskSession
from sync.hub.i18n import N_

router = APIRouter()

SHOWN_GROUPS = 200  # groups on the overview at most: a flood must not make it megabytes
KEY_MAX = 200  # 'words:' and 120 characters of folded words, with room to spare
NO_GROUP = N_("These wishes are no longer waiting: introduced or set aside already.")
TOO_FEW = N_("Not enough people with contact details yet: at least {n} are needed.")
EMPTY = N_("Write the invitation first.")
CONTROL = N_("The invitation holds a sign that cannot be sent.")
NO_MAIL = N_("No mail server is set up, so nobody was mailed. Ask the administrator.")
UNKNOWN = N_("Not found: it may have been handled or erased already.")


@router.get("/wishes", response_class=HTMLResponse)
def overview(request: Request, session: Annotated[DeskSession, Depends(page("wishes"))]):
    conn = hub_of(request).conn
    found = wishes.groups(conn, lang_of(request))
    return render(request, "wishes.html", session, groups=found[:SHOWN_GROUPS],
                  more=len(found) > SHOWN_GROUPS, introductions=wishes.introductions(conn),
                  introduce_at=wishes.INTRODUCE_AT)  # fmt: skip


def _group_page(request: Request, session: DeskSession, key: str, problem: str = "",
                invitation: str = "", status: int = 200) -> Response:  # fmt: skip
    found = wishes.group(hub_of(request).conn, key, lang_of(request))
    if found is None:
        return render(request, "forbidden.html", session, status=404,
                       problem=words_for(request)(NO_GROUP))  # fmt: skip
    return render(request, "wish_group.html", session, status=status, group=found,
                   shown=found.wishes[: wishes.SHOWN_WISHES], problem=problem,
                   invitation=invitation, introduce_at=wishes.INTRODUCE_AT,
                   invitation_max=wishes.INVITATION_MAX)  # fmt: skip


@router.get("/wishes/group", response_class=HTMLResponse)
def group_page(
    request: Request,
    session: Annotated[DeskSession, Depends(page("wishes"))],
    key: Annotated[str, Query(max_length=KEY_MAX)] = "",
):
    return _group_page(request, session, key)


@router.post("/wishes/group", response_class=HTMLResponse)
def introduce(
    request: Request,
    session: Annotated[DeskSession, Depends(form("wishes"))],
    key: Annotated[str, Form(max_length=KEY_MAX)],
    invitation: Annotated[str, Form(max_length=wishes.INVITATION_MAX)] = "",
):
    _ = words_for(request)
    text = invitation.replace("\r\n", "\n").strip()
    if not text:
        return _group_page(request, session, key, _(EMPTY), invitation, 400)
    if any((ord(c) < 32 and c not in "\n\t") or ord(c) == 127 for c in text):
        return _group_page(request, session, key, _(CONTROL), "", 400)
    state = hub_of(request)
    try:
        done = wishes.introduce(state.conn, state, session.username, key, text)
    except wishes.MailNotSet:
        return _group_page(request, session, key, _(NO_MAIL), invitation, 503)
    except wishes.IntroductionRefused:
        found = wishes.group(state.conn, key, lang_of(request))
        if found is None:
            return _group_page(request, session, key)
        problem = _(TOO_FEW).format(n=wishes.INTRODUCE_AT)
        return _group_page(request, session, key, problem, invitation, 409)
    return RedirectResponse(f"/desk/wishes/introduced/{done.id}", status_code=303)


@router.post("/wishes/dismiss")
def dismiss(
    request: Request,
    session: Annotated[DeskSession, Depends(form("wishes"))],
    wish: Annotated[str, Form(max_length=64)],
    key: Annotated[str, Form(max_length=KEY_MAX)] = "",
):
    conn = hub_of(request).conn
    if not wishes.dismiss(conn, session.username, wish):
        return render(request, "forbidden.html", session, status=404,
                       problem=words_for(request)(UNKNOWN))  # fmt: skip
    if key and wishes.group(conn, key, "nl") is not None:  # the group's other wishes
        return RedirectResponse(f"/desk/wishes/group?key={quote(key)}", status_code=303)
    return RedirectResponse("/desk/wishes", status_code=303)


@router.get("/wishes/introduced/{intro_id}", response_class=HTMLResponse)
def introduced(
    request: Request, intro_id: int, session: Annotated[DeskSession, Depends(page("wishes"))]
):
    found = wishes.introduction(hub_of(request).conn, intro_id) if intro_id < 2**62 else None
    if found is None:
        return render(request, "forbidden.html", session, status=404,
                       problem=words_for(request)(UNKNOWN))  # fmt: skip
    return render(request, "wish_introduced.html", session, item=found)
