"""The wire protocol between kiosk and hub: versions, limits, and strict validation of what
crosses the wire. Kiosk and hub share this module and nothing else.

The kiosk checks every operation with it before the operation enters the outbox, so it never
queues what the hub would refuse; the hub checks every request with it before anything is
stored. Validation is an allowlist: a field that is not described here is refused, never
stored (no mass assignment), and every refusal names the field and the rule.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import unicodedata
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

PROTOCOL_VERSION = 1
#: The hub accepts the current version and the one before it (SYNC.md rule 12).
ACCEPTED_VERSIONS = frozenset({PROTOCOL_VERSION, PROTOCOL_VERSION - 1} - {0})
UPDATE_NEEDED = "update needed: the hub does not accept this protocol version"

MAX_BODY_BYTES = 256 * 1024
MAX_BATCH_OPS = 200
#: One operation must fit a push body on its own, or it could never be sent (SYNC.md rule 5).
MAX_OP_BYTES = MAX_BODY_BYTES - 1024
MAX_DEPTH = 10
MAX_PULL_BYTES = 16 * 1024 * 1024  # one page of pulled changes, as the kiosk reads it
MAX_PULL_LIMIT = 1000
MAX_INT_DIGITS = 18  # bigger numbers are refused, not parsed (no 10**100000 CPU burn)
SEALED_PAYLOAD_BYTES = 512 + 48  # kiosk.contact pads every detail to 512 bytes

ENTITIES = (
    "interest",
    "contact_request",
    "help_request",
    "take_home_list",
    "community_edit",
    "introduction",
    "group_tip",
    "wish",
    "kiosk_counts",
)
#: Records the hub shares with every kiosk (public data only, SYNC.md rule 7).
SHARED_ENTITIES = ("taxonomy", "community", "event", "settings", "hall_message")
#: Shared records newer than the protocol's first release: a kiosk receives them only when its
#: pull says it knows them (``knows=``). An older kiosk checks a page against its own list
#: and would refuse a whole page holding one; the hub leaves them out and moves its cursor on.
NEWER_SHARED_ENTITIES = ("hall_message",)
CHANNELS = ("email", "phone")
COMMUNITY_KINDS = ("informal_group", "cooperative", "club", "foundation", "network", "pop_up")
LIFECYCLE_STATES = ("active", "seasonal", "resting", "seeking_organiser", "ended")
GIFT_KINDS = ("head", "hands", "heart")
#: The texts a community writes in its own words, per language.
COMMUNITY_TEXT_FIELDS = ("pitch", "story", "welcome", "accessibility", "contact")
#: Who wrote a field of a community's record.
AUTHORS = ("community", "reception")
INTRODUCTION_KINDS = ("visitor_community", "visitor_visitor", "community_community")
#: Where a visitor said "I'd join this" (count me in): a search or the talents journey that
#: found nothing, or too little.
WISH_SOURCES = ("search", "talents")
WEEKDAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")
MAX_COUNTED_COMMUNITIES = 2000  # one kiosk_counts record: a day's opens per community

# Control characters (C0 and C1) and line or paragraph separators: refused in all text
# (a newline only where a text may have several lines).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
# In names, also every format character (Unicode category Cf: bidi marks, overrides and
# isolates, zero-width spaces, soft hyphens, tags) and fillers that show as blank: they make
# a name read differently from what it is. Zero-width (non-)joiners stay: emoji sequences
# (👨‍👩‍👧) and Persian names need them.
_JOINERS = {"\u200c", "\u200d"}
_BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0"}


def _deceptive(value: str) -> bool:
    return any(
        (unicodedata.category(c) == "Cf" and c not in _JOINERS) or c in _BLANK_LETTERS
        for c in value
    )


_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_HEX_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class ProtocolError(ValueError):
    """Input that the protocol refuses: ``field`` says where, the message says why."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}" if field else problem)
        self.field = field
        self.problem = problem


# -- JSON ------------------------------------------------------------------------------------


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # dict() in C first: a page of records holds a hundred thousand objects, nearly all fine.
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise ProtocolError(key, "appears twice in one object")
            seen.add(key)
    return result


def _no_constant(name: str) -> None:
    raise ProtocolError("", f"{name} is not a number JSON allows")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ProtocolError("", f"a number of more than {MAX_INT_DIGITS} digits")
    return int(text)


def _depth(value: Any) -> int:
    """How deep ``value`` nests, without recursion (a deep body must not exhaust the stack)."""
    # Only containers go on the stack: a scalar inside one only counts as one level deeper
    # (a page of records holds hundreds of thousands of scalars).
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if children:
            deepest = max(deepest, level + 1)
            stack.extend((v, level + 1) for v in children if isinstance(v, dict | list))
    return deepest


