"""The town's lists at the desk: themes, neighbourhoods and villages, gifts of head, hands and
heart (sync.hub.taxonomy keeps them). Plain forms: every button works without JavaScript, and
after a change the page comes back at the term that changed (post, redirect, get)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sync.hub import taxonomy
from sync.hub.desk.access import form, hub_of, lang_of, page, render, words_for
from sync.hub.desk_store import DeskSession
from sync.hub.i18n import N_

router = APIRouter()

#: Each list's heading, and its add button.
HEADINGS = {
    "themes": N_("Themes"),
    "neighbourhoods": N_("Neighbourhoods and villages"),
    "gifts": N_("Gifts of head, hands and heart"),
}
ADD = {"themes": N_("Add a theme"), "neighbourhoods": N_("Add a neighbourhood or village"),
       "gifts": N_("Add a gift")}  # fmt: skip
KINDS = {"head": N_("With your head"), "hands": N_("With your hands"),
         "heart": N_("With your heart")}  # fmt: skip
#: Why a change was refused (taxonomy.Refused codes).
REFUSALS = {
    "no_dutch": N_("The Dutch name is required."),
    "no_letters": N_("The Dutch name needs at least one letter or digit."),
    "too_long": N_("A name has at most 80 characters."),
    "control": N_("A name is one line of text, without special characters."),
    "taken": N_("This list already has a term with this Dutch name."),
    "full": N_("A list holds at most 100 terms. Retire a term first."),
    "no_kind": N_("Choose head, hands or heart."),
    "unknown_term": N_("This term is not in the list (any more)."),
    "unknown_list": N_("There is no such list."),
    "choose": N_("Choose where the groups go."),
    "same_term": N_("Choose another term than the one you retire."),
    "other_list": N_("Choose a term from the same list."),
    "unknown_target": N_("This term is not in the list (any more)."),
    "needs_theme": N_("A group needs at least one theme. Choose a theme for these groups:"),
}
#: What the page says after a change.
DONE = {
    "added": N_("Added. Kiosks show it after their next sync."),
    "renamed": N_("Saved. Kiosks show it after their next sync."),
    "retired": N_("Retired. Kiosks show it after their next sync."),
}
#: Form values the desk reads at all (a label is checked at 80 characters by the lists).
MAX_FIELD = 1000
NONE = "-"  # the retire form's "to no term"


def _label(term: dict, lang: str) -> str:
    return term["labels"].get(lang) or term["labels"]["nl"]


def _lists_page(request: Request, session, status: int = 200, **context) -> Response:
    conn = hub_of(request).conn
    record = taxonomy.current(conn)
    counts = taxonomy.usage(conn)
    _ = words_for(request)
    done = request.query_params.get("done", "")
    return render(request, "lists.html", session, status=status, record=record, counts=counts,
                  lists=taxonomy.LISTS, headings=HEADINGS, add_words=ADD, kinds=KINDS,
                  label=_label, ui_lang=lang_of(request), max_label=taxonomy.MAX_LABEL,
                  notice=_(DONE[done]) if done in DONE else "", **context)  # fmt: skip


def _problem(request: Request, refused: taxonomy.Refused) -> str:
    _ = words_for(request)
    return _(REFUSALS.get(refused.code, N_("Check the form.")))


async def _fields(request: Request) -> dict[str, str]:
    """The posted form's text fields; one longer than MAX_FIELD counts as too long a name."""
    posted = await request.form()
    fields = {k: v for k, v in posted.items() if isinstance(v, str)}
    if any(len(v) > MAX_FIELD for v in fields.values()):
        raise taxonomy.Refused("too_long")
    return fields


def _labels(fields: dict[str, str]) -> dict[str, str]:
    return {lang: fields.get(f"label_{lang}", "") for lang in taxonomy.LANGUAGES}


def _back(list_name: str, slug: str = "", done: str = "") -> RedirectResponse:
    query = f"?done={done}" if done else ""
    anchor = f"#{list_name}-{slug}" if slug else f"#{list_name}"
    return RedirectResponse(f"/desk/lists{query}{anchor}", status_code=303)


