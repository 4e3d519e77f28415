"""What's on: the events a screen shows, chosen and worded without Kivy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from kiosk.i18n import _, format_short_day
from kiosk.models import Occurrence
from kiosk.presenters import localised
from kiosk.store import Store


@dataclass(frozen=True)
class AgendaLine:
    """One occurrence of an event, worded for a screen (a series gives a line per time)."""

    event_id: str
    community_id: str | None  # None: an event of the town hall itself
    when: str  # '14.00 – 16.00'
    title: str  # in the visitor's language where the community gave one, else marked
    community: str
    place: str
    day: str = ""  # 'do 3 dec'; empty for today
    in_hall: bool = False
    key: str = ""  # this occurrence among the lines: a series has several lines per event


def clock_time(moment: datetime, lang: str) -> str:
    """'14.00' in Dutch, as Dutch texts write it (and the communities do); '14:00' elsewhere."""
    separator = "." if lang == "nl" else ":"
    return f"{moment.hour}{separator}{moment.minute:02d}"


def calendar_url(public_url: str, event_id: str) -> str:
    """The hub serves the event as an .ics file there: scanning adds it to a phone's agenda."""
    return f"{public_url.rstrip('/')}/e/{event_id}.ics"


def _lines(store: Store, found: list[Occurrence], now: datetime, lang: str) -> list[AgendaLine]:
    ids = sorted({o.event.community_id for o in found if o.event.community_id})
    names = {c.id: c.name for c in store.communities(ids)}
    hall = _("Town hall")  # the organiser of the hall's own events, in the visitor's language
    lines = []
    for o in found:
        e = o.event
        day = "" if o.starts_at.date() == now.date() else format_short_day(o.starts_at.date(), lang)
        when = f"{clock_time(o.starts_at, lang)} – {clock_time(o.ends_at, lang)}"
        title = localised(e.title, lang)  # 'In Dutch: ...' where the group wrote no other
        community = names.get(e.community_id, "") if e.community_id else hall
        lines.append(
            AgendaLine(
                e.id,
                e.community_id,
                when,
                title,
                community,
                e.place,
                day,
                e.in_hall,
                f"{e.id}@{o.starts_at.isoformat()}",
            )  # fmt: skip
        )
    return lines


def week_ahead(store: Store, now: datetime, lang: str, days: int = 7) -> list[AgendaLine]:
    """Occurrences from now to the end of the ``days``-th day, in time order (a weekly event
    once per week, a daily one every day); today's have no day."""
    midnight = datetime.combine(now.date(), time())
    return _lines(store, store.events_between(now, midnight + timedelta(days=days)), now, lang)


def today_in_hall(store: Store, now: datetime, lang: str) -> list[AgendaLine]:
    """Today's events in the town hall's own hall that have not ended yet."""
    return [line for line in week_ahead(store, now, lang, days=1) if line.in_hall]
