"""Opening hours: outside them the panel sleeps dark, a touch wakes it, and a visit under way
is never cut off. The wall clock and the idle clock are moved by hand."""

from datetime import datetime

import pytest

from kiosk import navigation as nav
from kiosk.config import ConfigError, load_config
from kiosk.opening_hours import Backlight, OpeningHours, OpeningHoursError, parse
from tests.gui_helpers import screen, start

FRIDAY_NOON = datetime(2026, 12, 4, 12, 0)
FRIDAY_EVENING = datetime(2026, 12, 4, 20, 0)
SATURDAY_MORNING = datetime(2026, 12, 5, 10, 30)


def test_days_ranges_and_several_periods():
    hours = OpeningHours("mo-fr 08:30-17:00; sa 10:00-13:00; we 18:00-21:00")
    assert hours.is_open(FRIDAY_NOON)
    assert not hours.is_open(FRIDAY_EVENING)
    assert hours.is_open(SATURDAY_MORNING)
    assert not hours.is_open(datetime(2026, 12, 6, 11, 0))  # Sunday
    assert hours.is_open(datetime(2026, 12, 2, 19, 0))  # Wednesday evening too
    assert not hours.is_open(datetime(2026, 12, 4, 17, 0))  # closing time is closed
    assert hours.is_open(datetime(2026, 12, 4, 8, 30))
    assert parse("sa-mo 10:00-12:00").keys() == {5, 6, 0}  # a range over the weekend
    assert parse("mo,we 09:00-12:00,13:00-17:00")[2] == [(540, 720), (780, 1020)]
    assert OpeningHours("").is_open(FRIDAY_EVENING)  # no hours set: always awake


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("mo-fr", "needs days and times"),
        ("monday 08:00-17:00", "'monday' is not a day"),
        ("mo-fr 8:30-17:00", "is not a time span"),
        ("mo 17:00-08:00", "must end later on the same day"),
        ("mo 25:00-26:00", "is not a time span"),
    ],
    ids=["no-times", "long-day-name", "one-digit-hour", "backwards", "hour-25"],
)
def test_a_wrong_setting_says_which_part_to_fix(text, says):
    with pytest.raises(OpeningHoursError, match=says):
        parse(text)
    with pytest.raises(ConfigError, match="opening_hours"):
        load_config(environ={"ONTMOET_OPENING_HOURS": text})


@pytest.fixture
def backlight(tmp_path):
    power = tmp_path / "backlight" / "panel0" / "bl_power"
    power.parent.mkdir(parents=True)
    power.write_text("0")
    return power


@pytest.fixture
def hall(make_kiosk, clock, backlight):
    kiosk = make_kiosk(opening_hours="mo-fr 08:30-17:00; sa 10:00-13:00")
    kiosk.app.backlight = Backlight(backlight.parent.parent)
    kiosk.app.now = lambda: FRIDAY_EVENING
    return kiosk


def tick(kiosk):
    """The app's half-second check, as its clock runs it, then a frame."""
    kiosk.app.check_idle()
    kiosk.pump(1)


def asleep(app) -> bool:
    return app.sleep_curtain is not None and app.sleep_curtain.parent is not None


def test_after_hours_the_panel_sleeps_and_a_touch_wakes_it(hall, clock, backlight):
    app = hall.app
    tick(hall)
    assert not asleep(app)  # touched (started) less than an idle timeout ago
    clock.advance(app.kiosk_config.idle_timeout + 1)
    tick(hall)
    assert asleep(app) and backlight.read_text() == "4"

    hall.tap(app.sleep_curtain)  # the first touch only wakes it: no visit starts
    assert not asleep(app) and backlight.read_text() == "0"
    assert app.current_screen == nav.ATTRACT and app.session is None
    start(hall)  # the next touch begins a visit
    clock.advance(app.kiosk_config.idle_timeout - app.kiosk_config.idle_warning + 1)
    tick(hall)
    assert not asleep(app)  # the visit is warned as ever, not darkened
    clock.advance(app.kiosk_config.idle_warning + 1)
    tick(hall)  # the visit ends by the idle rules
    clock.advance(app.kiosk_config.idle_timeout + 1)
    tick(hall)
    assert asleep(app) and app.current_screen == nav.ATTRACT


def test_a_visit_at_closing_time_is_not_cut_off(hall, clock):
    app = hall.app
    app.now = lambda: FRIDAY_NOON
    start(hall)
    app.now = lambda: FRIDAY_EVENING  # the hall closes during the visit
    for _ in range(5):
        clock.advance(app.kiosk_config.idle_timeout - app.kiosk_config.idle_warning - 1)
        hall.tap(screen(app, nav.HOME))  # the visitor goes on
        tick(hall)
    assert app.session is not None and not asleep(app)


def test_in_opening_hours_the_panel_never_sleeps(hall, clock, backlight):
    app = hall.app
    app.now = lambda: SATURDAY_MORNING
    clock.advance(app.kiosk_config.idle_timeout * 10)
    tick(hall)
    assert not asleep(app) and backlight.read_text() == "0"
    app.now = lambda: FRIDAY_EVENING
    tick(hall)
    assert asleep(app)
    app.now = lambda: datetime(2026, 12, 7, 8, 30)  # Monday morning: it wakes by itself
    tick(hall)
    assert not asleep(app) and backlight.read_text() == "0"
