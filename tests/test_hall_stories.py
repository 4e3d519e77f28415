"""The hall tells stories: the attract screen shows one group at a time, its photo (or its
drawn picture) and its pitch in one line, each group as often as any other over a day (a
fair order per day and kiosk); the rotation follows the app's clock, stands still behind the
sleep curtain and never takes a touch away; the desk's messages show on the attract screen,
an urgent one as a banner on every other screen."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from kiosk import hall_messages, stories
from kiosk import navigation as nav
from kiosk.store import transaction
from tests.gui_helpers import screen, start

GROUPS = [str(uuid.UUID(int=i)) for i in range(1, 65)]  # the demo's number of groups
DAYS = [date(2026, 12, 1) + timedelta(days=i) for i in range(7)]  # a week of seeds


# -- fairness: kiosk.stories ------------------------------------------------------------------


def _shares(first: datetime, cycles: int, groups=GROUPS, kiosk="kiosk-hal") -> Counter:
    moments = (first + timedelta(seconds=stories.SECONDS * i) for i in range(cycles))
    return Counter(stories.story_at(groups, m, kiosk) for m in moments)


@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize("start_at", ["08:30:00", "12:17:44", "20:05:03"])
def test_over_1000_cycles_every_group_is_within_10_percent_of_equal(day, start_at):
    first = datetime.combine(day, datetime.strptime(start_at, "%H:%M:%S").time())
    shares = _shares(first, 1000)
    equal = 1000 / len(GROUPS)
    assert set(shares) == set(GROUPS)  # nobody left out
    for group, n in shares.items():
        assert abs(n - equal) <= 0.10 * equal, (group, n, equal)


@pytest.mark.parametrize("count", [1, 2, 7, 26, 64, 500])
def test_over_a_whole_day_no_group_has_more_than_one_story_more_than_another(count):
    groups = GROUPS[:count] if count <= 64 else [str(uuid.uuid4()) for _ in range(count)]
    day = datetime(2026, 12, 3)
    shares = _shares(day, 24 * 3600 // stories.SECONDS, groups)
    assert max(shares.values()) - min(shares.values()) <= 1
    assert len(shares) == count


def test_the_order_is_new_each_day_and_differs_between_kiosks_and_ignores_input_order():
    orders = {tuple(stories.day_order(GROUPS, day, "kiosk-hal")) for day in DAYS}
    assert len(orders) == len(DAYS)  # a new order every day
    monday = DAYS[0]
    assert stories.day_order(GROUPS, monday, "kiosk-a") != stories.day_order(
        GROUPS, monday, "kiosk-b"
    )  # two kiosks in one hall do not show the same group at once
    assert stories.day_order(list(reversed(GROUPS)), monday) == stories.day_order(GROUPS, monday)
    # Over the week each group is first of a day about as often as by chance, never by size:
    # the key is only the seed and the id (kiosk.fair_order).
    firsts = Counter(stories.day_order(GROUPS, day)[0] for day in DAYS)
    assert max(firsts.values()) <= 3


def test_a_story_stays_for_its_slot_and_the_next_one_comes_on_time():
    moment = datetime(2026, 12, 3, 14, 0, 0)
    first = stories.story_at(GROUPS, moment)
    assert stories.story_at(GROUPS, moment + timedelta(seconds=stories.SECONDS - 1)) == first
    assert stories.story_at(GROUPS, moment + timedelta(seconds=stories.SECONDS)) != first
    assert stories.seconds_to_next(moment + timedelta(seconds=3)) == stories.SECONDS - 3
    assert stories.story_at([], moment) is None


def test_one_line_cuts_at_a_word_and_says_so():
    assert stories.one_line("Samen koken.\nElke dinsdag.") == "Samen koken."
    long = "woord " * 40
    line = stories.one_line(long)
    assert len(line) <= 140 and line.endswith("…") and " woor…" not in line


# -- the real app, headless ------------------------------------------------------------------


def _at(app, moment: datetime) -> None:
    app.now = lambda: moment


def _pump_until(kiosk, condition, frames: int = 400) -> None:
    """Frames until ``condition`` holds (the screen checks its clock once a second on the
    Kivy clock): a bound against a hang, not a timing assertion."""
    import time

    deadline = time.monotonic() + 10
    while not condition() and time.monotonic() < deadline:
        kiosk.pump(1)
        time.sleep(0.01)
    assert condition()


def test_the_attract_screen_shows_a_photo_and_a_story_and_moves_on(kiosk):
    app = kiosk.app
    attract = screen(app, nav.ATTRACT)
    noon = datetime.combine(date.today(), datetime.min.time()).replace(hour=12)
    _at(app, noon)
    attract.refresh()
    kiosk.pump(2)
    first = attract.story_id
    community = app.store.community(first)
    assert first == stories.story_at(app.store.community_ids(), noon, app.kiosk_config.kiosk_name)
    assert attract.ids.story_name.text == community.name
    assert attract.ids.story_line.text and attract.ids.story_line.text in (
        stories.one_line(community.pitch.get("nl", "")),
    )
    photo = Path(attract.ids.story_photo.source)
    assert photo.is_file() and photo.name == community.photo
    assert attract.ids.story_photo.texture is not None  # really loaded and drawn
    assert attract.ids.story_card.opacity == 1
    # The app's clock moves on by one story: the screen follows on the Kivy clock, fading.
    shown = attract.stories_shown
    _at(app, noon + timedelta(seconds=stories.SECONDS))
    _pump_until(kiosk, lambda: attract.story_id != first)
    _pump_until(kiosk, lambda: attract.story_opacity == 1)
    assert attract.stories_shown == shown + 1
    second = app.store.community(attract.story_id)
    assert attract.ids.story_name.text == second.name
    # A touch anywhere still starts a visit; the rotation rests meanwhile.
    start(kiosk)
    assert attract._check_event is None


def test_a_group_with_its_own_photo_and_one_with_a_drawn_picture_get_the_same_place(kiosk):
    app = kiosk.app
    attract = screen(app, nav.ATTRACT)
    ids = app.store.community_ids()
    kinds = {}
    moment = datetime(2026, 12, 3, 9, 0)
    for i in range(len(ids)):
        _at(app, moment + timedelta(seconds=stories.SECONDS * i))
        attract.check(fade=False)
        kinds[attract.story_id] = (Path(attract.story_photo).suffix, attract.story_initials)
    assert set(kinds) == set(ids)  # every group had its turn in one round
    suffixes = Counter(suffix for suffix, _ in kinds.values())
    assert suffixes[".jpg"] == 26 and suffixes[".png"] == len(ids) - 26  # the demo's photos
    # A group whose picture is not drawn yet gets a card drawn on the screen, same place.
    with transaction(app.store.conn):
        app.store.conn.execute("UPDATE communities SET photo = NULL WHERE id = ?", [ids[0]])
    attract._show(ids[0])
    kiosk.pump(2)
    assert attract.story_photo == "" and attract.story_initials
    assert attract.ids.story_initials.text == attract.story_initials
    assert attract.ids.story_card.height > 300


def test_the_rotation_stands_still_behind_the_sleep_curtain(make_kiosk, clock):
    kiosk = make_kiosk(opening_hours="mo-fr 08:30-17:00")
    app = kiosk.app
    attract = screen(app, nav.ATTRACT)
    evening = datetime(2026, 12, 4, 20, 0)  # a Friday, the hall closed
    _at(app, evening)
    clock.advance(app.kiosk_config.idle_timeout + 1)
    app.check_idle()
    assert attract.asleep()
    shown, story = attract.stories_shown, attract.story_id
    for i in range(1, 6):
        _at(app, evening + timedelta(seconds=stories.SECONDS * i))
        attract.check()
        kiosk.pump(2)
    assert (attract.stories_shown, attract.story_id) == (shown, story)
    app.wake_panel()
    attract.check()
    _pump_until(kiosk, lambda: attract.stories_shown > shown)


def _message(app, **fields) -> dict:
    today = app.now().date().isoformat()
    record = {"id": str(uuid.uuid4()), "text": {"nl": "Koffie in de hal"}, "first_day": today,
              "last_day": today, "days": [], "from_time": "00:00", "until_time": "23:59",
              "kiosks": [], "urgent": False, **fields}  # fmt: skip
    with transaction(app.store.conn):
        hall_messages.put(app.store.conn, record)
    return record


def test_messages_show_on_the_attract_screen_and_an_urgent_one_on_every_screen(kiosk):
    app = kiosk.app
    attract = screen(app, nav.ATTRACT)
    _at(app, datetime.combine(date.today(), datetime.min.time()).replace(hour=12))
    _message(app, text={"nl": "Vrijdag gratis koffie in de hal", "ar": "قهوة مجانية يوم الجمعة"})
    _message(app, text={"nl": "De hal sluit vandaag om 15.00 uur"}, urgent=True)
    _message(app, text={"nl": "Niet voor deze kiosk"}, kiosks=["kiosk-elders"])
    attract.refresh()
    kiosk.pump(2)
    notes = [(w.text, w.urgent) for w in reversed(attract.ids.messages_box.children)]
    assert notes == [("De hal sluit vandaag om 15.00 uur", True),
                     ("Vrijdag gratis koffie in de hal", False)]  # fmt: skip
    assert not app.hall_notes.banner_shown  # the attract screen shows it already
    start(kiosk)
    kiosk.pump(2)
    assert app.hall_notes.banner_shown
    banner = app.hall_notes.banner
    assert banner.get_root_window() is not None
    assert banner.ids.banner_label.text == "De hal sluit vandaag om 15.00 uur"
    assert banner.top >= app.root.top - 1  # across the top of the screen
    app.open(nav.SEARCH)
    kiosk.pump(2)
    assert banner.get_root_window() is not None  # on every screen
    # In Arabic: the message's own Arabic, or honestly marked as Dutch.
    app.set_language("ar")
    kiosk.pump(2)
    assert banner.ids.banner_label.text != "De hal sluit vandaag om 15.00 uur"
    assert "De hal sluit vandaag om 15.00 uur" in app.hall_notes.urgent
    app.goodbye()
    kiosk.pump(2)
    assert app.current_screen == nav.ATTRACT and banner.get_root_window() is None


def test_a_message_leaves_the_screen_when_its_window_closes(kiosk):
    app = kiosk.app
    attract = screen(app, nav.ATTRACT)
    day = date.today()
    _message(app, text={"nl": "Taalcafé om twee"}, from_time="14:00", until_time="16:00")
    for hour, minute, shown in ((13, 59, False), (14, 0, True), (15, 59, True), (16, 0, False)):
        _at(app, datetime(day.year, day.month, day.day, hour, minute))
        app.hall_notes.check()
        kiosk.pump(1)
        texts = [w.text for w in attract.ids.messages_box.children]
        assert (texts == ["Taalcafé om twee"]) is shown, (hour, minute, texts)


def test_the_staff_corner_still_opens_nothing_for_a_visitor(kiosk):
    app = kiosk.app
    attract = screen(app, nav.ATTRACT)
    _message(app, text={"nl": "Dringend"}, urgent=True)
    attract.refresh()
    kiosk.pump(2)
    from kivy.tests.common import UnitTestTouch

    x, y = attract.to_window(attract.x + 10, attract.top - 10)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()
    kiosk.pump(2)
    assert app.current_screen == nav.ATTRACT and app.session is None


# -- screenshots for people to look at --------------------------------------------------------


def _shoot(kiosk, name: str) -> Path:
    """Into ONTMOET_SCREENSHOTS (docs/screenshots, to look at) or a scratch folder."""
    import os
    import tempfile

    folder = Path(os.environ.get("ONTMOET_SCREENSHOTS") or tempfile.gettempdir())
    return kiosk.screenshot(folder / f"{name}.png")


@pytest.mark.parametrize("lang", ["nl", "ar"])
def test_screenshots_of_the_hall_stories(make_kiosk, lang):
    from kiosk.config import SUPPORTED_LANGUAGES

    kiosk = make_kiosk(languages=(lang, *(x for x in SUPPORTED_LANGUAGES if x != lang)))
    app = kiosk.app
    attract = screen(app, nav.ATTRACT)
    noon = datetime.combine(date.today(), datetime.min.time()).replace(hour=12)
    _at(app, noon)
    ids = app.store.community_ids()
    with_photo = next(
        m
        for i in range(len(ids))
        if (m := noon + timedelta(seconds=stories.SECONDS * i))
        and (c := app.store.community(stories.story_at(ids, m, app.kiosk_config.kiosk_name)))
        and c.photo.endswith(".jpg")
    )
    _at(app, with_photo)
    attract.refresh()
    _shoot(kiosk, f"hall-story-{lang}")
    _message(app, text={"nl": "De hal sluit vandaag om 15.00 uur. Morgen zijn we er weer.",
                        "ar": "تغلق القاعة اليوم في الساعة 15:00. نعود غداً."},
             urgent=True)  # fmt: skip
    _message(app, text={"nl": "Vrijdagmiddag: gratis koffie bij de balie.",
                        "en": "Friday afternoon: free coffee at the desk."})  # fmt: skip
    attract.refresh()
    _shoot(kiosk, f"hall-message-{lang}")
    start(kiosk)
    app.browse("theme")
    _shoot(kiosk, f"hall-banner-{lang}")
    assert json.dumps(app.hall_notes.notes)  # something was shown
