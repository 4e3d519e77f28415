"""Receptionist mode on the kiosk (issue 5): behind five taps in the attract screen's corner
and the PIN set at the desk; a banner on every screen; introductions on the spot; what is
registered on a visitor's behalf is marked so; it ends like any visit. Driven with simulated
fingers on the real app, checked in the store."""

from __future__ import annotations

import pytest
from gui_helpers import screen, start, step, tile, type_on

from kiosk import navigation as nav
from kiosk.outbox import pending
from kiosk.receptionist import MAX_TRIES
from sync.hub import keys

PIN = "24681357"  # 6 to 8 digits, as the desk requires


def corner_taps(kiosk, taps: int = 5) -> None:
    """Fingers in the attract screen's top-left corner."""
    from screens.headless import Finger

    attract = screen(kiosk.app, nav.ATTRACT)
    for _ in range(taps):
        finger = Finger(attract.x + 20, attract.top - 20)
        finger.down()
        finger.up()
        kiosk.pump(2)


@pytest.fixture
def pin_kiosk(make_kiosk, demo_store):
    """The kiosk with a receptionist PIN that arrived from the desk (as its argon2 hash)."""
    demo_store.set_state("receptionist_pin_hash", keys.hash_password(PIN))
    return make_kiosk()


def type_pin(kiosk, pin: str) -> None:
    reception = screen(kiosk.app, nav.RECEPTION)
    type_on(kiosk, reception.ids.keyboard, pin)
    kiosk.tap(reception.ids.start_button)


def enter_mode(kiosk) -> None:
    corner_taps(kiosk)
    type_pin(kiosk, PIN)
    assert kiosk.app.session is not None and kiosk.app.session.assisted


def test_five_corner_taps_open_the_reception_screen_not_a_visit(kiosk):
    app = kiosk.app
    corner_taps(kiosk, 4)
    assert app.current_screen == nav.ATTRACT and app.session is None
    corner_taps(kiosk, 1)
    assert app.current_screen == nav.RECEPTION and app.session is None
    reception = screen(app, nav.RECEPTION)
    # Without a hub the status says so; without a PIN there is no pad to type on.
    assert "niet verbonden" in reception.status
    assert not reception.pin_available and reception.ids.start_button.disabled
    assert "Stel er een in bij de balie" in reception.ids.pin_hint.text
    kiosk.tap(reception.ids.close_button)
    assert app.current_screen == nav.ATTRACT and app.session is None


def test_the_right_pin_starts_receptionist_mode_with_a_banner_on_every_screen(pin_kiosk):
    kiosk, app = pin_kiosk, pin_kiosk.app
    corner_taps(kiosk)
    reception = screen(app, nav.RECEPTION)
    type_on(kiosk, reception.ids.keyboard, PIN)
    assert reception.ids.pin_dots.text == " ".join("•" * len(PIN))  # never the digits
    kiosk.tap(reception.ids.start_button)
    assert app.current_screen == nav.HOME and app.session.assisted
    banner = app.reception_banner
    assert banner.parent is app.frame and banner.ids.banner_label.text == "Receptiemodus"
    kiosk.tap(screen(app, nav.HOME).ids.themes_tile)
    assert app.current_screen == nav.BROWSE and banner.parent is app.frame
    # The banner sits above the screens, not over them.
    assert banner.y >= app.manager.top - 1
    assert reception.ids.keyboard.text == ""  # the PIN left no trace on the screen


def test_wrong_pins_are_refused_counted_and_locked_out(pin_kiosk):
    kiosk, app = pin_kiosk, pin_kiosk.app
    corner_taps(kiosk)
    reception = screen(app, nav.RECEPTION)
    type_pin(kiosk, "111111")
    assert app.session is None and app.current_screen == nav.RECEPTION
    assert reception.error == f"Deze pincode klopt niet. Nog {MAX_TRIES - 1} pogingen."
    assert reception.ids.keyboard.text == ""
    for _ in range(MAX_TRIES - 1):
        type_pin(kiosk, "999999")
    assert "Te veel verkeerde pincodes" in reception.error
    type_pin(kiosk, PIN)  # even the right one waits out the lock
    assert app.session is None and "Te veel verkeerde pincodes" in reception.error
    app.idle.clock.advance(301)
    type_pin(kiosk, PIN)
    assert app.session is not None and app.session.assisted


def test_a_pin_of_fewer_than_six_digits_is_refused_and_not_counted(make_kiosk, demo_store):
    # A 4-digit PIN from before the desk required 6: even the right one no longer opens.
    demo_store.set_state("receptionist_pin_hash", keys.hash_password("2468"))
    kiosk = make_kiosk()
    app = kiosk.app
    corner_taps(kiosk)
    reception = screen(app, nav.RECEPTION)
    type_pin(kiosk, "2468")
    assert app.session is None and app.current_screen == nav.RECEPTION
    assert reception.error == "Een pincode heeft 6 tot 8 cijfers."
    assert app.pin_check.tries_left == MAX_TRIES  # it cannot be right: no try is used up


def test_receptionist_mode_ends_on_idle_like_any_visit(pin_kiosk, clock):
    kiosk, app = pin_kiosk, pin_kiosk.app
    enter_mode(kiosk)
    clock.advance(app.kiosk_config.idle_timeout + 1)
    app.check_idle()
    assert app.session is None and app.current_screen == nav.ATTRACT
    assert app.reception_banner.parent is None
    # The next person to touch the screen is a visitor, in a visit of their own.
    start(kiosk)
    assert not app.session.assisted and app.reception_banner.parent is None


