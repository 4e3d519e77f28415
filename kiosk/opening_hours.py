"""The hall's opening hours: outside them the panel sleeps (dark, backlight off where the
panel lets us), and a touch wakes it for a while.

Written the way OpenStreetMap writes opening hours, the form a municipality's web team
already knows: ``mo-fr 08:30-17:00; sa 10:00-13:00``. Days ``mo tu we th fr sa su``, single
or as a range, several separated by commas (``mo,we,fr``); a day may have several periods
(``mo 09:00-12:00,13:00-17:00``). Empty: always open.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

DAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")
_PERIOD = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class OpeningHoursError(ValueError):
    pass


def _days(text: str) -> list[int]:
    chosen: list[int] = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise OpeningHoursError(f"'{part.strip()}' is not a day or a range of days (mo-fr)")
        start, end = DAYS.index(first), DAYS.index(last or first)
        chosen += [d % 7 for d in range(start, end + 1 if end >= start else end + 8)]
    return chosen


def _minutes(period: str) -> tuple[int, int]:
    match = _PERIOD.match(period.strip())
    if not match:
        raise OpeningHoursError(f"'{period.strip()}' is not a time span like 08:30-17:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start or end > 24 * 60:
        raise OpeningHoursError(f"'{period.strip()}' must end later on the same day")
    return start, end


def parse(text: str) -> dict[int, list[tuple[int, int]]]:
    """Weekday (Monday 0) -> open periods in minutes since midnight. Raises with the part
    that is wrong, so the setting's error says what to fix."""
    week: dict[int, list[tuple[int, int]]] = {}
    for rule in filter(None, (r.strip().lower() for r in text.split(";"))):
        days, _, periods = rule.partition(" ")
        if not periods.strip():
            raise OpeningHoursError(f"'{rule}' needs days and times, like 'mo-fr 08:30-17:00'")
        spans = [_minutes(p) for p in periods.split(",")]
        for day in _days(days):
            week.setdefault(day, []).extend(spans)
    return week


class OpeningHours:
    def __init__(self, text: str) -> None:
        self.week = parse(text)
        self.always = not text.strip()

    def is_open(self, moment: datetime) -> bool:
        if self.always:
            return True
        minute = moment.hour * 60 + moment.minute
        return any(start <= minute < end for start, end in self.week.get(moment.weekday(), ()))


class Backlight:
    """The panel's backlight through sysfs (``bl_power``: 0 on, 4 off), where the panel has
    one and the kiosk may write it (deploy/install-kiosk.sh gives the video group that
    right). Where it cannot, the black screen alone is the sleep."""

    def __init__(self, root: Path = Path("/sys/class/backlight")) -> None:
        self.root = root

    def set(self, on: bool) -> int:
        """Switch every backlight; returns how many took it."""
        done = 0
        for power in sorted(self.root.glob("*/bl_power")) if self.root.is_dir() else ():
            try:
                power.write_text("0" if on else "4")
                done += 1
            except OSError:
                continue
        return done
