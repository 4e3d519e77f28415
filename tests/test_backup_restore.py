"""Backups you can restore: the backup unit's own commands (parsed from
deploy/ontmoet-hub-backup.service) put a hub into a real restic repository, encrypted and with
its keys; deploy/restore-hub.sh brings it back on a new machine, where the enrolled kiosk syncs
on without enrolling again and nothing is lost; restic keeps 7 daily, 4 weekly and 6 monthly
backups, so an expired contact request leaves the backups too."""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import hub_helpers
import psycopg
import pytest
import time_machine
from hub_helpers import (
    HubProcess,
    enrolled_kiosk,
    hub_cli,
    outbox_size,
    prepared_hub,
    store_of,
    visit,
)
from test_erasure import contact_op, sealed, traces

from kiosk.contact import CONSENT_DAYS
from sync import protocol
from sync.client import SyncClient
from sync.hub import cli, keys, ledger
from sync.hub import store as hub_store
from sync.hub.engine import database_of

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "ontmoet-hub-backup.service"
PROGRAM = "/opt/ontmoet/hub/current/bin/ontmoet-hub"
SPOOL = "/var/backups/ontmoet-hub"
KIOSK = "kiosk-hal"

# About the SQLite file itself (hub.db): its hubs keep their store in SQLite.
pytestmark = pytest.mark.hub_sqlite_only


@pytest.fixture(autouse=True)
def restic_installed():
    """./tasks test installs restic: missing, these tests fail rather than pass unseen."""
    assert shutil.which("restic"), "restic is missing: ./tasks test installs it (apt-get)"


def unit_service() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read_string(UNIT.read_text())
    return parser["Service"]


def unit_commands() -> list[list[str]]:
    """The unit's ExecStart lines in order (configparser keeps only the last of a key)."""
    return [shlex.split(line.removeprefix("ExecStart="))
            for line in UNIT.read_text().splitlines() if line.startswith("ExecStart=")]  # fmt: skip


class Machine:
    """What the backup unit sees on a hub machine, in folders of a test: the hub's folder, the
    backup spool (/var/backups/ontmoet-hub), restic's cache, repository and password file,
    and /etc/ontmoet/backup.env naming the last two."""

    def __init__(self, base: Path, hub_dir: Path) -> None:
        self.hub_dir, self.spool = hub_dir, base / "backups"
        for folder in ("latest", "upgrades"):  # as install-hub.sh makes them
            (self.spool / folder).mkdir(parents=True, exist_ok=True)
        self.repository, self.password = base / "repository", base / "restic-password"
        self.password.write_text("a password from the municipality's safe\n")
        self.backup_env = base / "backup.env"
        self.backup_env.write_text(
            f"RESTIC_REPOSITORY={self.repository}\nRESTIC_PASSWORD_FILE={self.password}\n"
        )
        cache = unit_service()["Environment"].partition("=")[2]
        self.env = {**os.environ, "ONTMOET_HUB_DIR": str(hub_dir),
                    "RESTIC_CACHE_DIR": str(base / cache.lstrip("/")),
                    "RESTIC_REPOSITORY": str(self.repository),
                    "RESTIC_PASSWORD_FILE": str(self.password)}  # fmt: skip
        self.restic("init")

    def restic(self, *args: str) -> str:
        done = subprocess.run(["restic", *args], env=self.env, capture_output=True, text=True,
                              timeout=120)  # fmt: skip
        assert done.returncode == 0, (args, done.stderr)
        return done.stdout

    def command(self, words: list[str]) -> list[str]:
        """A unit command with this machine's paths (the hub's program from this checkout)."""
        words = [w.replace(SPOOL, str(self.spool)) for w in words]
        return [sys.executable, "-m", "sync.hub.cli", *words[1:]] if words[0] == PROGRAM else words

    def run_backup_unit(self, at: datetime | None = None, only_restic: bool = False) -> None:
        """Every command of the backup unit, in order, as its service user would run them;
        ``at``: the snapshot's time (restic backup --time), for a series of nights."""
        for words in unit_commands():
            if words[:2] == ["/usr/bin/restic", "forget"]:
                continue  # the rotation is checked on its own below
            if only_restic and words[0] == PROGRAM:
                continue
            if at is not None and words[:2] == ["/usr/bin/restic", "backup"]:
                words = [*words[:2], "--time", at.strftime("%Y-%m-%d %H:%M:%S"), *words[2:]]
            done = subprocess.run(self.command(words), env=self.env, cwd=ROOT, timeout=120,
                                  capture_output=True, text=True)  # fmt: skip
            assert done.returncode == 0, (words, done.stderr)

    def forget_policy(self) -> list[str]:
        [forget] = [w for w in unit_commands() if w[:2] == ["/usr/bin/restic", "forget"]]
        return forget[2:]

    def snapshots(self) -> list[dict]:
        import json

        return json.loads(self.restic("snapshots", "--json"))


