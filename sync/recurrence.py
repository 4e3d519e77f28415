"""Repeating times as RFC 5545 recurrence rules (RRULE), as HSDS 3.0's schedule table and
every phone's calendar have them: "FREQ=WEEKLY;BYDAY=TU", "FREQ=MONTHLY;BYDAY=-1FR" (every
last Friday), "FREQ=WEEKLY;BYDAY=SA;BYMONTH=4,5,6,7,8,9" (Saturdays in the summer half).

Shared by kiosk and hub: the protocol checks a rule with :func:`check` before it is stored or
queued, and both sides expand rules with :func:`occurrences`, always inside a window and up
to a count, so no rule (however it was written) can make either side loop or fill memory.

What a rule may say is an allowlist: a meeting or an event repeats at most daily (no
SECONDLY, MINUTELY or HOURLY), its time of day is the record's own start and end (no BYHOUR,
BYMINUTE, BYSECOND), and it must happen at least once in the next two years.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import islice

from dateutil.rrule import rrule, rrulestr

MAX_LENGTH = 200
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
#: Parts of RFC 5545's RRULE that a rule here may use. Not BYSETPOS, BYWEEKNO or BYYEARDAY:
#: with them a rule can match no day at all, and dateutil then steps day by day to the year
#: 9999 before it says so (seconds of a hub's CPU for one form). What groups need ("every
#: last Friday", "Saturdays in summer", "the 1st of the month") is said without them.
PARTS = ("FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "WKST")
#: A series may name a last day at most this many years after its first.
MAX_UNTIL_YEARS = 5
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_WEEKDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
MAX_INTERVAL = 52
MAX_COUNT = 1000
#: A rule must happen within this many days of its start, or it is refused as never happening.
HORIZON_DAYS = 2 * 366
#: At most this many occurrences are ever expanded from one rule in one call.
MAX_OCCURRENCES = 400

_PART = re.compile(r"^[A-Z]+=[A-Z0-9,+\-]+$")


class RecurrenceError(ValueError):
    """A rule that is not allowed here; the message says why, in plain words."""


def check(value: object, must_end: bool = False, start: datetime | None = None) -> str:
    """``value`` if it is an allowed rule, else RecurrenceError. ``must_end``: the rule must
    have a COUNT or an UNTIL (an event series ends; a group's weekly meeting need not).
    ``start``: the series' first day where known (whether a rule ever happens can depend on
    it: every fourth year on 29 February)."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_LENGTH:
        raise RecurrenceError(f"must be a recurrence rule of at most {MAX_LENGTH} characters")
    parts = {}
    for part in value.split(";"):
        if not _PART.match(part):
            raise RecurrenceError(f"has a part that is not NAME=VALUE: {part[:30]!r}")
        name, setting = part.split("=", 1)
        if name not in PARTS:
            raise RecurrenceError(f"may not use {name} (allowed: {', '.join(PARTS)})")
        if name in parts:
            raise RecurrenceError(f"has {name} twice")
        parts[name] = setting
    if parts.get("FREQ") not in FREQUENCIES:
        raise RecurrenceError("must repeat daily, weekly, monthly or yearly (FREQ), no more often")
    if "COUNT" in parts and "UNTIL" in parts:
        raise RecurrenceError("may have COUNT or UNTIL, not both")
    if must_end and not ("COUNT" in parts or "UNTIL" in parts):
        raise RecurrenceError("must end: give COUNT (how many times) or UNTIL (a last day)")
    for name, limit in (("INTERVAL", MAX_INTERVAL), ("COUNT", MAX_COUNT)):
        if name in parts and not (parts[name].isdigit() and 1 <= int(parts[name]) <= limit):
            raise RecurrenceError(f"{name} must be a whole number from 1 to {limit}")
    start = start or datetime(2026, 1, 1)
    _check_can_happen(parts, start)
    try:
        rule = _parse(value, start)
        first = next(iter(rule), None)
    except (ValueError, TypeError, OverflowError) as exc:
        raise RecurrenceError(f"is not a valid RFC 5545 rule ({exc})") from None
    if first is None or first > start + timedelta(days=HORIZON_DAYS):
        raise RecurrenceError("never happens (no date matches it in the next two years)")
    return value


