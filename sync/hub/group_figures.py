"""Figures that belong to the groups: per community and month, how often its page was opened
at a kiosk, how often it was kept on a take-home list, asked for contact and introduced, and
what came of the introductions. A group sees its own on its edit page (sync.hub.edit), the
desk sees all of them (sync.hub.desk.figures), plus the gifts map: the gifts visitors offer,
per neighbourhood, from the anonymous interest registrations.

Every count under SUPPRESS_BELOW is shown as 'fewer than 5' (None here), and nothing is shown
from which such a number could be worked out: no totals, and when the introductions of a
month minus the outcomes shown would give away the small ones, the month's number of
introductions is not shown either (HIDDEN).

The visitor records are tallied once and then only as they arrive (``_Tally``); records erased
since (an expired list, an ended request) were counted in erased_figures as they went; the
introductions, a small table whose outcomes change, are counted afresh on every page.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from datetime import UTC, date, datetime

from sync.hub.desk_store import SUPPRESS_BELOW
from sync.hub.engine import on_postgresql, store_key
from sync.hub.i18n import N_
from sync.protocol import RECORD_FIELDS

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
    """'december 2026', 'грудень 2026': a month in the page's language."""
    from babel.dates import format_date

    try:
        return format_date(date(int(month[:4]), int(month[5:7]), 1), "LLLL y", locale=lang)
    except ValueError:
        return month


def _next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


#: The visitor records the figures count, kept as a running tally (``_Tally``): those the
#: groups' figures and the gifts map come from, and every kind a receptionist can fill in for
#: a visitor (the desk's 'filled in by reception' count).
ASSISTED = tuple(e for e, rules in RECORD_FIELDS.items() if "assisted" in rules)
TALLIED = tuple(dict.fromkeys(("kiosk_counts", "take_home_list", "contact_request", "interest",
                               *ASSISTED)))  # fmt: skip
_FROM_RECORDS = ("opened", "kept", "asked")  # the figures a tally holds, in this order


class _Tally:
    """What the visitor records say, tallied once and then only for the rows that arrived
    since (by rowid): per month and group the pages opened, lists and requests, and the gifts
    map's counts. Scanning 100,000 records' JSON on every page would take the better part of
    a second; the new rows of a sync round take microseconds. A row that went (an erased
    contact request, an expired list) shows as a count that no longer adds up, or as another
    record at the last rowid: then it is tallied again from scratch."""

    def __init__(self) -> None:
        self.last = 0  # the highest rowid tallied
        self.last_id: str | None = None  # its record's id
        self.rows = 0  # the records tallied
        self.groups: dict[str, dict[str, list[int]]] = {}  # month -> group -> opened, kept, asked
        self.gifts: Counter[tuple[str, str]] = Counter()  # (neighbourhood, gift) -> interests
        # The desk's anonymous counts: interests by theme and by neighbourhood ('-': none
        # chosen), records filled in by a receptionist, by kind.
        self.themes: Counter[str] = Counter()
        self.places: Counter[str] = Counter()
        self.assisted: Counter[str] = Counter()

    def add(self, entity: str, fields: dict) -> None:
        if fields.get("assisted") is True:
            self.assisted[entity] += 1
        if entity == "interest":
            place = fields.get("neighbourhood")
            self.places[place or "-"] += 1
            self.themes.update(set(fields.get("themes") or ()))
            if place:
                self.gifts.update((place, gift) for gift in set(fields.get("gifts") or ()))
            return
        if entity not in ("kiosk_counts", "take_home_list", "contact_request"):
            return
        if entity == "kiosk_counts":
            month, figure, named = str(fields.get("day", ""))[:7], 0, fields.get("opened") or {}
        else:
            month = str(fields.get("created_at", ""))[:7]
            figure = 1 if entity == "take_home_list" else 2
            named = dict.fromkeys(fields.get("communities") or (), 1)  # each group once
        groups = self.groups.setdefault(month, {})
        for cid, n in named.items():
            groups.setdefault(cid, [0, 0, 0])[figure] += n

    def catch_up(self, conn: sqlite3.Connection) -> bool:
        """Tally the rows that arrived since; False when rows went and this tally is stale.

        SQLite: since the last rowid. PostgreSQL has no rowid; there the rows of one write
        transaction share its id (xmin), and the hub's writes take turns (sync.hub.engine),
        so a later write has a higher one: since the last xmin. Should that ever not hold
        (the ids wrap around after four billion writes), the count below no longer adds up
        and the tally is made again from scratch."""
        postgresql = on_postgresql(conn)
        if self.last and not postgresql:  # a rowid SQLite gave again, to a newer record
            row = conn.execute("SELECT id FROM visitor_records WHERE rowid = ?", [self.last])
            if (row.fetchone() or (None,))[0] != self.last_id:
                return False
        marks = ", ".join("?" * len(TALLIED))
        row_key = "xmin::text::bigint" if postgresql else "rowid"
        for rowid, entity, rid, fields in conn.execute(
            f"SELECT {row_key}, entity, id, fields FROM visitor_records WHERE {row_key} > ?"
            f" AND entity IN ({marks}) ORDER BY 1",
            [self.last, *TALLIED],
        ):
            self.add(entity, json.loads(fields))
            self.rows += 1
            self.last, self.last_id = rowid, rid
        (now,) = conn.execute(
            f"SELECT count(*) FROM visitor_records WHERE entity IN ({marks})", TALLIED
        ).fetchone()
        return now == self.rows