def keep_options(policy: list[str]) -> dict[str, int]:
    return {policy[i].removeprefix("--keep-"): int(policy[i + 1])
            for i, word in enumerate(policy) if word.startswith("--keep-")}  # fmt: skip


def serve(folder: Path, port: int) -> HubProcess:
    """A hub process on an existing folder (a restored one), on the old hub's port: the kiosk
    still has the old hub's address, as it would keep the public name."""
    hub = HubProcess.__new__(HubProcess)
    hub.data_dir, hub.port, hub.url, hub.process = folder, port, f"http://127.0.0.1:{port}", None
    return hub.start()


def accounts(folder: Path) -> list[tuple]:
    conn = store_of(folder)
    rows = conn.execute("SELECT username, password_hash, role FROM accounts ORDER BY 1").fetchall()
    conn.close()
    return rows


# -- disaster recovery ------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("installed", ["after-install-hub", "empty-folder", "postgresql"])
def test_a_hub_restored_from_restic_on_a_new_machine_serves_its_kiosk_on(
    tmp_path, installed, monkeypatch
):
    """postgresql: a region's hub, whose machine and database are both lost; the nightly
    backup is a pg_dump, and install-hub.sh makes the new hub on a new database."""
    if installed == "postgresql":
        monkeypatch.setattr(hub_helpers, "ENGINE", "postgresql")
    hub = HubProcess(tmp_path / "old-machine").start()
    try:
        kiosk = enrolled_kiosk(hub, tmp_path / "kiosk", KIOSK)
        communities = sorted(hub.communities())
        created = visit(kiosk, KIOSK, communities, n=3)
        assert SyncClient(kiosk).sync_once().pushed == len(created)
        machine = Machine(tmp_path / "old", hub.data_dir)
        machine.run_backup_unit()  # tonight's backup, while the hub serves
        # After the backup: more visitors, acknowledged by the hub that is about to be lost.
        created += visit(kiosk, KIOSK, communities, n=2)
        SyncClient(kiosk).sync_once()
        assert outbox_size(kiosk) == 0
        token, epoch = kiosk.get_state("token"), kiosk.get_state("epoch")
        old_keys = {n: (hub.data_dir / n).read_bytes() for n in (keys.PRIVATE_KEY, keys.PUBLIC_KEY)}
        old_accounts = accounts(hub.data_dir)
        database = database_of(hub.data_dir)
    finally:
        hub.stop()
    shutil.rmtree(hub.data_dir)  # the old machine is gone
    if database:  # and its database with it
        server, name = database.rsplit("/", 1)
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name}")

    # The new machine: install-hub.sh made a hub of its own (other keys, a new admin), or
    # nothing is there yet (no hub.key); then restore-hub.sh, with the old backup.env and the
    # password from the safe.
    new_dir = tmp_path / "new-machine" / "ontmoet-hub"
    if installed != "empty-folder":
        if database:  # hub.env names the new database (docs/postgresql.md)
            monkeypatch.setenv("ONTMOET_HUB_DATABASE", hub_helpers.new_database())
        hub_cli(new_dir, "init")
        monkeypatch.delenv("ONTMOET_HUB_DATABASE", raising=False)
        assert (new_dir / keys.PRIVATE_KEY).read_bytes() != old_keys[keys.PRIVATE_KEY]
    else:
        new_dir.parent.mkdir()
    program = tmp_path / "ontmoet-hub"
    program.write_text(f'#!/bin/sh\ncd {ROOT} && exec {sys.executable} -m sync.hub.cli "$@"\n')
    program.chmod(0o755)
    started = time.monotonic()
    restored = subprocess.run(
        [DEPLOY / "restore-hub.sh"], capture_output=True, text=True, timeout=120,
        env={**machine.env, "ONTMOET_HUB_DIR": str(new_dir),
             "ONTMOET_BACKUP_ENV": str(machine.backup_env), "ONTMOET_HUB_PROGRAM": str(program),
             "ONTMOET_BACKED_UP": str(machine.spool / "latest"), "ONTMOET_RESTORE_AS": ""},
    )  # fmt: skip
    seconds = time.monotonic() - started
    assert restored.returncode == 0, restored.stderr
    assert "1 kiosks" in restored.stdout and "and the hub's keys back" in restored.stdout
    size = sum(f.stat().st_size for f in machine.repository.rglob("*") if f.is_file())
    print(f"\nrepository {size / 1e6:.1f} MB after one backup; restore-hub.sh took {seconds:.1f} s")

    assert {n: (new_dir / n).read_bytes() for n in old_keys} == old_keys
    assert (new_dir / keys.PRIVATE_KEY).stat().st_mode & 0o777 == 0o600
    assert new_dir.stat().st_mode & 0o777 == 0o700
    assert accounts(new_dir) == old_accounts  # init's admin replaced by the real ones
    new = serve(new_dir, hub.port)
    try:
        result = SyncClient(kiosk).sync_once()  # the same token: no enrolment again
        assert result.epoch_changed and kiosk.get_state("epoch") != epoch
        assert kiosk.get_state("token") == token
        SyncClient(kiosk).sync_once()
        from test_sync_faults import assert_converged

        assert_converged(new, kiosk, created, KIOSK)  # the two later visitors pushed again
        # The restored key opens what the kiosk sealed before and after the backup.
        conn = store_of(new_dir)
        requests_ = hub_store.visitor_records(conn, "contact_request")
        conn.close()
        assert len(requests_) == 5
        for record in requests_:
            channel, value = protocol.open_sealed(record["fields"]["sealed_payload"],
                                                  keys.private_key(new_dir))  # fmt: skip
            assert channel == "email" and value.endswith("@voorbeeld.nl")
    finally:
        new.stop()


