"""Contact details, from the visitor's typing to a sealed payload that only the hub can open.

The visitor's input is checked (friendly messages), shown back masked, and sealed at once with
the hub's public key (a libsodium sealed box): the kiosk holds only the public key, so neither
the kiosk nor anyone who steals it can read what was typed. Only the sealed bytes are stored.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiosk.i18n import _
from sync.protocol import mask, open_sealed

if TYPE_CHECKING:
    from nacl.public import PrivateKey, PublicKey

# phonenumbers, email-validator and PyNaCl are imported where they are used: together they
# cost the kiosk's start about 50 ms, and most visitors never open the contact form.

CHANNELS = ("email", "phone")
CONSENT_VERSION = "2026-11-v2"  # bump when the consent text below changes
#: The consent text of a contact request about a wish ('count me in'): wish_consent_text.
WISH_CONSENT_VERSION = "2026-12-wish-v1"
CONSENT_DAYS = (30, 90, 180, 365)
DEFAULT_CONSENT_DAYS = 90
# Every payload is padded to this size, so its length says nothing about what was typed.
SEALED_PLAINTEXT_SIZE = 512


class ContactError(ValueError):
    """The input cannot be used; the message says why, in the visitor's language."""


class SealingUnavailable(RuntimeError):
    """No valid hub public key is configured: the kiosk cannot take contact details."""


@dataclass(frozen=True)
class ContactDetail:
    channel: str  # 'email' or 'phone'
    value: str  # normalised: the e-mail address, or the phone number in E.164

    @property
    def masked(self) -> str:
        return mask(self.channel, self.value)


def period_label(days: int) -> str:
    """'3 maanden', '1 jaar': a consent period as people say it."""
    from kiosk.i18n import ngettext

    months = round(days / 30)
    if months >= 12:
        return _("1 year")
    return ngettext("{n} month", "{n} months", months).format(n=months)


def consent_text(days: int, groups: int = 2) -> str:
    """What happens with the data, in plain words. Its version is CONSENT_VERSION."""
    from kiosk.i18n import ngettext

    who = ngettext(
        "The group you chose gets your details so it can contact you.",
        "The groups you chose get your details so they can contact you.",
        groups,
    )
    return (
        who
        + " "
        + _(
            "Nobody else gets them. After {period} your details are erased, even if nobody "
            "contacted you. With the code on your receipt you can see them and erase them "
            "yourself at any time."
        ).format(period=period_label(days))
    )


def wish_consent_text(days: int) -> str:
    """What happens with the data of a visitor who would join a group that does not exist
    yet. Its version is WISH_CONSENT_VERSION."""
    return _(
        "The reception gets your details. They may contact you about this wish, for example "
        "to introduce you to others who want the same. Nobody else gets them. After {period} "
        "your details are erased. With the code on your receipt you can see them and erase "
        "them yourself at any time."
    ).format(period=period_label(days))


def check_email(text: str) -> str:
    text = text.strip()
    if not text:
        raise ContactError(_("Please type your e-mail address."))
    if "@" not in text:
        raise ContactError(_("An e-mail address has an @ in it, like name@example.nl."))
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ContactError(
            _("This e-mail address does not look right yet. Please check it.")
        ) from None


def check_phone(text: str) -> str:
    """A Dutch number (06-12345678) or an international one (+32 470 ...), as E.164."""
    import phonenumbers

    text = text.strip()
    if not text:
        raise ContactError(_("Please type your phone number."))
    try:
        number = phonenumbers.parse(text, "NL")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ContactError(
            _(
                "This phone number does not look right yet. A Dutch mobile number starts "
                "with 06 and has 10 digits; from abroad, start with + and the country code."
            )
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_contact(channel: str, value: str) -> ContactDetail:
    if channel not in CHANNELS:
        raise ContactError(_("Please choose e-mail or phone."))
    normalised = check_email(value) if channel == "email" else check_phone(value)
    return ContactDetail(channel, normalised)


def load_public_key(text: str) -> PublicKey:
    from nacl.exceptions import CryptoError
    from nacl.public import PublicKey

    try:
        raw = base64.b64decode(text.strip(), validate=True)
        return PublicKey(raw)
    except (binascii.Error, ValueError, CryptoError, TypeError):
        raise SealingUnavailable(
            "hub_public_key is not a base64-encoded 32-byte public key"
        ) from None


def seal(detail: ContactDetail, public_key: PublicKey) -> bytes:
    """The detail as JSON, padded to a fixed size, in a sealed box for the hub."""
    from nacl.public import SealedBox

    plain = json.dumps(
        {"channel": detail.channel, "value": detail.value},
        ensure_ascii=False,
    ).encode()
    if len(plain) > SEALED_PLAINTEXT_SIZE:
        raise ContactError(_("This is too long to send."))
    return SealedBox(public_key).encrypt(plain.ljust(SEALED_PLAINTEXT_SIZE, b" "))


def unseal(sealed: bytes, private_key: PrivateKey) -> ContactDetail:
    """The hub's side (and the tests'): open a sealed payload with the hub's private key."""
    return ContactDetail(*open_sealed(base64.b64encode(sealed).decode(), private_key))