_tallies: dict[str, _Tally] = {}
_tallies_lock = threading.Lock()


def tally(conn: sqlite3.Connection) -> _Tally:
    """The tally of this hub's store, brought up to date (one per database)."""
    path = store_key(conn)
    with _tallies_lock:
        own = not conn.in_transaction
        if own:  # one snapshot: the count must see the rows the scan saw
            conn.execute("BEGIN")
        try:
            current = _tallies.get(path)
            if current is None or not current.catch_up(conn):
                current = _Tally()
                current.catch_up(conn)
                _tallies[path] = current
        finally:
            if own:
                conn.execute("COMMIT")
        return current


def counts(
    conn: sqlite3.Connection, months: list[str], community: str | None = None
) -> dict[tuple[str, str], dict[str, int]]:
    """The raw counts per (month, community id) for ``months``, of one community or of all.
    Hub-internal: show them only through ``shown``."""
    current = tally(conn)
    found: dict[tuple[str, str], dict[str, int]] = {}
    with _tallies_lock:
        for month in months:
            groups = current.groups.get(month, {})
            named = [community] if community is not None else list(groups)
            for cid in named:
                if any(groups.get(cid, ())):
                    found[(month, cid)] = {
                        **dict.fromkeys(FIGURES, 0),
                        **dict(zip(_FROM_RECORDS, groups[cid], strict=True)),
                    }
    # Records erased since (expired lists, ended or withdrawn requests): counted when they
    # went (store.keep_figures_of), so a month's figures stay as they were.
    marks = ", ".join("?" * len(months))
    for month, cid, figure, n in conn.execute(
        f"SELECT month, community_id, figure, count FROM erased_figures WHERE month IN ({marks})"
        + (" AND community_id = ?" if community else ""),
        [*months, *([community] if community else [])],
    ):
        found.setdefault((month, cid), dict.fromkeys(FIGURES, 0))[figure] += n
    # Introductions (a small table, whose outcomes change): counted afresh. They name groups
    # in party_b (a visitor and a group) or in both parties (two groups), whether made at the
    # desk or at a kiosk in receptionist mode.
    start, end = min(months), _next_month(max(months))
    wanted = set(months)
    rows = conn.execute(
        "SELECT substr(made_at, 1, 7) AS m, party, outcome, count(*) FROM ("
        " SELECT made_at, party_b AS party, outcome FROM introductions"
        "  WHERE kind IN ('visitor_community', 'community_community')"
        " UNION ALL SELECT made_at, party_a, outcome FROM introductions"
        "  WHERE kind = 'community_community') AS parties"
        " WHERE made_at >= :start AND made_at < :end AND party != ''"
        + (" AND party = :community" if community else "") + " GROUP BY m, party, outcome",
        {"start": start, "end": end, "community": community},
    ).fetchall()  # fmt: skip
    for month, party, outcome, n in rows:
        if month not in wanted:
            continue
        figures = found.setdefault((month, party), dict.fromkeys(FIGURES, 0))
        figures["introduced"] += n
        if outcome in OUTCOMES:
            figures[outcome] += n
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


def anonymous_counts(conn: sqlite3.Connection) -> dict[str, list[tuple[str, int]]]:
    """The desk's anonymous counts that come from visitor records, largest first: interests
    by theme, by neighbourhood, and records filled in by reception (raw: desk_store.figures
    suppresses them)."""
    current = tally(conn)
    with _tallies_lock:
        found = {"themes": current.themes, "neighbourhoods": current.places,
                 "assisted": current.assisted}  # fmt: skip
        return {
            key: sorted(counter.items(), key=lambda item: (-item[1], item[0]))
            for key, counter in found.items()
        }


def gifts_map(conn: sqlite3.Connection) -> dict[tuple[str, str], int | None]:
    """{(neighbourhood slug, gift slug): interests} over the anonymous interest registrations
    that named a neighbourhood; a count under SUPPRESS_BELOW is None. No totals."""
    current = tally(conn)
    with _tallies_lock:
        cells = dict(current.gifts)
    return {cell: (n if n >= SUPPRESS_BELOW else None) for cell, n in cells.items()}
