"""SYNC.md rules 4 to 6 at the hub: duplicates, gaps, replays with other content, poison
records, idempotent records, all or nothing per batch. (The HTTP layer comes with the hub.)"""

import json
import sqlite3
import uuid

import pytest

from sync.hub.ledger import GapError, ReplayMismatch, acked_seq, apply_push, create_schema
from sync.protocol import PROTOCOL_VERSION, ProtocolError, parse_push


@pytest.fixture
def hub(tmp_path):
    conn = sqlite3.connect(tmp_path / "hub.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    create_schema(conn)
    yield conn
    conn.close()


def op(seq, record_id=None, **field_changes):
    record_id = record_id or str(uuid.uuid4())
    fields = {
        "id": record_id,
        "kiosk": "kiosk-hal",
        "language": "nl",
        "created_at": "2026-11-28T13:00:00+00:00",
        **field_changes,
    }
    return {
        "version": PROTOCOL_VERSION,
        "device_seq": seq,
        "op_id": str(uuid.uuid4()),
        "entity": "help_request",
        "record_id": record_id,
        "fields": fields,
    }


def records(hub):
    return hub.execute("SELECT count(*) FROM visitor_records").fetchone()[0]


def test_a_batch_is_applied_and_acknowledged(hub):
    outcome = apply_push(hub, "kiosk-hal", [op(1), op(2), op(3)])
    assert (outcome.acked_seq, outcome.applied, outcome.duplicates) == (3, 3, 0)
    assert records(hub) == 3 and acked_seq(hub, "kiosk-hal") == 3


def test_a_replayed_batch_changes_nothing(hub):
    batch = [op(1), op(2)]
    apply_push(hub, "kiosk-hal", batch)
    again = apply_push(hub, "kiosk-hal", batch)
    assert (again.acked_seq, again.applied, again.duplicates) == (2, 0, 2)
    assert records(hub) == 2


def test_an_overlapping_batch_applies_only_what_is_new(hub):
    first = [op(1), op(2), op(3)]
    apply_push(hub, "kiosk-hal", first)
    outcome = apply_push(hub, "kiosk-hal", [first[1], first[2], op(4)])
    assert (outcome.acked_seq, outcome.applied, outcome.duplicates) == (4, 1, 2)


def test_a_gap_is_refused_with_the_expected_seq_and_nothing_applied(hub):
    apply_push(hub, "kiosk-hal", [op(1)])
    with pytest.raises(GapError) as gap:
        apply_push(hub, "kiosk-hal", [op(3), op(4)])
    assert gap.value.expected == 2
    assert records(hub) == 1 and acked_seq(hub, "kiosk-hal") == 1


def test_the_same_seq_with_other_content_is_refused(hub):
    apply_push(hub, "kiosk-hal", [op(1)])
    with pytest.raises(ReplayMismatch, match="other content"):
        apply_push(hub, "kiosk-hal", [op(1)])
    assert records(hub) == 1


def test_an_op_id_reused_under_another_seq_is_refused(hub):
    first = op(1)
    apply_push(hub, "kiosk-hal", [first])
    second = op(2)
    second["op_id"] = first["op_id"]
    with pytest.raises(ReplayMismatch, match="op_id"):
        apply_push(hub, "kiosk-hal", [second])
    assert acked_seq(hub, "kiosk-hal") == 1


def test_a_poison_record_is_quarantined_and_does_not_block_the_queue(hub):
    poison = op(2, kiosk="kiosk\u202ehal")  # a direction override in a name
    outcome = apply_push(hub, "kiosk-hal", [op(1), poison, op(3)])
    assert outcome.acked_seq == 3 and outcome.applied == 2
    assert [seq for seq, _problem in outcome.quarantined] == [2]
    status, problem, payload = hub.execute(
        "SELECT status, problem, payload FROM pushed_ops WHERE device_seq = 2"
    ).fetchone()
    assert status == "quarantined" and "fields.kiosk" in problem
    assert json.loads(payload)["record_id"] == poison["record_id"]
    assert records(hub) == 2


def test_a_record_pushed_again_under_a_new_seq_stays_one_record(hub):
    record_id = str(uuid.uuid4())
    apply_push(hub, "kiosk-hal", [op(1, record_id)])
    apply_push(hub, "kiosk-hal", [op(2, record_id)])  # e.g. re-pushed after a hub restore
    assert records(hub) == 1 and acked_seq(hub, "kiosk-hal") == 2


def test_kiosks_have_their_own_sequences(hub):
    apply_push(hub, "kiosk-hal", [op(1), op(2)])
    assert apply_push(hub, "kiosk-bieb", [op(1)]).acked_seq == 1
    assert acked_seq(hub, "kiosk-hal") == 2


def test_a_failure_mid_batch_applies_nothing_and_acknowledges_nothing(hub):
    hub.execute(
        "CREATE TRIGGER full_disk BEFORE INSERT ON pushed_ops WHEN NEW.device_seq = 3"
        " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    )
    with pytest.raises(sqlite3.IntegrityError, match="disk is full"):
        apply_push(hub, "kiosk-hal", [op(1), op(2), op(3)])
    assert records(hub) == 0 and acked_seq(hub, "kiosk-hal") == 0


def test_parse_push_checks_envelopes_but_leaves_records_to_the_ledger():
    poison = op(1, kiosk="kiosk\u200bhal")
    assert parse_push(json.dumps({"ops": [poison]}).encode()) == [poison]
    bad = op(1)
    bad["device_seq"] = "1"
    with pytest.raises(ProtocolError, match="device_seq"):
        parse_push(json.dumps({"ops": [bad]}).encode())
