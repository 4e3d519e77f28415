"""Figures that belong to the groups: per community and month, how often its page was opened
at a kiosk, how often it was kept on a take-home list, asked for contact and introduced, and
what came of the introductions. A group sees its own on its edit page (sync.hub.edit), the
desk sees all of them (sync.hub.desk.figures), plus the gifts map: the gifts visitors offer,
per neighbourhood, from the anonymous interest registrations.

Every count under SUPPRESS_BELOW is shown as 'fewer than 5' (None here), and nothing is shown
from which such a number could be worked out: no totals, and when the introductions of a
month minus the outcomes shown would give away the small ones, the month's number of
introductions is not shown either (HIDDEN).

One month is computed with one grouped query per source (SQLite's json_each over the records
of that month only), whether for one group or for all of them.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime

from sync.hub.desk_store import SUPPRESS_BELOW
from sync.hub.i18n import N_

#: The figures of a group and month, in the order they are shown.
FIGURES = ("opened", "kept", "asked", "introduced", "led_to_something", "not_yet", "nothing")
OUTCOMES = ("led_to_something", "not_yet", "nothing")  # 'open' is not shown: nothing yet
HIDDEN = "hidden"  # not shown: with the others it would give away a number under 5
#: What each figure is called, on a group's page and at the desk.
FIGURE_WORDS = {
    "opened": N_("Page opened at a kiosk"),
    "kept": N_("Kept on a take-home list"),
    "asked": N_("Asked for contact"),
    "introduced": N_("Introduced by the reception"),
    "led_to_something": N_("It led to something"),
    "not_yet": N_("Not yet"),
    "nothing": N_("Nothing came of it"),
}

Shown = int | None | str  # a count, None ('fewer than 5') or HIDDEN


def months_back(count: int, today: date | None = None) -> list[str]:
    """The last ``count`` months as 'YYYY-MM', this month first."""
    today = today or datetime.now(UTC).date()
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


def month_label(month: str, lang: str) -> str:
    """'december 2026', 'كانون الأول 2026': a month in the page's language."""
    from babel.dates import format_date

    try:
        return format_date(date(int(month[:4]), int(month[5:7]), 1), "LLLL y", locale=lang)
    except ValueError:
        return month


def _next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def counts(
    conn: sqlite3.Connection, months: list[str], community: str | None = None
) -> dict[tuple[str, str], dict[str, int]]:
    """The raw counts per (month, community id) within ``months`` (contiguous, any order),
    of one community or of all. Hub-internal: show them only through ``shown``."""
    start, end = min(months), _next_month(max(months))
    wanted = set(months)
    found: dict[tuple[str, str], dict[str, int]] = {}

    def add(figure: str, rows) -> None:
        for month, cid, n in rows:
            if month in wanted and (community is None or cid == community):
                found.setdefault((month, cid), dict.fromkeys(FIGURES, 0))[figure] += n

    only = " AND j.value = :community" if community else ""
    params = {"start": start, "end": end, "community": community}
    # The opened pages: one kiosk_counts record per kiosk and day; summed per month.
    add("opened", conn.execute(
        "SELECT substr(json_extract(v.fields, '$.day'), 1, 7) AS m, j.key, sum(j.value)"
        " FROM visitor_records v, json_each(v.fields, '$.opened') j"
        " WHERE v.entity = 'kiosk_counts' AND json_extract(v.fields, '$.day') >= :start"
        " AND json_extract(v.fields, '$.day') < :end"
        + (" AND j.key = :community" if community else "") + " GROUP BY m, j.key",
        params))  # fmt: skip
    # Kept on a take-home list, asked for contact (a request about a wish names no group and
    # adds nothing here): each record names a group at most once.
    for figure, entity in (("kept", "take_home_list"), ("asked", "contact_request")):
        add(figure, conn.execute(
            "SELECT substr(json_extract(v.fields, '$.created_at'), 1, 7) AS m, j.value, count(*)"
            " FROM visitor_records v, json_each(v.fields, '$.communities') j"
            " WHERE v.entity = :entity AND json_extract(v.fields, '$.created_at') >= :start"
            " AND json_extract(v.fields, '$.created_at') < :end" + only
            + " GROUP BY m, j.value",
            {**params, "entity": entity}))  # fmt: skip
    # Introductions name groups in party_b (a visitor and a group) or in both parties (two
    # groups), whether made at the desk or at a kiosk in receptionist mode.
    rows = conn.execute(
        "SELECT substr(made_at, 1, 7) AS m, party, outcome, count(*) FROM ("
        " SELECT made_at, party_b AS party, outcome FROM introductions"
        "  WHERE kind IN ('visitor_community', 'community_community')"
        " UNION ALL SELECT made_at, party_a, outcome FROM introductions"
        "  WHERE kind = 'community_community')"
        " WHERE made_at >= :start AND made_at < :end AND party != ''"
        + (" AND party = :community" if community else "") + " GROUP BY m, party, outcome",
        params,
    ).fetchall()  # fmt: skip
    add("introduced", [(m, party, n) for m, party, _outcome, n in rows])
    for outcome in OUTCOMES:
        add(outcome, [(m, party, n) for m, party, o, n in rows if o == outcome])
    return found


