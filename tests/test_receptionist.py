"""The receptionist PIN's lockout on the kiosk survives a restart of the app and is immune to
wall-clock jumps; only PINs of 6 to 8 digits are checked (issue 11)."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from argon2 import PasswordHasher

from kiosk.receptionist import LOCK_KEY, LOCK_SECONDS, MAX_TRIES, PinCheck, well_formed

PIN = "24681357"


@pytest.fixture
def pin_store(store):
    store.set_state("receptionist_pin_hash", PasswordHasher(time_cost=1).hash(PIN))
    return store


class Monotonic:
    """A monotonic clock: it starts anywhere after a reboot and only moves forward."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def lock_out(pins: PinCheck) -> None:
    for _ in range(MAX_TRIES):
        assert not pins.check("000000")
    assert pins.locked


def test_wrong_tries_are_still_counted_after_a_restart(pin_store):
    pins = PinCheck(pin_store, Monotonic(1000))
    for _ in range(MAX_TRIES - 1):
        assert not pins.check("000000")
    restarted = PinCheck(pin_store, Monotonic(3))  # the plug pulled: a new app, a new clock
    assert restarted.tries_left == 1
    assert not restarted.check("000000")
    assert restarted.locked and not restarted.check(PIN)


def test_a_lock_goes_on_after_a_restart_for_the_time_it_had_left(pin_store):
    clock = Monotonic(1000)
    pins = PinCheck(pin_store, clock)
    lock_out(pins)
    clock.now += 120
    assert pins.minutes_locked() == 3
    restarted_clock = Monotonic(7)
    restarted = PinCheck(pin_store, restarted_clock)
    assert restarted.locked and restarted.minutes_locked() == 3
    assert not restarted.check(PIN)
    restarted_clock.now += LOCK_SECONDS - 120 + 1
    assert not restarted.locked and restarted.check(PIN)
    # Over is over, also for the next restart; and a right PIN clears the count.
    again = PinCheck(pin_store, Monotonic(0))
    assert not again.locked and again.tries_left == MAX_TRIES


@pytest.mark.parametrize("jump_to", [datetime(1970, 1, 1), datetime(2099, 12, 31)])
def test_a_wall_clock_jump_neither_ends_a_lock_nor_makes_it_endless(pin_store, jump_to):
    clock = Monotonic(50)
    lock_out(PinCheck(pin_store, clock))
    with time_machine.travel(jump_to, tick=False):
        restarted = PinCheck(pin_store, clock)
        assert restarted.locked and restarted.minutes_locked() == LOCK_SECONDS // 60
        clock.now += LOCK_SECONDS + 1
        assert not restarted.locked and restarted.check(PIN)


@pytest.mark.parametrize("stored", ["1e12", "99999999", "inf", "nan", "-5", "soon"])
def test_a_stored_lock_out_of_range_lasts_at_most_the_usual_time(pin_store, stored):
    pin_store.set_state(LOCK_KEY, stored)
    clock = Monotonic(0)
    pins = PinCheck(pin_store, clock)
    clock.now += LOCK_SECONDS + 1
    assert not pins.locked and pins.check(PIN)


@pytest.mark.parametrize(
    ("pin", "ok"),
    [
        ("123456", True),
        ("12345678", True),
        ("12345", False),
        ("2468", False),
        ("123456789", False),
        ("12345a", False),
        ("١٢٣٤٥٦", False),  # Arabic-Indic digits: isdigit() says yes
        ("", False),
    ],
)
def test_only_pins_of_six_to_eight_digits_are_checked(pin, ok):
    assert well_formed(pin) is ok
