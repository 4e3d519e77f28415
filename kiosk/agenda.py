"""What's on: the events a screen shows, chosen and worded without Kivy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from kiosk.i18n import format_short_day
from kiosk.models import Event
from kiosk.presenters import localised
from kiosk.store import Store


@dataclass(frozen=True)
class AgendaLine:
    event_id: str
    community_id: str
    when: str  # '14.00 – 16.00'
    title: str  # in the visitor's language where the community gave one, else marked
    community: str
    place: str
    day: str = ""  # 'do 3 dec'; empty for today
    in_hall: bool = False


def clock_time(moment: datetime, lang: str) -> str:
    """'14.00' in Dutch, as Dutch texts write it (and the communities do); '14:00' elsewhere."""
    separator = "." if lang == "nl" else ":"
    return f"{moment.hour}{separator}{moment.minute:02d}"


def calendar_url(public_url: str, event_id: str) -> str:
    """The hub serves the event as an .ics file there: scanning adds it to a phone's agenda."""
    return f"{public_url.rstrip('/')}/e/{event_id}.ics"


def _lines(store: Store, events: list[Event], now: datetime, lang: str) -> list[AgendaLine]:
    names = {c.id: c.name for c in store.communities([e.community_id for e in events])}
    lines = []
    for e in events:
        day = "" if e.starts_at.date() == now.date() else format_short_day(e.starts_at.date(), lang)
        when = f"{clock_time(e.starts_at, lang)} – {clock_time(e.ends_at, lang)}"
        title = localised(e.title, lang)  # 'In Dutch: ...' where the group wrote no other
        lines.append(
            AgendaLine(
                e.id,
                e.community_id,
                when,
                title,
                names.get(e.community_id, ""),
                e.place,
                day,
                e.in_hall,
            )
        )
    return lines


def week_ahead(store: Store, now: datetime, lang: str, days: int = 7) -> list[AgendaLine]:
    """Events from now to the end of the ``days``-th day, in time order; today's have no day."""
    midnight = datetime.combine(now.date(), time())
    return _lines(store, store.events_between(now, midnight + timedelta(days=days)), now, lang)


def today_in_hall(store: Store, now: datetime, lang: str) -> list[AgendaLine]:
    """Today's events in the town hall's own hall that have not ended yet."""
    return [line for line in week_ahead(store, now, lang, days=1) if line.in_hall]