def shown(raw: dict[str, int] | None) -> dict[str, Shown]:
    """A group's month as it may be shown: each count under SUPPRESS_BELOW as None. The
    introductions minus the outcomes shown leave the still open ones and the small outcomes;
    if that rest is under SUPPRESS_BELOW while an outcome is hidden, the introductions are not
    shown (HIDDEN), or the rest would say how small the small outcomes are (0, for one)."""
    raw = raw or dict.fromkeys(FIGURES, 0)
    out: dict[str, Shown] = {f: (n if n >= SUPPRESS_BELOW else None) for f, n in raw.items()}
    if isinstance(out["introduced"], int) and any(out[o] is None for o in OUTCOMES):
        rest = raw["introduced"] - sum(raw[o] for o in OUTCOMES if out[o] is not None)
        if rest < SUPPRESS_BELOW:
            out["introduced"] = HIDDEN
    return out


def for_group(
    conn: sqlite3.Connection, community_id: str, months: int = 12, today: date | None = None
) -> list[tuple[str, dict[str, Shown]]]:
    """One group's figures for the last ``months`` months, this month first; a month with
    nothing at all is left out (the page says so when all are)."""
    wanted = months_back(months, today)
    found = counts(conn, wanted, community_id)
    return [(m, shown(found[(m, community_id)])) for m in wanted if (m, community_id) in found]


def for_month(conn: sqlite3.Connection, month: str) -> dict[str, dict[str, Shown]]:
    """Every group's figures of one month, by community id (groups with nothing left out)."""
    return {cid: shown(raw) for (_m, cid), raw in counts(conn, [month]).items()}


def sort_key(figure: str):
    """Sort rows (community id, shown figures) by a figure, the largest first: a hidden or a
    suppressed count counts as zero, so the order says nothing the cells do not."""

    def key(row: tuple[str, dict[str, Shown]]):
        value = row[1][figure]
        return -(value if isinstance(value, int) else 0)

    return key


def gifts_map(conn: sqlite3.Connection) -> dict[tuple[str, str], int | None]:
    """{(neighbourhood slug, gift slug): count} over the anonymous interest registrations that
    named a neighbourhood; a count under SUPPRESS_BELOW is None. No row or column totals."""
    rows = conn.execute(
        "SELECT json_extract(v.fields, '$.neighbourhood') AS place, g.value, count(*)"
        " FROM visitor_records v, json_each(v.fields, '$.gifts') g"
        " WHERE v.entity = 'interest' AND place IS NOT NULL GROUP BY place, g.value"
    )
    return {(place, gift): (n if n >= SUPPRESS_BELOW else None) for place, gift, n in rows}
