"""The real kiosk app, driven headless with simulated fingers; assertions on screens, widget
properties and store rows."""

import time

from gui_helpers import choose_language, find, screen, start
from kivy.base import EventLoop

from kiosk import navigation as nav
from kiosk.qr import community_url
from screens.listing import CommunityCard
from screens.widgets.common import LanguageButton, Tile


def visible_cards(app):
    cards = find(screen(app, nav.LISTING).ids.cards_view, CommunityCard)
    return sorted(cards, key=lambda card: -card.y)  # top of the list first


def test_a_touch_on_the_attract_screen_starts_an_anonymous_session(kiosk):
    app = kiosk.app
    assert app.current_screen == nav.ATTRACT and app.session is None
    start(kiosk)
    assert app.session is not None
    assert app.session.query == "" and app.session.kept == []


def test_theme_list_community_and_its_qr(kiosk):
    app = kiosk.app
    start(kiosk)
    kiosk.tap(screen(app, nav.HOME).ids.themes_tile)
    assert app.current_screen == nav.BROWSE
    (garden_tile,) = find(screen(app, nav.BROWSE), Tile, value="natuur")
    kiosk.tap(garden_tile)
    assert app.current_screen == nav.LISTING
    listing = screen(app, nav.LISTING).ids.cards_view
    expected = set(app.store.community_ids(theme="natuur"))
    assert {row["community_id"] for row in listing.data} == expected
    assert len(expected) >= 3

    first = visible_cards(app)[0]
    kiosk.tap(first)
    assert app.current_screen == nav.COMMUNITY
    community = app.store.community(first.community_id)
    shown = screen(app, nav.COMMUNITY)
    assert shown.ids.name_label.text == community.name
    assert "natuur" in community.themes
    qr = shown.ids.join_qr
    assert qr.matrix is not None
    assert qr.matrix.data == community_url(community, app.kiosk_config.public_url, app.lang)
    assert qr.width >= 350  # large enough to scan from the panel

    kiosk.tap(shown.ids.top_bar.ids.back_button)
    assert app.current_screen == nav.LISTING


def test_browse_by_neighbourhood_lists_only_that_neighbourhood(kiosk):
    app = kiosk.app
    start(kiosk)
    kiosk.tap(screen(app, nav.HOME).ids.neighbourhoods_tile)
    (tile,) = find(screen(app, nav.BROWSE), Tile, value="esveld")
    kiosk.tap(tile)
    ids = [row["community_id"] for row in screen(app, nav.LISTING).ids.cards_view.data]
    assert ids and all(c.neighbourhood == "esveld" for c in app.store.communities(ids))


def test_every_visitor_gets_another_fair_order(kiosk):
    app = kiosk.app
    orders = []
    for _ in range(2):
        start(kiosk)
        kiosk.tap(screen(app, nav.HOME).ids.all_tile)
        orders.append([row["community_id"] for row in screen(app, nav.LISTING).ids.cards_view.data])
        app.end_session()
        kiosk.pump()  # a screen change completes on the next frame
    assert sorted(orders[0]) == sorted(orders[1])
    assert orders[0] != orders[1]


def test_language_switch_updates_the_screen_in_place(kiosk):
    app = kiosk.app
    start(kiosk)
    home = screen(app, nav.HOME)
    assert home.ids.themes_tile.label == "Kijk per thema"
    (current,) = find(home, LanguageButton)  # six languages: the current one opens them all
    assert current.text == "Nederlands"
    kiosk.tap(current)
    names = [b.text for b in find(app.options_panel, LanguageButton)]
    assert sorted(names) == sorted(
        ["Nederlands", "English", "Türkçe", "العربية", "Polski", "Українська"]
    )
    choose_language(kiosk, "en")
    assert app.lang == "en" and current.text == "English"
    assert home.ids.themes_tile.label == "Look by theme"
    choose_language(kiosk, "tr")
    assert home.ids.themes_tile.label == "Konuya göre bakın"


