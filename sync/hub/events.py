"""Events at the hub: one-off or repeating, in the hall or elsewhere, of the town hall itself
(no community) or of a group. The desk makes them at once (sync/hub/desk/events.py); a group
proposes them through its edit link (sync/hub/group_events.py) and the desk reviews them.

A simple form becomes the wire protocol's event record (``protocol.SHARED_FIELDS["event"]``):
once, every week, every N weeks, monthly on the Nth (or last) weekday of the first day, each
ending on a day or after a number of times; a rule the patterns cannot say may be typed as an
RFC 5545 RRULE and is checked like the rest (sync.recurrence: at most daily, must end). Every
refusal is a :class:`FormProblem` with an English msgid, and nothing is stored.

Times are the town's own, naive local time, as the kiosk shows them; calendar files give
them with the hall's time zone (render.LOCAL_ZONE).
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import uuid
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from sync import protocol, recurrence
from sync.hub import desk_store, render
from sync.hub.i18n import LANGUAGES, N_
from sync.hub.store import delete_shared, now_iso, put_shared, shared_record, write

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
REPEATS = ("once", "weekly", "every_n_weeks", "monthly", "monthly_last", "custom")
REPEAT_LABELS = {
    "once": N_("Once"),
    "weekly": N_("Every week"),
    "every_n_weeks": N_("Every few weeks"),
    "monthly": N_("Every month, on the same weekday (like the 2nd Tuesday)"),
    "monthly_last": N_("Every month, on the last of that weekday"),
    "custom": N_("Another rule (RFC 5545)"),
}
TITLE_LENGTH = 200  # protocol: title, localised(200)
DESCRIPTION_LENGTH = 2000
PLACE_LENGTH = 200
#: At most this many events proposed by one group wait for the desk: a link that leaked
#: cannot fill the review with thousands.
MAX_WAITING_PER_GROUP = 20
#: At most this many events not yet over: far more than a town hall plans, far fewer than a
#: flood from a stolen desk session.
MAX_UPCOMING = 2000
#: A feed holds events that ended at most this long ago, and at most FEED_EVENTS of them.
FEED_PAST_DAYS = 31
FEED_EVENTS = 500
_CLOCK = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


class FormProblem(ValueError):
    """What is wrong with the form: ``message`` is an English msgid with ``{name}`` values."""

    def __init__(self, message: str, **values: Any) -> None:
        super().__init__(message.format(**values))
        self.message, self.values = message, values

    def words(self, gettext) -> str:
        """The message in a page's language (``what``: a msgid of its own)."""
        values = {k: gettext(v) if k == "what" else v for k, v in self.values.items()}
        return gettext(self.message).format(**values)


def local_now() -> datetime:
    """Now in the hall's time zone, naive: how events' times are written."""
    return datetime.now(render.LOCAL_ZONE).replace(tzinfo=None)


def naive(moment: str) -> datetime:
    parsed = datetime.fromisoformat(moment)
    if parsed.tzinfo is None:
        return parsed
    return parsed.astimezone(render.LOCAL_ZONE).replace(tzinfo=None)


# -- form -> record ---------------------------------------------------------------------------


def _texts(form: Mapping[str, str], prefix: str, limit: int, what: str) -> dict[str, str]:
    texts = {}
    for lang in LANGUAGES:
        value = (form.get(f"{prefix}_{lang}") or "").replace("\r\n", "\n").strip()
        if len(value) > limit:
            raise FormProblem(N_("{what} has at most {n} characters."), what=what, n=limit)
        if value:
            texts[lang] = value
    return texts


