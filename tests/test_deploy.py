"""The deploy files agree with the code: settings exist, paths match, the unit restarts."""

import configparser
import re
import subprocess
from pathlib import Path

import pytest

from kiosk.config import ENV_PREFIX, Config, load_config

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def env_file() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "kiosk.env").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read_string((DEPLOY / "ontmoet-kiosk.service").read_text())
    return parser


def test_every_ontmoet_variable_is_a_valid_setting():
    env = env_file()
    ours = {k: v for k, v in env.items() if k.startswith(ENV_PREFIX)}
    settings = {f"{ENV_PREFIX}{name.upper()}" for name in Config.__dataclass_fields__}
    assert set(ours) <= settings
    config = load_config(environ=ours)  # raises on a wrong value
    assert config.fullscreen is True


def test_the_unit_restarts_the_kiosk_and_may_write_its_data_folder():
    service = unit()["Service"]
    assert service["Restart"] == "always"
    assert (
        service["ExecStart"] == "/opt/ontmoet/kiosk/current/bin/ontmoet-kiosk"
    )  # install-kiosk.sh
    assert service["EnvironmentFile"].lstrip("-") == "/etc/ontmoet/kiosk.env"
    assert service["ReadWritePaths"] == env_file()["ONTMOET_DATA_DIR"]
    assert service["Type"] == "notify" and int(service["WatchdogSec"]) > 0  # kiosk/watchdog.py
    assert unit()["Unit"]["StartLimitAction"] == "reboot"  # never a silent dark panel


def test_the_kiosk_env_offers_every_language_and_a_driver_the_wheel_has():
    env = env_file()
    assert load_config(environ={"ONTMOET_LANGUAGES": env["ONTMOET_LANGUAGES"]}).languages == (
        "nl",
        "en",
        "tr",
        "ar",
        "pl",
        "uk",
    )
    assert env["SDL_VIDEODRIVER"] == "kmsdrm"
    assert env["KCFG_GRAPHICS_ROTATION"] in ("0", "90", "180", "270")


def test_no_escape_and_no_cursor():
    env = env_file()
    assert env["KCFG_KIVY_EXIT_ON_ESCAPE"] == "0"
    assert env["KCFG_GRAPHICS_SHOW_CURSOR"] == "0"
    from kiosk.kivy_env import kivy_environment

    fullscreen = kivy_environment((1080, 1920), fullscreen=True)
    assert fullscreen["KCFG_KIVY_EXIT_ON_ESCAPE"] == "0"
    assert fullscreen["KCFG_GRAPHICS_SHOW_CURSOR"] == "0"
    assert fullscreen["KCFG_GRAPHICS_FULLSCREEN"] == "auto"


def hub_unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read_string((DEPLOY / name).read_text())
    return parser


def test_the_hub_unit_serves_locally_and_writes_only_its_folder():
    service = hub_unit("ontmoet-hub.service")["Service"]
    assert service["Restart"] == "always"
    assert service["ExecStart"].startswith("/opt/ontmoet/hub/current/bin/ontmoet-hub serve")
    assert "--host 127.0.0.1" in service["ExecStart"]
    hub_dir = dict(
        line.split("=", 1)
        for line in (DEPLOY / "hub.env").read_text().splitlines()
        if line and not line.startswith("#")
    )["ONTMOET_HUB_DIR"]
    assert service["ReadWritePaths"] == hub_dir
    assert service["UMask"] == "0077"


def test_the_backup_timer_runs_commands_that_exist():
    from sync.hub.cli import COMMANDS

    text = (DEPLOY / "ontmoet-hub-backup.service").read_text()
    used = {
        line.split("/bin/ontmoet-hub ")[1].split()[0]
        for line in text.splitlines()
        if line.startswith("ExecStart=") and "/bin/ontmoet-hub " in line
    }
    assert used == {"backup", "maintain"} and used <= set(COMMANDS)
    timer = hub_unit("ontmoet-hub-backup.timer")["Timer"]
    assert timer["Persistent"] == "true"


def test_the_hub_env_file_names_only_real_settings_with_valid_values():
    from sync.hub.settings import MAIL_VARIABLES, HubSettings, load_settings

    known = {f.metadata["env"] for f in HubSettings.__dataclass_fields__.values()
             if "env" in f.metadata} | {v for v, _ in MAIL_VARIABLES.values()}  # fmt: skip
    values = {}
    for line in (DEPLOY / "hub.env").read_text().splitlines():
        name, sep, value = line.lstrip("#").partition("=")
        if sep and name.startswith("ONTMOET_"):
            assert name in known, f"hub.env names an unknown setting {name}"
            if not line.startswith("#"):
                values[name] = value
    assert values["ONTMOET_HUB_TRUSTED_PROXIES"] == "127.0.0.1"
    load_settings(environ=values)  # raises on a wrong value


UNITS = ("ontmoet-kiosk.service", "ontmoet-hub.service", "ontmoet-hub-backup.service")


@pytest.fixture
def units_to_check(tmp_path):
    """The units as shipped, their programs pointed at one that exists here (verify checks
    that ExecStart is executable; the install scripts put ours in /opt/ontmoet/PART/current)."""
    for name in (*UNITS, "ontmoet-hub-backup.timer"):
        text = (DEPLOY / name).read_text()
        ours = r"/opt/ontmoet/(hub|kiosk)/current/bin/ontmoet-\w+"
        (tmp_path / name).write_text(re.sub(ours, "/bin/true", text))
    return tmp_path


def test_systemd_finds_nothing_wrong_in_any_unit(units_to_check):
    for name in (*UNITS, "ontmoet-hub-backup.timer"):
        done = subprocess.run(
            ["systemd-analyze", "verify", "--man=no", str(units_to_check / name)],
            capture_output=True, text=True, cwd=units_to_check,
        )  # fmt: skip
        assert done.returncode == 0 and not done.stderr.strip(), (name, done.stderr)


@pytest.mark.parametrize("name", UNITS)
def test_every_unit_is_sandboxed_below_exposure_five(name):
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", str(DEPLOY / name)],
        capture_output=True, text=True,
    )  # fmt: skip
    exposure = re.search(r"Overall exposure level for \S+: ([\d.]+)", done.stdout)
    assert exposure, done.stdout[-500:] + done.stderr
    assert float(exposure.group(1)) < 5, done.stdout