def test_a_screen_made_before_a_language_switch_is_in_the_new_language_when_gone_back_to(kiosk):
    """Only the screen on show is made again at a switch; the list behind a community page
    follows when 'back' brings it on show."""
    app = kiosk.app
    start(kiosk)

    def cards():
        return [
            (c.name, c.pitch, c.where, c.state_text)
            for c in find(screen(app, nav.LISTING), CommunityCard)
        ]

    app.show_list(theme="eten")
    kiosk.pump(3)
    dutch = cards()
    app.open_community(
        dutch[0][0] and find(screen(app, nav.LISTING), CommunityCard)[0].community_id
    )
    kiosk.pump(3)
    app.set_language("en")
    kiosk.pump(3)
    app.back()
    kiosk.pump(3)
    assert app.current_screen == nav.LISTING
    after_back = cards()
    assert after_back != dutch
    app.show_list(theme="eten")  # made afresh in English
    kiosk.pump(3)
    assert cards() == after_back


def test_with_two_languages_both_are_in_the_top_bar(make_kiosk):
    kiosk = make_kiosk(languages=("nl", "en"))
    app = kiosk.app
    start(kiosk)
    home = screen(app, nav.HOME)
    dutch, english = sorted(find(home, LanguageButton), key=lambda b: b.x)
    assert (dutch.lang, english.lang) == ("nl", "en") and dutch.selected
    kiosk.tap(english)
    assert app.lang == "en" and english.selected and not dutch.selected


def test_idle_warning_then_wipe_back_to_the_attract_screen(kiosk, clock):
    app = kiosk.app
    start(kiosk)
    kiosk.tap(screen(app, nav.HOME).ids.all_tile)
    kiosk.tap(visible_cards(app)[0])
    choose_language(kiosk, "en")
    assert app.current_screen == nav.COMMUNITY

    clock.advance(app.kiosk_config.idle_timeout - app.kiosk_config.idle_warning + 1)
    app.check_idle()
    kiosk.pump()
    assert app.idle_overlay.parent is not None
    countdown = app.idle_overlay.ids.countdown_label.text
    assert f"{app.kiosk_config.idle_warning - 1} seconds" in countdown

    clock.advance(app.kiosk_config.idle_warning)
    app.check_idle()
    kiosk.pump()
    assert app.current_screen == nav.ATTRACT
    assert app.session is None
    assert app.idle_overlay.parent is None
    assert app.lang == "nl"  # the next visitor starts in the kiosk's own language
    assert screen(app, nav.LISTING).ids.cards_view.data == []
    assert screen(app, nav.COMMUNITY).qr_data == ""


def test_a_touch_during_the_warning_keeps_the_session_and_presses_nothing(kiosk, clock):
    app = kiosk.app
    start(kiosk)
    session = app.session
    clock.advance(app.kiosk_config.idle_timeout - 5)
    app.check_idle()
    kiosk.pump()
    assert app.idle_overlay.parent is not None
    # The 'all groups' tile lies under the overlay: the touch must not open it.
    kiosk.tap(screen(app, nav.HOME).ids.all_tile)
    assert app.idle_overlay.parent is None
    assert app.current_screen == nav.HOME
    assert app.session is session
    clock.advance(app.kiosk_config.idle_timeout - 5)
    app.check_idle()
    assert app.session is session  # the count started again at the touch


def test_the_idle_check_runs_on_the_kivy_clock(kiosk, clock):
    app = kiosk.app
    start(kiosk)
    clock.advance(app.kiosk_config.idle_timeout + 1)
    deadline = time.monotonic() + 5  # a bound against a hang, not a timing assertion
    while app.session is not None and time.monotonic() < deadline:
        kiosk.pump(1)
    assert app.session is None
    assert app.current_screen == nav.ATTRACT


def test_landscape_puts_the_qr_beside_the_story(kiosk):
    from kivy.core.window import Window

    app = kiosk.app
    start(kiosk)
    app.open_community(app.store.community_ids()[0])
    portrait = screen(app, nav.COMMUNITY)
    kiosk.pump()
    assert portrait.ids.qr_panel.top <= portrait.ids.scroller.y + 1  # below the story
    Window.size = (1920, 1080)
    try:
        kiosk.pump(5)
        community = screen(app, nav.COMMUNITY)
        assert community.ids.qr_panel.x >= community.ids.scroller.right - 1  # beside it
        assert community.ids.join_qr.matrix is not None
    finally:
        Window.size = (1080, 1920)
        kiosk.pump(5)