def _term_page(request: Request, session, list_name: str, slug: str, status: int = 200,
               **context) -> Response:  # fmt: skip
    """One term: its labels to change, and retiring it (where its groups go)."""
    conn = hub_of(request).conn
    if list_name not in taxonomy.LISTS:
        return render(request, "forbidden.html", session, status=404, problem=_problem(
            request, taxonomy.Refused("unknown_list")))  # fmt: skip
    terms = taxonomy.current(conn)[list_name]
    term = next((t for t in terms if t["slug"] == slug), None)
    if term is None:
        return render(request, "forbidden.html", session, status=404, problem=_problem(
            request, taxonomy.Refused("unknown_term")))  # fmt: skip
    groups = taxonomy.groups_using(conn, list_name, slug)
    # "To no theme" only where every group keeps another theme (protocol: 1 to 30 themes).
    none_allowed = list_name != "themes" or all(g.keeps_a_theme for g in groups)
    # The form shows what was sent when it was refused, else the term as it is.
    values = context.pop("values", None) or {f"label_{k}": v for k, v in term["labels"].items()}
    return render(request, "lists.html", session, status=status, term=term, list_name=list_name,
                  headings=HEADINGS, kinds=KINDS, label=_label, ui_lang=lang_of(request),
                  groups=groups, others=[t for t in terms if t["slug"] != slug],
                  none_allowed=none_allowed, none_value=NONE, max_label=taxonomy.MAX_LABEL,
                  values=values,                   **context)  # fmt: skip


@router.get("/lists", response_class=HTMLResponse)
def lists_page(request: Request, session: Annotated[DeskSession, Depends(page("lists"))]):
    return _lists_page(request, session)


@router.post("/lists/{list_name}/add", response_class=HTMLResponse)
async def add_term(
    request: Request, list_name: str, session: Annotated[DeskSession, Depends(form("lists"))]
):
    fields: dict[str, str] = {}
    try:
        fields = await _fields(request)
        slug = taxonomy.add(hub_of(request).conn, session.username, list_name, _labels(fields),
                            fields.get("kind"))  # fmt: skip
    except taxonomy.Refused as refused:
        # The message goes beside the list's own form, or at the top for a list that is none.
        where = list_name if list_name in taxonomy.LISTS else ""
        return _lists_page(request, session, status=400, problem=_problem(request, refused),
                           problem_list=where, values=fields, invalid=refused.language)  # fmt: skip
    return _back(list_name, slug, "added")


@router.post("/lists/{list_name}/{slug}/move", response_class=HTMLResponse)
async def move_term(
    request: Request,
    list_name: str,
    slug: str,
    session: Annotated[DeskSession, Depends(form("lists"))],
):
    try:
        fields = await _fields(request)
        step = {"up": -1, "down": 1}.get(fields.get("direction", ""), 0)
        taxonomy.move(hub_of(request).conn, session.username, list_name, slug, step)
    except taxonomy.Refused as refused:
        return _lists_page(request, session, status=400, problem=_problem(request, refused))
    return _back(list_name, slug)


@router.get("/lists/{list_name}/{slug}", response_class=HTMLResponse)
def term_page(
    request: Request,
    list_name: str,
    slug: str,
    session: Annotated[DeskSession, Depends(page("lists"))],
):
    return _term_page(request, session, list_name, slug)


@router.post("/lists/{list_name}/{slug}/rename", response_class=HTMLResponse)
async def rename_term(
    request: Request,
    list_name: str,
    slug: str,
    session: Annotated[DeskSession, Depends(form("lists"))],
):
    fields: dict[str, str] = {}
    try:
        fields = await _fields(request)
        taxonomy.rename(hub_of(request).conn, session.username, list_name, slug,
                        _labels(fields), fields.get("kind"))  # fmt: skip
    except taxonomy.Refused as refused:
        return _term_page(request, session, list_name, slug, status=400, values=fields,
                          problem=_problem(request, refused), invalid=refused.language)  # fmt: skip
    return _back(list_name, slug, "renamed")


@router.post("/lists/{list_name}/{slug}/retire", response_class=HTMLResponse)
async def retire_term(
    request: Request,
    list_name: str,
    slug: str,
    session: Annotated[DeskSession, Depends(form("lists"))],
):
    conn = hub_of(request).conn
    try:
        fields = await _fields(request)
        into = fields.get("into", "")
        if (
            not into
            and list_name in taxonomy.LISTS
            and taxonomy.groups_using(conn, list_name, slug)
        ):
            raise taxonomy.Refused("choose")
        taxonomy.retire(conn, session.username, list_name, slug,
                        None if into in ("", NONE) else into)  # fmt: skip
    except taxonomy.Refused as refused:
        return _term_page(request, session, list_name, slug, status=400,
                          problem=_problem(request, refused), stranded=refused.names)  # fmt: skip
    return _back(list_name, done="retired")
