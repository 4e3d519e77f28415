import json

from nacl.public import PrivateKey

from kiosk.contact import CONSENT_VERSION, check_contact, seal, unseal
from kiosk.visitor_records import (
    new_record_id,
    new_token,
    pending_outbox,
    record_contact_request,
    record_help_request,
    record_interest,
    record_take_home_list,
    token_hash,
)


def test_interest_and_outbox_in_one_go_and_idempotent(store):
    rid = new_record_id()
    assert record_interest(store, rid, ["eten"], ["koken"], "esveld", "nl", "kiosk-hal")
    assert not record_interest(store, rid, ["eten"], ["koken"], "esveld", "nl", "kiosk-hal")
    (op,) = pending_outbox(store)
    assert op["entity"] == "interest" and op["record_id"] == rid
    assert op["fields"]["themes"] == ["eten"] and op["fields"]["kiosk"] == "kiosk-hal"
    assert store.conn.execute("SELECT count(*) FROM interests").fetchone()[0] == 1


def test_outbox_sequence_only_grows(store):
    for _ in range(3):
        record_help_request(store, new_record_id(), "nl", "kiosk-hal")
    seqs = [op["device_seq"] for op in pending_outbox(store)]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    store.conn.execute("DELETE FROM outbox")
    record_help_request(store, new_record_id(), "nl", "kiosk-hal")
    assert pending_outbox(store)[0]["device_seq"] > max(seqs)


def test_contact_request_holds_only_the_sealed_detail(store, config):
    hub = PrivateKey.generate()
    detail = check_contact("phone", "06-12345678")
    rid, token = new_record_id(), new_token()
    sealed = seal(detail, hub.public_key)
    c1, c2 = new_record_id(), new_record_id()  # community ids are UUIDs
    assert record_contact_request(store, rid, [c1, c2], "phone", sealed, 90, token)
    row = store.conn.execute(
        "SELECT channel, sealed_payload, consent_version, expires_on, receipt_token_hash"
        " FROM contact_requests"
    ).fetchone()
    assert row[0] == "phone" and row[2] == CONSENT_VERSION and row[4] == token_hash(token)
    assert token not in json.dumps(pending_outbox(store))  # only its hash leaves the kiosk
    assert unseal(row[1], hub) == detail
    (op,) = pending_outbox(store)
    assert "+31612345678" not in json.dumps(op)
    assert op["fields"]["communities"] == [c1, c2]


def test_take_home_list(store):
    token = new_token()
    assert len(token) >= 22
    record_take_home_list(store, new_record_id(), token, [new_record_id()], "en")
    (op,) = pending_outbox(store)
    assert op["entity"] == "take_home_list" and op["fields"]["token_hash"] == token_hash(token)
    assert token not in json.dumps(op)


def test_record_and_outbox_row_are_one_transaction(store):
    # If the outbox row cannot be written, the record must not stay behind either.
    store.conn.execute(
        "CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox BEGIN"
        " SELECT RAISE(ABORT, 'disk trouble'); END"
    )
    import sqlite3

    import pytest

    with pytest.raises(sqlite3.IntegrityError, match="disk trouble"):
        record_interest(store, new_record_id(), ["eten"], [], None, "nl", "kiosk-hal")
    assert store.conn.execute("SELECT count(*) FROM interests").fetchone()[0] == 0
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
