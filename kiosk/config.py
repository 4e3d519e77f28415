"""The kiosk's settings: one typed, frozen object with a default and help text per setting.

Precedence, lowest first: the defaults below, a TOML file, environment variables
(``ONTMOET_<SETTING>``, e.g. ``ONTMOET_DATA_DIR``). The TOML file is the one named by
``--config`` or ``ONTMOET_CONFIG``, else ``/etc/ontmoet/kiosk.toml`` when it exists.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SYSTEM_CONFIG = Path("/etc/ontmoet/kiosk.toml")
ENV_PREFIX = "ONTMOET_"


class ConfigError(Exception):
    """A setting is wrong; the message names the setting and where it came from."""


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "ontmoet"


def _setting(default: Any, help: str, **kwargs: Any) -> Any:
    if callable(default):
        return field(default_factory=default, metadata={"help": help, **kwargs})
    return field(default=default, metadata={"help": help, **kwargs})


# Dutch, English, and the languages most spoken by newcomers in Dutch towns.
SUPPORTED_LANGUAGES = ("nl", "en", "tr", "ar", "pl", "uk")


@dataclass(frozen=True)
class Config:
    data_dir: Path = _setting(_default_data_dir, "Folder for kiosk.db and generated pictures.")
    hub_url: str = _setting("", "Address of the hub this kiosk syncs with; empty: no sync.")
    public_url: str = _setting(
        "https://ontmoet.lindewaard.example",
        "Public base address of the hub; QR codes point below it (/c/<id>).",
    )
    kiosk_name: str = _setting("kiosk-hal", "Name of this kiosk, as the hub and the desk show it.")
    idle_timeout: int = _setting(
        90, "Seconds without a touch before the session is wiped.", minimum=20
    )
    idle_warning: int = _setting(
        20, "Seconds of 'Ben je er nog?' countdown before the idle wipe.", minimum=5
    )
    languages: tuple[str, ...] = _setting(
        lambda: SUPPORTED_LANGUAGES, "Interface languages offered, first one is the default."
    )
    fullscreen: bool = _setting(False, "Fill the screen without borders (for the kiosk panel).")
    hub_public_key: str = _setting(
        "",
        "The hub's public key (base64) that seals contact details; the kiosk cannot open "
        "them. Empty: the kiosk offers no contact form and sends visitors to the reception.",
    )
    opening_hours: str = _setting(
        "",
        "When the hall is open, e.g. 'mo-fr 08:30-17:00; sa 10:00-13:00'. Outside these "
        "hours the panel sleeps and a touch wakes it. Empty: always awake.",
    )
    receipt_printer: str = _setting(
        "",
        "Receipt printer for the take-home slip: 'usb:VENDOR:PRODUCT' (hex), "
        "'network:HOST', 'file:/dev/usb/lp0'; empty: no printer.",
    )

    @property
    def default_language(self) -> str:
        return self.languages[0]

    @property
    def db_path(self) -> Path:
        return self.data_dir / "kiosk.db"


def settings_help() -> list[tuple[str, str, Any]]:
    """(name, help, default) for every setting: for --help-config and the README test."""
    rows = []
    for f in dataclasses.fields(Config):
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        rows.append((f.name, f.metadata["help"], default))
    return rows


def _coerce(f: dataclasses.Field, value: Any, where: str) -> Any:
    """Check one value against the setting's type; strings from the environment are parsed."""
    kind = f.type
    from_env = where.startswith("environment")
    try:
        if kind == "Path":
            if not isinstance(value, str) or not value:
                raise TypeError("a folder path (text)")
            return Path(value).expanduser()
        if kind == "str":
            if not isinstance(value, str):
                raise TypeError("text")
            return value
        if kind == "int":
            if from_env and isinstance(value, str):
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError("a whole number")
            if value < f.metadata.get("minimum", value):
                raise TypeError(f"a whole number of at least {f.metadata['minimum']}")
            return value
        if kind == "bool":
            if from_env and isinstance(value, str):
                if value.lower() not in ("1", "0", "true", "false", "yes", "no"):
                    raise TypeError("true or false")
                value = value.lower() in ("1", "true", "yes")
            if not isinstance(value, bool):
                raise TypeError("true or false")
            return value
        if kind == "tuple[str, ...]":
            if from_env and isinstance(value, str):
                value = [part.strip() for part in value.split(",") if part.strip()]
            if not isinstance(value, list) or not value:
                raise TypeError('a list of language codes, e.g. ["nl", "en"]')
            unknown = [v for v in value if v not in SUPPORTED_LANGUAGES]
            if unknown:
                raise TypeError(f"languages from {', '.join(SUPPORTED_LANGUAGES)}")
            return tuple(value)
    except (TypeError, ValueError) as exc:
        expected = exc.args[0] if isinstance(exc, TypeError) else "a whole number"
        raise ConfigError(
            f"Setting '{f.name}' in {where} must be {expected}, not {value!r}."
        ) from None
    raise AssertionError(f"no coercion for {kind}")


def _is_public_key(text: str) -> bool:
    try:
        return len(base64.b64decode(text.strip(), validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


def load_config(path: Path | None = None, environ: dict[str, str] | None = None) -> Config:
    """Build the Config from defaults, the TOML file and the environment."""
    environ = dict(os.environ if environ is None else environ)
    if path is None and environ.get(ENV_PREFIX + "CONFIG"):
        path = Path(environ[ENV_PREFIX + "CONFIG"])
    if path is None and SYSTEM_CONFIG.exists():
        path = SYSTEM_CONFIG
    fields = {f.name: f for f in dataclasses.fields(Config)}
    values: dict[str, Any] = {}

    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"Config file {path} does not exist.") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"Config file {path} cannot be read: {exc}.") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"Config file {path} is not valid TOML: {exc}.") from None
        for key, value in data.items():
            if key not in fields:
                known = ", ".join(fields)
                raise ConfigError(
                    f"Config file {path} has an unknown setting '{key}'. Known settings: {known}."
                )
            values[key] = _coerce(fields[key], value, f"config file {path}")

    for name, f in fields.items():
        env_name = ENV_PREFIX + name.upper()
        if env_name in environ:
            values[name] = _coerce(f, environ[env_name], f"environment variable {env_name}")

    config = Config(**values)
    from sync.protocol import ProtocolError, kiosk_name

    try:
        kiosk_name("kiosk_name", config.kiosk_name)
    except ProtocolError as problem:
        raise ConfigError(f"Setting 'kiosk_name' {problem.problem}.") from None
    if config.hub_public_key and not _is_public_key(config.hub_public_key):
        raise ConfigError(
            "Setting 'hub_public_key' must be the hub's public key: 44 characters of base64 "
            "(32 bytes), as 'ontmoet-hub init' prints it."
        )
    from kiosk.opening_hours import OpeningHoursError, parse

    try:
        parse(config.opening_hours)
    except OpeningHoursError as problem:
        raise ConfigError(f"Setting 'opening_hours': {problem}.") from None
    if config.idle_warning >= config.idle_timeout:
        raise ConfigError(
            f"Setting 'idle_warning' ({config.idle_warning} s) must be shorter than "
            f"'idle_timeout' ({config.idle_timeout} s)."
        )
    return config
