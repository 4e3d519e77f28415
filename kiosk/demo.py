"""The demo data: the fictional municipality of Lindewaard, its communities and their events.

``assets/demo/taxonomy.json`` holds themes, gifts and neighbourhoods; ``communities.json`` holds
the communities (each in its own words, Dutch and English) and events given as days from today,
so the demo always has something on 'today in the hall'. Everything is validated before the
first row is written: a bad file changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path

from kiosk.models import (
    COMMUNITY_KINDS,
    COMMUNITY_TEXT_FIELDS,
    GIFT_KINDS,
    LIFECYCLE_STATES,
    Event,
    Term,
)
from kiosk.paths import DEMO_DIR
from kiosk.store import Store, transaction

# Stable ids: the same demo community has the same UUID on every kiosk and at the hub.
DEMO_NAMESPACE = uuid.UUID("6f1d3c2e-8a51-4b7e-9c0a-0e5d1b7a4c21")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class DemoError(Exception):
    """The demo data is invalid; the message names the file, the record and the field."""


def demo_id(slug: str) -> str:
    return str(uuid.uuid5(DEMO_NAMESPACE, slug))


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DemoError(f"{path}: cannot be read ({exc.strerror}).") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DemoError(f"{path}: is not valid JSON ({exc}).") from None
    if not isinstance(data, dict):
        raise DemoError(f"{path}: must hold a JSON object.")
    return data


class _Checker:
    """Collects the location for error messages while walking a file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, problem: str) -> None:
        raise DemoError(f"{self.path}: {where}: {problem}")

    def text(self, where: str, value: object, max_len: int = 4000) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(where, "must be a non-empty text")
        if len(value) > max_len:
            self.fail(where, f"is longer than {max_len} characters")
        return value

    def localised(self, where: str, value: object, max_len: int = 4000) -> dict[str, str]:
        if not isinstance(value, dict) or "nl" not in value:
            self.fail(where, 'must be an object of texts per language with at least "nl"')
        for lang, text in value.items():
            self.text(f"{where}.{lang}", text, max_len)
        return value

    def slugs(self, where: str, value: object, allowed: set[str], min_len: int = 1) -> list:
        if not isinstance(value, list) or len(value) < min_len:
            self.fail(where, f"must be a list of at least {min_len}")
        for item in value:
            if item not in allowed:
                self.fail(where, f"unknown value {item!r}; known: {', '.join(sorted(allowed))}")
        return value


def _terms(check: _Checker, data: dict, key: str) -> list[Term]:
    items = data.get(key)
    if not isinstance(items, list) or not items:
        check.fail(key, "must be a non-empty list")
    terms = []
    for i, item in enumerate(items):
        where = f"{key}[{i}]"
        if not isinstance(item, dict) or not _SLUG.match(str(item.get("slug", ""))):
            check.fail(where, "needs a slug of lower-case letters, digits and dashes")
        kind = item.get("kind")
        if key == "gifts" and kind not in GIFT_KINDS:
            check.fail(where, f"kind must be one of {', '.join(GIFT_KINDS)}")
        terms.append(Term(item["slug"], check.localised(f"{where}.label", item.get("label")), kind))
    return terms


def load_taxonomy(path: Path) -> tuple[list[Term], list[Term], list[Term]]:
    data = _read(path)
    check = _Checker(path)
    return (
        _terms(check, data, "themes"),
        _terms(check, data, "neighbourhoods"),
        _terms(check, data, "gifts"),
    )


