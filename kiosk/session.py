"""A visitor's session and the idle rules that end it.

The kiosk never recalls an earlier visitor: everything a visitor chose lives in one
VisitorSession, and ending a session replaces the object whole, so nothing can be forgotten
in a corner. Time comes from an injected clock, so tests travel in time instead of sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.contact import DEFAULT_CONSENT_DAYS
from kiosk.fair_order import new_seed
from kiosk.visitor_records import new_record_id, new_token

Clock = Callable[[], float]

#: What a visitor can turn on for their visit ('Aa'); the end of the visit turns them off.
MODES = ("large_text", "high_contrast", "low_reach", "read_aloud")


@dataclass
class ContactForm:
    """'I'd like to meet them', while it is being filled in. The typed detail is never kept
    here: only its masked form, until it is sealed and stored."""

    communities: list[str]
    record_id: str = field(default_factory=new_record_id)  # made when the form opens
    #: A wish's id ('count me in'): the reception may contact the visitor about it; no
    #: communities then.
    wish: str | None = None
    receipt_token: str = field(default_factory=new_token)
    channel: str = "email"
    masked: str = ""
    sealed: bytes = b""  # the detail, sealed for the hub the moment it was checked
    days: int = DEFAULT_CONSENT_DAYS
    sent: bool = False


@dataclass
class VisitorSession:
    """What one visitor has chosen so far. Anonymous: no names, no contact details."""

    language: str
    seed: str = field(default_factory=new_seed)  # the fair order of this visitor's lists
    query: str = ""
    history: list[str] = field(default_factory=list)  # screens, for the back button
    kept: list[str] = field(default_factory=list)  # 'my list', in the order kept
    liked_themes: set[str] = field(default_factory=set)
    gifts: set[str] = field(default_factory=set)
    home_area: str | None = None
    #: (record id, choices) of the interest registration last stored for this visitor
    interest: tuple[str, tuple] | None = None
    help_id: str | None = None  # one 'ask the reception' per visitor, however often tapped
    contact: ContactForm | None = None
    #: (record id, token, communities) of the take-home list last made for this visitor
    take_home: tuple[str, str, tuple[str, ...]] | None = None
    #: A receptionist is helping (receptionist mode, after the PIN): what is registered is
    #: marked as registered on the visitor's behalf.
    assisted: bool = False
    last_community: str | None = None  # the community opened last (an introduction's default)

    def keep(self, community_id: str) -> None:
        if community_id not in self.kept:
            self.kept.append(community_id)

    def drop(self, community_id: str) -> None:
        if community_id in self.kept:
            self.kept.remove(community_id)


class IdleRules:
    """When to warn ('Ben je er nog?') and when to wipe, measured from the last touch."""

    ACTIVE, WARNING, EXPIRED = "active", "warning", "expired"

    def __init__(self, timeout: float, warning: float, clock: Clock = time.monotonic) -> None:
        if not 0 < warning < timeout:
            raise ValueError("the warning must start before the timeout")
        self.timeout = timeout
        self.warning = warning
        self.clock = clock
        self.last_touch = clock()

    def touched(self) -> None:
        self.last_touch = self.clock()

    def idle_for(self) -> float:
        return self.clock() - self.last_touch

    def seconds_left(self) -> int:
        return max(0, int(self.timeout - self.idle_for() + 0.999))

    def state(self) -> str:
        idle = self.idle_for()
        if idle >= self.timeout:
            return self.EXPIRED
        if idle >= self.timeout - self.warning:
            return self.WARNING
        return self.ACTIVE
