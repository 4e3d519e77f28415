"""The hub's settings: one typed, frozen object with a default, its environment variable and
help text per setting, as the kiosk's kiosk/config.py. `ontmoet-hub settings` lists them.

They come from the environment (`/etc/ontmoet/hub.env` for the service); `serve`'s options
override the public address and the trusted proxies. A wrong value stops the hub at start
with one line naming the variable, never a hub that trusts nobody or everybody by a typo.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sync.hub.mail import MailSettings


class HubSettingsError(Exception):
    """A setting is wrong; the message names its environment variable."""


def _setting(default: Any, env: str, help: str) -> Any:
    return field(default=default, metadata={"env": env, "help": help})


@dataclass(frozen=True)
class HubSettings:
    data_dir: str = _setting("", "ONTMOET_HUB_DIR", "The hub's folder: store, keys, log.")
    database: str = _setting(
        "", "ONTMOET_HUB_DATABASE",
        "A region's hub: its store in PostgreSQL 15+ (postgresql://USER@HOST/DB?passfile=FILE; "
        "the password in that file, never here). Empty: SQLite in the hub's folder.",
    )  # fmt: skip
    public_url: str = _setting(
        "", "ONTMOET_HUB_PUBLIC_URL",
        "The hub's public https address; every link is made from it (default: the one set "
        "with 'init --public-url'; empty: this machine only).",
    )  # fmt: skip
    allowed_hosts: tuple[str, ...] = _setting(
        (), "ONTMOET_HUB_ALLOWED_HOSTS",
        "Host names the hub answers besides its public address's and localhost "
        "(comma-separated); any other Host header is refused.",
    )  # fmt: skip
    trusted_proxies: tuple[str, ...] = _setting(
        (), "ONTMOET_HUB_TRUSTED_PROXIES",
        "Proxies whose X-Forwarded-For is believed: addresses or networks, comma-separated "
        "(empty: none).",
    )  # fmt: skip
    timezone: str = _setting(
        "Europe/Amsterdam", "ONTMOET_TIMEZONE", "The hall's time zone, for times on pages."
    )
    header_timeout: float = _setting(
        10.0, "ONTMOET_HUB_HEADER_TIMEOUT",
        "Seconds a client has to send a request's headers before it is cut off.",
    )  # fmt: skip
    quota_factor: float = _setting(
        1.0, "ONTMOET_HUB_QUOTA_FACTOR",
        "Scales every kiosk's hourly quotas (for a kiosk in a very busy place).",
    )  # fmt: skip
    metrics_from: tuple[str, ...] = _setting(
        ("127.0.0.1", "::1"), "ONTMOET_HUB_METRICS_FROM",
        "Addresses or networks that may read /metrics (comma-separated); behind a reverse "
        "proxy only with ONTMOET_HUB_TRUSTED_PROXIES set.",
    )  # fmt: skip
    metrics_token: str = _setting(
        "", "ONTMOET_HUB_METRICS_TOKEN",
        "A bearer token that reads /metrics from any address (never listed; empty: none).",
    )  # fmt: skip
    alert_to: tuple[str, ...] = _setting(
        (), "ONTMOET_ALERT_TO",
        "The admins' e-mail addresses for kiosk alerts (comma-separated; empty: no mail).",
    )  # fmt: skip
    alert_offline_minutes: float = _setting(
        30.0, "ONTMOET_ALERT_OFFLINE_MINUTES",
        "Minutes without a sync before a kiosk counts as offline and the admins hear of it.",
    )  # fmt: skip
    alert_outbox_minutes: float = _setting(
        60.0, "ONTMOET_ALERT_OUTBOX_MINUTES",
        "Minutes a record may wait in a kiosk's outbox before the admins hear of it.",
    )  # fmt: skip
    alert_language: str = _setting(
        "nl", "ONTMOET_ALERT_LANGUAGE", "The language of the alert mails (nl en tr ar pl uk)."
    )
    mail: MailSettings = field(default_factory=MailSettings)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


#: The mail settings' variables, listed with the rest (their parsing is mail.py's).
MAIL_VARIABLES = {
    "host": ("ONTMOET_SMTP_HOST", "The SMTP server that delivers contact requests."),
    "port": ("ONTMOET_SMTP_PORT", "Its port (default 25; 465 for implicit TLS)."),
    "tls": ("ONTMOET_SMTP_TLS", "starttls, implicit or none (none: localhost only)."),
    "sender": ("ONTMOET_MAIL_FROM", "The sender address of the desk's e-mail."),
    "username": ("ONTMOET_SMTP_USER", "SMTP login name, if the server asks for one."),
    "password": ("ONTMOET_SMTP_PASSWORD", "SMTP password (never listed)."),
    "ca_file": ("ONTMOET_SMTP_CA_FILE", "A CA certificate to trust besides the system's."),
}


def _list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def load_settings(environ: dict[str, str] | None = None, **overrides: Any) -> HubSettings:
    """The settings from the environment, then ``overrides`` (serve's options) where not
    None; checked."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in dataclasses.fields(HubSettings):
        name = f.metadata.get("env")
        if name is None or not env.get(name, "").strip():
            continue
        raw = env[name].strip()
        try:
            if f.type == "tuple[str, ...]":
                values[f.name] = _list(raw)
            elif f.type == "float":
                values[f.name] = float(raw)
                if not values[f.name] > 0:
                    raise ValueError
            else:
                values[f.name] = raw
        except ValueError:
            raise HubSettingsError(f"{name} must be a number above 0, not {raw!r}") from None
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        values["mail"] = MailSettings.from_environment(env)
    except ValueError:
        raise HubSettingsError("ONTMOET_SMTP_PORT must be a whole number") from None
    settings = HubSettings(**values)
    _check(settings)
    return settings


def _check(settings: HubSettings) -> None:
    for variable, networks in (("ONTMOET_HUB_TRUSTED_PROXIES", settings.trusted_proxies),
                               ("ONTMOET_HUB_METRICS_FROM", settings.metrics_from)):  # fmt: skip
        for network in networks:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise HubSettingsError(
                    f"{variable}: {network!r} is not an address or network"
                ) from None
    if settings.metrics_token and len(settings.metrics_token) < 16:
        raise HubSettingsError("ONTMOET_HUB_METRICS_TOKEN needs at least 16 characters")
    _check_alerts(settings)
    try:
        settings.zone  # noqa: B018  (it raises for an unknown zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise HubSettingsError(
            f"ONTMOET_TIMEZONE: {settings.timezone!r} is not a time zone (e.g. Europe/Amsterdam)"
        ) from None
    if settings.public_url and not settings.public_url.startswith(("https://", "http://")):
        raise HubSettingsError(
            f"ONTMOET_HUB_PUBLIC_URL must be an address like https://ontmoet.example.nl, "
            f"not {settings.public_url!r}"
        )


