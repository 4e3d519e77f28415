"""Erased means gone: a withdrawn or expired contact request, and a refused copy of one in the
quarantine, cannot be read back from the hub's files (hub.db, its free pages, hub.db-wal,
hub.db-shm) nor from a backup made afterwards; backups in a folder are rotated so none
outlives the longest consent. The files are searched byte by byte, as a thief would."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
import stat
import uuid
from datetime import date
from pathlib import Path

import pytest
import requests
import time_machine
from hub_helpers import HubProcess, enrolled_kiosk

from kiosk.contact import CONSENT_DAYS, check_contact, load_public_key, seal
from kiosk.visitor_records import new_record_id, new_token, record_contact_request
from sync import protocol
from sync.client import SyncClient
from sync.hub import cli, desk_store, ledger
from sync.hub import store as hub_store

KIOSK = "kiosk-hal"
FILES = ("hub.db", "hub.db-wal", "hub.db-shm")
DEPLOY = Path(__file__).resolve().parent.parent / "deploy"

# About the SQLite file itself (hub.db): its hubs keep their store in SQLite.
pytestmark = pytest.mark.hub_sqlite_only


def sealed(mark: str) -> bytes:
    """A sealed box's size: a recognisable start, then bytes no other record shares."""
    return (mark.encode() + os.urandom(protocol.SEALED_PAYLOAD_BYTES))[
        : protocol.SEALED_PAYLOAD_BYTES
    ]


def traces(files: list[Path], payload: bytes) -> list[str]:
    """Where any 24-byte piece of the payload, raw or as base64 text, is still readable."""
    text = base64.b64encode(payload)
    pieces = [payload[i : i + 24] for i in range(0, len(payload) - 23, 24)]
    pieces += [text[i : i + 24] for i in range(0, len(text) - 23, 24)]
    found = []
    for path in files:
        data = path.read_bytes() if path.exists() else b""
        found += [f"{path.name} holds {piece[:12]!r}…" for piece in pieces if piece in data]
    return found


def hub_files(folder: Path) -> list[Path]:
    return [folder / name for name in FILES]


def contact_op(seq: int, record_id: str, payload: bytes, expires_on: str, **extra) -> dict:
    """A contact request as a kiosk pushes it (``extra`` fields make the hub refuse it)."""
    fields = {
        "id": record_id,
        "communities": [str(uuid.uuid4())],
        "channel": "email",
        "sealed_payload": base64.b64encode(payload).decode(),
        "consent_version": "1",
        "expires_on": expires_on,
        "receipt_token_hash": hashlib.sha256(record_id.encode()).hexdigest(),
        "created_at": "2026-05-01T10:00:00+00:00",
        **extra,
    }
    return {"version": protocol.PROTOCOL_VERSION, "device_seq": seq, "op_id": str(uuid.uuid4()),
            "entity": "contact_request", "record_id": record_id, "fields": fields}  # fmt: skip


