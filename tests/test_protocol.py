"""The protocol refuses every bad input of SYNC.md with a message that names the field, and
accepts valid unusual input."""

import base64
import json
import uuid

import pytest

from sync.protocol import (
    MAX_BATCH_OPS,
    MAX_BODY_BYTES,
    PROTOCOL_VERSION,
    SEALED_PAYLOAD_BYTES,
    ProtocolError,
    parse_json,
    validate_fields,
    validate_push,
)


def interest(**changes):
    fields = {
        "id": str(uuid.uuid4()),
        "themes": ["eten"],
        "gifts": ["koken"],
        "neighbourhood": None,
        "language": "nl",
        "kiosk": "kiosk-hal",
        "created_at": "2026-11-28T13:00:00+00:00",
    }
    fields.update(changes)
    return fields


def op(seq=1, **field_changes):
    fields = interest(**field_changes)
    return {
        "version": PROTOCOL_VERSION,
        "device_seq": seq,
        "op_id": str(uuid.uuid4()),
        "entity": "interest",
        "record_id": fields["id"],
        "fields": fields,
    }


def push(*ops):
    return json.dumps({"ops": list(ops)}).encode()


def test_a_valid_batch_passes_whole():
    checked = validate_push(push(op(1), op(2), op(3)))
    assert [o["device_seq"] for o in checked] == [1, 2, 3]


@pytest.mark.parametrize(
    "body, fragment",
    [
        (b"", "empty"),
        (b"{", "not valid JSON"),
        (b'{"ops": [', "not valid JSON"),
        (b"\xef\xbb\xbf{}", "byte order mark"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[" * 50 + b"]" * 50, "nested deeper"),
        (b"[" * 450 + b"]" * 450, "nested deeper"),  # deep enough to exhaust a recursion
        (b'{"ops": [], "ops": []}', "appears twice"),
        (b'{"n": NaN}', "NaN"),
        (b'{"n": Infinity}', "Infinity"),
        (b'{"n": -Infinity}', "Infinity"),
        (b'{"n": 1' + b"0" * 4000 + b"}", "digits"),
        (b" " * (MAX_BODY_BYTES + 1), "larger than"),
    ],
)
def test_malformed_bodies_are_refused(body, fragment):
    with pytest.raises(ProtocolError, match=fragment):
        validate_push(body)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"kiosk": "kiosk\u202ehal"}, "fields.kiosk"),  # bidi override
        ({"kiosk": "kiosk\u200bhal"}, "fields.kiosk"),  # zero-width space
        ({"kiosk": "kiosk\u061chal"}, "fields.kiosk"),  # Arabic letter mark (bidi)
        ({"kiosk": "kiosk\u00adhal"}, "fields.kiosk"),  # soft hyphen (invisible)
        ({"kiosk": "kiosk\U000e0041hal"}, "fields.kiosk"),  # tag character
        ({"kiosk": "kiosk\u3164"}, "fields.kiosk"),  # Hangul filler: shows as blank
        ({"kiosk": "kiosk\x85hal"}, "fields.kiosk"),  # C1 control (next line)
        ({"kiosk": "kiosk\u2028hal"}, "fields.kiosk"),  # line separator
        ({"kiosk": "kiosk\x00hal"}, "fields.kiosk"),  # NUL
        ({"kiosk": "kiosk\ud800"}, "fields.kiosk"),  # lone surrogate
        ({"kiosk": "cafe\u0301"}, "fields.kiosk"),  # not NFC (e + combining accent)
        ({"kiosk": "k" * 65}, "fields.kiosk"),  # too long
        ({"kiosk": ""}, "fields.kiosk"),
        ({"kiosk": 7}, "fields.kiosk"),
        ({"language": "klingon"}, "fields.language"),
        ({"themes": "eten"}, "fields.themes"),
        ({"themes": ["Eten"]}, "fields.themes[0]"),
        ({"themes": ["eten", "eten"]}, "fields.themes"),
        ({"themes": ["'; DROP TABLE interests; --"]}, "fields.themes[0]"),
        ({"created_at": "yesterday"}, "fields.created_at"),
        ({"created_at": "2026-11-28T13:00:00"}, "fields.created_at"),  # no time zone
        ({"is_admin": True}, "fields.is_admin"),  # mass assignment
    ],
)
def test_bad_fields_are_refused_and_named(changes, field):
    with pytest.raises(ProtocolError) as error:
        validate_push(push(op(1, **changes)))
    assert error.value.field == f"ops[0].{field}"


