import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import Config, ConfigError, load_config, settings_help


def test_defaults_without_file_or_environment():
    config = load_config(environ={})
    assert config.idle_timeout == 90
    assert config.languages == ("nl", "en", "tr", "ar", "pl", "uk")
    assert config.default_language == "nl"
    assert config.db_path == config.data_dir / "kiosk.db"


def test_toml_file_then_environment_override(tmp_path):
    toml = tmp_path / "kiosk.toml"
    toml.write_text(
        'kiosk_name = "kiosk-bibliotheek"\nidle_timeout = 120\nlanguages = ["en", "nl"]\n'
        'public_url = "https://file.example"\n'
    )
    config = load_config(
        toml,
        environ={
            "ONTMOET_PUBLIC_URL": "https://env.example",
            "ONTMOET_DATA_DIR": str(tmp_path / "d"),
        },
    )
    assert config.kiosk_name == "kiosk-bibliotheek"
    assert config.idle_timeout == 120
    assert config.languages == ("en", "nl")
    assert config.public_url == "https://env.example"
    assert config.data_dir == tmp_path / "d"


def test_config_file_named_by_environment(tmp_path):
    toml = tmp_path / "k.toml"
    toml.write_text("idle_timeout = 60\n")
    assert load_config(environ={"ONTMOET_CONFIG": str(toml)}).idle_timeout == 60


@pytest.mark.parametrize(
    "content, fragments",
    [
        ('idle_timeout = "soon"\n', ["idle_timeout", "whole number", "'soon'"]),
        ("idle_timeout = true\n", ["idle_timeout", "whole number"]),
        ("idle_timeout = 3\n", ["idle_timeout", "at least 20"]),
        ('colour = "blue"\n', ["unknown setting 'colour'", "idle_timeout"]),
        ('languages = ["nl", "xx"]\n', ["languages"]),
        ("fullscreen = 1\n", ["fullscreen", "true or false"]),
        ("idle_timeout = \n", ["not valid TOML"]),
        ("idle_timeout = 30\nidle_warning = 40\n", ["idle_warning", "shorter"]),
        ('kiosk_name = "hal\u202e"\n', ["kiosk_name", "direction-changing"]),
        ('hub_public_key = "not-a-key"\n', ["hub_public_key", "base64"]),
    ],
)
def test_bad_config_names_the_setting_and_the_file(tmp_path, content, fragments):
    toml = tmp_path / "kiosk.toml"
    toml.write_text(content)
    with pytest.raises(ConfigError) as error:
        load_config(toml, environ={})
    message = str(error.value)
    for fragment in fragments:
        assert fragment in message
    if "idle_warning" not in content and "kiosk_name" not in content and "hub_" not in content:
        assert str(toml) in message


def test_bad_environment_value_names_the_variable():
    with pytest.raises(ConfigError, match="ONTMOET_IDLE_TIMEOUT"):
        load_config(environ={"ONTMOET_IDLE_TIMEOUT": "ninety"})


def test_environment_booleans_and_lists():
    config = load_config(environ={"ONTMOET_FULLSCREEN": "yes", "ONTMOET_LANGUAGES": "en, nl"})
    assert config.fullscreen is True
    assert config.languages == ("en", "nl")


def test_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml", environ={})


def test_every_setting_has_help_and_is_in_the_readme():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    names = [name for name, _help, _default in settings_help()]
    assert names == [f for f in Config.__dataclass_fields__]
    for name, help_text, _default in settings_help():
        assert help_text.strip()
        assert f"`{name}`" in readme, f"setting {name} is not documented in the README"


def test_cli_reports_a_bad_config_in_one_line_without_traceback(tmp_path):
    toml = tmp_path / "kiosk.toml"
    toml.write_text("idle_timeout = 'x'\n")
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "--config", str(toml)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "idle_timeout" in result.stderr
