"""The receptionist PIN on the kiosk: set at the desk, it arrives by sync as an argon2 hash
(never the PIN itself). A PIN has 6 to 8 digits. Wrong PINs are counted: after MAX_TRIES the
kiosk waits LOCK_SECONDS before it checks one again, so a passer-by cannot try them all.

The count and the lock live in the store, so restarting the kiosk (pulling the plug) does not
give a passer-by new tries. The lock is kept as the seconds still to wait, counted down by the
monotonic clock while the kiosk runs, never as a wall-clock time: a clock that jumps (no RTC on
a Raspberry Pi, an NTP correction, 1970 after a flat battery) neither ends a lock nor makes one
last for ever. A stored value out of range is read as at most LOCK_SECONDS.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from kiosk.store import Store

MAX_TRIES = 5
LOCK_SECONDS = 300
PIN_LENGTHS = range(6, 9)  # the desk requires the same

WRONG_KEY = "receptionist_pin_wrong_tries"
LOCK_KEY = "receptionist_pin_lock_seconds_left"


def well_formed(pin: str) -> bool:
    """6 to 8 digits 0-9 (not other scripts' digits: the desk's PINs are ASCII)."""
    return pin.isascii() and pin.isdigit() and len(pin) in PIN_LENGTHS


class PinCheck:
    def __init__(self, store: Store, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.clock = clock
        self.wrong = min(MAX_TRIES - 1, max(0, _number(store.get_state(WRONG_KEY))))
        left = min(LOCK_SECONDS, max(0.0, _number(store.get_state(LOCK_KEY))))
        self.locked_until = clock() + left if left else 0.0

    @property
    def available(self) -> bool:
        """A PIN has been set at the desk and has reached this kiosk."""
        return bool(self.store.get_state("receptionist_pin_hash"))

    @property
    def locked(self) -> bool:
        if not self.locked_until:
            return False
        if self._seconds_left() > 0:
            self._save()  # a restart now goes on from here, not from the start of the lock
            return True
        self.locked_until = 0.0
        self._save()
        return False

    @property
    def tries_left(self) -> int:
        return MAX_TRIES - self.wrong

    def minutes_locked(self) -> int:
        """Whole minutes (rounded up) until a PIN is checked again."""
        return int((self._seconds_left() + 59) // 60) if self.locked else 0

    def check(self, pin: str) -> bool:
        stored = self.store.get_state("receptionist_pin_hash")
        if not stored or self.locked or not well_formed(pin):
            return False
        from argon2 import PasswordHasher
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            PasswordHasher().verify(stored, pin)
        except (VerificationError, InvalidHashError):
            self.wrong += 1
            if self.wrong >= MAX_TRIES:
                self.wrong, self.locked_until = 0, self.clock() + LOCK_SECONDS
            self._save()
            return False
        self.wrong = 0
        self._save()
        return True

    def _seconds_left(self) -> float:
        return max(0.0, self.locked_until - self.clock()) if self.locked_until else 0.0

    def _save(self) -> None:
        self.store.set_state(WRONG_KEY, str(self.wrong))
        self.store.set_state(LOCK_KEY, f"{self._seconds_left():.0f}")


def _number(text: str | None) -> int:
    try:
        return int(float(text or 0))
    except (ValueError, OverflowError):  # 'nan', 'inf', rubbish: as if nothing was stored
        return 0