def test_missing_field():
    bad = op(1)
    del bad["fields"]["language"]
    with pytest.raises(ProtocolError, match=r"ops\[0\]\.fields\.language: is missing"):
        validate_push(push(bad))


@pytest.mark.parametrize(
    "change, fragment",
    [
        ({"device_seq": True}, "whole number"),  # a bool is an int in Python: refused
        ({"device_seq": 0}, "between"),
        ({"device_seq": 1.5}, "whole number"),
        ({"op_id": "not-a-uuid"}, "UUID"),
        ({"op_id": str(uuid.uuid4()).upper()}, "canonical"),
        ({"entity": "community"}, "one of"),
        ({"version": PROTOCOL_VERSION + 5}, "update needed"),
        ({"record_id": str(uuid.uuid4())}, "differs"),
        ({"extra": 1}, "not a field"),
    ],
)
def test_bad_envelopes_are_refused(change, fragment):
    bad = op(1)
    bad.update(change)
    with pytest.raises(ProtocolError, match=fragment):
        validate_push(push(bad))


@pytest.mark.parametrize(
    "body, fragment",
    [
        (json.dumps({"ops": []}).encode(), "non-empty"),
        (json.dumps({"ops": {}}).encode(), "non-empty list"),
        (json.dumps({"opz": []}).encode(), "exactly one key"),
        (json.dumps([]).encode(), "exactly one key"),
        (push(op(1), op(3)), "follow the one before"),
        (push(op(2), op(1)), "follow the one before"),
    ],
)
def test_bad_batches_are_refused(body, fragment):
    with pytest.raises(ProtocolError, match=fragment):
        validate_push(body)


def test_oversized_batch_and_reused_op_id():
    with pytest.raises(ProtocolError, match=str(MAX_BATCH_OPS)):
        validate_push(push(*[op(i + 1) for i in range(MAX_BATCH_OPS + 1)]))
    first, second = op(1), op(2)
    second["op_id"] = first["op_id"]
    with pytest.raises(ProtocolError, match="op_id appears twice"):
        validate_push(push(first, second))


@pytest.mark.parametrize(
    "name",
    ["kiosk-bibliotheek 📚", "كشك المكتبة", "קיוסק", "Kiosk Zuiderpoort (hal 2)",
     "Gezinnen 👨\u200d👩\u200d👧", "Regenboog 🏳️\u200d🌈", "می\u200cخواهم"],
)  # fmt: skip
def test_valid_unusual_names_are_accepted(name):
    assert validate_push(push(op(1, kiosk=name)))[0]["fields"]["kiosk"] == name


def test_contact_request_fields():
    fields = {
        "id": str(uuid.uuid4()),
        "communities": [str(uuid.uuid4())],
        "channel": "phone",
        "sealed_payload": base64.b64encode(b"x" * SEALED_PAYLOAD_BYTES).decode(),
        "consent_version": "2026-11-v2",
        "expires_on": "2027-02-26",
        "receipt_token_hash": "a" * 64,
        "created_at": "2026-11-28T13:00:00+00:00",
    }
    assert validate_fields("contact_request", fields) == fields
    for change, field in (
        ({"sealed_payload": base64.b64encode(b"short").decode()}, "sealed_payload"),
        ({"sealed_payload": "not base64!"}, "sealed_payload"),
        ({"channel": "fax"}, "channel"),
        ({"communities": []}, "communities"),
        ({"receipt_token_hash": "secret-token"}, "receipt_token_hash"),
        ({"expires_on": "2027-02-30"}, "expires_on"),
        ({"email": "anna@voorbeeld.nl"}, "email"),  # a plain detail has no field to go in
    ):
        with pytest.raises(ProtocolError) as error:
            validate_fields("contact_request", {**fields, **change})
        assert error.value.field == f"fields.{field}"