def test_a_small_landscape_panel_keeps_the_bars_clear_and_the_name_whole(kiosk):
    """1280x720 and 960x540: the QR column stays under the top bar, and the photo goes above
    the name, so a long name is not broken inside its words (issue 13's note)."""
    from kivy.core.window import Window

    app = kiosk.app
    start(kiosk)
    app.open_community(app.store.community_ids()[0])
    try:
        for size in ((1280, 720), (960, 540), (1920, 1080)):
            Window.size = size
            kiosk.pump(8)
            community = screen(app, nav.COMMUNITY)
            ids = community.ids
            assert ids.qr_panel.top <= ids.top_bar.y + 1, size  # nothing drawn over the bar
            assert ids.qr_panel.width <= 0.4 * size[0] + 1, size
            assert ids.qr_box.width >= 180 and ids.join_qr.matrix is not None, size
            wide = size[0] >= 1920
            assert ids.head.orientation == ("horizontal" if wide else "vertical"), size
            if not wide:  # the name has the story column's width, not what a photo leaves
                assert ids.name_label.width >= ids.head.width - 1, size
    finally:
        Window.size = (1080, 1920)
        kiosk.pump(5)
    portrait = screen(app, nav.COMMUNITY)
    assert portrait.ids.head.orientation == "horizontal"  # the panel as it was


def test_escape_and_f1_give_no_way_out(kiosk):
    from kivy.core.window import Window

    app = kiosk.app
    start(kiosk)
    Window.dispatch("on_keyboard", 27, 0, None, [])  # Escape
    Window.dispatch("on_keyboard", 282, 0, None, [])  # F1: Kivy's settings panel
    kiosk.pump()
    assert EventLoop.status == "started"
    assert app.current_screen == nav.HOME
    assert app._app_settings is None


def test_start_again_from_the_idle_warning_wipes_at_once(kiosk, clock):
    app = kiosk.app
    start(kiosk)
    clock.advance(app.kiosk_config.idle_timeout - 5)
    app.check_idle()
    kiosk.pump()
    kiosk.tap(app.idle_overlay.ids.restart_button)
    kiosk.pump()
    assert app.session is None
    assert app.current_screen == nav.ATTRACT


def test_a_language_on_the_attract_screen_starts_in_that_language(kiosk):
    from screens.attract import AttractLanguage

    app = kiosk.app
    (english,) = find(screen(app, nav.ATTRACT), AttractLanguage, lang="en")
    kiosk.tap(english)
    assert app.current_screen == nav.HOME and app.lang == "en"
    assert screen(app, nav.HOME).ids.themes_tile.label == "Look by theme"


def test_long_lists_page_with_up_and_down_no_swipe_needed(kiosk):
    from screens.widgets.common import BottomBar

    app = kiosk.app
    start(kiosk)
    kiosk.tap(screen(app, nav.HOME).ids.all_tile)
    listing = screen(app, nav.LISTING)
    (bar,) = find(listing, BottomBar)
    kiosk.pump(5)
    app.check_idle()
    kiosk.pump(2)
    assert bar.can_scroll and bar.ids.down_button.opacity == 1
    view = listing.ids.cards_view
    assert view.scroll_y == 1
    kiosk.tap(bar.ids.down_button)
    assert 0 < view.scroll_y < 1
    for _ in range(30):  # sixty groups: a handful of pages
        kiosk.tap(bar.ids.down_button)
    assert view.scroll_y == 0  # the end of the list, reached by tapping only
    kiosk.tap(bar.ids.up_button)
    assert 0 < view.scroll_y < 1
    # A screen that fits shows no page buttons.
    app.go_home()
    kiosk.tap(screen(app, nav.HOME).ids.talents_tile)
    talents = screen(app, nav.TALENTS)
    talents.step = "area"
    kiosk.pump(5)
    app.check_idle()
    (talents_bar,) = find(talents, BottomBar)
    assert not talents_bar.can_scroll and talents_bar.ids.up_button.disabled


def test_a_goodbye_due_after_the_app_stopped_is_dropped(make_kiosk, monkeypatch):
    """The goodbye on the attract screen is cleared FAREWELL_SECONDS later; when that came
    due in a stopped app's last frames (a slow test on a loaded machine), its kv binding
    looked for a running app that was gone and raised. Stopping cancels it."""
    from kiosk import app as kiosk_app

    monkeypatch.setattr(kiosk_app, "FAREWELL_SECONDS", 0.05)
    runner = make_kiosk()
    app = runner.app
    app.start_session()
    app.end_session("Tot ziens!")
    app.dispatch("on_stop")  # no frame in between: the clearing is not due yet
    time.sleep(0.1)  # now it is
    runner.pump(1)
    assert app.farewell == "Tot ziens!"  # it did not run after the stop
