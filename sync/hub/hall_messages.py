"""Messages for the hall, scheduled at the desk (sync/hub/desk/hall.py) and shown by the
kiosks (kiosk/hall_messages.py decides when): "The hall closes at 15:00 today", "Free coffee
in the hall on Friday morning".

A form becomes the protocol's shared record ``hall_message``: a Dutch text (other languages
may follow), a first and a last day, the days of the week (none: every day), a time window
in the hall's local time, the kiosks (none: all of them) and whether it is urgent (then every
screen of the kiosk shows it, not only the attract screen). It is stored with put_shared and
ended with delete_shared: the change log takes both to the kiosks with their next sync.

Every refusal is an events.FormProblem with an English msgid, and nothing is stored.
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sync import protocol
from sync.hub import desk_store
from sync.hub.events import FormProblem, local_now
from sync.hub.i18n import LANGUAGES, N_
from sync.hub.store import delete_shared, kiosks, put_shared, shared_record, write

TEXT_LENGTH = 200  # protocol: text, localised(200)
#: Messages not yet over at one time: a hall needs a handful; a flood from a stolen desk
#: session stops here (and the kiosks check a few dozen records, not thousands).
MAX_LIVE = 50
#: How far ahead a message may end: a year (a longer one is a sign, not a message).
MAX_DAYS_AHEAD = 366
WEEKDAYS = protocol.WEEKDAYS
_STRICT_TEXT = protocol.text(TEXT_LENGTH, name=True)
_CLOCK = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def well_formed_id(value: str) -> bool:
    return bool(_ID.match(value or ""))


def kiosk_names(conn: sqlite3.Connection) -> list[str]:
    """The kiosks a message may be meant for: the enrolled ones, not revoked."""
    return [k["name"] for k in kiosks(conn) if not k.get("revoked_at")]


# -- form -> record ---------------------------------------------------------------------------


def _clock(value: str, problem: str) -> str:
    match = _CLOCK.match((value or "").strip())
    if not match:
        raise FormProblem(problem)
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def _day(value: str, problem: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise FormProblem(problem) from None


def message_from_form(
    form: Mapping[str, Any], message_id: str | None, known_kiosks: list[str], today: date
) -> dict[str, Any]:
    """A checked hall_message record from the form (a new id when ``message_id`` is None).
    ``form`` maps a name to a string, or to a list of strings for ``days`` and ``kiosks``."""
    texts = {}
    for lang in LANGUAGES:
        value = " ".join(str(form.get(f"text_{lang}") or "").split())
        if len(value) > TEXT_LENGTH:
            raise FormProblem(N_("{what} has at most {n} characters."), what=N_("A message"),
                              n=TEXT_LENGTH)  # fmt: skip
        if value:
            try:  # as strict as a name: no bidi overrides or invisible characters in the hall
                texts[lang] = _STRICT_TEXT(f"text_{lang}", value)
            except protocol.ProtocolError as exc:
                raise FormProblem(N_("Not like this: {why}"), why=str(exc)) from None
    if "nl" not in texts:
        raise FormProblem(N_("Write the message in Dutch (other languages may stay empty)."))
    first = _day(form.get("first_day"), N_("Give the first day as a date."))
    last = _day(form.get("last_day"), N_("Give the last day as a date."))
    if last < first:
        raise FormProblem(N_("The last day is before the first day."))
    if last < today:
        raise FormProblem(N_("This message would be over already."))
    if last > today + timedelta(days=MAX_DAYS_AHEAD):
        raise FormProblem(N_("A message ends within a year."))
    days = list(form.get("days") or [])
    if any(day not in WEEKDAYS for day in days) or len(set(days)) != len(days):
        raise FormProblem(N_("Choose the days from the list."))
    start = _clock(form.get("from_time"), N_("Give the start as a time, like 14:00."))
    end = _clock(form.get("until_time"), N_("Give the end as a time, like 16:00."))
    if end <= start:
        raise FormProblem(N_("The end is before the start."))
    chosen = list(form.get("kiosks") or [])
    if any(k not in known_kiosks for k in chosen) or len(set(chosen)) != len(chosen):
        raise FormProblem(N_("Choose the kiosks from the list."))
    record = {
        "id": message_id or str(uuid.uuid4()),
        "text": texts,
        "first_day": first.isoformat(),
        "last_day": last.isoformat(),
        "days": [d for d in WEEKDAYS if d in days],
        "from_time": start,
        "until_time": end,
        "kiosks": sorted(chosen),
        "urgent": str(form.get("urgent") or "") in ("1", "on", "yes"),
    }
    try:
        return protocol.validate_shared("hall_message", record)
    except protocol.ProtocolError as exc:  # a text the protocol refuses (a bidi override...)
        raise FormProblem(N_("Not like this: {why}"), why=str(exc)) from None


def form_from_message(record: dict | None, today: date) -> dict[str, Any]:
    """The form's values that make ``record`` again (a new message: today, 09:00-17:00)."""
    if record is None:
        return {
            "first_day": today.isoformat(),
            "last_day": today.isoformat(),
            "days": [],
            "from_time": "09:00",
            "until_time": "17:00",
            "kiosks": [],
            "urgent": "",
        }
    values: dict[str, Any] = {f"text_{lang}": t for lang, t in record["text"].items()}
    values.update(first_day=record["first_day"], last_day=record["last_day"],
                  days=list(record["days"]), from_time=record["from_time"],
                  until_time=record["until_time"], kiosks=list(record["kiosks"]),
                  urgent="1" if record["urgent"] else "")  # fmt: skip
    return values


