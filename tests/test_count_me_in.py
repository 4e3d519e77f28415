"""'Count me in' at the kiosk, driven with simulated fingers: a search or the talents journey
that finds (too) little, 'I'd join this', the words or the theme, the anonymous wish in the
outbox, and contact details about the wish with their own consent."""

from base64 import b64decode

import pytest
from gui_helpers import find, screen, start, step, tap_keys, tile, type_on

from kiosk import navigation as nav
from kiosk.contact import WISH_CONSENT_VERSION, unseal
from kiosk.outbox import pending
from kiosk.wishes import TOO_LITTLE, offer_after_search, offer_after_talents, wish_problem
from screens.widgets.common import ChoiceTile
from sync.protocol import validate_fields


def ops(store, entity):
    return [op for op in pending(store) if op["entity"] == entity]


def search_for(kiosk, words):
    app = kiosk.app
    start(kiosk)
    kiosk.tap(screen(app, nav.HOME).ids.search_tile)
    search = screen(app, nav.SEARCH)
    type_on(kiosk, search.ids.keyboard, words)
    return search


def test_too_little_is_fewer_than_three_and_a_few_letters_are_not_a_wish_yet():
    assert offer_after_search("xylofoon", 0) and offer_after_search("koor", TOO_LITTLE - 1)
    assert not offer_after_search("koor", TOO_LITTLE)
    assert not offer_after_search("xy", 0)  # two letters typed are not yet a wish
    assert offer_after_talents(0) and not offer_after_talents(TOO_LITTLE)


def test_a_search_that_finds_nothing_becomes_an_anonymous_wish(kiosk):
    app = kiosk.app
    search = search_for(kiosk, "xylofoon")
    assert search.nothing_found and search.too_little
    kiosk.tap(search.ids.join_button)
    assert app.current_screen == nav.WISH
    wish = screen(app, nav.WISH)
    keyboard = wish.ids.keyboard
    assert wish.step == "what" and keyboard.text == "xylofoon"  # the search words, to confirm
    tap_keys(kiosk, keyboard, " spelen")
    step(kiosk, wish.ids.next_button)
    step(kiosk, wish.ids.next_button)  # a second tap, and 'sent' again: still one record
    assert wish.step == "sent" or app.current_screen == nav.HOME
    (op,) = ops(app.store, "wish")
    fields = op["fields"]
    assert op["record_id"] == fields["id"]
    assert fields["words"] == "xylofoon spelen" and fields["theme"] is None
    assert fields["source"] == "search" and fields["language"] == "nl"
    assert fields["gifts"] == [] and fields["neighbourhood"] is None
    assert fields["kiosk"] == app.kiosk_config.kiosk_name and "assisted" not in fields
    assert validate_fields("wish", fields) == fields  # what the hub will accept
    assert ops(app.store, "contact_request") == []  # anonymous: nothing else was sent


def test_words_with_a_phone_number_or_an_address_are_refused_and_nothing_is_sent(kiosk):
    app = kiosk.app
    search = search_for(kiosk, "xylofoon")
    kiosk.tap(search.ids.join_button)
    wish = screen(app, nav.WISH)
    keyboard = wish.ids.keyboard
    kiosk.tap(keyboard.key_for("clear"))
    type_on(kiosk, keyboard, "bel 0612345678")
    step(kiosk, wish.ids.next_button)
    assert wish.step == "what" and "telefoonnummers" in wish.error
    assert ops(app.store, "wish") == []
    kiosk.tap(keyboard.key_for("clear"))
    step(kiosk, wish.ids.next_button)  # neither a theme nor words
    assert wish.step == "what" and wish.error and ops(app.store, "wish") == []


@pytest.mark.usefixtures("english")
def test_the_refusals_say_why():
    assert "phone numbers" in wish_problem(None, "mail anna@voorbeeld.nl")
    assert "phone numbers" in wish_problem("eten", "06-12345678")
    assert "theme" in wish_problem(None, "  ")
    assert "too long" in wish_problem(None, "x" * 121)
    assert wish_problem("eten", "") == "" and wish_problem(None, "samen breien") == ""


