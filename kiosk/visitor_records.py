"""What a visitor leaves behind: the fields of each kind of record, checked and queued for the
hub through the outbox (kiosk.outbox), which is the only copy the kiosk keeps. Queueing is
idempotent by the id the record got when its form opened (SYNC.md rule 1): a double tap or a
retry queues nothing twice. Nothing here holds a name, an address or a number in plain text.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from collections.abc import Sequence
from datetime import date, timedelta

from kiosk import outbox
from kiosk.contact import CHANNELS, CONSENT_VERSION, WISH_CONSENT_VERSION
from kiosk.store import Store, utcnow

TAKE_HOME_DAYS = 90  # how long a take-home list stays reachable on the hub


def new_record_id() -> str:
    """A record's id, made when its form opens (rule 1 of SYNC.md)."""
    return str(uuid.uuid4())


def new_token() -> str:
    """An unguessable token for a public page (128 bits)."""
    return secrets.token_urlsafe(16)


def token_hash(token: str) -> str:
    """What the kiosk stores and sends of a token: the hub finds the page by this hash."""
    return hashlib.sha256(token.encode()).hexdigest()


def record_interest(
    store: Store,
    record_id: str,
    themes: Sequence[str],
    gifts: Sequence[str],
    neighbourhood: str | None,
    language: str,
    kiosk: str,
    assisted: bool = False,
) -> bool:
    """The anonymous choices of 'what do you like, what can you give'; ``assisted`` when a
    receptionist registered them on the visitor's behalf. False: already queued."""
    fields = {
        "id": record_id,
        "themes": sorted(themes),
        "gifts": sorted(gifts),
        "neighbourhood": neighbourhood,
        "language": language,
        "kiosk": kiosk,
        "created_at": utcnow(),
        **_assisted(assisted),
    }
    return outbox.add(store, "interest", record_id, fields)


def _assisted(assisted: bool) -> dict:
    # Left out when false: records look as they did before receptionist mode existed.
    return {"assisted": True} if assisted else {}


def record_contact_request(
    store: Store,
    record_id: str,
    communities: Sequence[str],
    channel: str,
    sealed: bytes,
    days: int,
    receipt_token: str,
    today: date | None = None,
    assisted: bool = False,
    language: str | None = None,
    wish: str | None = None,
) -> bool:
    """Which communities may contact the visitor, until when, under which consent text; the
    detail itself arrives sealed (kiosk.contact.seal), so it never touches the disk in plain,
    and it leaves the kiosk with the op once the archive forgets it (kiosk.outbox). With
    ``wish`` (a wish's id) the reception may contact the visitor about that wish instead:
    no communities then, and the consent text of a wish."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if wish and communities:
        raise ValueError("a contact request names communities or a wish, not both")
    expires = (today or date.today()) + timedelta(days=days)
    fields = {
        "id": record_id,
        "communities": list(communities),
        **({"wish": wish} if wish else {}),
        "channel": channel,
        "sealed_payload": base64.b64encode(sealed).decode(),
        "consent_version": WISH_CONSENT_VERSION if wish else CONSENT_VERSION,
        "expires_on": expires.isoformat(),
        "receipt_token_hash": token_hash(receipt_token),
        "created_at": utcnow(),
        **_assisted(assisted),
        **({"language": language} if language else {}),
    }
    return outbox.add(store, "contact_request", record_id, fields)


def record_help_request(store: Store, record_id: str, language: str, kiosk: str) -> bool:
    """'Ask the reception': a receptionist is asked to come over to this kiosk."""
    fields = {"id": record_id, "kiosk": kiosk, "language": language, "created_at": utcnow()}
    return outbox.add(store, "help_request", record_id, fields)


def record_introduction(
    store: Store,
    record_id: str,
    kind: str,
    communities: Sequence[str],
    note: str,
    follow_up_weeks: int,
    kiosk: str,
    both_agreed: bool = False,
) -> bool:
    """An introduction a receptionist made on the spot; the desk follows it up after
    ``follow_up_weeks`` ("did it lead to something?")."""
    note = note.strip()
    fields = {
        "id": record_id,
        "kind": kind,
        "communities": list(communities),
        **({"note": note} if note else {}),
        "follow_up_weeks": follow_up_weeks,
        "kiosk": kiosk,
        "created_at": utcnow(),
        **({"both_agreed": True} if both_agreed else {}),
    }
    return outbox.add(store, "introduction", record_id, fields)


def record_take_home_list(
    store: Store,
    record_id: str,
    token: str,
    communities: Sequence[str],
    language: str,
    today: date | None = None,
) -> bool:
    """The communities a visitor kept, reachable on the hub at /m/<token> for TAKE_HOME_DAYS;
    only the token's hash is queued (the token itself is in the QR code and nowhere else)."""
    expires = (today or date.today()) + timedelta(days=TAKE_HOME_DAYS)
    fields = {
        "id": record_id,
        "token_hash": token_hash(token),
        "communities": list(communities),
        "language": language,
        "expires_on": expires.isoformat(),
        "created_at": utcnow(),
    }
    return outbox.add(store, "take_home_list", record_id, fields)


def record_wish(
    store: Store,
    record_id: str,
    theme: str | None,
    words: str,
    gifts: Sequence[str],
    neighbourhood: str | None,
    source: str,
    language: str,
    kiosk: str,
    assisted: bool = False,
) -> bool:
    """'I'd join this': a theme and/or a few words a search or the talents journey found
    (too) little for, with the visitor's anonymous gifts and neighbourhood. False: already
    queued (the id was made when the form opened)."""
    words = words.strip()
    fields = {
        "id": record_id,
        "theme": theme,
        "words": words or None,
        "gifts": sorted(gifts),
        "neighbourhood": neighbourhood,
        "source": source,
        "language": language,
        "kiosk": kiosk,
        "created_at": utcnow(),
        **_assisted(assisted),
    }
    return outbox.add(store, "wish", record_id, fields)