def _day(value: str, problem: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise FormProblem(problem) from None


def _clock(value: str, problem: str) -> time:
    match = _CLOCK.match(value.strip())
    if not match:
        raise FormProblem(problem)
    return time(int(match.group(1)), int(match.group(2)))


def _ending(form: Mapping[str, str], first: date) -> str:
    """';UNTIL=...' or ';COUNT=...': a series always ends."""
    if form.get("end_kind") == "count":
        count = (form.get("count") or "").strip()
        if not (count.isdigit() and 2 <= int(count) <= recurrence.MAX_COUNT):
            raise FormProblem(N_("How many times: a number from 2 to {n}."), n=recurrence.MAX_COUNT)
        return f";COUNT={int(count)}"
    if not (form.get("until") or "").strip():
        raise FormProblem(N_("A repeating event ends: give a last day or a number of times."))
    until = _day(form["until"], N_("Give the last day as a date."))
    if until < first:
        raise FormProblem(N_("The last day is before the first day."))
    # A floating local moment, as DTSTART is: RFC 5545 wants UNTIL of the same kind.
    return f";UNTIL={until:%Y%m%d}T235959"


def rule_from_form(form: Mapping[str, str], first: date) -> str | None:
    """The RRULE for the chosen repeat (None: once), from the first day's weekday."""
    repeat = form.get("repeat") or "once"
    if repeat not in REPEATS:
        raise FormProblem(N_("Choose how often it happens."))
    weekday = WEEKDAYS[first.weekday()]
    if repeat == "once":
        return None
    if repeat == "custom":
        rule = (form.get("rrule") or "").strip().upper()
        if not rule:
            raise FormProblem(N_("Type the rule, or choose another way to repeat."))
    elif repeat == "weekly":
        rule = f"FREQ=WEEKLY;BYDAY={weekday}" + _ending(form, first)
    elif repeat == "every_n_weeks":
        interval = (form.get("interval") or "").strip()
        if not (interval.isdigit() and 2 <= int(interval) <= recurrence.MAX_INTERVAL):
            raise FormProblem(N_("Every 2 to {n} weeks."), n=recurrence.MAX_INTERVAL)
        rule = f"FREQ=WEEKLY;INTERVAL={int(interval)};BYDAY={weekday}" + _ending(form, first)
    elif repeat == "monthly":
        nth = (first.day - 1) // 7 + 1  # the 5th of a weekday is always its last
        rule = f"FREQ=MONTHLY;BYDAY={nth if nth < 5 else -1}{weekday}" + _ending(form, first)
    else:
        if (first + timedelta(days=7)).month == first.month:
            raise FormProblem(N_("The first day is not the last of its weekday in its month."))
        rule = f"FREQ=MONTHLY;BYDAY=-1{weekday}" + _ending(form, first)
    try:
        return recurrence.check(rule, must_end=True, start=datetime.combine(first, time()))
    except recurrence.RecurrenceError as exc:
        raise FormProblem(N_("This repeat rule cannot be used ({why})."), why=str(exc)) from None


def event_from_form(
    form: Mapping[str, str], event_id: str | None, community_id: str | None, now: datetime
) -> dict[str, Any]:
    """A checked event record from the form (a new id when ``event_id`` is None)."""
    title = _texts(form, "title", TITLE_LENGTH, N_("A title"))
    if not title:
        raise FormProblem(N_("Give the event a title."))
    description = _texts(form, "description", DESCRIPTION_LENGTH, N_("A description"))
    first = _day(form.get("day") or "", N_("Give the day as a date."))
    starts = _clock(form.get("start") or "", N_("Give the start as a time, like 14:00."))
    ends = _clock(form.get("end") or "", N_("Give the end as a time, like 16:00."))
    if ends <= starts:
        raise FormProblem(N_("The end is before the start."))
    place = " ".join((form.get("place") or "").split())
    if not place:
        raise FormProblem(N_("Say where it is."))
    if len(place) > PLACE_LENGTH:
        raise FormProblem(N_("{what} has at most {n} characters."), what=N_("A place"),
                          n=PLACE_LENGTH)  # fmt: skip
    rule = rule_from_form(form, first)
    start, end = datetime.combine(first, starts), datetime.combine(first, ends)
    last_end = recurrence.series_end(rule, start, end - start)
    if last_end is not None and last_end < now:
        raise FormProblem(N_("This event would be over already."))
    # A series is at most MAX_COUNT times, as the kiosks expand it: an UNTIL far away on a
    # daily rule would otherwise go on at the hub and stop on the kiosks.
    if rule and last_end is not None:
        last_start = last_end - (end - start)
        after = last_start + timedelta(seconds=1)
        if next(recurrence.occurrences(rule, start, after, after + timedelta(days=3660)), None):
            raise FormProblem(N_("A series happens at most {n} times."), n=recurrence.MAX_COUNT)
    record = {
        "id": event_id or str(uuid.uuid4()),
        "community_id": community_id,
        "title": title,
        "starts_at": start.isoformat(timespec="minutes"),
        "ends_at": end.isoformat(timespec="minutes"),
        "place": place,
        "in_hall": form.get("in_hall") in ("1", "on", "yes"),
        "rrule": rule,
        "description": description or None,
    }
    try:
        return protocol.validate_shared("event", record)
    except protocol.ProtocolError as exc:  # the form's own checks should have said it
        raise FormProblem(N_("Not like this: {why}"), why=str(exc)) from None


# -- record -> form and words ----------------------------------------------------------------


def form_from_event(record: dict | None) -> dict[str, str]:
    """The form's values that make ``record`` again (blank for a new event)."""
    values = dict.fromkeys(
        ("count", "until", "rrule", "day", "start", "end", "place", "in_hall"), ""
    )
    values.update(repeat="once", end_kind="until", interval="2", organiser="")
    if record is None:
        return values
    start, end = naive(record["starts_at"]), naive(record["ends_at"])
    values.update(day=start.date().isoformat(), start=f"{start:%H:%M}", end=f"{end:%H:%M}",
                  place=record["place"], in_hall="1" if record["in_hall"] else "",
                  organiser=record["community_id"] or "")  # fmt: skip
    for prefix, texts in (("title", record["title"]), ("description", record.get("description"))):
        for lang, text in (texts or {}).items():
            values[f"{prefix}_{lang}"] = text
    rule = record.get("rrule")
    if rule:
        values.update(_repeat_of(rule, start.date()))
    return values


def _repeat_of(rule: str, first: date) -> dict[str, str]:
    parts = dict(part.split("=", 1) for part in rule.split(";"))
    weekday = WEEKDAYS[first.weekday()]
    ending = {}
    if "COUNT" in parts:
        ending = {"end_kind": "count", "count": parts.pop("COUNT")}
    elif re.fullmatch(r"\d{8}T235959", parts.get("UNTIL", "")):
        until = parts.pop("UNTIL")
        ending = {"end_kind": "until", "until": f"{until[:4]}-{until[4:6]}-{until[6:8]}"}
    nth = (first.day - 1) // 7 + 1
    plain = {
        "weekly": {"FREQ": "WEEKLY", "BYDAY": weekday},
        "monthly": {"FREQ": "MONTHLY", "BYDAY": f"{nth if nth < 5 else -1}{weekday}"},
        "monthly_last": {"FREQ": "MONTHLY", "BYDAY": f"-1{weekday}"},
    }
    if ending:
        for repeat, wanted in plain.items():
            if parts == wanted:
                return {"repeat": repeat, **ending}
        interval = parts.get("INTERVAL", "")
        if parts == {"FREQ": "WEEKLY", "INTERVAL": interval, "BYDAY": weekday}:
            return {"repeat": "every_n_weeks", "interval": interval, **ending}
    return {"repeat": "custom", "rrule": rule}


NTH_WORDS = {1: N_("first"), 2: N_("second"), 3: N_("third"), 4: N_("fourth"), -1: N_("last")}


def repeat_words(record: dict, gettext, lang: str) -> str:
    """'Every week on Tuesday, until 1 March 2027', in a page's language."""
    from babel.dates import format_date

    rule = record.get("rrule")
    if not rule:
        return gettext("Once")
    first = naive(record["starts_at"]).date()
    weekday = format_date(first, "EEEE", locale=lang)
    parts = dict(part.split("=", 1) for part in rule.split(";"))
    repeat = _repeat_of(rule, first)
    if repeat["repeat"] == "weekly":
        words = gettext("Every week on {weekday}").format(weekday=weekday)
    elif repeat["repeat"] == "every_n_weeks":
        words = gettext("Every {n} weeks on {weekday}").format(n=parts["INTERVAL"],
                                                               weekday=weekday)  # fmt: skip
    elif repeat["repeat"] in ("monthly", "monthly_last"):
        nth = int(parts["BYDAY"][:-2])
        words = gettext("Every month on the {nth} {weekday}").format(
            nth=gettext(NTH_WORDS[nth]), weekday=weekday
        )
    else:
        return rule
    if "COUNT" in parts:
        return words + ", " + gettext("{n} times").format(n=parts["COUNT"])
    end = recurrence.series_end(rule, naive(record["starts_at"]), timedelta())
    if end is None:
        return words
    day = format_date(end.date(), "long", locale=lang)
    return words + ", " + gettext("until {day}").format(day=day)


def next_start(record: dict, now: datetime) -> datetime | None:
    """The start of the next occurrence not yet over (None: the series is over)."""
    start, end = naive(record["starts_at"]), naive(record["ends_at"])
    length = end - start
    horizon = now + timedelta(days=recurrence.HORIZON_DAYS)
    for moment in recurrence.occurrences(record.get("rrule"), start, now - length, horizon):
        if moment + length >= now:
            return moment
    return None


# -- the hub's events ------------------------------------------------------------------------


def all_events(conn: sqlite3.Connection) -> list[tuple[dict, str]]:
    """Every event the hub has, with when it was last changed."""
    return [
        (json.loads(data), updated)
        for data, updated in conn.execute(
            "SELECT data, updated_at FROM shared_records WHERE entity = 'event'"
            " AND data IS NOT NULL"
        )
    ]


def series_over(record: dict) -> datetime:
    start, end = naive(record["starts_at"]), naive(record["ends_at"])
    return recurrence.series_end(record.get("rrule"), start, end - start) or datetime.max


def upcoming(conn: sqlite3.Connection, now: datetime, community_id: str | None = "") -> list:
    """Events not yet over, by their next occurrence: all of them (``community_id`` ''), the
    town hall's own (None) or one group's."""
    found = []
    for record, _updated in all_events(conn):
        if community_id != "" and record["community_id"] != community_id:
            continue
        following = next_start(record, now)
        if following is not None:
            found.append({**record, "next": following})
    return sorted(found, key=lambda e: (e["next"], e["id"]))


def group_names(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(
        conn.execute(
            "SELECT id, json_extract(data, '$.name') FROM shared_records"
            " WHERE entity = 'community' AND data IS NOT NULL"
        ).fetchall()
    )


def save(conn: sqlite3.Connection, record: dict, actor: str) -> None:
    """Store an event (new or changed): the change log takes it to every kiosk."""
    with write(conn):
        known = shared_record(conn, "event", record["id"]) is not None
        if not known and _count_upcoming(conn) >= MAX_UPCOMING:
            raise FormProblem(N_("There are {n} events coming up already: that is the most."),
                              n=MAX_UPCOMING)  # fmt: skip
        put_shared(conn, "event", record)
        desk_store.audit(conn, actor, "event changed" if known else "event made", record["id"])


def _count_upcoming(conn: sqlite3.Connection) -> int:
    now = local_now()
    return sum(1 for record, _ in all_events(conn) if series_over(record) >= now)


def cancel(conn: sqlite3.Connection, event_id: str, actor: str, community_id: str = "") -> bool:
    """Delete an event (a tombstone goes to the kiosks). With ``community_id``, only an event
    of that group. False when there is no such event."""
    with write(conn):
        record = shared_record(conn, "event", event_id)
        if record is None or (community_id and record["community_id"] != community_id):
            return False
        delete_shared(conn, "event", event_id)
        # A change the group proposed to it earlier would bring it back when approved.
        conn.execute("DELETE FROM event_proposals WHERE event_id = ?", [event_id])
        desk_store.audit(conn, actor, "event cancelled", event_id)
    return True


# -- a group's proposals, reviewed at the desk ----------------------------------------------


def propose(conn: sqlite3.Connection, community_id: str, record: dict, actor: str) -> str:
    """A group's new or changed event, waiting for the desk; returns its reference."""
    if record["community_id"] != community_id:
        raise ValueError("an event of another group")
    ref = secrets.token_hex(16)
    with write(conn):
        waiting = conn.execute(
            "SELECT count(*) FROM event_proposals WHERE community_id = ?", [community_id]
        ).fetchone()[0]
        if waiting >= MAX_WAITING_PER_GROUP:
            raise FormProblem(N_("{n} events wait for the reception already. Wait until it has "
                                 "looked at them."), n=MAX_WAITING_PER_GROUP)  # fmt: skip
        conn.execute(
            "INSERT INTO event_proposals (ref, community_id, event_id, data, made_by, made_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [ref, community_id, record["id"], json.dumps(record, ensure_ascii=False), actor,
             now_iso()],
        )  # fmt: skip
        desk_store.audit(conn, actor, "event proposed (review)", record["id"])
    return ref


def waiting(conn: sqlite3.Connection, community_id: str | None = None) -> list[dict]:
    """Proposed events waiting for the desk (of one group, or of all), oldest first."""
    sql = "SELECT ref, community_id, data, made_by, made_at FROM event_proposals"
    params: list = []
    if community_id:
        sql, params = sql + " WHERE community_id = ?", [community_id]
    return [
        {"ref": ref, "community_id": cid, "event": json.loads(data), "made_by": by, "made_at": at}
        for ref, cid, data, by, at in conn.execute(sql + " ORDER BY made_at, ref", params)
    ]


def decide(conn: sqlite3.Connection, ref: str, approve: bool, actor: str) -> bool:
    """Approve (the event is stored and goes to the kiosks) or decline a proposal; either
    way it leaves the list. False when there is no such proposal."""
    with write(conn):
        row = conn.execute(
            "SELECT community_id, data FROM event_proposals WHERE ref = ?", [ref]
        ).fetchone()
        if row is None:
            return False
        conn.execute("DELETE FROM event_proposals WHERE ref = ?", [ref])
        record = json.loads(row[1])
        # The group may have gone (archived) since: then its event goes nowhere. Nor does a
        # change to an event that was cancelled since (its tombstone is in the store).
        cancelled = conn.execute(
            "SELECT 1 FROM shared_records WHERE entity = 'event' AND id = ? AND data IS NULL",
            [record["id"]],
        ).fetchone()
        if approve and not cancelled and shared_record(conn, "community", row[0]) is not None:
            put_shared(conn, "event", record)
        verdict = "approved" if approve else "declined"
        desk_store.audit(conn, actor, f"proposed event {verdict}", record["id"])
    return True
