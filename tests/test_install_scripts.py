"""The install scripts in deploy/: they parse and pass shellcheck, Caddy reads the Caddyfile
they install and sends the hub's traffic where the hub listens and trusts it, the kernel's
command line and the releases are changed once and only once. The scripts' whole runs as root
on a clean Debian root are scripts/try-install.sh (minutes: not in the suite); nothing here
touches this machine's /etc, /opt, users or units."""

from __future__ import annotations

import configparser
import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SCRIPTS = sorted([*DEPLOY.glob("*.sh"), ROOT / "scripts" / "try-install.sh"])


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_shell_script_parses_and_shellcheck_finds_nothing(script):
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    checked = subprocess.run(
        ["shellcheck", "--external-sources", str(script.relative_to(ROOT))],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout


def test_the_install_scripts_are_executable_and_say_how_they_are_used():
    for name in ("install-kiosk.sh", "install-hub.sh", "restore-hub.sh"):
        assert (DEPLOY / name).stat().st_mode & 0o111, name
    usage = subprocess.run([DEPLOY / "install-hub.sh", "--help"], capture_output=True, text=True)
    assert usage.returncode == 2 and "--upgrade" in usage.stdout and "--rollback" in usage.stdout


def print_caddyfile(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([DEPLOY / "install-hub.sh", "--print-caddyfile", *args],
                          capture_output=True, text=True)  # fmt: skip


@pytest.mark.parametrize(
    "args, problem",
    [
        (("https://ontmoet.example.nl",), "is not a host name"),
        (("ontmoet.example.nl/desk",), "is not a host name"),
        (("localhost",), "is not a host name"),
        (("ontmoet.example.nl", "--cert", "/x.pem"), "--cert and --key go together"),
        ((), "say the hub's public name"),
        (("ontmoet.example.nl", "--database", "mysql://db/ontmoet"), "a PostgreSQL address"),
        (("ontmoet.example.nl", "--database", "postgresql://ontmoet:geheim@db/ontmoet"),
         "no password in the address"),
        (("ontmoet.example.nl", "--database", "postgresql://ontmoet@db/ontmoet?password=geheim"),
         "no password in the address"),
    ],
    ids=["url", "path", "no-domain", "cert-without-key", "no-name", "not-postgresql",
         "password-in-address", "password-parameter"],
)  # fmt: skip
def test_a_wrong_name_or_certificate_is_refused_with_a_clear_message(args, problem):
    done = print_caddyfile(*args)
    assert done.returncode != 0 and problem in done.stderr and not done.stdout


def caddy_json(caddyfile: str, tmp_path: Path) -> dict:
    if shutil.which("caddy") is None:
        pytest.fail("Debian's caddy is missing: ./tasks test installs it (apt-get install caddy)")
    (tmp_path / "Caddyfile").write_text(caddyfile)
    done = subprocess.run(
        ["caddy", "adapt", "--adapter", "caddyfile", "--config", str(tmp_path / "Caddyfile")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def handlers(config: dict) -> list[dict]:
    [server] = config["apps"]["http"]["servers"].values()
    [route] = server["routes"]
    return [h for sub in route["handle"] for r in sub["routes"] for h in r["handle"]]


def hub_listens_on() -> str:
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.read_string((DEPLOY / "ontmoet-hub.service").read_text())
    words = unit["Service"]["ExecStart"].split()
    return f"{words[words.index('--host') + 1]}:{words[words.index('--port') + 1]}"


def trusted_proxies() -> str:
    for line in (DEPLOY / "hub.env").read_text().splitlines():
        if line.startswith("ONTMOET_HUB_TRUSTED_PROXIES="):
            return line.partition("=")[2]
    raise AssertionError("hub.env sets no trusted proxies")


def test_caddy_serves_the_public_name_with_hsts_and_proxies_to_where_the_hub_listens(tmp_path):
    done = print_caddyfile("ontmoet.gemeente.example")
    assert done.returncode == 0, done.stderr
    config = caddy_json(done.stdout, tmp_path)
    [server] = config["apps"]["http"]["servers"].values()
    assert server["listen"] == [":443"]  # automatic HTTPS (and the redirect from port 80)
    assert server["routes"][0]["match"] == [{"host": ["ontmoet.gemeente.example"]}]
    headers, proxy = handlers(config)
    # One HSTS header (deferred: it replaces the hub's own), and the hub where its unit
    # listens, which is the one proxy hub.env tells the hub to believe.
    assert headers["response"] == {
        "deferred": True, "set": {"Strict-Transport-Security": ["max-age=31536000"]}
    }  # fmt: skip
    assert proxy["handler"] == "reverse_proxy"
    assert [u["dial"] for u in proxy["upstreams"]] == [hub_listens_on()] == ["127.0.0.1:8080"]
    assert trusted_proxies() == hub_listens_on().split(":")[0]
    assert "tls" not in config["apps"]  # Caddy's own certificates: nothing to load


def test_the_municipalitys_own_certificate_is_used_instead_when_given(tmp_path):
    done = print_caddyfile("ontmoet.gemeente.example", "--cert", "c.pem", "--key", "k.pem")
    config = caddy_json(done.stdout, tmp_path)
    [loaded] = config["apps"]["tls"]["certificates"]["load_files"]
    assert (loaded["certificate"], loaded["key"]) == ("/etc/ontmoet/tls/hub.crt",
                                                      "/etc/ontmoet/tls/hub.key")  # fmt: skip
    assert [h["handler"] for h in handlers(config)] == ["headers", "reverse_proxy"]


def common(script: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """Functions of deploy/install-common.sh run in bash, on files in tmp_path."""
    return subprocess.run(
        ["bash", "-c", f"set -euo pipefail; . {DEPLOY / 'install-common.sh'}; {script}"],
        cwd=tmp_path, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "ONTMOET_OPT": str(tmp_path / "opt")},
    )  # fmt: skip


@pytest.mark.parametrize(
    "cmdline, grub, changed, expected",
    [
        ("console=tty1 root=PARTUUID=1 rootwait\n", None, "cmdline.txt",
         "console=tty1 root=PARTUUID=1 rootwait consoleblank=0\n"),
        (None, 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX=""\n',
         "grub", 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet consoleblank=0"\n'
         'GRUB_CMDLINE_LINUX=""\n'),
        (None, "GRUB_DEFAULT=0\n", "grub",
         'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="consoleblank=0"\n'),
    ],
    ids=["raspberry-pi-os", "debian-grub", "grub-without-the-line"],
)  # fmt: skip
def test_console_blanking_goes_off_on_the_kernel_command_line_once(
    tmp_path, cmdline, grub, changed, expected
):
    for name, text in (("cmdline.txt", cmdline), ("grub", grub)):
        if text is not None:
            (tmp_path / name).write_text(text)
    add = "kernel_cmdline_add consoleblank=0 cmdline.txt grub"
    first, second = common(add, tmp_path), common(add, tmp_path)
    assert first.returncode == 0 and f"Added consoleblank=0 to {changed}" in first.stdout
    assert second.returncode == 0 and second.stdout == ""  # the second run changes nothing
    assert (tmp_path / changed).read_text() == expected


def test_no_kernel_command_line_found_is_said_not_guessed(tmp_path):
    done = common("kernel_cmdline_add consoleblank=0 cmdline.txt grub", tmp_path)
    assert done.returncode == 0 and "add consoleblank=0 to the kernel's command line" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_releases_switch_in_one_step_and_only_current_and_previous_stay(tmp_path):
    releases = tmp_path / "opt" / "hub" / "releases"
    for version in ("0.1.0", "0.2.0", "0.3.0"):
        (releases / version).mkdir(parents=True)
    done = common(
        "PART=hub; point current 0.1.0; point previous 0.1.0; point current 0.2.0;"
        " point previous 0.1.0; echo now=$(release_of current) before=$(release_of previous);"
        " point current 0.3.0; point previous 0.2.0; prune_releases",
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "now=0.2.0 before=0.1.0" in done.stdout
    part = tmp_path / "opt" / "hub"
    assert str((part / "current").readlink()) == "releases/0.3.0"  # relative: movable
    assert str((part / "previous").readlink()) == "releases/0.2.0"
    assert sorted(p.name for p in releases.iterdir()) == ["0.2.0", "0.3.0"]
    assert "Removed the old release 0.1.0" in done.stdout
    assert sorted(p.name for p in part.iterdir()) == ["current", "previous", "releases"]


@pytest.mark.parametrize(
    "wheel, problem",
    [
        ("ontmoet-0.2.0-py3-none-any.whl", None),
        ("ontmoet-latest-py3-none-any.whl", "cannot read a version"),
        ("missing.whl", "no wheel at"),
    ],
    ids=["good", "no-version", "missing"],
)
def test_the_version_comes_from_the_wheels_name(tmp_path, wheel, problem):
    if wheel != "missing.whl":
        (tmp_path / wheel).write_bytes(b"PK")
    done = common(f"find_wheel {wheel}; echo version=$VERSION", tmp_path)
    if problem is None:
        assert done.returncode == 0 and "version=0.2.0" in done.stdout
    else:
        assert done.returncode != 0 and problem in done.stderr


def test_the_kiosk_can_switch_its_backlight_and_its_unit_runs_the_installed_release():
    rule = (DEPLOY / "70-ontmoet-backlight.rules").read_text()
    assert 'SUBSYSTEM=="backlight"' in rule and "chgrp video /sys%p/bl_power" in rule
    script = (DEPLOY / "install-kiosk.sh").read_text()
    assert 'ensure_user "$USER_NAME" video render input audio' in script
    assert "/etc/udev/rules.d/70-ontmoet-backlight.rules" in script
    for unit, part in (("ontmoet-kiosk.service", "kiosk"), ("ontmoet-hub.service", "hub")):
        assert f"ExecStart=/opt/ontmoet/{part}/current/bin/" in (DEPLOY / unit).read_text()


@pytest.mark.slow
def test_through_caddy_a_hub_gets_https_one_hsts_header_and_the_clients_own_address(tmp_path):
    """Caddy running the installed Caddyfile (with the municipality's own certificate, made
    here; other ports, as no test may take 443) in front of a real hub: the hub answers over
    HTTPS with exactly one HSTS header, and an address a client forges in X-Forwarded-For
    never reaches the hub (/metrics, for this machine only, still knows the client)."""
    import os
    import time

    import requests
    from hub_helpers import HubProcess, free_port

    if shutil.which("caddy") is None or shutil.which("curl") is None:
        pytest.fail("Debian's caddy or curl is missing: ./tasks test installs them")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=ontmoet.test", "-addext", "subjectAltName=DNS:ontmoet.test",
         "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    hub = HubProcess(tmp_path / "hub").start(
        args=("--public-url", "https://ontmoet.test", "--trusted-proxies", trusted_proxies())
    )
    http_port, https_port = free_port(), free_port()
    rendered = print_caddyfile("ontmoet.test", "--cert", "c", "--key", "k").stdout
    rendered = (
        rendered.replace("/etc/ontmoet/tls/hub.crt", str(tmp_path / "cert.pem"))
        .replace("/etc/ontmoet/tls/hub.key", str(tmp_path / "key.pem"))
        .replace(hub_listens_on(), f"127.0.0.1:{hub.port}")
    )
    (tmp_path / "Caddyfile").write_text(
        f"{{\n\tadmin off\n\thttp_port {http_port}\n\thttps_port {https_port}\n}}\n" + rendered
    )
    caddy = subprocess.Popen(
        ["caddy", "run", "--adapter", "caddyfile", "--config", str(tmp_path / "Caddyfile")],
        env={**os.environ, "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path),
             "HOME": str(tmp_path)},
        stdout=subprocess.DEVNULL, stderr=open(tmp_path / "caddy.log", "wb"),  # noqa: SIM115
    )  # fmt: skip

    def through_caddy(path: str, *headers: str) -> tuple[int, list[str]]:
        done = subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-D", "-", "-w", "%{http_code}",
             "--cacert", str(tmp_path / "cert.pem"),
             "--resolve", f"ontmoet.test:{https_port}:127.0.0.1",
             *[a for h in headers for a in ("-H", h)], f"https://ontmoet.test:{https_port}{path}"],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        lines = done.stdout.splitlines()
        return int(lines[-1] or 0), [h.lower() for h in lines[:-1]]

    try:
        deadline = time.monotonic() + 30
        while through_caddy("/api/v1/health")[0] != 200:
            assert caddy.poll() is None and time.monotonic() < deadline, (
                tmp_path / "caddy.log"
            ).read_text()[-2000:]
            time.sleep(0.2)
        status, headers = through_caddy("/api/v1/health")
        hsts = [h for h in headers if h.startswith("strict-transport-security:")]
        assert hsts == ["strict-transport-security: max-age=31536000"]
        forged = "X-Forwarded-For: 203.0.113.9"
        assert through_caddy("/metrics", forged)[0] == 200  # Caddy put the real address
        direct = requests.get(f"{hub.url}/metrics", headers={"X-Forwarded-For": "203.0.113.9"},
                              timeout=10)  # fmt: skip
        assert direct.status_code == 403  # the control: passed on, the forgery would count
    finally:
        caddy.terminate()
        caddy.wait(10)
        hub.stop()


def test_of_the_copies_saved_for_a_rollback_only_the_latest_of_each_kind_stays(tmp_path):
    names = ["upgrade-0.1.0-to-0.2.0-20270101-031500", "upgrade-0.2.0-to-0.3.0-20270301-031500",
             "rolled-back-0.3.0-20270302-031500", "notes.txt"]  # fmt: skip
    for name in names:
        (tmp_path / name).mkdir()
    done = common(f"prune_saves {tmp_path} upgrade-0.2.0-to-0.3.0-20270301-031500", tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[1:])


def script_value(script: str, name: str) -> str:
    """A NAME=value line of an install script (the first one, without a comment)."""
    for line in (DEPLOY / script).read_text().splitlines():
        if line.startswith(f"{name}="):
            return line.partition("=")[2].split("#")[0].strip()
    raise AssertionError(f"{script} sets no {name}")


def test_the_scripts_make_the_folders_and_users_the_units_use():
    kiosk_unit, hub_unit, backup_unit = (
        configparser.ConfigParser(interpolation=None, strict=False) for _ in range(3)
    )
    kiosk_unit.read_string((DEPLOY / "ontmoet-kiosk.service").read_text())
    hub_unit.read_string((DEPLOY / "ontmoet-hub.service").read_text())
    backup_unit.read_string((DEPLOY / "ontmoet-hub-backup.service").read_text())
    assert script_value("install-kiosk.sh", "USER_NAME") == kiosk_unit["Service"]["User"]
    assert script_value("install-kiosk.sh", "DATA") == kiosk_unit["Service"]["ReadWritePaths"]
    assert script_value("install-hub.sh", "USER_NAME") == hub_unit["Service"]["User"]
    assert script_value("install-hub.sh", "USER_NAME") == backup_unit["Service"]["User"]
    hub_dir = script_value("install-hub.sh", "DATA")
    assert hub_unit["Service"]["ReadWritePaths"] == hub_dir
    assert f"ONTMOET_HUB_DIR={hub_dir}" in (DEPLOY / "hub.env").read_text().splitlines()
    backups = script_value("install-hub.sh", "BACKUPS")
    assert backup_unit["Service"]["ReadWritePaths"].split() == [hub_dir, backups]
    assert script_value("restore-hub.sh", "BACKED_UP").endswith(f":-{backups}/latest}}")
    repository = dict(
        line.split("=", 1) for line in (DEPLOY / "backup.env").read_text().splitlines()
        if line and not line.startswith("#")
    )["RESTIC_REPOSITORY"]  # fmt: skip
    assert repository.startswith(backups + "/")  # the default one may be written by the unit
