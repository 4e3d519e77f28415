import base64
import json

from nacl.public import PrivateKey

from kiosk.contact import CONSENT_VERSION, check_contact, seal, unseal
from kiosk.outbox import pending
from kiosk.visitor_records import (
    new_record_id,
    new_token,
    record_contact_request,
    record_help_request,
    record_interest,
    record_introduction,
    record_take_home_list,
    token_hash,
)


def test_interest_and_outbox_in_one_go_and_idempotent(store):
    rid = new_record_id()
    assert record_interest(store, rid, ["eten"], ["koken"], "esveld", "nl", "kiosk-hal")
    assert not record_interest(store, rid, ["eten"], ["koken"], "esveld", "nl", "kiosk-hal")
    (op,) = pending(store)
    assert op["entity"] == "interest" and op["record_id"] == rid
    assert op["fields"]["themes"] == ["eten"] and op["fields"]["kiosk"] == "kiosk-hal"


def test_outbox_sequence_only_grows(store):
    for _ in range(3):
        record_help_request(store, new_record_id(), "nl", "kiosk-hal")
    seqs = [op["device_seq"] for op in pending(store)]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    store.conn.execute("DELETE FROM outbox")
    record_help_request(store, new_record_id(), "nl", "kiosk-hal")
    assert pending(store)[0]["device_seq"] > max(seqs)


def test_contact_request_holds_only_the_sealed_detail(store, config):
    hub = PrivateKey.generate()
    detail = check_contact("phone", "06-12345678")
    rid, token = new_record_id(), new_token()
    sealed = seal(detail, hub.public_key)
    c1, c2 = new_record_id(), new_record_id()  # community ids are UUIDs
    assert record_contact_request(store, rid, [c1, c2], "phone", sealed, 90, token)
    (op,) = pending(store)
    fields = op["fields"]
    assert fields["channel"] == "phone" and fields["consent_version"] == CONSENT_VERSION
    assert fields["receipt_token_hash"] == token_hash(token)
    assert token not in json.dumps(op)  # only its hash leaves the kiosk
    assert unseal(base64.b64decode(fields["sealed_payload"]), hub) == detail
    assert "+31612345678" not in json.dumps(op)
    assert not set(fields) & {"email", "phone", "name", "contact"}
    assert fields["communities"] == [c1, c2]


def test_take_home_list(store):
    token = new_token()
    assert len(token) >= 22
    record_take_home_list(store, new_record_id(), token, [new_record_id()], "en")
    (op,) = pending(store)
    assert op["entity"] == "take_home_list" and op["fields"]["token_hash"] == token_hash(token)
    assert token not in json.dumps(op)


def test_an_introduction_leaves_out_an_empty_note(store):
    rid = new_record_id()
    assert record_introduction(store, rid, "visitor_visitor", [], "  ", 4, "kiosk-hal", True)
    assert not record_introduction(store, rid, "visitor_visitor", [], "", 4, "kiosk-hal", True)
    (op,) = pending(store)
    assert op["entity"] == "introduction" and "note" not in op["fields"]
    assert op["fields"]["both_agreed"] is True and op["fields"]["kiosk"] == "kiosk-hal"


def test_a_record_the_outbox_cannot_take_is_not_half_written(store):
    # The outbox row is the record: when it cannot be written, nothing is stored at all.
    store.conn.execute(
        "CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox BEGIN"
        " SELECT RAISE(ABORT, 'disk trouble'); END"
    )
    import sqlite3

    import pytest

    with pytest.raises(sqlite3.IntegrityError, match="disk trouble"):
        record_interest(store, new_record_id(), ["eten"], [], None, "nl", "kiosk-hal")
    assert pending(store) == [] and not store.conn.in_transaction
    store.conn.execute("DROP TRIGGER fail_outbox")
    assert record_interest(store, new_record_id(), ["eten"], [], None, "nl", "kiosk-hal")


def test_every_table_of_synced_data_is_strict(store):
    rows = store.conn.execute("PRAGMA table_list").fetchall()
    plain = {
        name
        for _schema, name, kind, _ncol, _wr, strict in rows
        if kind == "table"
        and not strict
        and not name.startswith(("sqlite_", "_sqlite_", "community_words", "community_trigrams"))
    }
    assert plain == set()