def test_parse_json_returns_plain_values():
    assert parse_json(b'{"a": [1, "b", null, true]}') == {"a": [1, "b", None, True]}


def test_the_kiosk_checks_its_records_before_they_enter_the_outbox(store):
    from kiosk import outbox
    from kiosk.visitor_records import new_record_id, record_interest

    with pytest.raises(ProtocolError, match="fields.kiosk"):
        record_interest(store, new_record_id(), ["eten"], [], None, "nl", "kiosk\u202ehal")
    assert outbox.pending(store) == []


def test_a_lone_surrogate_in_a_record_has_a_fingerprint_and_is_refused_by_its_rule():
    from sync.protocol import op_digest, parse_push, validate_op

    body = push(op(1)).replace(b'"language": "nl"', b'"language": "\\ud800"')
    (parsed,) = parse_push(body)
    assert len(op_digest(parsed)) == 64  # the hub can store it in quarantine
    with pytest.raises(ProtocolError, match="language"):
        validate_op(parsed)


def test_dates_only_in_the_one_iso_form():
    from sync.protocol import iso_date

    assert iso_date("d", "2026-12-31") == "2026-12-31"
    for bad in ("20261231", "2026-W52", "31-12-2026", 20261231):
        with pytest.raises(ProtocolError, match="a date like"):
            iso_date("d", bad)


def introduction(**changes):
    return {
        "id": str(uuid.uuid4()),
        "kind": "visitor_community",
        "communities": [str(uuid.uuid4())],
        "note": "Komt dinsdag kijken",
        "follow_up_weeks": 4,
        "kiosk": "kiosk-hal",
        "created_at": "2026-11-28T13:00:00+00:00",
        **changes,
    }


def test_introduction_fields():
    fields = introduction()
    assert validate_fields("introduction", fields) == fields
    bare = {k: v for k, v in fields.items() if k != "note"}  # the note may be left out
    assert validate_fields("introduction", bare) == bare
    two = [str(uuid.uuid4()), str(uuid.uuid4())]
    agreed = introduction(kind="visitor_visitor", communities=[], both_agreed=True)
    assert validate_fields("introduction", agreed)["both_agreed"] is True
    for change, field in (
        ({"kind": "visitor_visitor", "communities": []}, "fields.both_agreed"),  # one said yes
        (
            {"kind": "visitor_visitor", "communities": [], "both_agreed": False},
            "fields.both_agreed",
        ),
        ({"communities": two}, "fields.communities"),  # a visitor and one group, not two
        ({"kind": "community_community"}, "fields.communities"),
        ({"kind": "community_community", "communities": [two[0], two[0]]}, "fields.communities"),
        ({"kind": "visitor_friend"}, "fields.kind"),
        ({"follow_up_weeks": 0}, "fields.follow_up_weeks"),
        ({"note": "x" * 301}, "fields.note"),
        ({"note": "Anna\n06-12345678"}, "fields.note"),
        ({"visitor_name": "Anna"}, "fields.visitor_name"),  # a name has no field to go in
    ):
        with pytest.raises(ProtocolError) as error:
            validate_fields("introduction", introduction(**change))
        assert error.value.field == field


def test_assisted_may_be_left_out_but_must_be_a_flag():
    fields = {
        "id": str(uuid.uuid4()), "themes": ["eten"], "gifts": [], "neighbourhood": None,
        "language": "nl", "kiosk": "kiosk-hal", "created_at": "2026-11-28T13:00:00+00:00",
    }  # fmt: skip
    assert "assisted" not in validate_fields("interest", fields)  # queued before it existed
    assert validate_fields("interest", {**fields, "assisted": True})["assisted"] is True
    with pytest.raises(ProtocolError) as error:
        validate_fields("interest", {**fields, "assisted": "yes"})
    assert error.value.field == "fields.assisted"