def community_records(
    path: Path, themes: set[str], neighbourhoods: set[str], gifts: set[str], today: date
) -> tuple[list[dict], list[dict]]:
    """Validated community records (store shape, without photo) and raw events."""
    data = _read(path)
    check = _Checker(path)
    items = data.get("communities")
    if not isinstance(items, list) or not items:
        check.fail("communities", "must be a non-empty list")
    records, seen = [], set()
    for i, c in enumerate(items):
        where = f"communities[{i}]"
        if not isinstance(c, dict):
            check.fail(where, "must be an object")
        slug = c.get("slug")
        if not isinstance(slug, str) or not _SLUG.match(slug):
            check.fail(where, "needs a slug of lower-case letters, digits and dashes")
        if slug in seen:
            check.fail(where, f"slug {slug!r} is used twice")
        seen.add(slug)
        where = f"community '{slug}'"
        if c.get("kind") not in COMMUNITY_KINDS:
            check.fail(f"{where}.kind", f"must be one of {', '.join(COMMUNITY_KINDS)}")
        if c.get("state") not in LIFECYCLE_STATES:
            check.fail(f"{where}.state", f"must be one of {', '.join(LIFECYCLE_STATES)}")
        if c.get("neighbourhood") not in neighbourhoods:
            check.fail(f"{where}.neighbourhood", f"unknown value {c.get('neighbourhood')!r}")
        join_url = c.get("join_url")
        if join_url is not None and not (
            isinstance(join_url, str) and join_url.startswith("https://")
        ):
            check.fail(f"{where}.join_url", "must be an https:// address or null")
        schedule = c.get("schedule")
        if not isinstance(schedule, list):
            check.fail(f"{where}.schedule", "must be a list")
        for j, meeting in enumerate(schedule):
            if not isinstance(meeting, dict):
                check.fail(f"{where}.schedule[{j}]", "must be an object")
            if "rrule" in meeting:  # a repeating time: the protocol's own rules
                from sync.protocol import ProtocolError
                from sync.protocol import meeting as protocol_meeting

                try:
                    protocol_meeting(f"{where}.schedule[{j}]", meeting)
                except ProtocolError as exc:
                    check.fail(exc.field, exc.problem)
            else:
                check.localised(f"{where}.schedule[{j}].when", meeting.get("when"), 200)
            check.text(f"{where}.schedule[{j}].place", meeting.get("place"), 200)
        languages = c.get("languages")
        if not isinstance(languages, list) or not all(
            isinstance(x, str) and re.fullmatch(r"[a-z]{2,3}", x) for x in languages
        ):
            check.fail(f"{where}.languages", "must be a list of language codes like 'nl'")
        days_ago = c.get("last_confirmed_days_ago", 0)
        if isinstance(days_ago, bool) or not isinstance(days_ago, int) or days_ago < 0:
            check.fail(f"{where}.last_confirmed_days_ago", "must be a whole number >= 0")
        reception = c.get("reception_wrote", [])
        if not isinstance(reception, list):
            check.fail(f"{where}.reception_wrote", "must be a list of field names")
        records.append(
            {
                "id": demo_id(slug),
                "name": check.text(f"{where}.name", c.get("name"), 120),
                "kind": c["kind"],
                "themes": check.slugs(f"{where}.themes", c.get("themes"), themes),
                "gifts_welcome": check.slugs(
                    f"{where}.gifts_welcome", c.get("gifts_welcome"), gifts
                ),
                "neighbourhood": c["neighbourhood"],
                "schedule": schedule,
                "languages": languages,
                "join_url": join_url,
                "state": c["state"],
                "provenance": {f: "reception" for f in reception},
                "last_confirmed": (today - timedelta(days=days_ago)).isoformat(),
                "image": demo_image(path.parent, slug),
                **{
                    f: check.localised(f"{where}.{f}", c.get(f), 120 if f == "pitch" else 4000)
                    for f in COMMUNITY_TEXT_FIELDS
                },
            }
        )
    events = data.get("events", [])
    if not isinstance(events, list):
        check.fail("events", "must be a list")
    for i, e in enumerate(events):
        where = f"events[{i}]"
        if not isinstance(e, dict) or e.get("community") not in seen:
            check.fail(where, "must name the slug of a community in this file")
        check.localised(f"{where}.title", e.get("title"), 200)
        check.text(f"{where}.place", e.get("place"), 200)
        for key in ("start", "end"):
            if not isinstance(e.get(key), str) or not _CLOCK.match(e[key]):
                check.fail(f"{where}.{key}", "must be a time like '14:00'")
        offset = e.get("day_offset")
        if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= 366:
            check.fail(f"{where}.day_offset", "must be a whole number of days from today")
    return records, events


