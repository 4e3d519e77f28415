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
from datetime import date, datetime
from typing import Any

PROTOCOL_VERSION = 1
#: The hub accepts the current version and the one before it (SYNC.md rule 12).
ACCEPTED_VERSIONS = frozenset({PROTOCOL_VERSION, PROTOCOL_VERSION - 1} - {0})

MAX_BODY_BYTES = 256 * 1024
MAX_BATCH_OPS = 200
MAX_DEPTH = 8
MAX_INT_DIGITS = 18  # bigger numbers are refused, not parsed (no 10**100000 CPU burn)
SEALED_PAYLOAD_BYTES = 512 + 48  # kiosk.contact pads every detail to 512 bytes

ENTITIES = ("interest", "contact_request", "help_request", "take_home_list")
CHANNELS = ("email", "phone")

# Characters that can make a name read differently from what it is (bidi overrides and
# isolates) or hide characters (zero-width): refused in names and labels.
_DECEPTIVE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
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
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ProtocolError(key, "appears twice in one object")
        result[key] = value
    return result


def _no_constant(name: str) -> None:
    raise ProtocolError("", f"{name} is not a number JSON allows")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ProtocolError("", f"a number of more than {MAX_INT_DIGITS} digits")
    return int(text)


def _depth(value: Any, level: int = 1) -> int:
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level)
    return level


def parse_json(body: bytes) -> Any:
    """Strict JSON: UTF-8 without BOM, no duplicate keys, no NaN or Infinity, no huge
    numbers, not too deep, not too big."""
    if not body:
        raise ProtocolError("", "the body is empty")
    if len(body) > MAX_BODY_BYTES:
        raise ProtocolError("", f"the body is larger than {MAX_BODY_BYTES} bytes")
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
        if unicodedata.normalize("NFC", value) != value:
            raise ProtocolError(field, "is not in Unicode normal form NFC")
        if name and _DECEPTIVE.search(value):
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


def optional(rule: Rule) -> Rule:
    def check(field: str, value: Any) -> Any:
        return None if value is None else rule(field, value)

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


def iso_date(field: str, value: Any) -> str:
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ProtocolError(field, "must be a date like 2026-12-31") from None
    return value


def iso_moment(field: str, value: Any) -> str:
    """A moment with its time zone. Informational only: kiosk clocks jump (SYNC.md rule 10)."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ProtocolError(field, "must be a moment like 2026-11-28T14:00:00+00:00") from None
    if moment.tzinfo is None:
        raise ProtocolError(field, "must say its time zone")
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
    },
    "contact_request": {
        "id": uuid_text,
        "communities": list_of(uuid_text, 1, 20),
        "channel": one_of(*CHANNELS),
        "sealed_payload": sealed_payload,
        "consent_version": text(32),
        "expires_on": iso_date,
        "receipt_token_hash": sha256_hex,
        "created_at": iso_moment,
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
}


def validate_fields(entity: str, fields: Any, where: str = "fields") -> dict[str, Any]:
    """The fields of one record, checked against the allowlist of its entity."""
    if entity not in RECORD_FIELDS:
        raise ProtocolError("entity", f"must be one of {', '.join(ENTITIES)}")
    if not isinstance(fields, dict):
        raise ProtocolError(where, "must be an object")
    rules = RECORD_FIELDS[entity]
    unknown = sorted(set(fields) - set(rules))
    if unknown:
        raise ProtocolError(f"{where}.{unknown[0]}", "is not a field of this record")
    missing = sorted(set(rules) - set(fields))
    if missing:
        raise ProtocolError(f"{where}.{missing[0]}", "is missing")
    return {name: rule(f"{where}.{name}", fields[name]) for name, rule in rules.items()}


OP_FIELDS: dict[str, Rule] = {
    "version": integer(1, 1000),
    "device_seq": integer(1),
    "op_id": uuid_text,
    "entity": one_of(*ENTITIES),
    "record_id": uuid_text,
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
        raise ProtocolError(f"{where}.version", "update needed: this version is not accepted")
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
        for name in ("device_seq", "op_id"):
            if name not in op:
                raise ProtocolError(f"ops[{i}].{name}", "is missing")
            OP_FIELDS[name](f"ops[{i}].{name}", op[name])
        if i and op["device_seq"] != ops[i - 1]["device_seq"] + 1:
            raise ProtocolError(f"ops[{i}].device_seq", "must follow the one before it by 1")
    if len({op["op_id"] for op in ops}) != len(ops):
        raise ProtocolError("ops", "an op_id appears twice")
    return ops


def op_digest(op: dict[str, Any]) -> str:
    """A fingerprint of an operation as sent: the same seq with other content is refused."""
    canonical = json.dumps(op, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def validate_push(body: bytes) -> list[dict[str, Any]]:
    """A push request checked whole: the envelopes (parse_push), then every record."""
    return [validate_op(op, f"ops[{i}]") for i, op in enumerate(parse_push(body))]