def parse_json(body: bytes, max_bytes: int = MAX_BODY_BYTES) -> Any:
    """Strict JSON: UTF-8 without BOM, no duplicate keys, no NaN or Infinity, no huge
    numbers, not too deep, not too big."""
    if not body:
        raise ProtocolError("", "the body is empty")
    if len(body) > max_bytes:
        raise ProtocolError("", f"the body is larger than {max_bytes} bytes")
    if body.startswith(b"\xef\xbb\xbf"):
        raise ProtocolError("", "the body starts with a byte order mark")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError("", "the body is not UTF-8") from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
            parse_int=_bounded_int,
        )
    except json.JSONDecodeError as exc:
        raise ProtocolError("", f"the body is not valid JSON ({exc.msg} at {exc.pos})") from None
    except RecursionError:
        raise ProtocolError("", f"the body is nested deeper than {MAX_DEPTH} levels") from None
    if _depth(value) > MAX_DEPTH:
        raise ProtocolError("", f"the body is nested deeper than {MAX_DEPTH} levels")
    return value


# -- field rules -----------------------------------------------------------------------------

Rule = Callable[[str, Any], Any]


def text(max_length: int, name: bool = False, multiline: bool = False) -> Rule:
    """Text in NFC, without control characters or lone surrogates; ``name``: also without
    bidi overrides and zero-width characters."""

    def check(field: str, value: Any) -> str:
        if not isinstance(value, str):
            raise ProtocolError(field, "must be text")
        if not value.strip():
            raise ProtocolError(field, "must not be empty")
        if len(value) > max_length:
            raise ProtocolError(field, f"is longer than {max_length} characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ProtocolError(field, "contains a lone surrogate") from None
        controls = _CONTROL.search(value) or (not multiline and "\n" in value)
        if controls:
            raise ProtocolError(field, "contains a control character")
        if not unicodedata.is_normalized("NFC", value):
            raise ProtocolError(field, "is not in Unicode normal form NFC")
        if name and _deceptive(value):
            raise ProtocolError(field, "contains an invisible or direction-changing character")
        return value

    return check


def integer(minimum: int = 0, maximum: int = 2**53) -> Rule:
    def check(field: str, value: Any) -> int:
        # In Python a bool is an int: true where a number belongs is refused.
        if isinstance(value, bool) or not isinstance(value, int):
            raise ProtocolError(field, "must be a whole number")
        if not minimum <= value <= maximum:
            raise ProtocolError(field, f"must be between {minimum} and {maximum}")
        return value

    return check


def uuid_text(field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ProtocolError(field, "must be a UUID")
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise ProtocolError(field, "must be a UUID") from None
    if str(parsed) != value:
        raise ProtocolError(field, "must be a UUID in lower-case canonical form")
    return value


def one_of(*choices: str) -> Rule:
    def check(field: str, value: Any) -> str:
        if value not in choices:
            raise ProtocolError(field, f"must be one of {', '.join(choices)}")
        return value

    return check


def matching(pattern: re.Pattern, what: str) -> Rule:
    def check(field: str, value: Any) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            raise ProtocolError(field, f"must be {what}")
        return value

    return check


def optional(rule: Rule, may_be_absent: bool = False) -> Rule:
    """null allowed; with ``may_be_absent`` the field may also be left out (a field added
    later: records queued by an older kiosk do not have it)."""

    def check(field: str, value: Any) -> Any:
        return None if value is None else rule(field, value)

    check.may_be_absent = may_be_absent  # type: ignore[attr-defined]
    return check


def list_of(rule: Rule, min_items: int = 0, max_items: int = 50) -> Rule:
    def check(field: str, value: Any) -> list:
        if not isinstance(value, list):
            raise ProtocolError(field, "must be a list")
        if not min_items <= len(value) <= max_items:
            raise ProtocolError(field, f"must have {min_items} to {max_items} items")
        items = [rule(f"{field}[{i}]", item) for i, item in enumerate(value)]
        if len(set(items)) != len(items):
            raise ProtocolError(field, "has an item twice")
        return items

    return check


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def iso_date(field: str, value: Any) -> str:
    # Only YYYY-MM-DD (fromisoformat also takes 20261231): dates are compared as text.
    try:
        if not _ISO_DATE.match(value):
            raise ValueError
        date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ProtocolError(field, "must be a date like 2026-12-31") from None
    return value


#: RFC 3339's shape, no other: Python's fromisoformat also takes week dates and the basic
#: format, which SQLite's date functions cannot read (a kiosk could dodge its quotas so).
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}:\d{2}|Z)")


