"""A region's hub (issue 18): two hub processes on one PostgreSQL, killed with kill -9 in the
middle of kiosks' pushes, which go to one process and then the other. Nothing may be lost or
doubled, and each kiosk's ops must arrive as one gapless run of device_seq."""

import random
import shutil
import subprocess
import threading
import time
import uuid

import hub_helpers
import psycopg
import pytest
import requests
from hub_helpers import (
    HubProcess,
    enrolled_kiosk,
    hub_cli,
    kiosk_communities,
    outbox_size,
    visit,
    withdrawable_request,
)

from sync.client import OutcomeUnknown, SyncClient, SyncError
from sync.hub import engine
from sync.hub import store as hub_store

KIOSKS = ("kiosk-hal", "kiosk-bieb")
ROUNDS = 6  # per round each kiosk makes 150 ops (three batches) and one process is killed


@pytest.fixture
def two_processes(tmp_path, monkeypatch):
    """Two hub processes (own ports, own logs) on one PostgreSQL database."""
    monkeypatch.setattr(hub_helpers, "ENGINE", "postgresql")
    quotas = {"ONTMOET_HUB_QUOTA_FACTOR": "100"}  # 300 contact requests an hour per kiosk
    first = HubProcess(tmp_path / "hub").start(env=quotas)
    second = first.another_process().start(env=quotas)
    assert (first.data_dir / "database").exists()
    yield first, second
    for process in (first, second):
        process.stop()


def sync_until_done(kiosk, hub: HubProcess, tries: int = 10) -> None:
    for _ in range(tries):
        try:
            client = SyncClient(kiosk)
            client.hub_url = hub.url
            client.sync_once()
            return
        except OutcomeUnknown:
            time.sleep(0.2)
    raise AssertionError(f"{hub.url} never took the outbox")


@pytest.mark.slow  # kill -9 of hub processes, restarted, many times
@pytest.mark.timeout(400)
def test_kill_9_of_either_of_two_hub_processes_on_postgresql_loses_and_doubles_nothing(
    two_processes, tmp_path
):
    processes = two_processes
    rng = random.Random(18)
    kiosks = {name: enrolled_kiosk(processes[0], tmp_path / name, name) for name in KIOSKS}
    created: dict[str, list[str]] = {name: [] for name in KIOSKS}
    groups = sorted(processes[0].communities())
    killed = interrupted = 0
    for round_ in range(ROUNDS):
        target = processes[round_ % 2]  # the kiosks' pushes go to each process in turn
        workers = []
        for name, kiosk in kiosks.items():
            created[name] += visit(kiosk, name, groups, n=50)
            client = SyncClient(kiosk)
            client.hub_url = target.url

            def run(client=client) -> None:
                try:
                    client.sync_once()
                except SyncError:
                    pass  # killed mid-round: the next round sends it again

            workers.append(threading.Thread(target=run))
        for worker in workers:
            worker.start()
        time.sleep(rng.uniform(0.05, 0.4))
        if target.process.poll() is None:
            target.kill()
            killed += 1
        for worker in workers:
            worker.join(60)
        # A kill that left ops unacknowledged came in the middle of a push.
        interrupted += any(outbox_size(kiosk) for kiosk in kiosks.values())
        target.start()
    for kiosk in kiosks.values():  # the rest, to both processes
        sync_until_done(kiosk, processes[0])
        sync_until_done(kiosk, processes[1])
    assert killed == ROUNDS
    print("rounds:", ROUNDS, "kills in the middle of a push:", interrupted)
    assert interrupted >= ROUNDS // 2, "the kills must come in the middle of pushes"

    conn = processes[0].db()
    for name, kiosk in kiosks.items():
        assert outbox_size(kiosk) == 0
        records = sorted(
            rid for (rid,) in conn.execute("SELECT id FROM visitor_records WHERE kiosk = ?", [name])
        )
        assert records == sorted(created[name]), f"lost or doubled records of {name}"
        seqs = [
            seq
            for (seq,) in conn.execute(
                "SELECT device_seq FROM pushed_ops WHERE kiosk = ? ORDER BY device_seq", [name]
            )
        ]
        assert seqs == list(range(1, len(created[name]) + 1)), f"{name}: each op once, in order"
        assert kiosk_communities(kiosk) == processes[0].communities()
    statuses = {status for (status,) in conn.execute("SELECT status FROM pushed_ops")}
    assert statuses == {"applied"}
    conn.close()


