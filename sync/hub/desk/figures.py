"""The desk's figures: the anonymous counts, every group's figures of a month (the same a group
sees on its own page, sync.hub.group_figures) and the gifts map: the gifts visitors offer,
per neighbourhood. Counts under 5 are shown as 'fewer than 5' everywhere."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from sync.hub import desk_store, group_figures, words
from sync.hub import store as hub_store
from sync.hub.desk.access import hub_of, lang_of, page, render, words_for
from sync.hub.desk_store import SUPPRESS_BELOW, DeskSession

router = APIRouter()

MONTHS = 24  # the months the desk can choose from
PER_PAGE = 100  # groups a page: 2,000 groups would make a page of a megabyte
SORTS = ("name", *group_figures.FIGURES)
SHADES = 4  # the gifts map's shades, lightest first (desk.css: .shade-1 .. .shade-4)


def _labels(conn, lang: str) -> dict[str, str]:
    taxonomy = hub_store.shared_record(conn, "taxonomy", "taxonomy") or {}
    return {
        term["slug"]: term["labels"].get(lang) or term["labels"].get("nl", term["slug"])
        for group in ("themes", "neighbourhoods", "gifts")
        for term in taxonomy.get(group, [])
    }


def _taxonomy_order(conn, group: str) -> list[str]:
    taxonomy = hub_store.shared_record(conn, "taxonomy", "taxonomy") or {}
    return [term["slug"] for term in taxonomy.get(group, [])]


def _names(conn) -> dict[str, str]:
    return dict(conn.execute(
        "SELECT id, json_extract(data, '$.name') FROM shared_records"
        " WHERE entity = 'community' AND data IS NOT NULL"
    ).fetchall())  # fmt: skip


def gifts_grid(conn) -> dict:
    """The gifts map as rows of cells: the taxonomy's neighbourhoods and gifts (in its order;
    slugs no longer in it after them), each cell a count (or None: fewer than 5) and a shade
    from 1 to SHADES by its share of the largest count; a suppressed cell has no shade."""
    cells = group_figures.gifts_map(conn)
    places = _taxonomy_order(conn, "neighbourhoods")
    gifts = _taxonomy_order(conn, "gifts")
    places += sorted({p for p, _g in cells} - set(places))
    gifts += sorted({g for _p, g in cells} - set(gifts))
    places = [p for p in places if any((p, g) in cells for g in gifts)]
    gifts = [g for g in gifts if any((p, g) in cells for p in places)]
    largest = max((n for n in cells.values() if n is not None), default=0)

    def shade(n: int | None) -> int:
        if n is None or not largest:
            return 0
        return max(1, -(-n * SHADES // largest))  # ceiling: the largest is the darkest

    rows = [(p, [(g, cells.get((p, g)), shade(cells.get((p, g)))) for g in gifts]) for p in places]
    # The legend: which counts each shade stands for (a shade no count can have is left out).
    legend = []
    for k in range(1, SHADES + 1):
        low = max(SUPPRESS_BELOW, (k - 1) * largest // SHADES + 1)
        high = k * largest // SHADES
        if low <= high:
            legend.append((k, low, high))
    return {"gifts": gifts, "rows": rows, "legend": legend}


@router.get("/figures", response_class=HTMLResponse)
def figures_page(
    request: Request,
    session: Annotated[DeskSession, Depends(page("figures"))],
    month: str = "",
    sort: str = "name",
    p: str = "1",
):
    # Whatever the address says, the page shows: an unknown month, sort or page is the
    # current month, by name, page 1 (a link typed wrong is no error worth a message).
    conn = hub_of(request).conn
    lang = lang_of(request)
    _ = words_for(request)
    labels = _labels(conn, lang)
    labels["-"] = _("no preference")
    for names in (words.INTRODUCTION_KINDS, words.REQUEST_STATES, words.ASSISTED):
        labels.update({code: _(name) for code, name in names.items()})
    months = group_figures.months_back(MONTHS)
    month = month if month in months else months[0]
    sort = sort if sort in SORTS else "name"
    names = _names(conn)
    rows = [(cid, f) for cid, f in group_figures.for_month(conn, month).items() if cid in names]
    rows.sort(key=lambda row: names[row[0]].casefold())
    if sort != "name":
        rows.sort(key=group_figures.sort_key(sort))  # stable: by name within equal counts
    pages = max(1, -(-len(rows) // PER_PAGE))
    p = min(int(p), pages) if p.isascii() and p.isdigit() and 0 < len(p) < 7 and int(p) else 1
    shown = [(names[cid], f) for cid, f in rows[(p - 1) * PER_PAGE : p * PER_PAGE]]
    return render(
        request, "figures.html", session, figures=desk_store.figures(conn), labels=labels,
        months=[(m, group_figures.month_label(m, lang)) for m in months], month=month,
        sort=sort, sorts=SORTS, page_number=p, pages=pages, groups=shown, group_count=len(rows),
        figure_words=group_figures.FIGURE_WORDS, gifts_map=gifts_grid(conn), shades=SHADES,
    )  # fmt: skip