def test_a_used_hub_with_other_keys_is_never_overwritten(tmp_path):
    """Restoring into the wrong folder (another hub, with kiosks) is refused, nothing lost."""
    source, other = tmp_path / "source", tmp_path / "other"
    shutil.copytree(prepared_hub(True), source)
    (tmp_path / "night").mkdir()
    hub_cli(source, "backup", "--with-keys", str(tmp_path / "night" / "hub.db"))
    hub_cli(other, "init")
    conn = hub_store.connect(other / "hub.db")  # a kiosk enrolled there: a hub in use
    conn.execute("INSERT INTO kiosks (name, token_hash, enrolled_at) VALUES ('k', 'x', 'now')")
    conn.close()
    before = (other / "hub.db").read_bytes(), (other / keys.PRIVATE_KEY).read_bytes()
    refused = hub_cli(other, "restore", str(tmp_path / "night" / "hub.db"), check=False)
    assert refused.returncode == 2 and "holds another hub" in refused.stderr
    assert ((other / "hub.db").read_bytes(), (other / keys.PRIVATE_KEY).read_bytes()) == before


def test_a_backup_without_keys_cannot_make_a_new_machine(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(prepared_hub(True), source)
    (tmp_path / "night").mkdir()
    hub_cli(source, "backup", str(tmp_path / "night" / "hub.db"))  # no --with-keys
    refused = hub_cli(tmp_path / "empty", "restore", str(tmp_path / "night" / "hub.db"),
                      check=False)  # fmt: skip
    assert refused.returncode == 2 and "no hub.key beside" in refused.stderr
    assert not (tmp_path / "empty" / "hub.db").exists()


def test_the_nightly_copy_replaces_last_nights_and_keeps_the_keys_beside_it(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(prepared_hub(True), source)
    target = tmp_path / "latest" / "hub.db"
    target.parent.mkdir()
    for _night in range(2):
        hub_cli(source, "backup", "--with-keys", "--overwrite", str(target))
    assert sorted(p.name for p in target.parent.iterdir()) == [
        "hub.db", "hub.key", "hub.pub", "photos"
    ]  # fmt: skip
    for name in ("hub.db", "hub.key"):
        assert (target.parent / name).stat().st_mode & 0o777 == 0o600
    assert (target.parent / "hub.key").read_bytes() == (source / "hub.key").read_bytes()
    again = hub_cli(source, "backup", str(target), check=False)  # without --overwrite: never
    assert again.returncode == 2 and "exists already" in again.stderr
    hub_cli(tmp_path / "another", "init")
    mixed = hub_cli(tmp_path / "another", "backup", "--with-keys", "--overwrite", str(target),
                    check=False)  # fmt: skip
    assert mixed.returncode == 2 and "another hub's keys" in mixed.stderr


@pytest.mark.slow
def test_copies_saved_before_an_upgrade_go_after_thirty_days(tmp_path):
    hub_dir = tmp_path / "hub"
    shutil.copytree(prepared_hub(True), hub_dir)
    machine = Machine(tmp_path, hub_dir)
    old = machine.spool / "upgrades" / "upgrade-0.1.0-to-0.2.0-20270101-031500"
    recent = machine.spool / "upgrades" / "rolled-back-0.2.0-20270301-031500"
    for folder, days in ((old, 40), (recent, 29)):
        folder.mkdir()
        (folder / "hub.db").write_text("the store as it was")
        moment = time.time() - days * 86400
        os.utime(folder, (moment, moment))
    machine.run_backup_unit()
    assert not old.exists() and (recent / "hub.db").exists()


# -- encryption, rotation, expiry -------------------------------------------------------------


@pytest.mark.slow
def test_the_backup_is_encrypted_and_holds_the_keys(tmp_path):
    hub_dir = tmp_path / "hub"
    shutil.copytree(prepared_hub(True), hub_dir)
    machine = Machine(tmp_path, hub_dir)
    machine.run_backup_unit()
    key_text = (hub_dir / keys.PRIVATE_KEY).read_bytes().strip()
    admin_hash = accounts(hub_dir)[0][1].encode()
    copy = (machine.spool / "latest" / "hub.db").read_bytes()
    assert admin_hash in copy and b"Lindewaard" in copy  # plain in the spool, as in hub.db
    [snapshot] = machine.snapshots()
    dumped = machine.restic("dump", snapshot["id"], str(machine.spool / "latest" / "hub.key"))
    assert dumped.strip().encode() == key_text  # the key is in the backup ...
    files = [f for f in machine.repository.rglob("*") if f.is_file()]
    assert len(files) > 5
    for secret in (key_text, admin_hash, b"Lindewaard"):  # ... and nothing can be read
        assert not [f for f in files if secret in f.read_bytes()], secret


#: A series of nights (days after the first), the synthetic times restic backup --time sets:
#: a request expires on day 20 and is erased that night; backups go on for eight months
#: (daily, then fortnightly, then monthly: enough for every rule of the policy to choose).
HOLDING = (0, 5, 10, 15)
NIGHTS = (*range(21, 29), *range(35, 106, 14), *range(130, 251, 30))
FIRST = datetime(2027, 1, 4, 3, 15, tzinfo=UTC)


@pytest.fixture(scope="module")
def series(tmp_path_factory):
    """A restic repository with a hub's backups over eight months: the first ones hold a
    contact request that expired on day 20 and was erased then, the later ones do not."""
    base = tmp_path_factory.mktemp("series")
    hub_dir = base / "hub"
    shutil.copytree(prepared_hub(True), hub_dir)
    payload, record = sealed("EXPIRES-DAY-20-"), str(uuid.uuid4())
    conn = hub_store.connect(hub_dir / "hub.db")
    expires = (FIRST + timedelta(days=19)).date().isoformat()
    ledger.apply_push(conn, KIOSK, [contact_op(1, record, payload, expires)],
                      hub_store.apply_visitor_record)  # fmt: skip
    conn.close()
    machine = Machine(base, hub_dir)
    for day in HOLDING:
        machine.run_backup_unit(at=FIRST + timedelta(days=day), only_restic=day != HOLDING[0])
    with time_machine.travel(FIRST + timedelta(days=20), tick=False):
        assert cli.main(["maintain", "--data-dir", str(hub_dir)]) == 0  # the unit's first step
    for i, day in enumerate(NIGHTS):
        machine.run_backup_unit(at=FIRST + timedelta(days=day), only_restic=i > 0)
    return machine, payload, record


@pytest.mark.slow
def test_restic_keeps_7_daily_4_weekly_6_monthly_as_the_unit_says(series):
    machine, _payload, _record = series
    import json

    policy = machine.forget_policy()
    assert keep_options(policy) == {"daily": 7, "weekly": 4, "monthly": 6}
    assert "--prune" in policy  # forgotten data is removed from the repository too
    dry = [w for w in policy if w not in ("--prune", "--quiet")]
    [group] = json.loads(machine.restic("forget", "--dry-run", "--json", *dry))
    reasons = [m.split()[0] for r in group["reasons"] for m in r["matches"]]
    assert {k: reasons.count(k) for k in ("daily", "weekly", "monthly")} == {
        "daily": 7, "weekly": 4, "monthly": 6
    }  # fmt: skip
    kept = sorted(datetime.fromisoformat(s["time"]) for s in group["keep"])
    assert len(group["keep"]) + len(group["remove"]) == len(HOLDING) + len(NIGHTS)
    age = (kept[-1] - kept[0]).days
    print(f"\nkept {len(kept)} of {len(HOLDING) + len(NIGHTS)} backups; the oldest {age} days")
    # The monthly keep decides how old the oldest backup gets: always under the longest consent.
    assert age <= 6 * 31 < max(CONSENT_DAYS)


@pytest.mark.slow
def test_an_expired_request_leaves_the_backups_with_their_rotation(series, tmp_path):
    machine, payload, _record = series
    repository = tmp_path / "repository"
    shutil.copytree(machine.repository, repository)
    rotated = Machine.__new__(Machine)
    rotated.__dict__.update(machine.__dict__, repository=repository,
                            env={**machine.env, "RESTIC_REPOSITORY": str(repository)})  # fmt: skip
    latest = rotated.spool / "latest" / "hub.db"

    def holding() -> list[str]:
        found = []
        for snapshot in rotated.snapshots():
            out = tmp_path / f"{snapshot['short_id']}.db"
            with open(out, "wb") as file:
                subprocess.run(["restic", "dump", snapshot["id"], str(latest)], env=rotated.env,
                               stdout=file, check=True, timeout=60)  # fmt: skip
            if traces([out], payload):  # (the bare id stays: a re-push cannot bring it back)
                found.append(snapshot["time"][:10])
        return found

    assert holding() == [(FIRST + timedelta(days=d)).date().isoformat() for d in HOLDING]
    rotated.restic("forget", *rotated.forget_policy())  # as the unit runs it, with --prune
    assert holding() == []  # the backups that held it are gone, and their data pruned
    remaining = sorted(s["time"][:10] for s in rotated.snapshots())
    assert remaining[0] > (FIRST + timedelta(days=HOLDING[-1])).date().isoformat()
