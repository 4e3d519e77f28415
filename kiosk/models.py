"""The kiosk's records as plain Python, independent of how the store keeps them.

Texts that a community writes come in the languages it wrote them in: ``{"nl": ..., "en": ...}``.
The interface picks the visitor's language and says so honestly when it has to fall back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sync.protocol import (  # noqa: F401  (the vocabularies are the wire protocol's)
    COMMUNITY_KINDS,
    COMMUNITY_TEXT_FIELDS,
    GIFT_KINDS,
    LIFECYCLE_STATES,
)

Localised = dict[str, str]


def pick(texts: Localised, lang: str, fallback: str = "nl") -> tuple[str, str]:
    """The text in ``lang``, else in ``fallback``, else any: returns (text, language used)."""
    for candidate in (lang, fallback, *texts):
        if texts.get(candidate):
            return texts[candidate], candidate
    return "", lang


@dataclass(frozen=True)
class Term:
    """An entry of a small taxonomy: a theme, a neighbourhood or a gift."""

    slug: str
    labels: Localised
    kind: str | None = None  # gifts only: head, hands or heart

    def label(self, lang: str) -> str:
        return pick(self.labels, lang)[0]


@dataclass(frozen=True)
class Meeting:
    """When and where a community meets: a repeating time (an RFC 5545 rule from its first
    day, with its hours) and/or the group's own note ('Elke dinsdag 10.00–12.00', 'not in
    the school holidays'); kiosk.meeting_words says the rule in words."""

    when: Localised  # the note; may be empty when the rule says it all
    place: str
    rrule: str | None = None
    starts_on: date | None = None
    opens: str | None = None  # '14:00'
    closes: str | None = None

    @classmethod
    def from_record(cls, data: dict) -> Meeting:
        """A meeting as the wire protocol shapes it."""
        starts_on = data.get("starts_on")
        return cls(
            when=data.get("when") or {},
            place=data["place"],
            rrule=data.get("rrule"),
            starts_on=date.fromisoformat(starts_on) if starts_on else None,
            opens=data.get("opens"),
            closes=data.get("closes"),
        )


@dataclass(frozen=True)
class Community:
    id: str
    name: str
    kind: str
    pitch: Localised
    story: Localised
    themes: tuple[str, ...]
    gifts_welcome: tuple[str, ...]
    neighbourhood: str | None
    schedule: tuple[Meeting, ...]
    languages: tuple[str, ...]
    welcome: Localised
    accessibility: Localised
    contact: Localised
    join_url: str | None
    photo: str | None
    state: str
    provenance: dict[str, str] = field(default_factory=dict)
    last_confirmed: date | None = None
    revision: int = 1

    @property
    def is_open_to_join(self) -> bool:
        return self.state != "ended"

    def written_by(self, field_name: str) -> str:
        return self.provenance.get(field_name, "community")


@dataclass(frozen=True)
class Event:
    """An activity, once or as a series: ``starts_at``/``ends_at`` are the first occurrence's
    (naive local time), ``rrule`` (RFC 5545, always ending) repeats it. ``community_id`` is
    None for an event of the town hall itself."""

    id: str
    community_id: str | None
    title: Localised
    starts_at: datetime
    ends_at: datetime
    place: str
    in_hall: bool
    rrule: str | None = None
    description: Localised | None = None


@dataclass(frozen=True)
class Occurrence:
    """One time an event happens: the event, with this occurrence's start and end."""

    event: Event
    starts_at: datetime
    ends_at: datetime