class Pusher:
    """Pushes ops of one kiosk into an in-process hub store, as the sync API does."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn, self.seq = conn, 0

    def push(self, record_id: str, payload: bytes, expires_on="2099-01-01", **extra):
        self.seq += 1
        op = contact_op(self.seq, record_id, payload, expires_on, **extra)
        return ledger.apply_push(self.conn, KIOSK, [op], hub_store.apply_visitor_record)

    def neighbours(self, n: int = 40) -> None:
        """Other requests that stay, sharing pages with the one erased: deleting a row then
        frees no page, and only secure_delete overwrites it."""
        for i in range(n):
            self.push(str(uuid.uuid4()), sealed(f"NEIGHBOUR-{i}-"))


@pytest.fixture
def hub_dir(tmp_path) -> Path:
    folder = tmp_path / "hub"
    folder.mkdir()
    return folder


@pytest.fixture
def hub(hub_dir):
    """An in-process hub store, opened as the hub opens it (its connection stays open, as
    the serving hub's do: nothing is tidied up by a last connection closing)."""
    conn = hub_store.connect(hub_dir / hub_store.DB_NAME)
    hub_store.create_schema(conn)
    yield conn
    conn.close()


# -- withdrawn and expired contact requests ---------------------------------------------------


@pytest.mark.parametrize("checkpointed", [False, True], ids=["in-wal", "in-hub.db"])
def test_a_withdrawn_request_leaves_no_trace_in_the_files(hub, hub_dir, checkpointed):
    pusher, record, payload = Pusher(hub), str(uuid.uuid4()), sealed("ANNA-06-12345678-")
    pusher.neighbours(20)
    pusher.push(record, payload)
    pusher.neighbours(20)
    if checkpointed:  # as SQLite's automatic checkpoint does after a while
        hub.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert traces(hub_files(hub_dir), payload)  # the search can see it
    hub_store.withdraw_contact_request(hub, record)
    assert traces(hub_files(hub_dir), payload) == []  # while the hub's connection is open
    assert hub_store.visitor_records(hub, "contact_request")  # the neighbours stay


def test_an_expired_request_leaves_no_trace_in_the_files(hub, hub_dir):
    pusher, record, payload = Pusher(hub), str(uuid.uuid4()), sealed("BOB-0612345678-")
    pusher.neighbours(20)
    pusher.push(record, payload, expires_on="2026-05-31")
    pusher.neighbours(20)
    hub.execute("PRAGMA wal_checkpoint(PASSIVE)")
    assert traces(hub_files(hub_dir), payload)
    assert desk_store.purge_expired(hub, today=date(2026, 6, 1)) == 1
    assert traces(hub_files(hub_dir), payload) == []


def test_a_reader_that_holds_up_the_checkpoint_delays_it_to_the_next_purge(hub, hub_dir):
    """The erasure commits at once and does not wait long; the purge, every 10 minutes,
    finishes emptying the WAL."""
    pusher, record, payload = Pusher(hub), str(uuid.uuid4()), sealed("CAROL-0611111111-")
    pusher.neighbours(10)
    pusher.push(record, payload)
    reader = hub_store.connect(hub_dir / hub_store.DB_NAME)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM visitor_records").fetchone()  # an older snapshot
    hub_store.withdraw_contact_request(hub, record)
    assert hub_store.visitor_records(hub, "contact_request")[-1]["id"] != record
    assert traces(hub_files(hub_dir), payload)  # still in the WAL: the reader needs it
    reader.execute("COMMIT")
    desk_store.purge_expired(hub)  # nothing expired; it checkpoints all the same
    assert traces(hub_files(hub_dir), payload) == []
    reader.close()


def test_withdrawn_at_the_consent_page_of_a_real_hub(tmp_path):
    """The whole way: a kiosk seals and pushes, the visitor withdraws at /w/<token>; the hub
    process keeps serving (its connections open) while its files are searched."""
    hub = HubProcess(tmp_path / "hub").start()
    try:
        kiosk = enrolled_kiosk(hub, tmp_path / "k", KIOSK)
        SyncClient(kiosk).sync_once()
        key = load_public_key(kiosk.get_state("hub_public_key"))
        group = kiosk.conn.execute("SELECT id FROM communities LIMIT 1").fetchone()[0]
        others = [seal(check_contact("email", f"buur{i}@voorbeeld.nl"), key) for i in range(15)]
        for box in others:
            record_contact_request(kiosk, new_record_id(), [group], "email", box, 90, new_token())
        payload, token = seal(check_contact("email", "anna@voorbeeld.nl"), key), new_token()
        record_contact_request(kiosk, new_record_id(), [group], "email", payload, 90, token)
        SyncClient(kiosk).sync_once()
        files = hub_files(hub.data_dir)
        assert traces(files, payload)
        reply = requests.post(f"{hub.url}/w/{token}", data={"confirm": "yes"}, timeout=10)
        assert reply.status_code == 200
        assert traces(files, payload) == []
        assert all(traces(files, box) for box in others)  # the others are still there
    finally:
        hub.stop()
    assert traces(files, payload) == []


# -- the quarantine ---------------------------------------------------------------------------


def test_erasing_a_request_forgets_its_quarantined_copies(hub, hub_dir):
    """A kiosk's first push of a record was refused, a later one accepted (after a kiosk
    update, say): withdrawing the request forgets the refused copy's payload too."""
    pusher, record, payload = Pusher(hub), str(uuid.uuid4()), sealed("DAAN-0622222222-")
    other, other_payload = str(uuid.uuid4()), sealed("EVA-0633333333-")
    assert pusher.push(record, payload, name="Daan").quarantined
    assert pusher.push(other, other_payload, name="Eva").quarantined
    pusher.push(record, payload)
    hub_store.withdraw_contact_request(hub, record)
    assert traces(hub_files(hub_dir), payload) == []
    assert traces(hub_files(hub_dir), other_payload)  # another record's refusal stays
    rows = hub.execute(
        "SELECT device_seq, status, problem IS NOT NULL, payload IS NULL FROM pushed_ops"
        " ORDER BY device_seq"
    ).fetchall()
    assert rows == [(1, "quarantined", 1, 1), (2, "quarantined", 1, 0), (3, "applied", 0, 1)]


def test_quarantined_payloads_are_forgotten_after_30_days_and_still_listed(hub, hub_dir, capsys):
    payload = sealed("FENNA-0644444444-")
    with time_machine.travel("2027-01-10 12:00 +0000", tick=False):
        assert Pusher(hub).push(str(uuid.uuid4()), payload, name="Fenna").quarantined
    with time_machine.travel("2027-02-08 12:00 +0000", tick=False):  # 29 days on
        desk_store.purge_expired(hub)
    assert traces(hub_files(hub_dir), payload)
    with time_machine.travel("2027-02-10 12:01 +0000", tick=False):  # 31 days on
        desk_store.purge_expired(hub)
    assert traces(hub_files(hub_dir), payload) == []
    assert cli.main(["quarantine", "--data-dir", str(hub_dir)]) == 0
    [listed] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert listed["kiosk"] == KIOSK and listed["device_seq"] == 1
    assert listed["received_at"].startswith("2027-01-10") and "name" in listed["problem"]
    assert listed["payload"] is None


def test_a_refused_copy_that_arrives_after_the_erasure_is_forgotten_by_the_purge(hub, hub_dir):
    pusher, record, payload = Pusher(hub), str(uuid.uuid4()), sealed("GIJS-0655555555-")
    pusher.push(record, payload)
    hub_store.withdraw_contact_request(hub, record)
    assert pusher.push(record, payload, name="Gijs").quarantined  # pushed again, refused
    desk_store.purge_expired(hub)
    assert traces(hub_files(hub_dir), payload) == []


# -- backups ----------------------------------------------------------------------------------


def backup(hub_dir: Path, *args: str) -> None:
    assert cli.main(["backup", "--data-dir", str(hub_dir), *args]) == 0


def test_backup_into_a_folder_rotates_what_outlived_the_longest_consent(hub, hub_dir, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    keep = ["hub-20260302-031500.db", "hub-20270228-0315.db", "notes.txt", "hub-latest.db"]
    gone = ["hub-20260228-031500.db", "hub-20250101-0315.db"]  # the first unit's names too
    for name in keep + gone:
        (folder / name).write_text("old")
    Pusher(hub).push(str(uuid.uuid4()), sealed("HANNA-"))
    with time_machine.travel("2027-03-01 03:15:42 +0000", tick=False):
        backup(hub_dir, "--dir", str(folder))
    made = folder / "hub-20270301-031542.db"
    assert sorted(p.name for p in folder.iterdir()) == sorted([*keep, made.name])
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
    copy = sqlite3.connect(made)
    assert copy.execute("SELECT count(*) FROM visitor_records").fetchone() == (1,)
    copy.close()
    with time_machine.travel("2027-03-01 04:00 +0000", tick=False):
        backup(hub_dir, "--dir", str(folder), "--keep-days", "1")
    assert "hub-20270228-0315.db" not in {p.name for p in folder.iterdir()}
    assert made.exists() and (folder / "notes.txt").exists()


def test_backups_are_kept_as_long_as_the_longest_consent():
    assert cli.BACKUP_KEEP_DAYS == max(CONSENT_DAYS)


def test_backup_to_a_file_still_works_once(hub, hub_dir, tmp_path, capsys):
    target = tmp_path / "one.db"
    backup(hub_dir, str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert cli.main(["backup", "--data-dir", str(hub_dir), str(target)]) == 2
    assert cli.main(["backup", "--data-dir", str(hub_dir)]) == 2  # neither FILE nor --dir
    assert "FILE, or --dir DIR" in capsys.readouterr().err


def test_a_backup_made_after_an_erasure_holds_no_trace_and_empties_the_wal(hub, hub_dir, tmp_path):
    """The erasure's own checkpoint was held up by a reader; the nightly backup finishes it."""
    pusher, record, payload = Pusher(hub), str(uuid.uuid4()), sealed("IDA-0666666666-")
    pusher.neighbours(10)
    pusher.push(record, payload)
    reader = hub_store.connect(hub_dir / hub_store.DB_NAME)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM visitor_records").fetchone()
    hub_store.withdraw_contact_request(hub, record)
    reader.execute("COMMIT")
    reader.close()
    assert traces(hub_files(hub_dir), payload)
    backup(hub_dir, "--dir", str(tmp_path / "backups"))
    [copy] = (tmp_path / "backups").iterdir()
    assert traces([copy, *hub_files(hub_dir)], payload) == []


def test_the_backup_unit_erases_first_then_backs_up_into_its_folder():
    lines = (DEPLOY / "ontmoet-hub-backup.service").read_text().splitlines()
    commands = [line.split("/bin/ontmoet-hub ", 1)[1] for line in lines
                if line.startswith("ExecStart=") and "/bin/ontmoet-hub " in line]  # fmt: skip
    # (then restic takes that folder: tests/test_backup_restore.py)
    assert commands == [
        "maintain",
        "backup --with-keys --overwrite /var/backups/ontmoet-hub/latest/hub.db",
    ]
    assert "/var/backups/ontmoet-hub" in next(x for x in lines if x.startswith("ReadWritePaths"))