def demo_image(demo_dir: Path, slug: str) -> dict | None:
    """The group's photo, photos/<slug>.jpg (drawn by scripts/make_demo_photos.py and made
    as the hub makes an upload), as the record's ``image`` field; None without one."""
    path = demo_dir / "photos" / f"{slug}.jpg"
    if not path.is_file():
        return None
    from PIL import Image  # the header only: width and height

    data = path.read_bytes()
    with Image.open(path) as image:
        width, height = image.size
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "width": width,
            "height": height}  # fmt: skip


def _events(raw: list[dict], today: date) -> list[Event]:
    result = []
    for e in raw:
        day = today + timedelta(days=e["day_offset"])
        starts = datetime.combine(day, time.fromisoformat(e["start"]))
        ends = datetime.combine(day, time.fromisoformat(e["end"]))
        result.append(
            Event(
                id=demo_id(f"{e['community']}/{e['day_offset']}/{e['start']}"),
                community_id=demo_id(e["community"]),
                title=e["title"],
                starts_at=starts,
                ends_at=ends if ends > starts else ends + timedelta(days=1),
                place=e["place"],
                in_hall=bool(e.get("in_hall")),
            )
        )
    return result


def read_demo(demo_dir: Path = DEMO_DIR, today: date | None = None):
    """Validated demo data: (themes, neighbourhoods, gifts, community records, events)."""
    today = today or date.today()
    themes, neighbourhoods, gifts = load_taxonomy(demo_dir / "taxonomy.json")
    records, raw_events = community_records(
        demo_dir / "communities.json",
        {t.slug for t in themes},
        {n.slug for n in neighbourhoods},
        {g.slug for g in gifts},
        today,
    )
    events = _events(raw_events, today)
    seen: set[str] = set()
    for event in events:
        if event.id in seen:
            raise DemoError(
                f"{demo_dir / 'communities.json'}: two events of one community start on the "
                f"same day at the same time (event id {event.id})"
            )
        seen.add(event.id)
    return themes, neighbourhoods, gifts, records, events


def load_demo(
    store: Store, photos_dir: Path, today: date | None = None, demo_dir: Path = DEMO_DIR
) -> int:
    """Load the demo into ``store``: taxonomies, communities with pictures, events dated from
    ``today``. Returns the number of communities."""
    from kiosk.pictures import write_picture  # Pillow: loaded only when pictures are made

    today = today or date.today()
    themes, neighbourhoods, gifts, records, events = read_demo(demo_dir, today)
    slugs = {demo_id(slug): slug for slug in _slugs(demo_dir)}
    for record in records:
        if record.get("image"):  # the group's photo, kept under its hash as a sync would
            photos_dir.mkdir(parents=True, exist_ok=True)
            data = (demo_dir / "photos" / f"{slugs[record['id']]}.jpg").read_bytes()
            name = f"{record['image']['sha256']}.jpg"
            (photos_dir / name).write_bytes(data)
            record["photo"] = name
        else:
            record["photo"] = write_picture(photos_dir, record["id"], record["name"])
    with transaction(store.conn):  # all of the demo, or nothing of it
        store.replace_taxonomies(themes, neighbourhoods, gifts)
        count = store.upsert_communities(records)
        store.replace_events(events)
        store.set_state("demo_events_on", today.isoformat())
    return count


def _slugs(demo_dir: Path) -> list[str]:
    return [c["slug"] for c in _read(demo_dir / "communities.json")["communities"]]


def refresh_demo_events(store: Store, today: date, demo_dir: Path = DEMO_DIR) -> None:
    """Re-date the demo events from ``today``, so a demo kiosk left running stays current."""
    store.replace_events(read_demo(demo_dir, today)[4])
    store.set_state("demo_events_on", today.isoformat())