def iso_moment(field: str, value: Any) -> str:
    """A moment with its time zone. Informational only: kiosk clocks jump (SYNC.md rule 10),
    so any year is taken, but only in RFC 3339's shape and within what UTC can hold."""
    if not isinstance(value, str) or not _MOMENT.fullmatch(value):
        raise ProtocolError(field, "must be a moment like 2026-11-28T14:00:00+00:00")
    try:
        datetime.fromisoformat(value).astimezone(UTC)
    except (ValueError, OverflowError):
        raise ProtocolError(field, "must be a moment like 2026-11-28T14:00:00+00:00") from None
    return value


def sealed_payload(field: str, value: Any) -> str:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise ProtocolError(field, "must be base64") from None
    if len(raw) != SEALED_PAYLOAD_BYTES:
        raise ProtocolError(field, f"must be a sealed box of {SEALED_PAYLOAD_BYTES} bytes")
    return value


slug = matching(_SLUG, "a slug of lower-case letters, digits and dashes")
language = matching(_LANGUAGE, "a language code like 'nl'")
sha256_hex = matching(_HEX_SHA256, "a SHA-256 in lower-case hexadecimal")
kiosk_name = text(64, name=True)


def flag(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ProtocolError(field, "must be true or false")
    return value


def https_url(field: str, value: Any) -> str:
    if (
        not isinstance(value, str)
        or not value.startswith("https://")
        or len(value) > 500
        or any(c.isspace() or c in "<>\"'" for c in value)
        or _CONTROL.search(value)
    ):
        raise ProtocolError(field, "must be an https:// address of at most 500 characters")
    return value


def local_moment(field: str, value: Any) -> str:
    """A moment as a community gives it (an event's start), with or without a time zone."""
    try:
        datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ProtocolError(field, "must be a moment like 2026-12-01T14:00:00") from None
    return value


def localised(max_length: int) -> Rule:
    """Texts per language, ``{"nl": ..., "en": ...}``: a community writes in its own words."""
    one_text = text(max_length, multiline=True)

    def check(field: str, value: Any) -> dict[str, str]:
        if not isinstance(value, dict) or not 1 <= len(value) <= 12:
            raise ProtocolError(field, "must be an object of 1 to 12 texts by language code")
        for lang, item in value.items():
            language(f"{field}.{lang}", lang)
            one_text(f"{field}.{lang}", item)
        return value

    return check


def record(rules: dict[str, Rule]) -> Rule:
    """An object with exactly these fields, each by its rule (an allowlist)."""

    def check(field: str, value: Any) -> dict[str, Any]:
        return validate_object(rules, value, field)

    return check


def objects(rule: Rule, max_items: int) -> Rule:
    """A list of objects (list_of needs hashable items to refuse doubles)."""

    def check(field: str, value: Any) -> list:
        if not isinstance(value, list) or len(value) > max_items:
            raise ProtocolError(field, f"must be a list of at most {max_items} items")
        return [rule(f"{field}[{i}]", item) for i, item in enumerate(value)]

    return check


def authors(field: str, value: Any) -> dict[str, str]:
    """Provenance: who wrote which field of a community's record."""
    if not isinstance(value, dict):
        raise ProtocolError(field, "must be an object of field names")
    for name, author in value.items():
        if name not in COMMUNITY_FIELDS:
            raise ProtocolError(f"{field}.{name}", "is not a field of a community")
        one_of(*AUTHORS)(f"{field}.{name}", author)
    return value


def validate_object(rules: dict[str, Rule], value: Any, where: str) -> dict[str, Any]:
    """``value`` checked against an allowlist: every required field present, nothing else.
    An optional field may also be absent (records written before it existed)."""
    if not isinstance(value, dict):
        raise ProtocolError(where, "must be an object")
    unknown = sorted(set(value) - set(rules))
    if unknown:
        raise ProtocolError(f"{where}.{unknown[0]}", "is not a field of this record")
    missing = sorted(
        name
        for name, rule in rules.items()
        if name not in value and not getattr(rule, "may_be_absent", False)
    )
    if missing:
        raise ProtocolError(f"{where}.{missing[0]}", "is missing")
    return {name: rule(f"{where}.{name}", value[name]) for name, rule in rules.items()
            if name in value}  # fmt: skip


_TERM = {"slug": slug, "labels": localised(80)}

_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
clock_time = matching(_CLOCK, "a time of day like 14:30")


def recurrence_rule(must_end: bool = False) -> Rule:
    """An RFC 5545 RRULE as sync.recurrence allows it (at most daily, happens, bounded)."""
    from sync import recurrence

    def check(field: str, value: Any) -> str:
        try:
            return recurrence.check(value, must_end=must_end)
        except recurrence.RecurrenceError as exc:
            raise ProtocolError(field, str(exc)) from None

    return check


def coordinate(limit: float) -> Rule:
    """A latitude (limit 90) or longitude (limit 180) in degrees, as a JSON number."""

    def check(field: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ProtocolError(field, "must be a number of degrees")
        if not -limit <= value <= limit:  # NaN fails this too
            raise ProtocolError(field, f"must be between -{limit:g} and {limit:g} degrees")
        return float(value)

    return check


#: When a community meets. The free note ("when") is what groups wrote before schedules were
#: structured, and stays beside a rule for what a rule cannot say ("except in the holidays").
#: A structured meeting has a rule, a first day and its times; a meeting needs one or the other.
MEETING_FIELDS: dict[str, Rule] = {
    "when": optional(localised(200), may_be_absent=True),
    "place": text(200),
    "rrule": optional(recurrence_rule(), may_be_absent=True),
    "starts_on": optional(iso_date, may_be_absent=True),  # the rule's first day (DTSTART)
    "opens": optional(clock_time, may_be_absent=True),
    "closes": optional(clock_time, may_be_absent=True),
}


def meeting(field: str, value: Any) -> dict[str, Any]:
    checked = validate_object(MEETING_FIELDS, value, field)
    if not checked.get("when") and not checked.get("rrule"):
        raise ProtocolError(field, "needs a repeating time (rrule) or a note (when)")
    if checked.get("rrule") and not (checked.get("starts_on") and checked.get("opens")):
        raise ProtocolError(field, "a repeating time needs its first day and its start time")
    if checked.get("starts_on") and not "2000" <= checked["starts_on"][:4] <= "2100":
        # Expanding a daily rule steps from its first day: from the year 1, 740,000 steps.
        raise ProtocolError(f"{field}.starts_on", "must be a day between 2000 and 2100")
    if checked.get("closes") and checked.get("opens") and checked["closes"] <= checked["opens"]:
        raise ProtocolError(f"{field}.closes", "must be later than opens")
    return checked


#: Where a community meets or can be found; the map position is optional.
PLACE_FIELDS: dict[str, Rule] = {
    "name": optional(text(120), may_be_absent=True),
    "address": text(200),
    "latitude": optional(coordinate(90), may_be_absent=True),
    "longitude": optional(coordinate(180), may_be_absent=True),
}
#: A community's photo: a JPEG the hub made (resized, metadata stripped) and serves by its
#: hash; kiosks fetch it, check the hash and keep it on disk.
MAX_PHOTO_BYTES = 1024 * 1024
IMAGE_FIELDS: dict[str, Rule] = {
    "sha256": sha256_hex,
    "bytes": integer(1, MAX_PHOTO_BYTES),
    "width": integer(1, 4096),
    "height": integer(1, 4096),
}

#: The records the hub shares with the kiosks: public, written by or for communities.
COMMUNITY_FIELDS: dict[str, Rule] = {
    "id": uuid_text,
    "name": text(120, name=True),
    "kind": one_of(*COMMUNITY_KINDS),
    "pitch": localised(120),
    "story": localised(4000),
    "themes": list_of(slug, 1, 30),
    "gifts_welcome": list_of(slug, 0, 30),
    "neighbourhood": optional(slug),
    "schedule": objects(meeting, 20),
    "places": optional(objects(record(PLACE_FIELDS), 10), may_be_absent=True),
    "image": optional(record(IMAGE_FIELDS), may_be_absent=True),
    "languages": list_of(language, 0, 20),
    "welcome": localised(4000),
    "accessibility": localised(4000),
    "contact": localised(4000),
    "join_url": optional(https_url),
    "state": one_of(*LIFECYCLE_STATES),
    "provenance": authors,
    "last_confirmed": optional(iso_date),
    "revision": integer(1),
}
#: What an edit may change: not the id, and not what the hub keeps for itself.
EDITABLE_COMMUNITY_FIELDS = tuple(
    f for f in COMMUNITY_FIELDS if f not in ("id", "provenance", "last_confirmed", "revision")
)
SHARED_FIELDS: dict[str, dict[str, Rule]] = {
    "taxonomy": {
        "id": one_of("taxonomy"),
        "themes": objects(record(_TERM), 100),
        "neighbourhoods": objects(record(_TERM), 100),
        "gifts": objects(record({**_TERM, "kind": one_of(*GIFT_KINDS)}), 100),
    },
    "community": COMMUNITY_FIELDS,
    # What every kiosk needs to know: the hash (argon2id) of the receptionist PIN, set at the
    # desk. A hash of a secret, never the PIN itself; no personal data.
    "settings": {
        "id": one_of("kiosk-settings"),
        "receptionist_pin_hash": matching(
            re.compile(
                r"^\$argon2id\$v=19\$m=\d{1,7},t=\d{1,3},p=\d{1,3}\$[A-Za-z0-9+/]{16,64}"
                r"\$[A-Za-z0-9+/]{16,128}$"
            ),
            "an argon2id hash",
        ),
    },
    # A short message for the hall's kiosks, scheduled at the desk: shown on the attract
    # screen on the chosen days (none: every day) between two local times, from its first to
    # its last day, on the kiosks named (none: all). An urgent one (the hall closes early)
    # is shown on every screen, not only the attract screen.
    "hall_message": {
        "id": uuid_text,
        "text": localised(200),
        "first_day": iso_date,
        "last_day": iso_date,
        "days": list_of(one_of(*WEEKDAYS), 0, 7),
        "from_time": clock_time,
        "until_time": clock_time,
        "kiosks": list_of(kiosk_name, 0, 100),
        "urgent": flag,
    },
    "event": {
        "id": uuid_text,
        "community_id": optional(uuid_text),  # None: the hall's own (made at the desk)
        "title": localised(200),
        "starts_at": local_moment,  # the first occurrence
        "ends_at": local_moment,
        "place": text(200),
        "in_hall": flag,
        # Repeating: RFC 5545, and a series ends (COUNT or UNTIL).
        "rrule": optional(recurrence_rule(must_end=True), may_be_absent=True),
        "description": optional(localised(2000), may_be_absent=True),
    },
}


def community_changes(field: str, value: Any) -> dict[str, Any]:
    """The fields an edit changes: at least one, each an editable field by its own rule."""
    if not isinstance(value, dict) or not value:
        raise ProtocolError(field, "must be an object with at least one changed field")
    for name in value:
        if name not in EDITABLE_COMMUNITY_FIELDS:
            raise ProtocolError(f"{field}.{name}", "is not a field that can be edited")
    return {name: COMMUNITY_FIELDS[name](f"{field}.{name}", v) for name, v in value.items()}


def validate_shared(entity: str, data: Any, where: str = "data") -> dict[str, Any]:
    if entity not in SHARED_FIELDS:
        raise ProtocolError("entity", f"must be one of {', '.join(SHARED_ENTITIES)}")
    return validate_object(SHARED_FIELDS[entity], data, where)


#: What a visitor may write in a tip: a group's name and a few words, never a way to reach
#: a person. An e-mail address or a telephone number in it is refused.
_CONTACT_LIKE = re.compile(r"@|(\d[\s\-./()]*){6,}")


def counts_by_community(field: str, value: Any) -> dict[str, int]:
    """{community id: a count from 1 up}, at most MAX_COUNTED_COMMUNITIES entries."""
    if not isinstance(value, dict) or not value:
        raise ProtocolError(field, "must be an object of counts, not empty")
    if len(value) > MAX_COUNTED_COMMUNITIES:
        raise ProtocolError(field, f"must count at most {MAX_COUNTED_COMMUNITIES} communities")
    count = integer(1, 1_000_000)
    return {uuid_text(f"{field}.key", key): count(f"{field}.{key}", n) for key, n in value.items()}


def tip_text(max_length: int, name: bool = False) -> Rule:
    plain = text(max_length, name=name)

    def check(field: str, value: Any) -> str:
        plain(field, value)
        if _CONTACT_LIKE.search(value):
            raise ProtocolError(field, "must not hold an e-mail address or a telephone number")
        return value

    return check


#: Every field of every kiosk-made record, with its rule. Nothing else is accepted.
RECORD_FIELDS: dict[str, dict[str, Rule]] = {
    "interest": {
        "id": uuid_text,
        "themes": list_of(slug, 0, 30),
        "gifts": list_of(slug, 0, 30),
        "neighbourhood": optional(slug),
        "language": language,
        "kiosk": kiosk_name,
        "created_at": iso_moment,
        # Registered by a receptionist on the visitor's behalf (receptionist mode).
        "assisted": optional(flag, may_be_absent=True),
    },
    "contact_request": {
        "id": uuid_text,
        # The groups the visitor chose; none when the request is about a wish ("count me
        # in": the visitor would join a group that does not exist yet), which it then names.
        "communities": list_of(uuid_text, 0, 20),
        "wish": optional(uuid_text, may_be_absent=True),
        "channel": one_of(*CHANNELS),
        "sealed_payload": sealed_payload,
        "consent_version": text(32),
        "expires_on": iso_date,
        "receipt_token_hash": sha256_hex,
        "created_at": iso_moment,
        "assisted": optional(flag, may_be_absent=True),
        # The language the visitor used at the kiosk: their receipt opens in it, and the
        # group's e-mail says in which language they would like to be answered.
        "language": optional(language, may_be_absent=True),
    },
    "help_request": {
        "id": uuid_text,
        "kiosk": kiosk_name,
        "language": language,
        "created_at": iso_moment,
    },
    "take_home_list": {
        "id": uuid_text,
        "token_hash": sha256_hex,
        "communities": list_of(uuid_text, 1, 50),
        "language": language,
        "expires_on": iso_date,
        "created_at": iso_moment,
    },
    # An edit of a shared record (SYNC.md rule 10): it says which revision it was based on,
    # so the hub can tell a conflicting edit from a follow-up.
    "community_edit": {
        "id": uuid_text,
        "community": uuid_text,
        "base_revision": integer(1),
        "changes": community_changes,
        "kiosk": kiosk_name,
        "created_at": iso_moment,
    },
    # An introduction a receptionist made on the spot, at the kiosk. Visitors appear in it
    # only as 'a visitor at this kiosk': never a name. Two visitors are introduced only when
    # both said yes, there and then (both_agreed).
    "introduction": {
        "id": uuid_text,
        "kind": one_of(*INTRODUCTION_KINDS),
        "communities": list_of(uuid_text, 0, 2),
        "note": optional(text(300), may_be_absent=True),  # left out when there is none
        "follow_up_weeks": integer(1, 26),
        "both_agreed": optional(flag, may_be_absent=True),
        "kiosk": kiosk_name,
        "created_at": iso_moment,
    },
    # A visitor's tip about a group the kiosk lacks (the desk follows it up). Only the group's
    # name and a few words: no field for a name, an address or a number of the visitor.
    "group_tip": {
        "id": uuid_text,
        "name": tip_text(120, name=True),
        "note": optional(tip_text(200), may_be_absent=True),
        "language": language,
        "kiosk": kiosk_name,
        "created_at": iso_moment,
    },
    # "I'd join this" (count me in): a search or the talents journey found nothing or too
    # little. Anonymous: a theme and/or a few words (no contact details in them); a visitor
    # who also wants to be contacted sends a contact_request naming this wish.
    "wish": {
        "id": uuid_text,
        "theme": optional(slug),
        "words": optional(tip_text(120)),
        "gifts": list_of(slug, 0, 30),
        "neighbourhood": optional(slug),
        "source": one_of(*WISH_SOURCES),
        "language": language,
        "kiosk": kiosk_name,
        "created_at": iso_moment,
        "assisted": optional(flag, may_be_absent=True),
    },
    # A day's anonymous counts of one kiosk: how often each community's page was opened.
    # Sent once the day is over (the record id is made from the kiosk and the day), so it
    # says nothing about one visit or one visitor.
    "kiosk_counts": {
        "id": uuid_text,
        "day": iso_date,
        "opened": counts_by_community,
        "kiosk": kiosk_name,
        "created_at": iso_moment,
    },
}

#: How many communities each kind of introduction names.
INTRODUCTION_COMMUNITIES = {"visitor_community": 1, "community_community": 2, "visitor_visitor": 0}


def check_introduction(fields: dict[str, Any], where: str) -> None:
    """What the field rules alone cannot say about an introduction."""
    communities = fields["communities"]
    if len(communities) != INTRODUCTION_COMMUNITIES[fields["kind"]]:
        raise ProtocolError(f"{where}.communities", "does not fit this kind of introduction")
    if len(set(communities)) != len(communities):
        raise ProtocolError(f"{where}.communities", "names the same community twice")
    if fields["kind"] == "visitor_visitor" and fields.get("both_agreed") is not True:
        raise ProtocolError(
            f"{where}.both_agreed", "two visitors are introduced only when both agreed"
        )


def check_contact_request(fields: dict[str, Any], where: str) -> None:
    """A contact request is about the groups a visitor chose, or about one wish: not both,
    not neither."""
    if bool(fields["communities"]) == bool(fields.get("wish")):
        raise ProtocolError(f"{where}.communities", "names groups or a wish (one of the two)")


def check_wish(fields: dict[str, Any], where: str) -> None:
    if not fields["theme"] and not (fields["words"] or "").strip():
        raise ProtocolError(f"{where}.words", "a wish names a theme or says a few words")


def validate_fields(entity: str, fields: Any, where: str = "fields") -> dict[str, Any]:
    """The fields of one record, checked against the allowlist of its entity."""
    if entity not in RECORD_FIELDS:
        raise ProtocolError("entity", f"must be one of {', '.join(ENTITIES)}")
    checked = validate_object(RECORD_FIELDS[entity], fields, where)
    if entity == "introduction":
        check_introduction(checked, where)
    elif entity == "contact_request":
        check_contact_request(checked, where)
    elif entity == "wish":
        check_wish(checked, where)
    return checked


OP_FIELDS: dict[str, Rule] = {
    "version": integer(1, 1000),
    "device_seq": integer(1),
    "op_id": uuid_text,
    "entity": one_of(*ENTITIES),
    "record_id": uuid_text,
}


#: Records a kiosk's token may not send, and why. A kiosk token is a machine's credential:
#: whoever holds a stolen kiosk.db must not change what visitors see. Such a record from an
#: older kiosk is quarantined with this reason and the attempt audited; a community's record
#: changes only through the desk, or the group's own edit link, with a person's yes.
NOT_FROM_KIOSKS = {
    "community_edit": "a kiosk cannot change a community's record: changes go through the "
    "desk, where a person reviews them",
}


def validate_op(op: Any, where: str = "op") -> dict[str, Any]:
    """One operation of a push batch: its envelope, its version, then its record."""
    if not isinstance(op, dict):
        raise ProtocolError(where, "must be an object")
    unknown = sorted(set(op) - set(OP_FIELDS) - {"fields"})
    if unknown:
        raise ProtocolError(f"{where}.{unknown[0]}", "is not a field of an operation")
    checked = {}
    for name, rule in OP_FIELDS.items():
        if name not in op:
            raise ProtocolError(f"{where}.{name}", "is missing")
        checked[name] = rule(f"{where}.{name}", op[name])
    if checked["version"] not in ACCEPTED_VERSIONS:
        raise ProtocolError(f"{where}.version", UPDATE_NEEDED)
    if checked["entity"] in NOT_FROM_KIOSKS:
        raise ProtocolError(f"{where}.entity", NOT_FROM_KIOSKS[checked["entity"]])
    checked["fields"] = validate_fields(checked["entity"], op.get("fields"), f"{where}.fields")
    if checked["fields"]["id"] != checked["record_id"]:
        raise ProtocolError(f"{where}.record_id", "differs from the record's own id")
    return checked


def parse_push(body: bytes) -> list[dict[str, Any]]:
    """A push request's operations with their envelopes checked (device_seq, op_id: whole
    numbers and UUIDs, contiguous, ascending, no op id twice) and their records not yet: the
    hub checks each record on its own, so one poison record is quarantined instead of
    blocking the queue (SYNC.md rule 5). A bad envelope refuses the whole batch."""
    data = parse_json(body)
    if not isinstance(data, dict) or set(data) != {"ops"}:
        raise ProtocolError("", 'the body must be an object with exactly one key, "ops"')
    ops = data["ops"]
    if not isinstance(ops, list) or not ops:
        raise ProtocolError("ops", "must be a non-empty list")
    if len(ops) > MAX_BATCH_OPS:
        raise ProtocolError("ops", f"must hold at most {MAX_BATCH_OPS} operations")
    for i, op in enumerate(ops):
        if not isinstance(op, dict):
            raise ProtocolError(f"ops[{i}]", "must be an object")
        unknown = sorted(set(op) - set(OP_FIELDS) - {"fields"})
        if unknown:
            raise ProtocolError(f"ops[{i}].{unknown[0]}", "is not a field of an operation")
        for name in ("device_seq", "op_id", "version"):
            if name not in op:
                raise ProtocolError(f"ops[{i}].{name}", "is missing")
        OP_FIELDS["device_seq"](f"ops[{i}].device_seq", op["device_seq"])
        OP_FIELDS["op_id"](f"ops[{i}].op_id", op["op_id"])
        integer(0, 10**6)(f"ops[{i}].version", op["version"])
        if op["version"] not in ACCEPTED_VERSIONS:
            # The whole batch waits (rule 12): the kiosk keeps queueing until it is updated.
            raise ProtocolError(f"ops[{i}].version", UPDATE_NEEDED)
        if i and op["device_seq"] != ops[i - 1]["device_seq"] + 1:
            raise ProtocolError(f"ops[{i}].device_seq", "must follow the one before it by 1")
    if len({op["op_id"] for op in ops}) != len(ops):
        raise ProtocolError("ops", "an op_id appears twice")
    return ops


def op_digest(op: dict[str, Any]) -> str:
    """A fingerprint of an operation as sent: the same seq with other content is refused.
    The protocol version is left out: an updated kiosk that resends an op it sent before its
    update sends the same op. ASCII escapes: even a lone surrogate has a fingerprint (and is
    then quarantined by the record's own rules)."""
    content = {k: v for k, v in op.items() if k != "version"}
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def validate_push(body: bytes) -> list[dict[str, Any]]:
    """A push request checked whole: the envelopes (parse_push), then every record."""
    return [validate_op(op, f"ops[{i}]") for i, op in enumerate(parse_push(body))]


# -- the hub's replies, as the kiosk checks them -------------------------------------------
# A kiosk trusts nothing it reads from the network: a truncated or corrupt reply raises
# ProtocolError (a ValueError), which the kiosk treats as "outcome unknown" (SYNC.md rule 5).

epoch_id = text(64)

PUSH_REPLY: dict[str, Rule] = {
    "epoch": epoch_id,
    "acked_seq": integer(0),
    "applied": integer(0),
    "duplicates": integer(0),
    "quarantined": objects(record({"device_seq": integer(1), "problem": text(1000)}), 1000),
}

_CHANGE: dict[str, Rule] = {
    "seq": integer(1),
    "entity": one_of(*SHARED_ENTITIES),
    "id": text(64),
    "deleted": flag,
    "data": lambda field, value: value,  # checked by its entity's rules below
}

PULL_REPLY: dict[str, Rule] = {
    "epoch": epoch_id,
    "acked_seq": integer(0),
    "resync": flag,
    "changes": objects(record(_CHANGE), MAX_PULL_LIMIT),
    "next": integer(0),
    "has_more": flag,
}

ENROL_REQUEST: dict[str, Rule] = {
    "code": matching(re.compile(r"^[A-Za-z0-9_-]{8,64}$"), "a one-time code"),
    # The kiosk's own id, made once: the hub tells a re-enrolled kiosk from a replaced one.
    "device": uuid_text,
}

ENROL_REPLY: dict[str, Rule] = {
    "kiosk": kiosk_name,
    "token": matching(re.compile(r"^[A-Za-z0-9_-]{32,128}$"), "a token"),
    "hub_public_key": matching(re.compile(r"^[A-Za-z0-9+/]{43}=$"), "a public key in base64"),
    "public_url": lambda field, value: public_address(field, value),
    "epoch": epoch_id,
}


def public_address(field: str, value: Any) -> str:
    """The hub's public address, where QR codes point: https, or plain http for a pilot on
    the hall's own network or a demo (phones then open it over http)."""
    if isinstance(value, str) and value.startswith("http://"):
        value_as_https = "https://" + value.removeprefix("http://")
        https_url(field, value_as_https)
        return value
    return https_url(field, value)


def parse_reply(body: bytes, rules: dict[str, Rule], max_bytes: int = MAX_BODY_BYTES) -> dict:
    return validate_object(rules, parse_json(body, max_bytes), "reply")


def parse_pull_reply(body: bytes) -> dict[str, Any]:
    """A page of changes, every shared record checked as the hub checks what it stores."""
    reply = parse_reply(body, PULL_REPLY, MAX_PULL_BYTES)
    previous = None
    for i, change in enumerate(reply["changes"]):
        where = f"changes[{i}]"
        if previous is not None and change["seq"] <= previous:
            raise ProtocolError(f"{where}.seq", "must be higher than the one before it")
        previous = change["seq"]
        if change["deleted"]:
            if change["data"] is not None:
                raise ProtocolError(f"{where}.data", "must be null for a deleted record")
            continue
        data = validate_shared(change["entity"], change["data"], f"{where}.data")
        if data["id"] != change["id"]:
            raise ProtocolError(f"{where}.id", "differs from the record's own id")
    if previous is not None and reply["next"] < previous:
        raise ProtocolError("next", "must not be lower than the last change's seq")
    return reply


# -- sealed contact details -------------------------------------------------------------------
# The kiosk seals {"channel", "value"} as JSON padded with spaces to 512 bytes in a libsodium
# sealed box with the hub's public key; only the hub's private key opens it.


def open_sealed(payload_b64: str, private_key: Any) -> tuple[str, str]:
    """(channel, value) of a sealed contact detail. Only the hub calls this. Whatever a kiosk
    sealed (a stolen one can seal anything) either opens to a channel and a text, or raises
    ProtocolError."""
    from nacl.exceptions import CryptoError
    from nacl.public import SealedBox

    try:
        plain = SealedBox(private_key).decrypt(base64.b64decode(payload_b64, validate=True))
        data = json.loads(plain.decode().rstrip())
        channel, value = data["channel"], data["value"]
    except (CryptoError, ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise ProtocolError("sealed_payload", "does not open to a contact detail") from None
    if channel not in ("email", "phone") or not isinstance(value, str) or not value:
        raise ProtocolError("sealed_payload", "does not open to a contact detail")
    return channel, value


def mask(channel: str, value: str) -> str:
    """Enough to recognise one's own detail on a shared screen, not enough to read it."""
    if channel == "email":
        local, _sep, domain = value.partition("@")
        name, _dot, tld = domain.rpartition(".")
        return f"{local[:1]}•••@{name[:1]}•••.{tld}" if name else f"{local[:1]}•••@•••"
    return value[:3] + "•" * max(0, len(value) - 5) + value[-2:]