# -- stored at the hub ------------------------------------------------------------------------


def all_messages(conn: sqlite3.Connection) -> list[dict]:
    return [
        json.loads(data)
        for (data,) in conn.execute(
            "SELECT data FROM shared_records WHERE entity = 'hall_message' AND data IS NOT NULL"
        )
    ]


def live(conn: sqlite3.Connection, today: date) -> list[dict]:
    """Messages whose last day has not passed, urgent first, then by first day and time."""
    found = [m for m in all_messages(conn) if m["last_day"] >= today.isoformat()]
    return sorted(found, key=lambda m: (not m["urgent"], m["first_day"], m["from_time"], m["id"]))


def shows_now(record: dict, now: datetime) -> bool:
    """Whether the kiosks it is meant for show it at ``now`` (the same rule as the kiosks'
    kiosk.hall_messages; the hub and the kiosk share only the protocol, not code)."""
    days = record["days"]
    return (
        record["first_day"] <= now.date().isoformat() <= record["last_day"]
        and (not days or WEEKDAYS[now.weekday()] in days)
        and record["from_time"] <= f"{now:%H:%M}" < record["until_time"]
    )


def save(conn: sqlite3.Connection, record: dict, actor: str, today: date) -> None:
    """Store a message (new or changed): the change log takes it to the kiosks."""
    with write(conn):
        known = shared_record(conn, "hall_message", record["id"]) is not None
        if not known and len(live(conn, today)) >= MAX_LIVE:
            raise FormProblem(N_("There are {n} messages planned already: that is the most. "
                                 "End one first."), n=MAX_LIVE)  # fmt: skip
        _tidy(conn, today)
        put_shared(conn, "hall_message", record)
        desk_store.audit(conn, actor, "hall message changed" if known else "hall message made",
                         record["id"])  # fmt: skip


def end(conn: sqlite3.Connection, message_id: str, actor: str) -> bool:
    """End a message now (a tombstone takes it off the kiosks). False: no such message."""
    with write(conn):
        if not delete_shared(conn, "hall_message", message_id):
            return False
        desk_store.audit(conn, actor, "hall message ended", message_id)
    return True


def _tidy(conn: sqlite3.Connection, today: date) -> None:
    """Messages whose last day has passed leave the kiosks too (they would show no more)."""
    for message in all_messages(conn):
        if message["last_day"] < today.isoformat():
            delete_shared(conn, "hall_message", message["id"])


def today() -> date:
    return local_now().date()
