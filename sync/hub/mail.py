"""Delivering a contact request to a community by e-mail, through the municipality's SMTP
server. The visitor's detail is in the message body only: never in a subject line or a log."""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True)
class MailSettings:
    host: str = ""
    port: int = 25
    sender: str = ""
    starttls: bool = False
    username: str = ""
    password: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.host and self.sender)

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> MailSettings:
        env = os.environ if environ is None else environ
        return cls(
            host=env.get("ONTMOET_SMTP_HOST", ""),
            port=int(env.get("ONTMOET_SMTP_PORT", "25")),
            sender=env.get("ONTMOET_MAIL_FROM", ""),
            starttls=env.get("ONTMOET_SMTP_STARTTLS", "") in ("1", "true", "yes"),
            username=env.get("ONTMOET_SMTP_USER", ""),
            password=env.get("ONTMOET_SMTP_PASSWORD", ""),
        )


class MailError(Exception):
    """The message could not be handed to the SMTP server; nothing was marked delivered."""


def contact_message(
    settings: MailSettings, to: str, community: str, channel: str, detail: str, until: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = f"Iemand wil graag kennismaken met {community}"
    how = "e-mail" if channel == "email" else "telefoon"
    message.set_content(
        f"Beste {community},\n\n"
        "Bij de Ontmoet-kiosk in het stadhuis heeft iemand gevraagd of jullie contact opnemen.\n"
        f"Via {how}: {detail}\n\n"
        f"Diegene gaf daarvoor toestemming tot {until}. Gebruik het alleen om kennis te maken,\n"
        "en bewaar het niet langer dan nodig.\n\n"
        "Met vriendelijke groet,\nde receptie van het stadhuis\n"
    )
    return message


def send(settings: MailSettings, message: EmailMessage) -> None:
    if not settings.configured:
        raise MailError("no SMTP server is set (ONTMOET_SMTP_HOST and ONTMOET_MAIL_FROM)")
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=20) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.username:
                smtp.login(settings.username, settings.password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"the SMTP server refused or could not be reached ({exc})") from None
