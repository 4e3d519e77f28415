"""Two kiosks and a real hub process: what a visitor leaves reaches the hub, what the hub
changes reaches every kiosk."""

import base64
from datetime import UTC, datetime, timedelta

import pytest
from hub_helpers import (
    enrolled_kiosk,
    hub_cli,
    kiosk_communities,
    outbox_size,
    visit,
)

from kiosk import outbox
from kiosk.contact import unseal
from sync.client import SyncClient, SyncError, status
from sync.hub import keys

# A region's hub (issue 18): every test here on SQLite and on PostgreSQL.
pytestmark = pytest.mark.hub_engines


def test_round_trip_between_two_kiosks_and_the_hub(hub, tmp_path):
    a = enrolled_kiosk(hub, tmp_path / "a", "kiosk-a")
    b = enrolled_kiosk(hub, tmp_path / "b", "kiosk-b")
    first = SyncClient(a).sync_once()
    SyncClient(b).sync_once()
    # Everything public came over: every live record in the hub's change log, and the same
    # communities at the same revisions.
    conn = hub.db()
    (public,) = conn.execute("SELECT COUNT(*) FROM changes WHERE deleted = 0").fetchone()
    conn.close()
    assert public > len(hub.communities()) > 0
    assert first.pulled == public
    assert kiosk_communities(a) == kiosk_communities(b) == hub.communities()
    some = sorted(hub.communities())[:3]

    ids = visit(a, "kiosk-a", some, n=2)
    assert outbox_size(a) == 6
    pushed = SyncClient(a).sync_once()
    assert pushed.pushed == 6 and outbox_size(a) == 0
    assert sorted(i for _e, i in hub.records()) == sorted(ids)

    # The contact detail arrived sealed; only the hub's private key opens it, and the kiosk
    # holds the sealed copy only in its archive, for a hub restored from a backup, until the
    # archive forgets it.
    conn = hub.db()
    (fields,) = conn.execute(
        "SELECT fields FROM visitor_records WHERE entity = 'contact_request' LIMIT 1"
    ).fetchone()
    conn.close()
    import json

    sealed = base64.b64decode(json.loads(fields)["sealed_payload"])
    assert unseal(sealed, keys.private_key(hub.data_dir)).value.endswith("@voorbeeld.nl")
    assert outbox.pending(a) == []
    outbox.prune(a, keep_days=0, now=datetime.now(UTC) + timedelta(seconds=1))
    assert a.conn.execute("SELECT count(*) FROM outbox_archive").fetchone() == (0,)

    # An edit at the hub reaches both kiosks.
    target = some[0]
    hub_cli(hub.data_dir, "edit-community", target, 'pitch={"nl": "Nieuw: elke week open."}')
    for kiosk in (a, b):
        SyncClient(kiosk).sync_once()
        assert kiosk.community(target).pitch == {"nl": "Nieuw: elke week open."}
        assert kiosk.community(target).revision == 2
    # A deletion too (a tombstone).
    hub_cli(hub.data_dir, "delete-community", some[1])
    for kiosk in (a, b):
        SyncClient(kiosk).sync_once()
        assert kiosk.community(some[1]) is None
        assert kiosk_communities(kiosk) == hub.communities()


def test_a_sync_with_nothing_new_is_one_request(hub, tmp_path):
    a = enrolled_kiosk(hub, tmp_path / "a", "kiosk-a")
    SyncClient(a).sync_once()
    again = SyncClient(a).sync_once()
    assert (again.requests, again.pushed, again.pulled) == (1, 0, 0)
    assert status(a)["status"] == "online"


def test_the_hub_sees_each_kiosk_outbox_and_clock(hub, tmp_path):
    a = enrolled_kiosk(hub, tmp_path / "a", "kiosk-a")
    SyncClient(a).sync_once()
    out = hub_cli(hub.data_dir, "kiosks").stdout
    assert '"name": "kiosk-a"' in out and '"outbox_size": 0' in out
    assert '"last_pull": "20' in out


def test_a_kiosk_that_is_not_enrolled_says_so(tmp_path):
    from kiosk.store import open_store

    with pytest.raises(SyncError, match="not enrolled"):
        SyncClient(open_store(tmp_path / "kiosk.db"))


def test_an_enrolment_code_works_once(hub, tmp_path):
    from kiosk.store import open_store
    from sync.client import enrol

    code = hub.code("kiosk-a")
    enrol(open_store(tmp_path / "one.db"), hub.url, code)
    with pytest.raises(SyncError, match="unknown, used or expired"):
        enrol(open_store(tmp_path / "two.db"), hub.url, code)


def test_sync_once_on_the_command_line_exits_0_only_when_the_round_worked(hub, tmp_path):
    import os
    import subprocess
    import sys

    from hub_helpers import ROOT

    enrolled_kiosk(hub, tmp_path / "k", "kiosk-cli")
    env = {**os.environ, "ONTMOET_DATA_DIR": str(tmp_path / "k")}

    def sync_once():
        return subprocess.run([sys.executable, "-m", "kiosk.cli", "sync", "--once"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=60)  # fmt: skip

    done = sync_once()
    assert done.returncode == 0 and "79 changes received" in done.stdout
    hub.stop()
    failed = sync_once()
    assert failed.returncode == 1
    assert "sync failed (offline): the hub cannot be reached" in failed.stderr
    env["ONTMOET_DATA_DIR"] = str(tmp_path / "never-enrolled")
    lonely = sync_once()
    assert lonely.returncode == 1 and "not enrolled" in lonely.stderr


@pytest.mark.parametrize(
    "url", ["http://192.168.1.5:8080", "http://hub.example", "ftp://hub.example", "hub.example"]
)
def test_enrolment_needs_https_except_on_this_machine(tmp_path, url):
    from kiosk.store import open_store
    from sync.client import enrol

    store = open_store(tmp_path / "kiosk.db")
    with pytest.raises(SyncError, match="https://"):
        enrol(store, url, "a-code-that-is-never-sent")
    assert store.get_state("token") is None
