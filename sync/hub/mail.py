"""Delivering a contact request to a community by e-mail, through the municipality's SMTP
server. The visitor's detail is in the message body only: never in a subject line or a log.

The body holds decrypted contact details, so it travels encrypted to any server that is not
this machine: STARTTLS or implicit TLS, with the server's certificate and name checked. Plain
SMTP is for a relay on localhost only; anything else is refused before a connection is made.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage

from sync.hub.i18n import language_name, supported, translator
from sync.hub.words import CHANNELS

TLS_MODES = ("starttls", "implicit", "none")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
MAX_MAILBOX_LENGTH = 254  # RFC 5321's limit on a forward path, less the brackets


@dataclass(frozen=True)
class MailSettings:
    host: str = ""
    port: int = 25
    sender: str = ""
    tls: str = "starttls"  # one of TLS_MODES; checked by send(), so a typo never stops the hub
    username: str = ""
    password: str = ""
    ca_file: str = ""  # a municipality's own CA, trusted besides the system's

    @property
    def configured(self) -> bool:
        return bool(self.host and self.sender)

    @property
    def local(self) -> bool:
        return self.host.strip("[]").lower() in LOCAL_HOSTS

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> MailSettings:
        env = os.environ if environ is None else environ
        host = env.get("ONTMOET_SMTP_HOST", "")
        tls = env.get("ONTMOET_SMTP_TLS", "").strip().lower()
        if not tls:
            # ONTMOET_SMTP_STARTTLS=1 is how configs said it before ONTMOET_SMTP_TLS existed.
            legacy = env.get("ONTMOET_SMTP_STARTTLS", "") in ("1", "true", "yes")
            local = host.strip("[]").lower() in LOCAL_HOSTS
            tls = "starttls" if legacy or not local else "none"
        default_port = "465" if tls == "implicit" else "25"
        return cls(
            host=host,
            port=int(env.get("ONTMOET_SMTP_PORT") or default_port),
            sender=env.get("ONTMOET_MAIL_FROM", ""),
            tls=tls,
            username=env.get("ONTMOET_SMTP_USER", ""),
            password=env.get("ONTMOET_SMTP_PASSWORD", ""),
            ca_file=env.get("ONTMOET_SMTP_CA_FILE", ""),
        )


class MailError(Exception):
    """The message could not be handed to the SMTP server; nothing was marked delivered."""


def valid_mailbox(text: str) -> str:
    """Exactly one plain address (name@example.nl), normalised. A list, a display name or a
    line break would let whoever sets a group's mailbox send a visitor's details elsewhere
    too (an extra recipient, an injected Bcc: header), so each is refused by name."""
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError("an e-mail address cannot hold a line break or other control character")
    text = text.strip()
    if not text:
        raise ValueError("the e-mail address is empty")
    if len(text) > MAX_MAILBOX_LENGTH:
        raise ValueError(f"an e-mail address has at most {MAX_MAILBOX_LENGTH} characters")
    if any(c in text for c in ",;") or text.count("@") > 1:
        raise ValueError("give one e-mail address, not a list")
    if any(c in text for c in '<>"') or any(c.isspace() for c in text):
        raise ValueError("give the bare address (name@example.nl), without a name or spaces")
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"this is not a valid e-mail address ({exc})") from None


def _checked_mailbox(to: str) -> str:
    try:
        return valid_mailbox(to)
    except ValueError as exc:
        raise MailError(f"the group's e-mail address cannot be used: {exc}") from None


def group_language(community: dict) -> str:
    """The language a group's mail is written in: Dutch where the group speaks it (or says
    nothing), else the first of its languages the hub speaks, else Dutch."""
    spoken = [code for code in community.get("languages") or [] if supported(code)]
    return "nl" if not spoken or "nl" in spoken else spoken[0]


def contact_message(
    settings: MailSettings,
    to: str,
    community: str,
    channel: str,
    detail: str,
    until: str,
    group_language: str = "nl",
    visitor_language: str | None = None,
) -> EmailMessage:
    """The mail to a group, in the group's language, saying in which language the visitor
    would like an answer (where the kiosk said)."""
    lang = supported(group_language) or "nl"
    _ = translator(lang)
    lines = [
        _("Dear {community},").format(community=community),
        "",
        _("At the Ontmoet kiosk in the town hall, someone asked you to contact them."),
        *visitor_lines(lang, channel, detail, until, visitor_language),
    ]
    subject = _("Someone would like to meet {community}").format(community=community)
    return reception_mail(settings, to, lang, subject, lines)


def visitor_lines(
    lang: str, channel: str, detail: str, until: str, visitor_language: str | None
) -> list[str]:
    """What a group reads of a visitor who asked to be contacted: the detail, the language
    of the answer they would like, and the limits of their consent (in ``lang``)."""
    from babel.dates import format_date

    _ = translator(lang)
    how = _(CHANNELS.get(channel, channel))
    if supported(visitor_language):
        answer = _("They would like an answer in {language}.").format(
            language=language_name(visitor_language, lang)
        )
    else:
        answer = _("The kiosk did not say in which language they would like an answer.")
    try:
        until = format_date(date.fromisoformat(until), "long", locale=lang)
    except ValueError:
        pass  # shown as the kiosk sent it
    return [
        _("By {channel}: {detail}").format(channel=how, detail=detail),
        answer,
        "",
        _(
            "They gave their consent for this until {date}. Use it only to get to know each "
            "other, and do not keep it longer than needed."
        ).format(date=until),
    ]


def reception_mail(
    settings: MailSettings, to: str, lang: str, subject: str, lines: list[str],
    reply_to_reception: bool = False,
) -> EmailMessage:  # fmt: skip
    """A plain mail from the reception in ``lang``: ``lines``, then its greeting. With
    ``reply_to_reception`` an answer goes to the hub's sender (the reception's mailbox),
    which passes it on."""
    lang = supported(lang) or "nl"
    _ = translator(lang)
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = _checked_mailbox(to)
    if reply_to_reception:
        message["Reply-To"] = settings.sender
    message["Subject"] = subject
    closing = ["", _("Kind regards,"), _("the reception of the town hall")]
    message.set_content("\n".join([*lines, *closing]) + "\n")
    message["Content-Language"] = lang
    return message


def mailbox_changed_message(
    settings: MailSettings, old: str, new: str, community: str, lang: str = "nl"
) -> EmailMessage:
    """To the address a group had: requests from visitors now go elsewhere. Whoever holds an
    edit link can change the address, so the old one hears of it at once and can stop a
    stranger with a leaked link (the reception ends a link with one click)."""
    _ = translator(supported(lang) or "nl")
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = _checked_mailbox(old)
    message["Subject"] = _("New e-mail address for {community}").format(community=community)
    lines = [
        _("Dear {community},").format(community=community),
        "",
        _("Someone with your group's edit link changed the address for requests from visitors."),
        _("New address: {address}").format(address=new),
        _("Was this not you? Tell the reception. They end the link and put your address back."),
        "",
        _("Kind regards,"),
        _("the reception of the town hall"),
    ]
    message.set_content("\n".join(lines) + "\n")
    message["Content-Language"] = supported(lang) or "nl"
    return message


def _refusal(settings: MailSettings, message: EmailMessage) -> str | None:
    """Why nothing may be sent with these settings, or None."""
    if not settings.configured:
        return "no SMTP server is set (ONTMOET_SMTP_HOST and ONTMOET_MAIL_FROM)"
    if settings.tls not in TLS_MODES:
        return f"ONTMOET_SMTP_TLS is '{settings.tls}'; set it to one of {', '.join(TLS_MODES)}"
    if settings.tls == "none" and not settings.local:
        return (
            f"contact details are never sent unencrypted to {settings.host}: set "
            "ONTMOET_SMTP_TLS=starttls (or implicit, for port 465), or relay through localhost"
        )
    _checked_mailbox(str(message["To"] or ""))  # a message not made by contact_message too
    return None


def _tls_context(settings: MailSettings) -> ssl.SSLContext:
    context = ssl.create_default_context()  # verifies the certificate and the host name
    if settings.ca_file:
        try:
            context.load_verify_locations(cafile=settings.ca_file)
        except (OSError, ssl.SSLError) as exc:
            message = f"ONTMOET_SMTP_CA_FILE {settings.ca_file} cannot be used ({exc})"
            raise MailError(message) from None
    return context


def send(settings: MailSettings, message: EmailMessage) -> None:
    refusal = _refusal(settings, message)
    if refusal:
        raise MailError(refusal)
    context = _tls_context(settings) if settings.tls != "none" else None
    try:
        if settings.tls == "implicit":
            smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=20, context=context)
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=20)
        with smtp:
            if settings.tls == "starttls":
                smtp.starttls(context=context)  # refused unless the server offers it
            if settings.username:
                smtp.login(settings.username, settings.password)
            smtp.send_message(message)
    except ssl.SSLCertVerificationError as exc:
        raise MailError(
            f"the SMTP server's certificate is not trusted ({exc.verify_message}); if the "
            "municipality uses its own CA, set ONTMOET_SMTP_CA_FILE to its certificate"
        ) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"the SMTP server refused or could not be reached ({exc})") from None
