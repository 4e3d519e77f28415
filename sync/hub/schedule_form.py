"""A group's meetings and places as a web form, without any knowledge of RFC 5545.

A meeting is chosen from plain patterns (every week, every N weeks, monthly on the Nth
weekday, monthly on day D, only in some months), weekday and month checkboxes, a first day,
from-to times, a place and a free note; this module turns that into a meeting of the wire
protocol (``protocol.MEETING_FIELDS``, with an RRULE) and a meeting back into the form's
values, so that the same form shows what is stored. A rule the patterns cannot say (an
imported one) is kept as it is ("custom"), and checked like any other.

Field names: ``m<i>_<part>`` for meeting i, ``p<i>_<part>`` for place i. Forms without
JavaScript show every existing row and one empty row; an empty row is skipped, a row with
its "remove" box ticked is dropped.

Every refusal is a :class:`FormProblem` whose message is an English msgid (translated where
it is shown) with named values, and nothing is stored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sync import protocol, recurrence
from sync.hub.i18n import N_

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
PATTERNS = ("none", "weekly", "every_n_weeks", "monthly_nth", "monthly_day", "seasonal",
            "custom")  # fmt: skip
#: How the form names each pattern (the select's options).
PATTERN_LABELS = {
    "none": N_("No fixed rhythm (only the note)"),
    "weekly": N_("Every week"),
    "every_n_weeks": N_("Every few weeks"),
    "monthly_nth": N_("Monthly, on a weekday (1st, 2nd, ... last)"),
    "monthly_day": N_("Monthly, on a day of the month"),
    "seasonal": N_("Every week, only in some months"),
    "custom": N_("As it was entered before"),
}
#: Which week of the month, for "monthly on the Nth weekday".
NTH = ("1", "2", "3", "4", "-1")
NTH_LABELS = {"1": N_("first"), "2": N_("second"), "3": N_("third"), "4": N_("fourth"),
              "-1": N_("last")}  # fmt: skip
MAX_MEETINGS = 20  # protocol: schedule holds at most 20
MAX_PLACES = 10  # protocol: places holds at most 10
MAX_ROW_INDEX = 60  # row numbers above this are not read at all
NOTE_LENGTH = 200
_CLOCK = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


class Msg(str):
    """A value of a FormProblem that is itself a message (a field's name): translated too."""


MONTH_NUMBERS = tuple(range(1, 13))


class FormProblem(ValueError):
    """What is wrong with the form: ``message`` is an English msgid with ``{name}`` values."""

    def __init__(self, message: str, **values: Any) -> None:
        super().__init__(message.format(**values))
        self.message, self.values = message, values

    def words(self, gettext) -> str:
        """The message in a page's language."""
        values = {k: gettext(v) if isinstance(v, Msg) else v for k, v in self.values.items()}
        return gettext(self.message).format(**values)


Form = Mapping[str, Sequence[str]]  # every field's values (checkboxes give several)


def _one(form: Form, name: str) -> str:
    values = form.get(name) or [""]
    return values[0].strip()


def _rows(form: Form, prefix: str) -> list[int]:
    found = set()
    for key in form:
        match = re.match(rf"^{prefix}(\d{{1,3}})_", key)
        if match and int(match.group(1)) <= MAX_ROW_INDEX:
            found.add(int(match.group(1)))
    return sorted(found)


# -- form -> rule -----------------------------------------------------------------------------


def rule_from_form(values: Mapping[str, Any], number: int) -> str | None:
    """The RRULE for one meeting's chosen pattern (None: no rhythm, only the note)."""
    pattern = values.get("pattern") or "none"
    if pattern not in PATTERNS:
        raise FormProblem(N_("Meeting {n}: choose how often it happens."), n=number)
    if pattern == "none":
        return None
    if pattern == "custom":
        return values.get("rrule") or None
    days = [d for d in WEEKDAYS if d in values.get("days", ())]
    if len(days) != len(set(values.get("days", ()))):
        raise FormProblem(N_("Meeting {n}: choose days of the week from the list."), n=number)
    if pattern in ("weekly", "every_n_weeks", "monthly_nth", "seasonal") and not days:
        raise FormProblem(N_("Meeting {n}: tick at least one day of the week."), n=number)
    if pattern == "weekly":
        return f"FREQ=WEEKLY;BYDAY={','.join(days)}"
    if pattern == "every_n_weeks":
        interval = str(values.get("interval", ""))
        if not (interval.isdigit() and 2 <= int(interval) <= recurrence.MAX_INTERVAL):
            raise FormProblem(N_("Meeting {n}: every 2 to 52 weeks."), n=number)
        return f"FREQ=WEEKLY;INTERVAL={int(interval)};BYDAY={','.join(days)}"
    if pattern == "monthly_nth":
        nth = str(values.get("nth", ""))
        if nth not in NTH:
            raise FormProblem(N_("Meeting {n}: choose which week of the month."), n=number)
        return f"FREQ=MONTHLY;BYDAY={','.join(nth + d for d in days)}"
    if pattern == "monthly_day":
        day = str(values.get("monthday", ""))
        if not (day.isdigit() and 1 <= int(day) <= 31):
            raise FormProblem(N_("Meeting {n}: a day of the month from 1 to 31."), n=number)
        return f"FREQ=MONTHLY;BYMONTHDAY={int(day)}"
    months = sorted({int(m) for m in values.get("months", ()) if m.isdigit() and 1 <= int(m) <= 12})
    if not months or len(months) != len(set(values.get("months", ()))):
        raise FormProblem(N_("Meeting {n}: tick the months in which it happens."), n=number)
    return f"FREQ=WEEKLY;BYDAY={','.join(days)};BYMONTH={','.join(map(str, months))}"


# -- rule -> form -----------------------------------------------------------------------------


def form_from_rule(rule: str | None) -> dict[str, Any]:
    """The form's values that make ``rule`` again (rule_from_form's inverse); a rule the
    patterns cannot say is 'custom', kept as it is."""
    blank = {"pattern": "none", "days": [], "interval": "2", "nth": "1", "monthday": "1",
             "months": [], "rrule": ""}  # fmt: skip
    if not rule:
        return blank
    parts = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    custom = {**blank, "pattern": "custom", "rrule": rule}
    names = set(parts)
    byday = parts.get("BYDAY", "").split(",") if "BYDAY" in parts else []
    plain_days = all(d in WEEKDAYS for d in byday) and len(set(byday)) == len(byday)
    if parts.get("FREQ") == "WEEKLY" and byday and plain_days:
        days = [d for d in WEEKDAYS if d in byday]
        if names == {"FREQ", "BYDAY"}:
            return {**blank, "pattern": "weekly", "days": days}
        interval = parts.get("INTERVAL", "")
        if names == {"FREQ", "INTERVAL", "BYDAY"} and interval.isdigit() and int(interval) >= 2:
            return {**blank, "pattern": "every_n_weeks", "days": days, "interval": interval}
        months = parts.get("BYMONTH", "").split(",")
        if names == {"FREQ", "BYDAY", "BYMONTH"} and all(
            m.isdigit() and 1 <= int(m) <= 12 for m in months
        ):
            return {**blank, "pattern": "seasonal", "days": days, "months": months}
        return custom
    if parts.get("FREQ") == "MONTHLY" and names == {"FREQ", "BYDAY"}:
        found = [re.fullmatch(r"(-1|[1-4])([A-Z]{2})", d) for d in byday]
        nths = {m.group(1) for m in found if m}
        days = [m.group(2) for m in found if m]
        if all(found) and len(nths) == 1 and all(d in WEEKDAYS for d in days):
            return {**blank, "pattern": "monthly_nth", "nth": nths.pop(),
                    "days": [d for d in WEEKDAYS if d in days]}  # fmt: skip
        return custom
    day = parts.get("BYMONTHDAY", "")
    if parts.get("FREQ") == "MONTHLY" and names == {"FREQ", "BYMONTHDAY"} and day.isdigit():
        return {**blank, "pattern": "monthly_day", "monthday": day}
    return custom


def meeting_form_values(meeting: dict) -> dict[str, Any]:
    """A stored meeting as the form shows it."""
    return {
        **form_from_rule(meeting.get("rrule")),
        "starts_on": meeting.get("starts_on") or "",
        "opens": meeting.get("opens") or "",
        "closes": meeting.get("closes") or "",
        "place": meeting.get("place", ""),
        "when": dict(meeting.get("when") or {}),
    }


# -- the posted rows --------------------------------------------------------------------------


def _clock(value: str, number: int) -> str | None:
    if not value:
        return None
    match = _CLOCK.match(value)
    if not match:
        raise FormProblem(N_("Meeting {n}: a time like 14:00."), n=number)
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def meetings_from_form(form: Form, languages: Sequence[str], today: date) -> list[dict]:
    """The posted meetings as protocol meetings, in the order of the form."""
    meetings = []
    for number, i in enumerate(_rows(form, "m"), start=1):
        if _one(form, f"m{i}_remove"):
            continue
        values = {
            "pattern": _one(form, f"m{i}_pattern"),
            "days": [v.strip() for v in form.get(f"m{i}_days", ())],
            "months": [v.strip() for v in form.get(f"m{i}_months", ())],
            **{k: _one(form, f"m{i}_{k}") for k in ("interval", "nth", "monthday", "rrule")},
        }
        note = {}
        for lang in languages:
            text = _one(form, f"m{i}_when_{lang}")
            if len(text) > NOTE_LENGTH:
                raise FormProblem(N_("Meeting {n}: a note of at most {max} characters."),
                                  n=number, max=NOTE_LENGTH)  # fmt: skip
            if text:
                note[lang] = text
        place = _one(form, f"m{i}_place")
        opens, closes = (
            _clock(_one(form, f"m{i}_opens"), number),
            _clock(_one(form, f"m{i}_closes"), number),
        )
        starts_on = _one(form, f"m{i}_starts_on")
        rule = rule_from_form(values, number)
        if not (rule or note or place or opens or closes):
            continue  # the empty row
        if not place:
            raise FormProblem(N_("Meeting {n}: say where it is."), n=number)
        if not rule and not note:
            raise FormProblem(N_("Meeting {n}: choose how often, or write a note."), n=number)
        if rule:
            if not opens:
                raise FormProblem(N_("Meeting {n}: give the start time."), n=number)
            starts_on = starts_on or today.isoformat()
        if opens and closes and closes <= opens:
            raise FormProblem(N_("Meeting {n}: the end time must be later than the start time."),
                              n=number)  # fmt: skip
        meeting: dict[str, Any] = {"place": place}
        if note:
            meeting["when"] = note
        if rule:
            try:
                day = date.fromisoformat(starts_on)
            except ValueError:
                raise FormProblem(N_("Meeting {n}: a first day like 2026-12-31."),
                                  n=number) from None  # fmt: skip
            try:
                recurrence.check(rule, start=datetime.combine(day, datetime.min.time()))
            except recurrence.RecurrenceError as exc:
                if "never happens" in str(exc):
                    raise FormProblem(N_("Meeting {n}: this never happens. Check the days and "
                                         "months."), n=number) from None  # fmt: skip
                raise FormProblem(N_("Meeting {n}: this rhythm is not possible ({why})."),
                                  n=number, why=str(exc)) from None  # fmt: skip
            meeting.update(rrule=rule, starts_on=day.isoformat(), opens=opens)
            if closes:
                meeting["closes"] = closes
        try:
            meetings.append(protocol.meeting(f"schedule[{number - 1}]", meeting))
        except protocol.ProtocolError as exc:
            raise FormProblem(N_("Meeting {n}: {why}."), n=number, why=exc.problem) from None
    if len(meetings) > MAX_MEETINGS:
        raise FormProblem(N_("At most {max} meetings."), max=MAX_MEETINGS)
    return meetings


def _degrees(value: str, limit: int, number: int) -> float | None:
    if not value:
        return None
    try:
        degrees = float(value.replace(",", "."))
    except ValueError:
        degrees = math.nan
    if not math.isfinite(degrees) or not -limit <= degrees <= limit:
        what = Msg(N_("latitude") if limit == 90 else N_("longitude"))
        raise FormProblem(N_("Place {n}: the {what} is a number from -{limit} to {limit}."),
                          n=number, what=what, limit=limit)  # fmt: skip
    return degrees


def places_from_form(form: Form) -> list[dict]:
    """The posted places (address, optional name, optional map position)."""
    places = []
    for number, i in enumerate(_rows(form, "p"), start=1):
        if _one(form, f"p{i}_remove"):
            continue
        address, name = _one(form, f"p{i}_address"), _one(form, f"p{i}_name")
        lat = _degrees(_one(form, f"p{i}_latitude"), 90, number)
        lon = _degrees(_one(form, f"p{i}_longitude"), 180, number)
        if not (address or name or lat is not None or lon is not None):
            continue
        if not address:
            raise FormProblem(N_("Place {n}: give the address."), n=number)
        if (lat is None) != (lon is None):
            raise FormProblem(N_("Place {n}: give both latitude and longitude, or neither."),
                              n=number)  # fmt: skip
        place: dict[str, Any] = {"address": address}
        if name:
            place["name"] = name
        if lat is not None:
            place.update(latitude=lat, longitude=lon)
        try:
            places.append(protocol.validate_object(protocol.PLACE_FIELDS, place, "place"))
        except protocol.ProtocolError as exc:
            raise FormProblem(N_("Place {n}: {why}."), n=number, why=exc.problem) from None
    if len(places) > MAX_PLACES:
        raise FormProblem(N_("At most {max} places."), max=MAX_PLACES)
    return places


# -- a refused form, shown again as it was posted ---------------------------------------------


def posted_rows(form: Form, languages: Sequence[str]) -> tuple[list[dict], list[dict]]:
    """The meeting and place rows as posted (unchecked), for showing a refused form again:
    nobody has to type their changes twice. At most MAX_MEETINGS + 1 and MAX_PLACES rows."""
    meetings = []
    for i in _rows(form, "m")[: MAX_MEETINGS + 1]:
        meetings.append({
            **{k: _one(form, f"m{i}_{k}") for k in ("pattern", "interval", "nth", "monthday",
                                                   "rrule", "starts_on", "opens", "closes",
                                                   "place")},
            "days": list(form.get(f"m{i}_days", ())),
            "months": list(form.get(f"m{i}_months", ())),
            "when": {lang: _one(form, f"m{i}_when_{lang}") for lang in languages
                     if _one(form, f"m{i}_when_{lang}")},
        })  # fmt: skip
    places = []
    for i in _rows(form, "p")[:MAX_PLACES]:
        places.append({k: _one(form, f"p{i}_{k}") or None
                       for k in ("address", "name", "latitude", "longitude")})  # fmt: skip
    return meetings, places
