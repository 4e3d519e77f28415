"""A meeting said in words, in the visitor's language: "Every Tuesday, 14.00–16.00",
"Every last Friday of the month", "Every Saturday, April to September"; and the next day it
happens. For the kiosk's community screen and match reasons, and the hub's public page.

Weekday and month names come from Babel's CLDR data for the language; the sentences around
them are gettext messages (English msgids, kiosk.i18n's catalogues). Dutch writes times as
14.00. A rule the sentences do not cover (an imported one) is not guessed at: its next date
and the group's own note say it. No Kivy, no store: plain values in, text out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from kiosk.i18n import translations
from sync import recurrence

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: Languages that write a time of day with a full stop (CLDR says 'HH:mm' for Dutch, but
#: Dutch style guides and town halls write 14.00).
DOTTED_TIMES = frozenset({"nl"})


def N_(message: str) -> str:  # noqa: N802  (gettext's name for "translate later")
    return message


ORDINAL_SENTENCES = {
    "1": N_("Every first {weekday} of the month"),
    "2": N_("Every second {weekday} of the month"),
    "3": N_("Every third {weekday} of the month"),
    "4": N_("Every fourth {weekday} of the month"),
    "-1": N_("Every last {weekday} of the month"),
}


def _gettext(lang: str) -> Callable[[str], str]:
    try:
        return translations(lang).gettext
    except LookupError:
        return translations("en").gettext


def _weekday(code: str, lang: str) -> str:
    from babel.dates import get_day_names

    return get_day_names("wide", context="format", locale=lang)[WEEKDAYS.index(code)]


def _month(number: int, lang: str) -> str:
    from babel.dates import get_month_names

    return get_month_names("wide", context="stand-alone", locale=lang)[number]


def _and(items: Sequence[str], lang: str) -> str:
    from babel.lists import format_list

    return format_list(list(items), locale=lang)


def clock(value: str, lang: str) -> str:
    """'14:00' as the language writes it: '14.00' in Dutch."""
    return value.replace(":", ".") if lang in DOTTED_TIMES else value


def times(opens: str | None, closes: str | None, lang: str) -> str:
    if not opens:
        return ""
    if not closes:
        return _gettext(lang)(N_("from {time}")).format(time=clock(opens, lang))
    return f"{clock(opens, lang)}–{clock(closes, lang)}"


def _months(numbers: list[int], lang: str) -> str:
    tr = _gettext(lang)
    if len(numbers) > 2 and numbers == list(range(numbers[0], numbers[-1] + 1)):
        return tr(N_("{first} to {last}")).format(
            first=_month(numbers[0], lang), last=_month(numbers[-1], lang)
        )
    return _and([_month(n, lang) for n in numbers], lang)


def describe(rule: str | None, opens: str | None, closes: str | None, lang: str) -> str:
    """'Every Tuesday, 14.00–16.00'; '' when there is nothing to say."""
    said = _rhythm(rule, lang)
    hours = times(opens, closes, lang)
    if said and hours:
        return _gettext(lang)(N_("{rhythm}, {hours}")).format(rhythm=said, hours=hours)
    return said or hours


def _rhythm(rule: str | None, lang: str) -> str:
    if not rule:
        return ""
    tr = _gettext(lang)
    parts = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
    names = set(parts)
    byday = parts.get("BYDAY", "").split(",") if parts.get("BYDAY") else []
    if parts.get("FREQ") == "WEEKLY" and byday and all(d in WEEKDAYS for d in byday):
        days = _and([_weekday(d, lang) for d in WEEKDAYS if d in byday], lang)
        if names == {"FREQ", "BYDAY"}:
            return tr(N_("Every {weekday}")).format(weekday=days)
        interval = parts.get("INTERVAL", "")
        if names == {"FREQ", "INTERVAL", "BYDAY"} and interval.isdigit():
            if interval == "2":
                return tr(N_("Every other {weekday}")).format(weekday=days)
            return tr(N_("Every {n} weeks on {weekday}")).format(n=int(interval), weekday=days)
        months = parts.get("BYMONTH", "").split(",")
        if names == {"FREQ", "BYDAY", "BYMONTH"} and all(m.isdigit() for m in months):
            return tr(N_("Every {weekday}, {months}")).format(
                weekday=days, months=_months(sorted({int(m) for m in months}), lang)
            )
        return ""
    if parts.get("FREQ") == "MONTHLY" and names == {"FREQ", "BYDAY"} and byday:
        nth = {d[:-2] for d in byday}
        days = [d[-2:] for d in byday]
        if (
            len(nth) == 1
            and (n := nth.pop()) in ORDINAL_SENTENCES
            and all(d in WEEKDAYS for d in days)
        ):
            names_of_days = _and([_weekday(d, lang) for d in WEEKDAYS if d in days], lang)
            return tr(ORDINAL_SENTENCES[n]).format(weekday=names_of_days)
        return ""
    day = parts.get("BYMONTHDAY", "")
    if parts.get("FREQ") == "MONTHLY" and names == {"FREQ", "BYMONTHDAY"} and day.isdigit():
        return tr(N_("Every month on day {day}")).format(day=int(day))
    return ""


def next_date(rule: str | None, starts_on: str | date | None, today: date) -> date | None:
    """The next day the meeting happens, today included; None without a rule."""
    if not rule or not starts_on:
        return None
    start = date.fromisoformat(starts_on) if isinstance(starts_on, str) else starts_on
    try:
        found = recurrence.next_dates(rule, start, today, count=1)
    except (ValueError, TypeError):
        return None
    return found[0] if found else None


def next_time(rule: str | None, starts_on: str | date | None, today: date, lang: str) -> str:
    """'Next time: Tuesday 8 December' ('' without a rule)."""
    day = next_date(rule, starts_on, today)
    if day is None:
        return ""
    from babel.dates import format_date

    return _gettext(lang)(N_("Next time: {date}")).format(
        date=format_date(day, "EEEE d MMMM", locale=lang)
    )


def meeting_line(meeting, lang: str, today: date) -> str:
    """One line for a meeting (a kiosk Meeting or the protocol's dict): its rhythm and times,
    then its next date; '' when it has no rule (the note says it then)."""
    get = meeting.get if isinstance(meeting, dict) else lambda k: getattr(meeting, k, None)
    said = describe(get("rrule"), get("opens"), get("closes"), lang)
    upcoming = next_time(get("rrule"), get("starts_on"), today, lang)
    return " · ".join(part for part in (said, upcoming) if part)
