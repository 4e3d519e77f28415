"""The receptionist PIN on the kiosk: set at the desk, it arrives by sync as an argon2 hash
(never the PIN itself). Wrong PINs are counted: after MAX_TRIES the kiosk waits LOCK_SECONDS
before it checks one again, so a passer-by cannot try them all."""

from __future__ import annotations

import time
from collections.abc import Callable

from kiosk.store import Store

MAX_TRIES = 5
LOCK_SECONDS = 300


class PinCheck:
    def __init__(self, store: Store, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.clock = clock
        self.wrong = 0
        self.locked_until = 0.0

    @property
    def available(self) -> bool:
        """A PIN has been set at the desk and has reached this kiosk."""
        return bool(self.store.get_state("receptionist_pin_hash"))

    @property
    def locked(self) -> bool:
        return self.clock() < self.locked_until

    @property
    def tries_left(self) -> int:
        return MAX_TRIES - self.wrong

    def minutes_locked(self) -> int:
        """Whole minutes (rounded up) until a PIN is checked again."""
        return max(0, int((self.locked_until - self.clock() + 59) // 60))

    def check(self, pin: str) -> bool:
        stored = self.store.get_state("receptionist_pin_hash")
        if not stored or self.locked or not (pin.isdigit() and 4 <= len(pin) <= 8):
            return False
        from argon2 import PasswordHasher
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            PasswordHasher().verify(stored, pin)
        except (VerificationError, InvalidHashError):
            self.wrong += 1
            if self.wrong >= MAX_TRIES:
                self.wrong, self.locked_until = 0, self.clock() + LOCK_SECONDS
            return False
        self.wrong = 0
        return True