def test_a_contact_request_names_groups_or_one_wish_never_both_or_neither():
    fields = {
        "id": str(uuid.uuid4()),
        "communities": [],
        "wish": str(uuid.uuid4()),
        "channel": "email",
        "sealed_payload": base64.b64encode(b"x" * SEALED_PAYLOAD_BYTES).decode(),
        "consent_version": "2026-11-v2",
        "expires_on": "2027-02-26",
        "receipt_token_hash": "a" * 64,
        "created_at": "2026-11-28T13:00:00+00:00",
    }
    assert validate_fields("contact_request", fields) == fields
    for change in ({"wish": None}, {"communities": [str(uuid.uuid4())]}):
        with pytest.raises(ProtocolError) as error:
            validate_fields("contact_request", {**fields, **change})
        assert error.value.field == "fields.communities"


def wish(**changes):
    fields = {
        "id": str(uuid.uuid4()),
        "theme": None,
        "words": "samen Oekraïens koken",
        "gifts": ["koken"],
        "neighbourhood": None,
        "source": "search",
        "language": "uk",
        "kiosk": "kiosk-hal",
        "created_at": "2026-11-28T13:00:00+00:00",
    }
    return {**fields, **changes}


def test_a_wish_is_a_theme_or_a_few_words_and_holds_no_contact_details():
    fields = wish()
    assert validate_fields("wish", fields) == fields
    assert validate_fields("wish", wish(words=None, theme="eten"))["theme"] == "eten"
    for change, field in (
        ({"words": None}, "words"),  # neither a theme nor words
        ({"words": "   "}, "words"),
        ({"words": "bel me: 06-12345678"}, "words"),
        ({"words": "anna@voorbeeld.nl"}, "words"),
        ({"source": "elsewhere"}, "source"),
        ({"theme": "Not A Slug"}, "theme"),
        ({"name": "Anna"}, "name"),
    ):
        with pytest.raises(ProtocolError) as error:
            validate_fields("wish", wish(**change))
        assert error.value.field == f"fields.{field}"


def test_a_days_counts_name_communities_and_whole_numbers_from_one():
    group = str(uuid.uuid4())
    fields = {
        "id": str(uuid.uuid4()),
        "day": "2026-11-28",
        "opened": {group: 7},
        "kiosk": "kiosk-hal",
        "created_at": "2026-11-29T06:00:00+00:00",
    }
    assert validate_fields("kiosk_counts", fields)["opened"] == {group: 7}
    for opened, fragment in (
        ({}, "not empty"),
        ({group: 0}, group),
        ({group: "7"}, group),
        ({"not-a-uuid": 3}, "key"),
        ({str(uuid.uuid4()): 1 for _ in range(2001)}, "at most"),
    ):
        with pytest.raises(ProtocolError) as error:
            validate_fields("kiosk_counts", {**fields, "opened": opened})
        assert fragment in f"{error.value.field} {error.value}"


def test_a_hall_message_has_a_window_of_days_and_times():
    from sync.protocol import validate_shared

    message = {
        "id": str(uuid.uuid4()),
        "text": {"nl": "Het stadhuis sluit vandaag om 15.00 uur.", "ar": "يغلق المبنى اليوم"},
        "first_day": "2026-12-08",
        "last_day": "2026-12-08",
        "days": ["tu"],
        "from_time": "14:00",
        "until_time": "16:00",
        "kiosks": [],
        "urgent": True,
    }
    assert validate_shared("hall_message", message) == message
    for change, field in (
        ({"days": ["tuesday"]}, "days[0]"),
        ({"from_time": "25:00"}, "from_time"),
        ({"urgent": "yes"}, "urgent"),
        ({"text": {"nl": "x" * 201}}, "text"),
    ):
        with pytest.raises(ProtocolError) as error:
            validate_shared("hall_message", {**message, **change})
        assert error.value.field.startswith(f"data.{field.split('[')[0]}")