def test_the_reception_screen_closes_itself_when_staff_walk_away(pin_kiosk, clock):
    kiosk, app = pin_kiosk, pin_kiosk.app
    corner_taps(kiosk)
    type_on(kiosk, screen(app, nav.RECEPTION).ids.keyboard, "24")
    clock.advance(app.kiosk_config.idle_timeout + 1)
    app.check_idle()
    assert app.current_screen == nav.ATTRACT
    assert screen(app, nav.RECEPTION).ids.keyboard.text == ""  # half a PIN is not left


def test_end_in_the_banner_ends_the_visit(pin_kiosk):
    kiosk, app = pin_kiosk, pin_kiosk.app
    enter_mode(kiosk)
    kiosk.tap(app.reception_banner.ids.end_button)
    assert app.session is None and app.current_screen == nav.ATTRACT
    assert app.reception_banner.parent is None


def test_interests_registered_on_a_visitors_behalf_are_marked_so(pin_kiosk):
    kiosk, app = pin_kiosk, pin_kiosk.app
    enter_mode(kiosk)
    kiosk.tap(screen(app, nav.HOME).ids.talents_tile)
    talents = screen(app, nav.TALENTS)
    kiosk.tap(tile(talents, "eten"))
    for _ in range(3):
        step(kiosk, talents.ids.next_button)
    assert app.current_screen == nav.MATCHES
    (op,) = pending(app.store)
    assert op["entity"] == "interest" and op["fields"]["assisted"] is True


def test_a_contact_request_on_a_visitors_behalf_is_marked_so(pin_kiosk):
    kiosk, app = pin_kiosk, pin_kiosk.app
    enter_mode(kiosk)
    first = app.store.community_ids()[0]
    app.meet([first])
    contact = screen(app, nav.CONTACT)
    step(kiosk, contact.ids.next_button)
    kiosk.tap(tile(contact, "phone"))
    type_on(kiosk, contact.ids.keyboard, "0612345678")
    step(kiosk, contact.ids.next_button)
    assert contact.step == "consent"  # the visitor reads the consent themselves
    step(kiosk, contact.ids.next_button)
    (op,) = pending(app.store)
    assert op["entity"] == "contact_request" and op["fields"]["assisted"] is True


def test_an_introduction_on_the_spot_between_this_visitor_and_a_group(pin_kiosk):
    kiosk, app = pin_kiosk, pin_kiosk.app
    enter_mode(kiosk)
    group = app.store.community_ids()[0]
    app.open_community(group)
    kiosk.tap(app.reception_banner.ids.introduce_button)
    intro = screen(app, nav.INTRODUCE)
    assert app.current_screen == nav.INTRODUCE and intro.step == "kind"
    assert tile(intro, "visitor_community").active  # the usual kind is chosen already
    step(kiosk, intro.ids.next_button)
    step(kiosk, intro.ids.next_button)  # no group ticked yet
    assert intro.step == "who" and intro.error == "Kies een groep."
    kiosk.tap(tile(intro, group))  # the group just opened is offered
    step(kiosk, intro.ids.next_button)
    assert intro.step == "note"
    type_on(kiosk, intro.ids.keyboard, "koffie op dinsdag")
    kiosk.tap(tile(intro, "8"))
    step(kiosk, intro.ids.next_button)
    assert intro.step == "done" and "8 weken" in intro.hint
    kiosk.tap(intro.ids.next_button)  # a double tap: recorded once
    step(kiosk, intro.ids.next_button)
    assert app.current_screen == nav.COMMUNITY  # back to the visit, where it was
    (op,) = pending(app.store)
    fields = op["fields"]
    assert op["entity"] == "introduction"
    assert fields["kind"] == "visitor_community" and fields["communities"] == [group]
    assert fields["note"] == "koffie op dinsdag" and fields["follow_up_weeks"] == 8
    assert "both_agreed" not in fields


def test_two_visitors_are_introduced_only_when_both_say_yes(pin_kiosk):
    kiosk, app = pin_kiosk, pin_kiosk.app
    enter_mode(kiosk)
    app.introduce()
    intro = screen(app, nav.INTRODUCE)
    kiosk.tap(tile(intro, "visitor_visitor"))
    step(kiosk, intro.ids.next_button)
    kiosk.tap(tile(intro, "first_agrees"))
    step(kiosk, intro.ids.next_button)
    assert intro.step == "who" and intro.error.startswith("Allebei moeten ja zeggen")
    assert pending(app.store) == []
    kiosk.tap(tile(intro, "second_agrees"))
    step(kiosk, intro.ids.next_button)
    step(kiosk, intro.ids.next_button)
    (op,) = pending(app.store)
    assert op["fields"]["kind"] == "visitor_visitor" and op["fields"]["both_agreed"] is True
    assert op["fields"]["communities"] == []


def test_two_groups_introduced_to_each_other(pin_kiosk):
    kiosk, app = pin_kiosk, pin_kiosk.app
    enter_mode(kiosk)
    a, b = app.store.community_ids()[:2]
    app.keep(a)
    app.keep(b)
    app.introduce()
    intro = screen(app, nav.INTRODUCE)
    kiosk.tap(tile(intro, "community_community"))
    step(kiosk, intro.ids.next_button)
    kiosk.tap(tile(intro, a))
    step(kiosk, intro.ids.next_button)
    assert intro.error == "Kies twee groepen."
    kiosk.tap(tile(intro, b))
    step(kiosk, intro.ids.next_button)
    step(kiosk, intro.ids.next_button)
    (op,) = pending(app.store)
    assert op["fields"]["kind"] == "community_community"
    assert sorted(op["fields"]["communities"]) == sorted([a, b])


def test_a_visitor_without_the_pin_cannot_introduce(kiosk):
    app = kiosk.app
    start(kiosk)
    app.introduce()  # no banner, no button; and the method refuses as well
    assert app.current_screen == nav.HOME and pending(app.store) == []
