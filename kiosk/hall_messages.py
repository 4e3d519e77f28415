"""The hall's messages on the kiosk: which show now, and where the pulled ones are kept.

The desk schedules short messages for the hall (sync/hub/hall_messages.py); they reach the
kiosks as the shared record ``hall_message`` (sync.protocol). A message shows from its first
to its last day, on its days of the week (none chosen: every day), from ``from_time`` up to
(not including) ``until_time`` in the hall's local time, on the kiosks it names (none: all).
The attract screen shows the current ones; an urgent one (the hall closes early) shows on
every screen.

The decision is a pure function of the messages, the local moment and the kiosk's name, so
tests travel in time without a clock. No Kivy here.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

WEEKDAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")  # as protocol.WEEKDAYS


@dataclass(frozen=True)
class HallMessage:
    id: str
    text: Mapping[str, str]  # {lang: text}; Dutch always there (the desk requires it)
    first_day: date
    last_day: date
    days: tuple[str, ...]  # mo..su; empty: every day
    from_time: str  # 'HH:MM', local
    until_time: str  # 'HH:MM', local, not included
    kiosks: tuple[str, ...]  # kiosk names; empty: all
    urgent: bool

    @classmethod
    def from_record(cls, data: Mapping) -> HallMessage:
        """From the protocol's record (checked by sync.protocol before it was stored)."""
        return cls(
            id=data["id"],
            text=dict(data["text"]),
            first_day=date.fromisoformat(data["first_day"]),
            last_day=date.fromisoformat(data["last_day"]),
            days=tuple(data["days"]),
            from_time=data["from_time"],
            until_time=data["until_time"],
            kiosks=tuple(data["kiosks"]),
            urgent=bool(data["urgent"]),
        )

    def shows(self, moment: datetime, kiosk: str) -> bool:
        """Whether this message shows at the local ``moment`` on the kiosk named ``kiosk``."""
        if self.kiosks and kiosk not in self.kiosks:
            return False
        if not self.first_day <= moment.date() <= self.last_day:
            return False
        if self.days and WEEKDAYS[moment.weekday()] not in self.days:
            return False
        return self.from_time <= f"{moment:%H:%M}" < self.until_time

    def words(self, lang: str) -> str:
        """The text in ``lang``, or honestly marked ('In Dutch: ...'), as the kiosk does."""
        from kiosk.presenters import localised

        return localised(dict(self.text), lang)


def showing(messages: Iterable[HallMessage], moment: datetime, kiosk: str) -> list[HallMessage]:
    """The messages that show now: urgent ones first, then by the time they began."""
    found = [m for m in messages if m.shows(moment, kiosk)]
    return sorted(found, key=lambda m: (not m.urgent, m.from_time, m.first_day, m.id))


# -- kept on the kiosk (table hall_messages, kiosk/schema.py m011) ---------------------------


def put(conn: sqlite3.Connection, data: Mapping) -> None:
    """Keep a pulled message (new or changed); call inside the page's transaction."""
    conn.execute(
        "INSERT INTO hall_messages (id, data) VALUES (?, ?)"
        " ON CONFLICT (id) DO UPDATE SET data = excluded.data",
        [data["id"], json.dumps(data, ensure_ascii=False, sort_keys=True)],
    )


def delete(conn: sqlite3.Connection, message_id: str) -> None:
    conn.execute("DELETE FROM hall_messages WHERE id = ?", [message_id])


def keep_only(conn: sqlite3.Connection, seen_sql: str) -> None:
    """After a pull from zero: forget the messages the hub no longer has."""
    conn.execute(f"DELETE FROM hall_messages WHERE id NOT IN ({seen_sql})")


def stored(conn: sqlite3.Connection) -> list[HallMessage]:
    """Every message this kiosk holds (a few dozen at most: the desk caps them)."""
    return [
        HallMessage.from_record(json.loads(data))
        for (data,) in conn.execute("SELECT data FROM hall_messages ORDER BY id")
    ]


def showing_now(conn: sqlite3.Connection, moment: datetime, kiosk: str) -> list[HallMessage]:
    return showing(stored(conn), moment, kiosk)
