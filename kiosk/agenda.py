"""What's on: the events a screen shows, chosen and worded without Kivy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from kiosk.models import Event, pick
from kiosk.store import Store


@dataclass(frozen=True)
class AgendaLine:
    event_id: str
    community_id: str
    when: str  # '14:00 – 16:00'
    title: str  # in the visitor's language where the community gave one
    community: str
    place: str


def clock_time(moment: datetime, lang: str) -> str:
    """'14.00' in Dutch, as Dutch texts write it (and the communities do); '14:00' elsewhere."""
    separator = "." if lang == "nl" else ":"
    return f"{moment.hour}{separator}{moment.minute:02d}"


def _line(event: Event, community_name: str, lang: str) -> AgendaLine:
    when = f"{clock_time(event.starts_at, lang)} – {clock_time(event.ends_at, lang)}"
    return AgendaLine(
        event.id, event.community_id, when, pick(event.title, lang)[0], community_name, event.place
    )


def today_in_hall(store: Store, now: datetime, lang: str) -> list[AgendaLine]:
    """Today's events in the town hall's own hall that have not ended yet."""
    midnight = datetime.combine(now.date(), time())
    events = [e for e in store.events_between(now, midnight + timedelta(days=1)) if e.in_hall]
    names = {c.id: c.name for c in store.communities([e.community_id for e in events])}
    return [_line(e, names.get(e.community_id, ""), lang) for e in events]