def _check_alerts(settings: HubSettings) -> None:
    from kiosk.i18n import LANGUAGE_NAMES  # the six, without the web framework
    from sync.hub.mail import valid_mailbox

    for address in settings.alert_to:
        try:
            valid_mailbox(address)
        except ValueError as exc:
            raise HubSettingsError(f"ONTMOET_ALERT_TO: {address!r}: {exc}") from None
    if settings.alert_language not in LANGUAGE_NAMES:
        raise HubSettingsError(
            f"ONTMOET_ALERT_LANGUAGE must be one of nl en tr ar pl uk, not "
            f"{settings.alert_language!r}"
        )


#: Settings whose value `describe` never shows.
SECRETS = ("metrics_token",)


def describe(settings: HubSettings) -> list[dict[str, Any]]:
    """Every setting: its variable, its value (a password never shown) and what it does."""
    rows = []
    for f in dataclasses.fields(HubSettings):
        if f.name == "mail":
            continue
        value = getattr(settings, f.name)
        if f.name in SECRETS and value:
            value = "(set)"
        if f.name == "database" and value:  # a password in the address is never shown
            value = re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:(set)@", value)
        rows.append({"variable": f.metadata["env"], "value": _shown(value),
                     "help": f.metadata["help"]})  # fmt: skip
    for name, (variable, help_text) in MAIL_VARIABLES.items():
        value = getattr(settings.mail, name)
        if name == "password" and value:
            value = "(set)"
        rows.append({"variable": variable, "value": _shown(value), "help": help_text})
    return rows


def _shown(value: Any) -> Any:
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, Path):
        return str(value)
    return value
