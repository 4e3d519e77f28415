"""``ontmoet-hub``'s commands as an administrator runs them (never waiting for input)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest
from hub_helpers import ROOT, hub_cli

from sync.hub import keys


def test_init_makes_keys_readable_by_the_hub_only_and_prints_a_password_once(tmp_path):
    out = hub_cli(tmp_path / "hub", "init").stdout
    assert "password (shown once):" in out
    password = out.split("password (shown once): ")[1].split()[0]
    assert len(password) >= 16
    private = tmp_path / "hub" / "hub.key"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "hub").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "hub" / "hub.db").stat().st_mode) == 0o600
    # The password is stored as an argon2 hash only.
    import sqlite3

    (stored,) = (
        sqlite3.connect(tmp_path / "hub" / "hub.db")
        .execute("SELECT password_hash FROM accounts")
        .fetchone()
    )
    assert stored.startswith("$argon2") and password not in stored
    # At full strength: the tests' cheaper hashes (conftest.py) never reach a real hub.
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$"), stored
    assert keys.verify_password(stored, password)
    # Again: nothing is replaced, no second password.
    again = hub_cli(tmp_path / "hub", "init").stdout
    assert "already set up" in again and "password" not in again
    assert keys.public_key(tmp_path / "hub") in again


def test_a_private_key_readable_by_others_is_refused(tmp_path):
    hub_cli(tmp_path / "hub", "init")
    os.chmod(tmp_path / "hub" / "hub.key", 0o644)
    try:
        keys.private_key(tmp_path / "hub")
    except keys.HubKeyError as exc:
        assert "chmod 600" in str(exc)
    else:
        raise AssertionError("a world-readable private key was used")


def test_every_command_needs_a_data_dir_and_says_so(tmp_path):
    import subprocess
    import sys

    from hub_helpers import ROOT

    env = {k: v for k, v in os.environ.items() if k != "ONTMOET_HUB_DIR"}
    result = subprocess.run([sys.executable, "-m", "sync.hub.cli", "kiosks"], cwd=ROOT, env=env,
                            capture_output=True, text=True, stdin=subprocess.DEVNULL)  # fmt: skip
    assert result.returncode == 2 and "--data-dir" in result.stderr
    missing = hub_cli(tmp_path / "nowhere", "kiosks", check=False)
    assert missing.returncode == 2 and "ontmoet-hub init" in missing.stderr


def test_enrol_and_revoke_kiosks(tmp_path):
    hub_cli(tmp_path, "init")
    out = hub_cli(tmp_path, "enrol-kiosk", "kiosk-hal", "--hub-url", "https://hub.example").stdout
    assert "ontmoet-kiosk enrol https://hub.example " in out
    assert "█" in out or "▀" in out  # the QR code for the kiosk's camera-less admin
    bad = hub_cli(tmp_path, "enrol-kiosk", "kiosk\u202ehal", check=False)
    assert bad.returncode == 2 and "direction-changing" in bad.stderr
    unknown = hub_cli(tmp_path, "revoke-kiosk", "nobody", check=False)
    assert unknown.returncode == 2 and "no kiosk named 'nobody'" in unknown.stderr


def test_load_demo_edit_and_delete(tmp_path):
    hub_cli(tmp_path, "init")
    from sync.hub.cli import demo_records

    demo = len(demo_records()[1])  # derived: the demo may grow
    assert f"{demo} communities" in hub_cli(tmp_path, "load-demo").stdout
    import sqlite3

    conn = sqlite3.connect(tmp_path / "hub.db")
    (cid,) = conn.execute(
        "SELECT id FROM shared_records WHERE entity = 'community' LIMIT 1"
    ).fetchone()
    assert "revision 2" in hub_cli(tmp_path, "edit-community", cid, "state=resting").stdout
    refused = hub_cli(tmp_path, "edit-community", cid, "state=sleeping", check=False)
    assert refused.returncode == 2 and "state: must be one of" in refused.stderr
    refused = hub_cli(tmp_path, "edit-community", cid, "revision=99", check=False)
    assert refused.returncode == 2 and "can be edited" in refused.stderr
    hub_cli(tmp_path, "delete-community", cid)
    (data,) = conn.execute("SELECT data FROM shared_records WHERE id = ?", [cid]).fetchone()
    assert data is None
    (deleted,) = conn.execute("SELECT deleted FROM changes WHERE id = ?", [cid]).fetchone()
    assert deleted == 1  # a tombstone for the kiosks


def test_backup_and_restore_start_a_new_epoch(tmp_path):
    hub_cli(tmp_path / "hub", "init")
    import sqlite3

    def epoch():
        conn = sqlite3.connect(tmp_path / "hub" / "hub.db")
        return conn.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()[0]

    before = epoch()
    hub_cli(tmp_path / "hub", "backup", str(tmp_path / "b.db"))
    assert stat.S_IMODE((tmp_path / "b.db").stat().st_mode) == 0o600
    again = hub_cli(tmp_path / "hub", "backup", str(tmp_path / "b.db"), check=False)
    assert again.returncode == 2 and "exists already" in again.stderr
    hub_cli(tmp_path / "hub", "restore", str(tmp_path / "b.db"))
    assert epoch() != before
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    junk = hub_cli(tmp_path / "hub", "restore", str(tmp_path / "junk.db"), check=False)
    assert junk.returncode == 2 and "is not a hub backup" in junk.stderr


def test_kiosks_lists_json_lines(tmp_path):
    hub_cli(tmp_path, "init")
    assert hub_cli(tmp_path, "kiosks").stdout == ""
    hub_cli(tmp_path, "enrol-kiosk", "k1")
    assert [json.loads(x) for x in hub_cli(tmp_path, "kiosks").stdout.splitlines()] == []


def test_settings_lists_every_variable_and_never_a_password(tmp_path):
    from sync.hub.settings import MAIL_VARIABLES, HubSettings

    env = {**os.environ, "ONTMOET_SMTP_PASSWORD": "geheim-wachtwoord",
           "ONTMOET_HUB_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"}  # fmt: skip
    listed = subprocess.run([sys.executable, "-m", "sync.hub.cli", "settings"], env=env,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    rows = {r["variable"]: r for r in map(json.loads, listed.stdout.splitlines())}
    expected = {f.metadata["env"] for f in HubSettings.__dataclass_fields__.values()
                if "env" in f.metadata} | {v for v, _ in MAIL_VARIABLES.values()}  # fmt: skip
    assert set(rows) == expected
    assert rows["ONTMOET_HUB_TRUSTED_PROXIES"]["value"] == "127.0.0.1,10.0.0.0/8"
    assert rows["ONTMOET_SMTP_PASSWORD"]["value"] == "(set)"
    assert "geheim" not in listed.stdout
    readme = (ROOT / "README.md").read_text()
    for variable in expected:
        assert f"`{variable}`" in readme, f"{variable} is not documented in the README"


@pytest.mark.parametrize(
    "variable, value, says",
    [
        ("ONTMOET_HUB_TRUSTED_PROXIES", "nginx", "not an address or network"),
        ("ONTMOET_TIMEZONE", "Europe/Lindewaard", "not a time zone"),
        ("ONTMOET_HUB_HEADER_TIMEOUT", "-1", "a number above 0"),
        ("ONTMOET_HUB_PUBLIC_URL", "ontmoet.example.nl", "an address like https://"),
    ],
)
def test_a_wrong_setting_stops_the_hub_with_one_clear_line(tmp_path, variable, value, says):
    hub_cli(tmp_path / "hub", "init")
    refused = subprocess.run(
        [sys.executable, "-m", "sync.hub.cli", "serve", "--data-dir", str(tmp_path / "hub"),
         "--port", "1"], env={**os.environ, variable: value}, capture_output=True, text=True,
        timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert refused.returncode == 2 and says in refused.stderr and variable in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
