"""The kiosk's one outbox (kiosk.outbox): records queued once, pushed in order, gone only after
the hub's acknowledgement, and the archive forgotten as a prefix (SYNC.md rules 1, 3, 6, 11, 13).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from kiosk import outbox
from kiosk.schema import apply_migrations
from kiosk.store import open_store
from sync.protocol import ProtocolError

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def help_request(record_id: str | None = None, created_at: str = "2027-03-01T12:00:00+00:00"):
    rid = record_id or str(uuid.uuid4())
    return rid, {"id": rid, "kiosk": "kiosk-hal", "language": "nl", "created_at": created_at}


def queue(store, n: int) -> list[str]:
    ids = []
    for _ in range(n):
        rid, fields = help_request()
        assert outbox.add(store, "help_request", rid, fields)
        ids.append(rid)
    return ids


def seqs(ops) -> list[int]:
    return [op["device_seq"] for op in ops]


def archived(store) -> list[int]:
    rows = store.conn.execute("SELECT device_seq FROM outbox_archive ORDER BY device_seq")
    return [seq for (seq,) in rows]


def test_the_same_record_is_queued_once_and_not_again_after_its_acknowledgement(store):
    rid, fields = help_request()
    assert outbox.add(store, "help_request", rid, fields)
    assert not outbox.add(store, "help_request", rid, {**fields, "language": "en"})
    (op,) = outbox.pending(store)
    assert op["record_id"] == rid and op["fields"]["language"] == "nl"  # the first one stays
    outbox.acknowledge(store, op["device_seq"], now=NOW)
    assert not outbox.add(store, "help_request", rid, fields)  # a retry after a sync
    assert outbox.pending(store) == [] and outbox.size(store) == 0
    # Refused retries use up no device_seq: the hub would wait for the missing one (rule 4).
    queue(store, 1)
    assert outbox.pending(store)[0]["device_seq"] == op["device_seq"] + 1


def test_idempotency_is_by_entity_and_record_id(store):
    rid, fields = help_request()
    assert outbox.add(store, "help_request", rid, fields)
    interest = {"id": rid, "themes": [], "gifts": [], "neighbourhood": None, "language": "nl",
                "kiosk": "kiosk-hal", "created_at": fields["created_at"]}  # fmt: skip
    assert outbox.add(store, "interest", rid, interest)
    assert [op["entity"] for op in outbox.pending(store)] == ["help_request", "interest"]


def test_what_the_hub_would_refuse_never_enters(store):
    rid, fields = help_request()
    with pytest.raises(ProtocolError):
        outbox.add(store, "help_request", rid, {**fields, "language": 7})
    with pytest.raises(ProtocolError):
        outbox.add(store, "help_request", rid, {**fields, "unknown": "x"})
    assert outbox.pending(store) == []


def test_pending_is_in_ascending_sequence_and_limited(store):
    ids = queue(store, 5)
    ops = outbox.pending(store)
    assert [op["record_id"] for op in ops] == ids
    assert seqs(ops) == sorted(seqs(ops)) and len(set(seqs(ops))) == 5
    assert len({op["op_id"] for op in ops}) == 5
    assert outbox.pending(store, 2) == ops[:2]
    assert set(ops[0]) == {"device_seq", "op_id", "entity", "record_id", "fields"}


def test_acknowledge_takes_out_exactly_the_acknowledged_prefix(store):
    queue(store, 5)
    ops = outbox.pending(store)
    outbox.acknowledge(store, ops[2]["device_seq"], now=NOW)
    assert outbox.pending(store) == ops[3:]
    assert archived(store) == seqs(ops[:3])
    assert outbox.last_acknowledged(store) == ops[2]["device_seq"]
    # The sequence only grows: acknowledged numbers are never handed out again.
    queue(store, 1)
    assert outbox.pending(store)[-1]["device_seq"] > ops[-1]["device_seq"]


def test_prune_forgets_only_acknowledged_ops_as_a_prefix(store):
    queue(store, 6)
    ops = outbox.pending(store)
    outbox.acknowledge(store, ops[3]["device_seq"], now=NOW)
    # Far in the future, everything archived is old: the archive goes, the outbox stays.
    assert outbox.prune(store, keep_days=14, now=NOW + timedelta(days=400)) == 4
    assert archived(store) == [] and outbox.pending(store) == ops[4:]


def test_prune_keeps_the_newest_and_never_leaves_a_hole(store):
    queue(store, 6)
    ops = outbox.pending(store)
    outbox.acknowledge(store, ops[1]["device_seq"], now=NOW)
    # The clock jumped back to 1970 for the next acknowledgement, and then came right again.
    outbox.acknowledge(store, ops[3]["device_seq"], now=datetime(1970, 1, 1, tzinfo=UTC))
    assert archived(store) == seqs(ops[:4])
    outbox.prune(store, keep_days=14, now=NOW)  # ops 3 and 4 look old: so do 1 and 2
    assert archived(store) == []
    outbox.acknowledge(store, ops[5]["device_seq"], now=NOW)
    assert outbox.prune(store, keep_days=14, max_ops=1, now=NOW) == 1
    assert archived(store) == seqs(ops[5:])


def test_size_and_oldest_are_what_waits(store):
    assert outbox.size(store) == 0 and outbox.oldest(store) is None
    for day in (3, 1, 2):
        rid, fields = help_request(created_at=f"2027-03-0{day}T10:00:00+00:00")
        outbox.add(store, "help_request", rid, fields)
    assert outbox.size(store) == 3
    assert outbox.oldest(store) == "2027-03-01T10:00:00+00:00"
    outbox.acknowledge(store, outbox.pending(store)[1]["device_seq"], now=NOW)
    assert outbox.size(store) == 1 and outbox.oldest(store) == "2027-03-02T10:00:00+00:00"


def test_a_restored_hub_gets_the_archive_again_unless_it_has_a_hole(store):
    queue(store, 5)
    ops = outbox.pending(store)
    outbox.acknowledge(store, ops[3]["device_seq"], now=NOW)
    first = ops[0]["device_seq"]
    assert outbox.resend_from(store, first + 1, sent_from=ops[4]["device_seq"])
    assert outbox.pending(store) == ops[1:]
    outbox.acknowledge(store, ops[2]["device_seq"], now=NOW)  # resending moves on
    assert outbox.pending(store) == ops[3:]
    outbox.acknowledge(store, ops[4]["device_seq"], now=NOW)
    assert outbox.pending(store) == []  # and ends when the hub has it all
    store.conn.execute("DELETE FROM outbox_archive WHERE device_seq = ?", [first + 1])
    assert not outbox.resend_from(store, first, sent_from=ops[4]["device_seq"] + 1)
    assert outbox.pending(store) == []


def test_a_hub_that_lost_acknowledged_ops_gets_them_with_the_next_push(store):
    queue(store, 3)
    ops = outbox.pending(store)
    outbox.acknowledge(store, ops[2]["device_seq"], now=NOW)
    outbox.hub_has_only(store, ops[0]["device_seq"])
    assert outbox.last_acknowledged(store) == ops[0]["device_seq"]
    assert outbox.pending(store) == ops[1:]


def test_a_store_of_the_previous_schema_migrates_and_keeps_its_queue(config):
    """A kiosk.db as the release before the one outbox left it: each record in its own table
    and in the outbox, some acknowledged. The tables go; the queue and the archive stay."""
    config.db_path.parent.mkdir(parents=True)
    old = sqlite3.connect(config.db_path, isolation_level=None)
    apply_migrations(old, stop_before="m007_one_outbox")
    made = "2027-03-01T10:00:00+00:00"
    ids = [str(uuid.uuid4()) for _ in range(3)]
    for rid in ids:
        old.execute(
            "INSERT INTO contact_requests (id, communities, channel, sealed_payload,"
            " consent_version, expires_on, created_at) VALUES (?, '[]', 'email', ?, 'v', ?, ?)",
            [rid, b"SEALED-" + rid.encode(), "2027-06-01", made],
        )
        old.execute(
            "INSERT INTO outbox (op_id, entity, record_id, fields, created_at)"
            " VALUES (?, 'help_request', ?, ?, ?)",
            [str(uuid.uuid4()), rid, json.dumps(help_request(rid, made)[1]), made],
        )
    old.execute("INSERT INTO outbox_archive SELECT *, ? FROM outbox WHERE device_seq = 1", [made])
    old.execute("DELETE FROM outbox WHERE device_seq = 1")
    old.execute("INSERT INTO sync_state (key, value) VALUES ('acked_seq', '1')")
    before = old.execute("SELECT * FROM outbox ORDER BY device_seq").fetchall()
    old.close()

    store = open_store(config.db_path)
    tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}
    assert not tables & {"interests", "contact_requests", "introductions", "help_requests",
                         "take_home_lists"}  # fmt: skip
    assert store.conn.execute("SELECT * FROM outbox ORDER BY device_seq").fetchall() == before
    assert seqs(outbox.pending(store)) == [2, 3] and outbox.last_acknowledged(store) == 1
    # Idempotent from here on, for queued and for acknowledged records alike.
    for rid in ids:
        assert not outbox.add(store, "help_request", rid, help_request(rid, made)[1])
    assert outbox.add(store, "help_request", *help_request())
    assert seqs(outbox.pending(store)) == [2, 3, 4]
    store.close()
    assert b"SEALED-" not in config.db_path.read_bytes()  # the dropped pages were overwritten