def _check_can_happen(parts: dict[str, str], start: datetime) -> None:
    """Refuse, by the rule's parts alone, the combinations that can match no day (or one in
    centuries): dateutil finds that out only by stepping through every period to 9999."""
    freq = parts["FREQ"]
    interval = int(parts.get("INTERVAL", "1"))
    months = [int(m) for m in parts["BYMONTH"].split(",")] if "BYMONTH" in parts else []
    if any(not 1 <= m <= 12 for m in months):
        raise RecurrenceError("BYMONTH must name months 1 to 12")
    if interval > 1 and (freq == "YEARLY" or (freq == "MONTHLY" and months)):
        # Every other month, only in February: from March that is never.
        raise RecurrenceError("may repeat every few days, weeks or months, not with BYMONTH")
    monthdays = parts.get("BYMONTHDAY")
    if monthdays is not None:
        if freq not in ("MONTHLY", "YEARLY"):
            raise RecurrenceError("BYMONTHDAY goes with a monthly or yearly rule")
        longest = max(_DAYS_IN_MONTH[m - 1] for m in months) if months else 31
        for day in monthdays.split(","):
            if not day.lstrip("-").isdigit() or not 1 <= abs(int(day)) <= longest:
                raise RecurrenceError(f"never happens: BYMONTHDAY {day} is in none of its months")
    for day in parts.get("BYDAY", "").split(",") if "BYDAY" in parts else ():
        found = _WEEKDAY.match(day)
        if not found:
            raise RecurrenceError(f"BYDAY {day[:10]} is not a valid weekday (like TU or -1FR)")
        if found.group(1):  # the 2nd Tuesday, the last Friday
            nth, most = abs(int(found.group(1))), 53 if freq == "YEARLY" and not months else 5
            if freq not in ("MONTHLY", "YEARLY") or monthdays is not None or not 1 <= nth <= most:
                raise RecurrenceError(f"never happens: BYDAY {day} does not fit this rule")
    if "UNTIL" in parts:
        until = re.match(r"^(\d{4})(\d{2})(\d{2})", parts["UNTIL"])
        if until is None:
            raise RecurrenceError("UNTIL must be a day like 20271231")
        if int(until.group(1)) > start.year + MAX_UNTIL_YEARS:
            raise RecurrenceError(f"UNTIL may be at most {MAX_UNTIL_YEARS} years after the start")


@lru_cache(maxsize=1024)
def _parse(value: str, start: datetime) -> rrule:
    # UNTIL may be a date or a UTC moment; either way it is compared with local, naive
    # times here (a meeting's time is the town's own).
    value = re.sub(r"UNTIL=(\d{8})(T\d{6})?Z?", r"UNTIL=\1T235959", value)
    # Parsed once per rule and start, and each keeps what it stepped through (dateutil's
    # cache, behind its own lock): What's on asks the same series again every minute, and
    # stepping from a first day months back was most of its time.
    return rrulestr(value, dtstart=start, cache=True)


def occurrences(
    value: str | None, first: datetime, after: datetime, before: datetime
) -> Iterator[datetime]:
    """The starts of a series that begins at ``first`` (the first occurrence's start, naive
    local time) and repeats by rule ``value`` (None: only ``first``), from ``after`` up to
    ``before``, at most MAX_OCCURRENCES of them."""
    if value is None:
        if after <= first < before:
            yield first
        return
    rule = _parse(value, first)
    for moment in rule.between(after, before, inc=True)[:MAX_OCCURRENCES]:
        if moment < before:
            yield moment


def series_end(value: str | None, first: datetime, duration: timedelta) -> datetime | None:
    """When the last occurrence ends; None for a rule without an end (a weekly meeting)."""
    if value is None:
        return first + duration
    rule = _parse(value, first)
    if rule._count is None and rule._until is None:  # dateutil keeps them as set
        return None
    *_, last = first, *islice(rule, MAX_COUNT)  # an UNTIL before the start: only the start
    return last + duration


def next_dates(value: str, start: date, today: date, count: int = 3) -> list[date]:
    """The next ``count`` days a rule (starting ``start``) falls on, from ``today`` on."""
    first = datetime.combine(start, time())
    after = datetime.combine(today, time())
    found = occurrences(value, first, after, after + timedelta(days=HORIZON_DAYS))
    return [moment.date() for moment in islice(found, count)]