def test_after_the_wish_contact_details_go_in_a_request_that_names_it(kiosk, hub_key):
    app = kiosk.app
    search = search_for(kiosk, "xylofoon")
    kiosk.tap(search.ids.join_button)
    wish = screen(app, nav.WISH)
    step(kiosk, wish.ids.next_button)
    assert wish.step == "sent" and wish.can_contact
    step(kiosk, wish.ids.contact_button)
    assert app.current_screen == nav.CONTACT
    contact = screen(app, nav.CONTACT)
    assert contact.step == "how"  # no groups to choose: the wish is what it is about
    type_on(kiosk, contact.ids.keyboard, "anna@voorbeeld")
    kiosk.tap(contact.ids.keyboard.key_for(".nl"))
    step(kiosk, contact.ids.next_button)
    assert contact.step == "consent"
    assert "over je wens" in contact.summary and "anna@" not in contact.summary  # masked
    assert "receptie" in contact.consent and "3 maanden" in contact.consent
    step(kiosk, contact.ids.next_button)
    assert contact.step == "receipt"
    (wished,) = ops(app.store, "wish")
    (request,) = ops(app.store, "contact_request")
    fields = request["fields"]
    assert fields["wish"] == wished["record_id"] and fields["communities"] == []
    assert fields["consent_version"] == WISH_CONSENT_VERSION and fields["language"] == "nl"
    assert unseal(b64decode(fields["sealed_payload"]), hub_key).value == "anna@voorbeeld.nl"
    assert validate_fields("contact_request", fields) == fields


def test_back_from_the_contact_form_is_back_to_the_sent_wish_not_a_second_one(kiosk):
    app = kiosk.app
    search = search_for(kiosk, "xylofoon")
    kiosk.tap(search.ids.join_button)
    wish = screen(app, nav.WISH)
    step(kiosk, wish.ids.next_button)
    step(kiosk, wish.ids.contact_button)
    contact = screen(app, nav.CONTACT)
    step(kiosk, contact.ids.previous_button)
    assert app.current_screen == nav.WISH and wish.step == "sent"
    assert len(ops(app.store, "wish")) == 1


def test_talents_that_find_too_little_offer_a_wish_with_the_theme(kiosk):
    app = kiosk.app
    start(kiosk)
    kiosk.tap(screen(app, nav.HOME).ids.talents_tile)
    talents = screen(app, nav.TALENTS)
    # The demo has one group about shelter, and one that welcomes electronics.
    kiosk.tap(tile(talents, "onderdak"))
    step(kiosk, talents.ids.next_button)
    kiosk.tap(tile(talents, "elektronica"))
    step(kiosk, talents.ids.next_button)
    step(kiosk, talents.ids.next_button)
    matches = screen(app, nav.MATCHES)
    assert app.current_screen == nav.MATCHES and 0 < matches.count < TOO_LITTLE
    assert matches.too_little
    kiosk.tap(matches.ids.join_button)
    wish = screen(app, nav.WISH)
    assert wish.has_themes and wish.form.theme == "onderdak"  # the one theme, to confirm
    kiosk.tap(tile(wish, "onderdak"))  # untaken: now neither a theme nor words
    step(kiosk, wish.ids.next_button)
    assert wish.step == "what" and wish.error and ops(app.store, "wish") == []
    kiosk.tap(tile(wish, "onderdak"))
    step(kiosk, wish.ids.next_button)
    assert wish.step == "sent"
    (op,) = ops(app.store, "wish")
    fields = op["fields"]
    assert fields["theme"] == "onderdak" and fields["words"] is None
    assert fields["source"] == "talents" and fields["gifts"] == ["elektronica"]
    assert find(wish, ChoiceTile) == []  # the 'thank you' has no tiles left


def test_enough_found_offers_no_wish_and_one_or_two_found_do(kiosk):
    search = search_for(kiosk, "buurt")
    assert len(search.ids.results_view.data) >= TOO_LITTLE and not search.too_little
    assert search.ids.join_button.parent.disabled  # out of the way: no height, no touches
    kiosk.tap(search.ids.keyboard.key_for("clear"))
    type_on(kiosk, search.ids.keyboard, "moestuin")  # one group: too little
    assert len(search.ids.results_view.data) == 1 and search.too_little
    kiosk.tap(search.ids.join_button)
    assert kiosk.app.current_screen == nav.WISH


def test_a_wish_in_receptionist_mode_is_marked_assisted(make_kiosk, demo_store):
    from test_gui_reception import PIN, enter_mode

    from sync.hub import keys

    demo_store.set_state("receptionist_pin_hash", keys.hash_password(PIN))
    kiosk = make_kiosk()
    app = kiosk.app
    enter_mode(kiosk)
    app.open(nav.SEARCH)
    type_on(kiosk, screen(app, nav.SEARCH).ids.keyboard, "xylofoon")
    kiosk.tap(screen(app, nav.SEARCH).ids.join_button)
    step(kiosk, screen(app, nav.WISH).ids.next_button)
    (op,) = ops(app.store, "wish")
    assert op["fields"]["assisted"] is True
