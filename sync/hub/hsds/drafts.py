"""A community drafted from what the source says (docs/open-data.md, "Import: what becomes a
community"): from an HSDS service (or an organization without services), or from a row of the
desk's spreadsheet. A draft holds every editable field; what a field cannot take is reported
with file, line and field; a draft that breaks the protocol's rules is skipped with the
field named (sync.protocol decides, as for every record the hub stores)."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from sync import protocol, recurrence
from sync.hub.hsds import model
from sync.hub.hsds.readers import Item, Problem, json_value
from sync.hub.hsds.terms import Terms, language_code
from sync.hub.i18n import translator
from sync.hub.taxonomy import LANGUAGES

TEXTS = protocol.COMMUNITY_TEXT_FIELDS
#: HSDS service.status -> a community's state (the exact state travels as ontmoet:state).
STATES = {"active": "active", "temporarily closed": "resting", "inactive": "seeking_organiser",
          "defunct": "ended"}  # fmt: skip
#: What a group says when the source says nothing: the sign-up page's words (signup.py).
DEFAULTS = {
    "welcome": "Everyone is welcome. Ask the group what to expect.",
    "accessibility": "Ask the group how easy the place is to reach.",
    "contact": "Ask at the reception of the town hall.",
}
PITCH_LIMIT, TEXT_LIMIT = 120, 4000  # protocol: localised(120), localised(4000)
MAX_MEETINGS, MAX_PLACES = 20, 10
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})")


@dataclass
class Draft:
    source_id: str
    name: str
    file: str
    line: int
    fields: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    skip: Problem | None = None  # why this one is not imported

    def problem(self, name: str, text: str, at: tuple | None = None) -> None:
        file, line = at or (self.file, self.line)
        self.problems.append(Problem(file, line, name, text))


def clean(value: object, multiline: bool = True) -> str:
    """Text as the protocol wants it: NFC, trimmed, Windows line ends made plain."""
    text = unicodedata.normalize("NFC", json_value(value)).replace("\r\n", "\n")
    return text.strip() if multiline else " ".join(text.split())


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",.;:")
    return cut + "…"


def defaults(name: str) -> dict[str, str]:
    return dict(_defaults(name))


@functools.cache
def _defaults(name: str) -> dict[str, str]:
    return {lang: translator(lang)(DEFAULTS[name]) for lang in LANGUAGES}


def finish(draft: Draft) -> Draft:
    """Fill what a community needs and the source did not say; check the whole draft."""
    fields = draft.fields
    if draft.skip:
        return draft
    if not fields.get("themes"):
        draft.skip = Problem(draft.file, draft.line, "themes",
                             "no theme that this hub knows (see the unknown terms)")  # fmt: skip
        return draft
    if not fields.get("pitch"):
        draft.skip = Problem(draft.file, draft.line, "pitch", "there is no short description")
        return draft
    fields["pitch"] = {k: shorten(v, PITCH_LIMIT) for k, v in fields["pitch"].items()}
    for name in ("story", "welcome", "accessibility", "contact"):
        for lang, text in (fields.get(name) or {}).items():
            if len(text) > TEXT_LIMIT:  # a directory's long description: kept, shortened
                fields[name][lang] = shorten(text, TEXT_LIMIT)
                draft.problem(f"{name}.{lang}", f"longer than {TEXT_LIMIT} characters: shortened")
    if not fields.get("story"):
        fields["story"] = dict(fields["pitch"])
    for name in DEFAULTS:
        if not fields.get(name):
            fields[name] = defaults(name)
    fields.setdefault("kind", "informal_group")
    fields.setdefault("state", "active")
    for name, empty in (("gifts_welcome", []), ("neighbourhood", None), ("schedule", []),
                        ("places", []), ("languages", []), ("join_url", None)):  # fmt: skip
        fields.setdefault(name, empty)
    try:
        draft.fields = protocol.community_changes("record", fields)
    except protocol.ProtocolError as exc:
        draft.skip = Problem(draft.file, draft.line, exc.field.removeprefix("record."),
                             exc.problem)  # fmt: skip
    return draft


# -- HSDS --------------------------------------------------------------------------------------


def from_hsds(item: Item, terms: Terms, today: date) -> Draft:
    data = item.data
    org = (data.get("organization") or {}) if item.kind == "service" else data
    name = clean(data.get("name") or org.get("name"), multiline=False)
    draft = Draft(json_value(data.get("id")), name, item.file, item.line)
    fields = draft.fields
    fields["name"] = name
    texts: dict[str, dict[str, str]] = {t: {} for t in TEXTS}
    listed: dict[str, list[str]] = {"themes": [], "gifts_welcome": []}
    for attribute in data.get("attributes") or []:
        _attribute(draft, attribute, texts, listed, terms)
    own = clean(data.get("description")) if item.kind == "service" else ""
    pitch = clean(org.get("description"))
    if pitch and pitch not in texts["pitch"].values():  # an export's first pitch written
        texts["pitch"].setdefault("nl", pitch)
    if own:
        texts["story"].setdefault("nl", own)
    if not texts["pitch"] and own:
        texts["pitch"]["nl"] = own
    welcome = clean(data.get("application_process"))
    if welcome:
        texts["welcome"].setdefault("nl", welcome)
    fields["themes"], fields["gifts_welcome"] = listed["themes"], listed["gifts_welcome"]
    if not texts["contact"]:
        texts["contact"].update(_contact_route(data, org))
    for text, values in texts.items():
        values = {lang: value for lang, value in values.items() if value}
        if values:
            fields[text] = values
    if "state" not in fields:
        status = clean(data.get("status")).lower()
        fields["state"] = STATES.get(status, "active")
    url = clean(data.get("url") if item.kind == "service" else "") or clean(org.get("website"))
    if url:
        if url.startswith("https://"):
            fields["join_url"] = url
        else:
            draft.problem("url", "is not an https:// address: left out")
    fields["languages"] = _languages(draft, data.get("languages") or [])
    _meetings_and_places(draft, data, today)
    return finish(draft)


def _attribute(draft: Draft, attribute: dict, texts: dict, listed: dict, terms: Terms) -> None:
    link_type = clean(attribute.get("link_type"), multiline=False)
    value = clean(attribute.get("value"))
    if link_type.startswith("ontmoet:"):
        parts = link_type.split(":")
        if parts[1:] == ["state"] and value in protocol.LIFECYCLE_STATES:
            draft.fields["state"] = value
        elif len(parts) == 3 and parts[1] in TEXTS and parts[2] in LANGUAGES and value:
            texts[parts[1]][parts[2]] = value
        return
    term = attribute.get("taxonomy_term")
    if not isinstance(term, dict):
        term = _exported_term(attribute)
        if term is None:
            return
    found = terms.classify(term)
    if found is None:
        return
    name, slug = found
    if name in listed:
        if slug not in listed[name]:
            listed[name].append(slug)
    else:  # kind, neighbourhood: one
        draft.fields[name] = slug


def _exported_term(attribute: dict) -> dict | None:
    """A classification of Ontmoet's own JSON export names its term by id only; the id is
    uuid5 of the list and the slug (sync.hub.hsds.model), and the value is the slug."""
    term_id, slug = json_value(attribute.get("taxonomy_term_id")), clean(attribute.get("value"))
    if not term_id or not slug:
        return None
    for name, scheme in model.TAXONOMIES.items():
        if name != "fields" and model.term_id(name, slug) == term_id:
            return {"code": slug, "name": slug, "taxonomy": scheme}
    return {"code": term_id, "name": slug, "taxonomy": ""}


_EMAIL = re.compile(r"[^\s@,;<>]+@[^\s@,;<>]+\.[^\s@,;<>]+")


def _contact_route(data: dict, org: dict) -> dict[str, str]:
    """The group's public way in: the service's (or organization's) e-mail and phones. The
    contacts (people) only when those give none, and never a person's name."""
    emails, numbers = [], []

    def add(owner: dict) -> None:
        address = clean(owner.get("email"), multiline=False)
        if _EMAIL.fullmatch(address) and address not in emails:
            emails.append(address)
        for phone in owner.get("phones") or []:
            number = clean(phone.get("number"), multiline=False)
            if number and number not in numbers:
                numbers.append(number)

    add(data)
    add(org)
    if not emails and not numbers:
        for contact in data.get("contacts") or []:
            add(contact)
    if not emails and not numbers:
        return {}
    result = {}
    for lang in LANGUAGES:
        _ = translator(lang)
        parts = []
        if numbers:
            parts.append(_("Phone: {numbers}").format(numbers=", ".join(numbers[:3])))
        if emails:
            parts.append(_("E-mail: {addresses}").format(addresses=", ".join(emails[:3])))
        result[lang] = "\n".join(parts)
    return result


def _languages(draft: Draft, languages: list) -> list[str]:
    codes = []
    for language in languages:
        if not isinstance(language, dict):
            continue
        text = clean(language.get("code") or language.get("name"), multiline=False)
        code = language_code(text) if text else None
        if code is None:
            if text:
                draft.problem("languages", f"'{text[:40]}' is not a language this hub knows",
                              language.get("_at"))  # fmt: skip
            continue
        if code not in codes:
            codes.append(code)
    return codes


def place_text(location: dict) -> tuple[str, str]:
    """(name, address text) of an HSDS location: its short description (where an export
    keeps a place's text without a postcode), else its address as 'street, 1234 AB town'."""
    name = clean(location.get("name"), multiline=False)
    described = clean(location.get("description"))
    if described and "\n" not in described and len(described) <= 200:
        return name, described
    address = ""
    for found in location.get("addresses") or []:
        street = ", ".join(filter(None, (clean(found.get("address_1"), False),
                                         clean(found.get("address_2"), False))))  # fmt: skip
        town = " ".join(filter(None, (clean(found.get("postal_code"), False),
                                      clean(found.get("city"), False))))  # fmt: skip
        address = ", ".join(filter(None, (street, town)))
        if address:
            break
    return name, address


def _meetings_and_places(draft: Draft, data: dict, today: date) -> None:
    links = [link for link in data.get("service_at_locations") or [] if isinstance(link, dict)]
    locations = [link.get("location") or {} for link in links]
    for location in data.get("locations") or []:  # an organization's own locations
        if isinstance(location, dict):
            locations.append(location)
    scheduled = [(s, None) for s in data.get("schedules") or [] if isinstance(s, dict)]
    for link in links:
        scheduled += [(s, link.get("location")) for s in link.get("schedules") or []]
    by_id = {json_value(loc.get("id")): loc for loc in locations if loc.get("id")}
    at_link = {json_value(link.get("id")): link.get("location") for link in links}
    used: set[str] = set()
    meetings = []
    for sched, location in scheduled:
        location = (
            location
            or by_id.get(json_value(sched.get("location_id")))
            or at_link.get(json_value(sched.get("service_at_location_id")))
        )
        if location is None and len(by_id) == 1:
            location = next(iter(by_id.values()))
        at = sched.get("_at")
        if location is None:
            draft.problem("schedule", "no location for this meeting: left out", at)
            continue
        name, address = place_text(location)
        place = address if clean(location.get("description")) == address else name or address
        if not place:
            draft.problem("schedule", "its location has no name or address: left out", at)
            continue
        used.add(json_value(location.get("id")))
        meeting = _meeting(draft, sched, place, today)
        if meeting and meeting not in meetings:
            meetings.append(meeting)
    if len(meetings) > MAX_MEETINGS:
        draft.problem("schedule", f"more than {MAX_MEETINGS} meetings: the rest left out")
    draft.fields["schedule"] = meetings[:MAX_MEETINGS]
    places = []
    for location in locations:
        has_map = _number(location.get("latitude")) is not None
        if json_value(location.get("id")) in used and not has_map:
            continue  # the meeting names it already
        name, address = place_text(location)
        entry = {"address": address or name}
        if name and name != entry["address"]:
            entry["name"] = name
        lat, lon = _number(location.get("latitude")), _number(location.get("longitude"))
        if lat is not None and lon is not None:
            entry.update(latitude=lat, longitude=lon)
        if entry["address"] and entry not in places:
            places.append(entry)
    if len(places) > MAX_PLACES:
        draft.problem("places", f"more than {MAX_PLACES} places: the rest left out")
    draft.fields["places"] = places[:MAX_PLACES]


def _number(value: object) -> float | None:
    try:
        number = float(json_value(value))
    except ValueError:
        return None
    return number if number == number else None  # not NaN


def _clock(value: object) -> str | None:
    found = _CLOCK.match(json_value(value))
    if not found:
        return None
    return f"{int(found.group(1)):02d}:{found.group(2)}"


def _day(value: object) -> str | None:
    text = json_value(value)[:10]
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def rule_of(sched: dict) -> str | None:
    """An RRULE from HSDS's schedule columns (freq, interval, byday, ...), or None."""
    freq = json_value(sched.get("freq")).upper()
    if freq not in recurrence.FREQUENCIES:
        return None
    parts = [f"FREQ={freq}"]
    interval = json_value(sched.get("interval")).split(".")[0]
    if interval.isdigit() and int(interval) > 1:
        parts.append(f"INTERVAL={int(interval)}")
    for name in ("byday", "bymonthday"):
        value = json_value(sched.get(name)).upper().replace(" ", "")
        if value:
            parts.append(f"{name.upper()}={value}")
    count = json_value(sched.get("count")).split(".")[0]
    until = _day(sched.get("until"))
    if count.isdigit() and int(count) > 0:
        parts.append(f"COUNT={int(count)}")
    elif until:
        parts.append(f"UNTIL={until.replace('-', '')}")
    wkst = json_value(sched.get("wkst")).upper()
    if wkst:
        parts.append(f"WKST={wkst}")
    return ";".join(parts)


def _meeting(draft: Draft, sched: dict, place: str, today: date) -> dict | None:
    at = sched.get("_at")
    when = {}
    note = clean(sched.get("description")) or clean(sched.get("notes"))
    if note:
        when["nl"] = shorten(note, 200)
    for attribute in sched.get("attributes") or []:
        parts = clean(attribute.get("link_type"), False).split(":")
        value = clean(attribute.get("value"))
        if len(parts) == 3 and parts[:2] == ["ontmoet", "when"] and parts[2] in LANGUAGES and value:
            when[parts[2]] = shorten(value, 200)
    meeting: dict = {"place": shorten(place, 200)}
    if when:
        meeting["when"] = when
    exact = [clean(a.get("value"), False) for a in sched.get("attributes") or []
             if clean(a.get("link_type"), False) == "ontmoet:rrule"]  # fmt: skip
    rule = exact[0] if exact and exact[0] else rule_of(sched)
    if rule:
        timed = {
            "rrule": rule,
            # No first day given: the year's first, so that the same source gives the same
            # record on every day of the year.
            "starts_on": _day(sched.get("dtstart"))
            or _day(sched.get("valid_from"))
            or date(today.year, 1, 1).isoformat(),
            "opens": _clock(sched.get("opens_at")),
        }
        closes = _clock(sched.get("closes_at"))
        if closes:
            timed["closes"] = closes
        try:
            if not timed["opens"]:
                raise protocol.ProtocolError("opens_at", "a repeating time needs its start time")
            meeting = protocol.meeting("schedule", {**meeting, **timed})
        except protocol.ProtocolError as exc:
            what = "kept as a note" if when else "left out"
            draft.problem(exc.field or "schedule", f"{exc.problem}: the time is {what}", at)
    if not meeting.get("when") and not meeting.get("rrule"):
        if not rule:
            draft.problem("schedule", "has no repeating time and no description: left out", at)
        return None
    return meeting