def pg_tool(name: str, *args: str) -> None:
    """PostgreSQL's own client tools (Debian's package), as an operator runs them."""
    from bench.pg_server import BIN

    done = subprocess.run([str(BIN / name), *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("how", ["pg_restore, then restored", "ontmoet-hub restore"])
def test_a_restore_with_pg_dump_gets_a_new_epoch_and_keeps_erasures_and_revocations(
    two_processes, tmp_path, how
):
    """SYNC.md rule 11 on PostgreSQL: pg_dump, then a visitor withdraws and a kiosk is
    revoked; the dump comes back either with PostgreSQL's tools ('pg_restore' into a new
    database, then 'ontmoet-hub restored --replaced') or with 'ontmoet-hub restore' in the
    hub's own database (as restore-hub.sh and a rollback do). Either way: a new epoch, and
    what must not go back in time carried over."""
    hub, other = two_processes
    kiosk = enrolled_kiosk(hub, tmp_path / "k", "kiosk-k")
    thief = enrolled_kiosk(hub, tmp_path / "t", "kiosk-stolen")
    receipt = withdrawable_request(kiosk, sorted(hub.communities())[:1])
    SyncClient(kiosk).sync_once()
    SyncClient(thief).sync_once()
    database = (hub.data_dir / "database").read_text().strip()
    epoch = hub_store.meta(hub.db(), "epoch")
    # The hub's own backup command (the nightly unit's) runs pg_dump for a hub on PostgreSQL.
    backup = tmp_path / "backup"
    backup.mkdir()
    hub_cli(hub.data_dir, "backup", "--with-keys", str(backup / "hub.db"))
    assert (backup / "hub.key").exists()
    # After the backup: the visitor withdraws (at the other process), a kiosk is revoked.
    assert requests.post(f"{other.url}/w/{receipt}", data={"confirm": "yes"}, timeout=10).ok
    hub_cli(hub.data_dir, "revoke-kiosk", "kiosk-stolen")
    hub.stop()
    other.stop()
    if how == "ontmoet-hub restore":
        done = hub_cli(hub.data_dir, "restore", str(backup / "hub.db"))
        assert "Carried over" in done.stdout
        conn = hub.db()
        aside = conn.execute("SELECT to_regnamespace('ontmoet_replaced')").fetchone()[0]
        conn.close()
        assert aside is None  # the replaced store is gone once carried over
    else:  # the operator keeps the old database aside and restores under the hub's name
        server, name = database.rsplit("/", 1)
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f"ALTER DATABASE {name} RENAME TO {name}_replaced")
            admin.execute(f"CREATE DATABASE {name}")
        pg_tool("pg_restore", "--dbname", database, str(backup / "hub.db"))
        done = hub_cli(hub.data_dir, "restored", "--replaced", f"{server}/{name}_replaced")
        assert "New epoch" in done.stdout
    hub.start()
    other.start()
    assert hub_store.meta(hub.db(), "epoch") != epoch
    assert hub.records("contact_request") == []  # not back from the dump ...
    SyncClient(kiosk).sync_once()  # ... nor from the kiosk's archive, which it sends again
    assert hub.records("contact_request") == []
    assert "Nothing is stored" in requests.get(f"{other.url}/w/{receipt}?lang=en", timeout=10).text
    with pytest.raises(SyncError) as refused:
        SyncClient(thief).sync_once()
    assert refused.value.state == "revoked"


def test_ontmoet_hub_restore_of_a_pg_dump_onto_a_new_machine_brings_the_keys_and_kiosks(
    tmp_path, monkeypatch
):
    """A region's hub lost with its machine: install-hub.sh makes a new one (init: other
    keys, its own database), and restore-hub.sh's 'ontmoet-hub restore' of the nightly
    pg_dump brings back the store whole and the keys, so the kiosks carry on."""
    monkeypatch.setattr(hub_helpers, "ENGINE", "postgresql")
    old = HubProcess(tmp_path / "old").start()
    kiosk = enrolled_kiosk(old, tmp_path / "k", "kiosk-k")
    ids = visit(kiosk, "kiosk-k", sorted(old.communities())[:2], n=3)
    SyncClient(kiosk).sync_once()
    backup = tmp_path / "latest"
    backup.mkdir()
    hub_cli(old.data_dir, "backup", "--with-keys", str(backup / "hub.db"))
    old.stop()
    new = HubProcess(tmp_path / "new", demo=False)  # as init leaves it: other keys, empty
    own_key = (new.data_dir / "hub.key").read_text()
    assert own_key != (backup / "hub.key").read_text()
    # A first try with a dump cut short fails: the new hub keeps its own keys and store ...
    cut = tmp_path / "cut"
    cut.mkdir()
    whole = (backup / "hub.db").read_bytes()
    (cut / "hub.db").write_bytes(whole[: len(whole) // 2])
    for name in ("hub.key", "hub.pub"):
        shutil.copy2(backup / name, cut / name)
    failed = hub_cli(new.data_dir, "restore", str(cut / "hub.db"), check=False)
    assert failed.returncode == 2 and "the store is as it was" in failed.stderr
    assert (new.data_dir / "hub.key").read_text() == own_key
    # ... and the next try, with the whole dump, brings the backup back whole.
    done = hub_cli(new.data_dir, "restore", str(backup / "hub.db"))
    assert "On a new machine: 1 kiosks" in done.stdout
    assert (new.data_dir / "hub.key").read_text() == (backup / "hub.key").read_text()
    new.port, new.url = old.port, old.url  # the same public name, on the new machine
    new.start()
    SyncClient(kiosk).sync_once()  # its token and the hub's key are those it knew
    assert sorted(rid for _entity, rid in new.records()) == sorted(ids)
    new.stop()
    # A used hub is never replaced by a stranger's backup.
    other = HubProcess(tmp_path / "other", demo=False)  # keys of its own, as new's
    other_kiosk = enrolled_kiosk(other.start(), tmp_path / "k2", "kiosk-2")
    SyncClient(other_kiosk).sync_once()
    other.stop()
    refused = hub_cli(other.data_dir, "restore", str(backup / "hub.db"), check=False)
    assert refused.returncode == 2 and "holds another hub" in refused.stderr


def test_a_restore_that_fails_leaves_the_store_as_it_was(tmp_path, monkeypatch):
    """A cut-off dump (pg_restore fails), a SQLite file or another application's dump given
    to a hub on PostgreSQL, and a restore killed after the store was set aside: the store
    stays the one it was, and no hub serves in its place meanwhile."""
    monkeypatch.setattr(hub_helpers, "ENGINE", "postgresql")
    from sync.hub import restore_postgresql

    served = HubProcess(tmp_path / "hub")
    epoch = hub_store.meta(served.db(), "epoch")
    communities = sorted(served.communities())
    hub_cli(served.data_dir, "backup", str(tmp_path / "hub.db"))
    whole = (tmp_path / "hub.db").read_bytes()
    (tmp_path / "cut.db").write_bytes(whole[: len(whole) // 2])
    cut = hub_cli(served.data_dir, "restore", str(tmp_path / "cut.db"), check=False)
    assert cut.returncode == 2 and "pg_restore failed" in cut.stderr, cut.stderr
    sqlite_file = tmp_path / "sqlite" / "hub.db"
    sqlite_file.parent.mkdir()
    sqlite_file.write_bytes(b"SQLite format 3\x00" + bytes(4096))
    wrong = hub_cli(served.data_dir, "restore", str(sqlite_file), check=False)
    assert wrong.returncode == 2 and "is not a pg_dump" in wrong.stderr
    stranger = hub_helpers.new_database()  # a pg_dump, but of another application
    with psycopg.connect(stranger, autocommit=True) as other:
        other.execute("CREATE TABLE invoices (id int)")
    pg_tool("pg_dump", "--format=custom", "--file", str(tmp_path / "other.dump"), stranger)
    foreign = hub_cli(served.data_dir, "restore", str(tmp_path / "other.dump"), check=False)
    assert foreign.returncode == 2 and "holds no hub's store" in foreign.stderr
    assert "the store is as it was" in foreign.stderr
    database = (served.data_dir / "database").read_text().strip()
    with psycopg.connect(database) as still_serving:  # a hub process on another machine
        still_serving.execute("SELECT 1")
        busy = hub_cli(served.data_dir, "restore", str(tmp_path / "hub.db"), check=False)
    assert busy.returncode == 2 and "1 other sessions use the hub's database" in busy.stderr
    assert "stop every hub process, on every machine" in busy.stderr
    no_hub = hub_cli(tmp_path / "new", "restore", str(tmp_path / "hub.db"), check=False)
    assert no_hub.returncode == 2 and "first make the hub on its new database" in no_hub.stderr
    assert not (tmp_path / "new").exists()
    # Killed after setting the store aside: the next restore puts it back first.
    conn = engine.PostgresConnection(database)
    with hub_store.write(conn):
        conn.execute(f"ALTER SCHEMA public RENAME TO {restore_postgresql.ASIDE}")
        conn.execute("CREATE SCHEMA public")
    refused = hub_cli(served.data_dir, "serve", "--port", "0", check=False)
    assert refused.returncode == 2 and "a restore of this hub's store was cut off" in refused.stderr
    assert restore_postgresql.put_back_aside(conn) is True
    conn.close()
    assert hub_store.meta(served.db(), "epoch") == epoch
    assert sorted(served.communities()) == communities


@pytest.mark.hub_sqlite_only  # the refusal on a SQLite hub
def test_restored_is_for_a_hub_on_postgresql_and_names_another_database(hub, tmp_path):
    on_sqlite = hub_cli(hub.data_dir, "restored", check=False)
    assert on_sqlite.returncode == 2 and "'ontmoet-hub restore FILE'" in on_sqlite.stderr


def test_login_and_enrolment_limits_hold_for_both_processes_together(two_processes):
    """Issue 18: per address, 20 failed logins and 10 failed enrolments a minute for the
    region's hub as a whole, not for each process (counted in the store, rate_hits)."""
    from test_attacks import desk_login

    first, second = two_processes
    codes = [desk_login((first, second)[i % 2], f"naam{i}", "geraden").status_code
             for i in range(20)]  # fmt: skip
    assert codes == [401] * 20  # unknown names: no account locks, only the address counts
    # Either process now turns the address away: it made 10 attempts at each.
    assert desk_login(first, "naam-a", "geraden").status_code == 429
    assert desk_login(second, "naam-b", "geraden").status_code == 429

    def enrol(process: HubProcess, code: str) -> requests.Response:
        wrong = {"code": code, "device": str(uuid.uuid4())}
        return requests.post(f"{process.url}/api/v1/enrol", json=wrong, timeout=10)

    codes = [enrol((first, second)[i % 2], f"fout{i:012d}").status_code for i in range(10)]
    assert codes == [403] * 10
    for process in (first, second):
        refused = enrol(process, "fout000000000099")
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 61
    conn = first.db()
    (hits,) = conn.execute("SELECT count(*) FROM rate_hits WHERE name = 'login'").fetchone()
    conn.close()
    assert hits == 20  # every failure once, whichever process saw it


def test_flood_limits_hold_for_both_processes_together(two_processes):
    """Issue 18: what one group's link may send in an hour (its record, its events, photos),
    the sign-ups from one address and its wrong answer links are limited for the region's hub
    as a whole: counted in the store, whichever process is asked. Each flood alternates
    between the processes, so with counts per process neither would refuse yet."""
    from desk_helpers import desk_web
    from test_attacks import csrf_of
    from test_signup import form_of, post_from

    from sync.hub import edit, group_events, introductions, photos, proposals, signup
    from sync.hub.desk import communities

    first, second = two_processes
    conn = first.db()
    try:
        (community,) = conn.execute(
            "SELECT id FROM shared_records WHERE entity = 'community' AND data IS NOT NULL"
            " ORDER BY id LIMIT 1"
        ).fetchone()
        token = proposals.new_edit_link(conn, "test", community)
    finally:
        conn.close()

    def flood(limit: int, send) -> tuple[list[int], list[int]]:
        """The refusals among ``limit`` sends, then the answers of both to one more."""
        codes = [send((first, second)[i % 2]) for i in range(limit)]
        return [c for c in codes if c == 429], [send(process) for process in (first, second)]

    def post(path: str, web=requests, **data):
        return lambda process: web.post(f"{process.url}{path}", timeout=10,
                                        **data).status_code  # fmt: skip

    guess = f"/i/{'x' * 43}"
    honey = {**form_of(first), "website": "https://spam.example"}  # counted, never kept
    desk = desk_web(first, "balie-regio")  # the session is in the store: good at both
    csrf = csrf_of(desk, f"{first.url}/desk/communities/new")

    def desk_photo(process: HubProcess) -> int:
        sent = desk.post(f"{process.url}/desk/communities/{community}/photo", timeout=10,
                         data={"csrf": csrf}, allow_redirects=False)  # fmt: skip
        return 429 if "photo=too_often" in sent.headers["location"] else sent.status_code

    # Bad forms: refused with nothing stored, yet counted (the limit comes first).
    refusals = {
        "record": flood(edit.SENDS_PER_HOUR, post(f"/edit/{token}", data={"name": ""})),
        "events": flood(group_events.SENDS_PER_HOUR,
                        post(f"/edit/{token}/events", data={"title": ""})),
        "photos": flood(photos.UPLOADS_PER_HOUR,
                        post(f"/edit/{token}/photo", files={"photo": b""})),
        "answer links": flood(introductions.GUESSES_PER_MINUTE,
                              lambda hub: requests.get(hub.url + guess, timeout=10).status_code),
        "sign-ups": flood(signup.PER_ADDRESS,
                          lambda hub: post_from(hub, "127.0.3.1", honey)[0]),
        "new groups": flood(communities.CREATES_PER_HOUR,
                            post("/desk/communities/new", desk, data={"csrf": csrf, "name": ""})),
        "desk photos": flood(photos.DESK_UPLOADS_PER_HOUR, desk_photo),
    }  # fmt: skip
    assert refusals == {name: ([], [429, 429]) for name in refusals}
    conn = first.db()
    try:
        stored = [conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                  for table in ("proposals", "signups", "event_proposals")]  # fmt: skip
    finally:
        conn.close()
    assert stored == [0, 0, 0]  # the floods stored nothing


def test_restored_refuses_the_restored_database_itself_and_a_database_without_a_hub(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(hub_helpers, "ENGINE", "postgresql")
    hub = HubProcess(tmp_path / "hub")  # a folder on its own database; not served
    database = (hub.data_dir / "database").read_text().strip()
    epoch = hub_store.meta(hub.db(), "epoch")
    itself = hub_cli(hub.data_dir, "restored", "--replaced", database, check=False)
    assert itself.returncode == 2 and "the restored database itself" in itself.stderr
    empty = hub_helpers.new_database()
    no_hub = hub_cli(hub.data_dir, "restored", "--replaced", empty, check=False)
    assert no_hub.returncode == 2 and "holds no hub's store" in no_hub.stderr
    assert hub_store.meta(hub.db(), "epoch") == epoch  # a refusal changes nothing
    alone = hub_cli(hub.data_dir, "restored")  # the old database is gone: a new epoch anyway
    assert "Nothing carried over" in alone.stdout
    assert hub_store.meta(hub.db(), "epoch") != epoch


def test_photos_reach_the_hub_processes_on_another_machine_through_the_store(tmp_path, monkeypatch):
    """Issue 18: a region's hub processes on two machines, each with a folder of its own
    (the keys and the database's address copied, no photos). A photo a group sends at one is
    reviewed at the desk, fetched by the kiosks and shown on the public page at the other:
    it is in the store (photo_files), and each machine keeps a copy checked against its hash.
    A photo no longer used is swept from the store; a damaged one is never served."""
    import hashlib

    from desk_helpers import desk_web
    from test_photos import (
        approve_all,
        communities_without_photo,
        edit_link,
        jpeg,
        upload,
        waiting_images,
    )

    from sync.hub import photos

    monkeypatch.setattr(hub_helpers, "ENGINE", "postgresql")
    first = HubProcess(tmp_path / "machine-a").start()
    other = tmp_path / "machine-b"
    other.mkdir(mode=0o700)
    for name in ("hub.key", "hub.pub", "database"):
        shutil.copy2(first.data_dir / name, other / name)
    second = first.another_process()
    second.data_dir = other
    second.start()
    try:
        kiosk = enrolled_kiosk(first, tmp_path / "k", "kiosk-k")
        token = kiosk.get_state("token")

        def kiosk_fetch(sha: str) -> requests.Response:
            return requests.get(f"{second.url}/api/v1/photos/{sha}", timeout=10,
                                headers={"Authorization": f"Bearer {token}"})  # fmt: skip

        conn = first.db()
        (demo,) = conn.execute(
            "SELECT json_extract(data, '$.image.sha256') FROM shared_records WHERE entity ="
            " 'community' AND json_extract(data, '$.image') IS NOT NULL ORDER BY id LIMIT 1"
        ).fetchone()
        conn.close()
        assert not (other / "photos").exists()
        fetched = kiosk_fetch(demo)  # load-demo put the demo's photos in the store
        assert fetched.status_code == 200 and hashlib.sha256(fetched.content).hexdigest() == demo
        assert (other / "photos" / f"{demo}.jpg").read_bytes() == fetched.content

        group = communities_without_photo(first)[0]
        link = edit_link(first, group)
        assert upload(first, link, jpeg(colour=(3, 90, 200))).status_code == 303
        [sent] = waiting_images(first, group)
        desk = desk_web(second, "balie-b")
        at_desk = desk.get(f"{second.url}/desk/photos/{sent['sha256']}.jpg", timeout=10)
        assert at_desk.status_code == 200
        assert hashlib.sha256(at_desk.content).hexdigest() == sent["sha256"]
        public = f"{second.url}/photos/{sent['sha256']}.jpg"
        assert requests.get(public, timeout=10).status_code == 404  # not before approval
        approve_all(first, group)
        assert requests.get(public, timeout=10).content == at_desk.content
        assert kiosk_fetch(sent["sha256"]).content == at_desk.content

        # A photo in use that the store lacks (a store from before photo_files, say) goes in
        # at the next sweep of a machine that has it.
        conn = first.db()
        try:
            with hub_store.write(conn):
                conn.execute("DELETE FROM photo_files WHERE sha256 = ?", [sent["sha256"]])
            photos.sweep(conn, first.data_dir)
            (back,) = conn.execute(
                "SELECT jpeg FROM photo_files WHERE sha256 = ?", [sent["sha256"]]
            ).fetchone()
        finally:
            conn.close()
        assert bytes(back) == at_desk.content
        # A newer photo replaces it: the old one leaves the store once its grace is over.
        assert upload(first, link, jpeg(colour=(200, 90, 3))).status_code == 303
        approve_all(first, group)
        conn = first.db()
        try:
            photos.sweep(conn, first.data_dir, now=time.time() + 2 * photos.SWEEP_GRACE)
            kept = {sha for (sha,) in conn.execute("SELECT sha256 FROM photo_files")}
            assert sent["sha256"] not in kept and demo in kept
            # A row whose bytes do not match its name (damaged, or written by someone who
            # should not) is never served, and no machine keeps a copy of it.
            (newer,) = [sha for sha in kept if sha in photos.photos_in_use(conn) and not
                        (other / "photos" / f"{sha}.jpg").exists() and sha != demo][:1]  # fmt: skip
            with hub_store.write(conn):
                conn.execute("UPDATE photo_files SET jpeg = ? WHERE sha256 = ?",
                             [b"not that photo", newer])  # fmt: skip
        finally:
            conn.close()
        assert kiosk_fetch(newer).status_code == 404
        assert not (other / "photos" / f"{newer}.jpg").exists()
    finally:
        second.stop()
        first.stop()
