"""The desk's spreadsheet on import: one row, one community (docs/open-data.md, "The
spreadsheet"). Lists hold slugs or labels, separated by ';' or ','; several meetings are
lines in the ``when_*`` and ``place`` cells."""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterator

from sync import protocol
from sync.hub.hsds import spreadsheet
from sync.hub.hsds.drafts import MAX_MEETINGS, Draft, clean, finish
from sync.hub.hsds.readers import Problem
from sync.hub.hsds.sources import ImportRefused, Table
from sync.hub.hsds.terms import Terms, language_code

_LIST = re.compile(r"[;,]")
#: Which list each list column names terms of, and the field it fills.
_LISTS = {"themes": ("themes", "themes"), "gifts_welcome": ("gifts", "gifts_welcome")}


def check_columns(table: Table) -> None:
    """A spreadsheet without a required column is refused whole, with the column named."""
    table.require(*spreadsheet.REQUIRED)
    if not any(f"pitch_{lang}" in table.columns for lang in spreadsheet.LANGUAGES):
        raise ImportRefused(f"{table.file} has no column 'pitch_nl' (or another 'pitch_<lang>'), "
                            "which is required")  # fmt: skip


def drafts(table: Table, terms: Terms) -> Iterator[Draft]:
    check_columns(table)
    example = _example_name()
    for line, row in table.records():
        draft = from_row(table.file, line, row, terms)
        if draft.name == example:  # the template's example, left in by mistake
            draft.skip = Problem(table.file, line, "name", "the template's example row")
        yield draft


@functools.cache
def _example_name() -> str:
    """The name in the example row of the desk's empty spreadsheet."""
    rows = csv.DictReader(io.StringIO(spreadsheet.template().decode("utf-8-sig")))
    return next(rows)["name"]


def _items(cell: str) -> list[str]:
    return [part.strip() for part in _LIST.split(cell) if part.strip()]


def from_row(file: str, line: int, row: dict[str, str], terms: Terms) -> Draft:
    name = clean(row.get("name"), multiline=False)
    draft = Draft(clean(row.get("id"), multiline=False) or name, name, file, line)
    fields = draft.fields
    fields["name"] = name
    for column, (list_name, field) in _LISTS.items():
        fields[field] = []
        for text in _items(row.get(column, "")):
            slug = terms.match(list_name, text)
            if slug is None:
                terms.unknown[(list_name, text)] += 1
                draft.problem(column, f"'{text[:40]}' is not in the hub's list: left out")
            elif slug not in fields[field]:
                fields[field].append(slug)
    neighbourhood = clean(row.get("neighbourhood"), multiline=False)
    fields["neighbourhood"] = terms.match("neighbourhoods", neighbourhood)
    if neighbourhood and fields["neighbourhood"] is None:
        terms.unknown[("neighbourhoods", neighbourhood)] += 1
        draft.problem("neighbourhood", f"'{neighbourhood[:40]}' is not in the hub's list: left out")
    for field, allowed in (("kind", protocol.COMMUNITY_KINDS),
                           ("state", protocol.LIFECYCLE_STATES)):  # fmt: skip
        value = clean(row.get(field), multiline=False)
        if value in allowed:
            fields[field] = value
        elif value:
            draft.problem(field, f"must be one of {', '.join(allowed)}: left out")
    fields["languages"] = []
    for text in _items(row.get("languages", "")):
        code = language_code(text)
        if code is None:
            draft.problem("languages", f"'{text[:40]}' is not a language this hub knows")
        elif code not in fields["languages"]:
            fields["languages"].append(code)
    for text in protocol.COMMUNITY_TEXT_FIELDS:
        values = {lang: clean(row.get(f"{text}_{lang}")) for lang in spreadsheet.LANGUAGES}
        values = {lang: value for lang, value in values.items() if value}
        if values:
            fields[text] = values
    url = clean(row.get("join_url"), multiline=False)
    if url.startswith("https://"):
        fields["join_url"] = url
    elif url:
        draft.problem("join_url", "is not an https:// address: left out")
    fields["schedule"] = _meetings(draft, row)
    return finish(draft)


def _meetings(draft: Draft, row: dict[str, str]) -> list[dict]:
    """Meeting i: line i of ``place`` (or its only line) and line i of each ``when_*``."""
    places = [p.strip() for p in clean(row.get("place")).split("\n") if p.strip()]
    notes = {lang: clean(row.get(f"when_{lang}")).split("\n") for lang in spreadsheet.LANGUAGES}
    count = max([len(places)] + [len([n for n in v if n.strip()]) for v in notes.values()])
    meetings = []
    for i in range(min(count, MAX_MEETINGS)):
        place = places[i] if i < len(places) else (places[0] if len(places) == 1 else "")
        when = {lang: v[i].strip() for lang, v in notes.items() if i < len(v) and v[i].strip()}
        if not place or not when:
            problem = "a meeting needs both its time (when) and its place: left out"
            draft.problem("place" if not place else "when_nl", problem)
            continue
        meetings.append({"place": place, "when": when})
    if count > MAX_MEETINGS:
        draft.problem("when_nl", f"more than {MAX_MEETINGS} meetings: the rest left out")
    return meetings
