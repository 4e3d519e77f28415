import pytest

from kiosk.session import IdleRules, VisitorSession


def test_idle_rules_warn_then_expire(clock):
    idle = IdleRules(timeout=90, warning=20, clock=clock)
    assert idle.state() == IdleRules.ACTIVE
    clock.advance(69.9)
    assert idle.state() == IdleRules.ACTIVE
    clock.advance(0.2)
    assert idle.state() == IdleRules.WARNING
    assert idle.seconds_left() == 20
    clock.advance(15)
    assert idle.seconds_left() == 5
    clock.advance(5)
    assert idle.state() == IdleRules.EXPIRED
    assert idle.seconds_left() == 0


def test_a_touch_starts_the_count_again(clock):
    idle = IdleRules(timeout=90, warning=20, clock=clock)
    clock.advance(80)
    idle.touched()
    clock.advance(80)
    assert idle.state() == IdleRules.WARNING


def test_warning_must_fit_in_the_timeout(clock):
    with pytest.raises(ValueError):
        IdleRules(timeout=30, warning=30, clock=clock)


def test_every_session_gets_its_own_seed():
    seeds = {VisitorSession(language="nl").seed for _ in range(50)}
    assert len(seeds) == 50
