"""The attract screen's stories: which group the hall sees at which moment of the day.

Every community is equal, so the attract screen gives every group the same time. The day is
cut into slots of ``SECONDS`` seconds; slot *n* shows the group at place *n* (modulo their
number) of the day's fair order (kiosk.fair_order: the hash of a seed and the group's id). The
seed is the day and the kiosk's name: the order is new every day, nobody's size, age or
popularity goes into it, and two kiosks in one hall do not show the same group at once.

Within a day the groups follow each other round and round in one order, so in any run of
consecutive slots each group comes up as often as any other, give or take one. The choice is
a pure function of the moment: a kiosk that restarts, or comes back to its attract screen
after a visitor, carries on where the clock is, not from the start.

No Kivy here; tests count shares over thousands of slots in milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from kiosk.fair_order import fair_sorted

#: How long one story stays (seconds): long enough to read a line at arm's length.
SECONDS = 8


def day_seed(day: date, kiosk: str = "") -> str:
    return f"stories:{day.isoformat()}:{kiosk}"


def slot_of(moment: datetime, seconds: int = SECONDS) -> int:
    """The slot of the day ``moment`` falls in (0 at midnight)."""
    since_midnight = moment.hour * 3600 + moment.minute * 60 + moment.second
    return since_midnight // seconds


def day_order(community_ids: Sequence[str], day: date, kiosk: str = "") -> list[str]:
    """The day's fair order of the groups (sorted first: the order of the input is no key)."""
    return fair_sorted(sorted(set(community_ids)), day_seed(day, kiosk))


def story_at(
    community_ids: Sequence[str], moment: datetime, kiosk: str = "", seconds: int = SECONDS
) -> str | None:
    """The id of the group whose story shows at ``moment`` (None: there are no groups)."""
    order = day_order(community_ids, moment.date(), kiosk)
    if not order:
        return None
    return order[slot_of(moment, seconds) % len(order)]


def seconds_to_next(moment: datetime, seconds: int = SECONDS) -> float:
    """How long until the next slot begins (the screen wakes then, not every frame)."""
    since_midnight = moment.hour * 3600 + moment.minute * 60 + moment.second
    return seconds - (since_midnight % seconds) - moment.microsecond / 1e6


@dataclass(frozen=True)
class Story:
    """One group's story, worded for the attract screen."""

    community_id: str
    name: str
    line: str  # its pitch in the screen's language, or honestly marked ('In Dutch: ...')
    photo: str  # a file in the photos folder: the group's photo or its drawn picture
    has_photo: bool  # True: the group's own photo; False: its drawn picture
    initials: str  # for a card drawn on screen, when there is no picture file yet


def one_line(text: str, limit: int = 140) -> str:
    """The first sentence or line of a pitch, at most ``limit`` characters (cut at a word)."""
    line = " ".join(text.split("\n", 1)[0].split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:–-")
    return cut + "…"


def story(community, lang: str) -> Story:
    """A community (kiosk.models.Community) as a story in ``lang``."""
    from kiosk.presenters import localised

    photo = community.photo or ""
    if not photo:  # not drawn yet (the sync worker draws them): the screen draws a card
        from kiosk.pictures import initials  # Pillow: only in this rare case

        letters = initials(community.name)
    else:
        letters = ""
    return Story(
        community_id=community.id,
        name=community.name,
        line=one_line(localised(community.pitch, lang)),
        photo=photo,
        has_photo=photo.endswith(".jpg"),  # the hub's photos; drawn pictures are PNG
        initials=letters,
    )
