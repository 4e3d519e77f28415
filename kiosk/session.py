"""A visitor's session and the idle rules that end it.

The kiosk never recalls an earlier visitor: everything a visitor chose lives in one
VisitorSession, and ending a session replaces the object whole, so nothing can be forgotten
in a corner. Time comes from an injected clock, so tests travel in time instead of sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.fair_order import new_seed

Clock = Callable[[], float]


@dataclass
class VisitorSession:
    """What one visitor has chosen so far. Anonymous: no names, no contact details."""

    language: str
    seed: str = field(default_factory=new_seed)  # the fair order of this visitor's lists
    theme: str | None = None
    neighbourhood: str | None = None
    query: str = ""
    community_id: str | None = None
    history: list[str] = field(default_factory=list)  # screens, for the back button


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
