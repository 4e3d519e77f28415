"""The desk's spreadsheet: one row per community, UTF-8 with BOM so Excel opens it right
(docs/open-data.md, "The spreadsheet"). The importer reads the same COLUMNS; keep them stable.

Lists go out as slugs (exact on the way back in; the importer also takes labels). Several
meetings share one cell each for ``when_*`` and ``place``, one meeting per line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import IO

LANGUAGES = ("nl", "en", "tr", "ar", "pl", "uk")
OTHER_LANGUAGES = LANGUAGES[1:]
#: The texts that exist per language; ``when`` is the meetings' free note.
TEXTS = ("pitch", "story", "welcome", "accessibility", "contact", "when")
#: The spreadsheet's columns, in order.
COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "kind",
    "state",
    "themes",
    "neighbourhood",
    "gifts_welcome",
    "languages",
    *(f"{text}_nl" for text in TEXTS),
    "place",
    "join_url",
    *(f"{text}_{lang}" for lang in OTHER_LANGUAGES for text in TEXTS),
)
#: Columns a row cannot do without (``pitch_nl`` or any one ``pitch_<lang>``).
REQUIRED = ("name", "themes")
#: Written between the items of a list cell; the importer also splits on ",".
LIST_SEPARATOR = "; "
BOM = "\ufeff"

_EXAMPLE = {
    "name": "Voorbeeld: Repair Café De Linde",
    "kind": "informal_group",
    "state": "active",
    "themes": "repareren; buurt",
    "neighbourhood": "centrum",
    "gifts_welcome": "klussen; gastvrij",
    "languages": "nl; en",
    "pitch_nl": "Samen kapotte spullen repareren, met koffie.",
    "story_nl": "Elke maand repareren buren samen fietsen, lampen en kleding.",
    "welcome_nl": "Iedereen is welkom, met of zonder iets kapots.",
    "accessibility_nl": "Ingang zonder drempel.",
    "contact_nl": "Loop binnen of mail naar repair@example.org",
    "when_nl": "Elke eerste zaterdag van de maand, 10.00-13.00",
    "place": "Buurthuis De Linde, Lindelaan 1, 1234 AB Lindewaard",
    "join_url": "https://example.org/repaircafe",
    "pitch_en": "Fixing broken things together, with coffee.",
}


def row(record: dict) -> dict[str, str]:
    """One community as a spreadsheet row (every column present, empty when unknown)."""
    meetings = record.get("schedule") or []
    out = {
        "id": record["id"],
        "name": record["name"],
        "kind": record.get("kind") or "",
        "state": record.get("state") or "",
        "themes": LIST_SEPARATOR.join(record.get("themes") or []),
        "neighbourhood": record.get("neighbourhood") or "",
        "gifts_welcome": LIST_SEPARATOR.join(record.get("gifts_welcome") or []),
        "languages": LIST_SEPARATOR.join(record.get("languages") or []),
        "place": "\n".join(m.get("place") or "" for m in meetings),
        "join_url": record.get("join_url") or "",
    }
    for lang in LANGUAGES:
        for text in TEXTS[:-1]:
            out[f"{text}_{lang}"] = (record.get(text) or {}).get(lang, "")
        notes = [(m.get("when") or {}).get(lang, "") for m in meetings]
        out[f"when_{lang}"] = "\n".join(notes) if any(notes) else ""
    return {column: out[column] for column in COLUMNS}


def write(records: Iterable[dict], file: IO[str]) -> int:
    """Write the BOM, the header and one row per record to a text file opened with
    ``newline=""``; returns the number of rows."""
    file.write(BOM)
    writer = csv.DictWriter(file, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow(row(record))
        count += 1
    return count


def template() -> bytes:
    """The empty spreadsheet to fill in: the header and one example row, UTF-8 with BOM."""
    buffer = io.StringIO(newline="")
    buffer.write(BOM)
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n", restval="")
    writer.writeheader()
    writer.writerow(_EXAMPLE)
    return buffer.getvalue().encode("utf-8")
