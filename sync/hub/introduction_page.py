"""The public answer page of an introduction's follow-up (/i/<token>): "did it lead to
something?" in the side's language, the answer from the mail's link pre-chosen, one button.

GET shows and changes nothing (mail scanners open every link); POST records the answer once
(sync.hub.introductions.record_answer). A POST is refused unless its form value matches the
link (introductions.form_check: a bare POST that never saw the page), and when a browser says
it comes from another site (Sec-Fetch-Site). The hub's Referrer-Policy is no-referrer, so a
browser's Origin on these forms is 'null' and says nothing; Sec-Fetch-Site still does.
Wrong links count per address: a flood of guesses gets 429 (tokens are 256 random bits:
guessing is hopeless anyway, but each guess costs a look-up).
"""

from __future__ import annotations

import hmac
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sync.hub import introductions
from sync.hub.desk_store import address_key
from sync.hub.i18n import choose_language
from sync.hub.render import render
from sync.hub.web import shared_limit

router = APIRouter(include_in_schema=False)


def _client(request: Request) -> str:
    return address_key(request.client.host if request.client else "?")


def _page(request: Request, party: dict | None, status: int = 200, **context) -> Response:
    lang = choose_language(request, made_in=party["language"] if party else None)
    view = {}
    if party:
        conn = request.app.state.hub.conn
        intro = introductions.introduction(conn, party["introduction_id"])
        view = {"introduced": introductions.introduced_to(conn, intro, party, lang, html=True),
                "answered": party["answer"],
                "answered_on": date.fromisoformat(party["answered_at"][:10])
                if party["answered_at"] else None}  # fmt: skip
    return render(request, "answer.html", lang, status=status,
                  headers={"Cache-Control": "no-store"}, party=party,
                  answers=introductions.ANSWERS, **view, **context)  # fmt: skip


def _guesses(request: Request):
    return shared_limit(request, "answer_guesses", introductions.GUESSES_PER_MINUTE, 60)


def _party(request: Request, token: str) -> dict | None:
    party = introductions.link_party(request.app.state.hub.conn, token)
    if party is None:
        _guesses(request).failed(_client(request))
    return party


def _too_many(request: Request) -> Response | None:
    if _guesses(request).blocked(_client(request)):
        return _page(request, None, status=429, busy=True)
    return None


@router.get("/i/{token}", response_class=HTMLResponse)
def answer_page(request: Request, token: str, answer: str = "", done: str = "") -> Response:
    """The question, with ``answer`` from the mail's link chosen; changes nothing."""
    if refused := _too_many(request):
        return refused
    party = _party(request, token)
    if party is None:
        return _page(request, None, status=404)
    if introductions.expired(party) and not party["answer"]:
        return _page(request, party, status=410, gone=True)
    check = introductions.form_check(request.app.state.hub.conn, token)
    chosen = answer if answer in introductions.ANSWERS else ""
    return _page(request, party, chosen=chosen, check=check, done=done == "1")


@router.post("/i/{token}", response_class=HTMLResponse)
def answer(
    request: Request,
    token: str,
    answer: Annotated[str, Form(max_length=16)] = "",
    check: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if refused := _too_many(request):
        return refused
    conn = request.app.state.hub.conn
    party = _party(request, token)
    if party is None:
        return _page(request, None, status=404)
    if introductions.expired(party) and not party["answer"]:
        return _page(request, party, status=410, gone=True)
    site = request.headers.get("sec-fetch-site", "same-origin")
    expected = introductions.form_check(conn, token)
    if site not in ("same-origin", "none") or not hmac.compare_digest(check, expected):
        return _page(request, party, status=403, bad_form=True, check=expected)
    if answer not in introductions.ANSWERS:
        return _page(request, party, status=400, check=expected, missing=True)
    result = introductions.record_answer(conn, token, answer)
    if result == "expired":
        return _page(request, party, status=410, gone=True)
    if result == "already":
        return _page(request, introductions.link_party(conn, token), status=409)
    lang = choose_language(request, made_in=party["language"])
    return RedirectResponse(f"/i/{token}?done=1&lang={lang}", status_code=303)
