"""Events as calendar files (RFC 5545): one event for the kiosk's QR code (/e/<id>.ics) and
feeds to subscribe to (/calendar/hall.ics, /calendar/<community-id>.ics; sync/hub/pages.py).
A series carries its RRULE; times are given in the hall's time zone with its VTIMEZONE, so a
phone anywhere shows the hall's time. Only what the kiosks show anyone goes in."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

from sync.hub import render
from sync.hub.events import naive

#: Part of a calendar file's ETag: raise it when the files change shape for the same records.
CALENDAR_FORMAT = "1"


def calendar(records: list[tuple[dict, str]], names: dict[str, str], lang: str,
             public_url: str, said_in, localised, name: str = "") -> bytes:  # fmt: skip
    """An iCalendar file (RFC 5545) of these events with their rules, times in the hall's
    zone. Only what a kiosk shows anyone: title, times, place, description, the group's name
    and its public page."""
    from icalendar import Calendar, Event, vRecur

    zone = render.LOCAL_ZONE
    cal = Calendar()
    cal.add("prodid", "-//Ontmoet//hub//NL")
    cal.add("version", "2.0")
    if name:
        cal.add("x-wr-calname", name)
        cal.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    for record, updated in records:
        item = Event()
        item.add("uid", f"{record['id']}@ontmoet")
        item.add("summary", said_in(localised(record["title"], lang), lang))
        item.add("dtstart", naive(record["starts_at"]).replace(tzinfo=zone))
        item.add("dtend", naive(record["ends_at"]).replace(tzinfo=zone))
        # The moment the record last changed: the same file for the same record (an ETag).
        item.add("dtstamp", datetime.fromisoformat(updated).astimezone(UTC))
        item.add("location", record["place"])
        if record.get("rrule"):
            item.add("rrule", vRecur.from_ical(_utc_until(record["rrule"])))
        lines = []
        if record.get("description"):
            lines.append(said_in(localised(record["description"], lang), lang))
        group = names.get(record["community_id"] or "")
        if group:
            lines.append(group)
            if public_url:
                item.add("url", f"{public_url}/c/{record['community_id']}")
        if lines:
            item.add("description", "\n\n".join(lines))
        cal.add_component(item)
    cal.add_missing_timezones()
    return cal.to_ical()


def _utc_until(rule: str) -> str:
    """RFC 5545: with a DTSTART in a time zone, UNTIL is a UTC moment."""

    def utc(match: re.Match) -> str:
        if match.group(0).endswith("Z") and match.group(2):
            return match.group(0)  # a UTC moment already
        day = match.group(1)
        local = datetime.strptime(day + (match.group(2) or "T235959"), "%Y%m%dT%H%M%S")
        moment = local.replace(tzinfo=render.LOCAL_ZONE).astimezone(UTC)
        return f"UNTIL={moment:%Y%m%dT%H%M%S}Z"

    return re.sub(r"UNTIL=(\d{8})(T\d{6})?Z?", utc, rule)


def etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
