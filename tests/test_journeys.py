"""The visitor journeys of issue 3, each driven end to end with simulated fingers: the
on-screen keyboard, the screens, and what ends up in the store (and what never does)."""

import time
from base64 import b64decode
from datetime import date, timedelta

from gui_helpers import find, screen, start, step, tap_keys, type_on

from kiosk import navigation as nav
from kiosk.contact import unseal
from kiosk.outbox import pending
from kiosk.visitor_records import token_hash
from screens.widgets.common import ChoiceTile, Tile


def entities(store):
    return sorted(op["entity"] for op in pending(store))


def db_bytes(config):
    """kiosk.db and its WAL, as bytes: where a plain contact detail must never be."""
    return b"".join(p.read_bytes() for p in config.data_dir.glob("kiosk.db*") if p.is_file())


def test_search_as_you_type_then_nothing_found_offers_themes(kiosk):
    app = kiosk.app
    start(kiosk)
    kiosk.tap(screen(app, nav.HOME).ids.search_tile)
    search = screen(app, nav.SEARCH)
    keyboard = search.ids.keyboard
    tap_keys(kiosk, keyboard, "moes")  # key by key, as a visitor types (elsewhere: type_on)
    assert search.query == "moes"
    names = [row["name"] for row in search.ids.results_view.data]
    assert "Buurtmoestuin De Hoven" in names
    kiosk.tap(keyboard.key_for("clear"))
    type_on(kiosk, keyboard, "caf")
    kiosk.tap(keyboard.key_for("é"))
    assert any("Café" in row["name"] for row in search.ids.results_view.data)
    kiosk.tap(keyboard.key_for("clear"))
    type_on(kiosk, keyboard, "xylofoon")
    assert search.nothing_found and search.ids.results_view.data == []
    suggestions = find(search.ids.suggestions_grid, Tile)
    assert len(suggestions) == len(app.store.themes()) + len(app.store.neighbourhoods())
    kiosk.tap(next(t for t in suggestions if t.value == "theme:natuur"))
    assert app.current_screen == nav.LISTING
    assert screen(app, nav.LISTING).theme == "natuur"


def test_talents_to_matches_stores_one_anonymous_interest(kiosk):
    app = kiosk.app
    start(kiosk)
    kiosk.tap(screen(app, nav.HOME).ids.talents_tile)
    talents = screen(app, nav.TALENTS)
    kiosk.tap(next(t for t in find(talents, ChoiceTile) if t.value == "eten"))
    step(kiosk, talents.ids.next_button)
    assert talents.step == "gifts"
    kiosk.tap(next(t for t in find(talents, ChoiceTile) if t.value == "koken"))
    kiosk.tap(next(t for t in find(talents, ChoiceTile) if t.value == "luisteren"))
    step(kiosk, talents.ids.next_button)
    esveld = next(t for t in find(talents, ChoiceTile) if t.value == "esveld")
    kiosk.tap(esveld)
    kiosk.tap(next(t for t in find(talents, ChoiceTile) if t.value == "centrum"))
    assert not esveld.active  # one neighbourhood at a time
    step(kiosk, talents.ids.next_button)

    assert app.current_screen == nav.MATCHES
    rows = screen(app, nav.MATCHES).ids.matches_view.data
    assert rows and all(row["pitch"].startswith("Ze ") for row in rows)
    (op,) = pending(app.store)
    assert op["entity"] == "interest"
    fields = op["fields"]
    assert fields["themes"] == ["eten"] and fields["gifts"] == ["koken", "luisteren"]
    assert fields["neighbourhood"] == "centrum" and fields["language"] == "nl"
    assert set(fields) == {
        "id",
        "themes",
        "gifts",
        "neighbourhood",
        "language",
        "kiosk",
        "created_at",
    }


def test_contact_by_phone_is_checked_masked_and_sealed(kiosk, hub_key, demo_config):
    app = kiosk.app
    start(kiosk)
    community = next(c for c in app.store.communities(app.store.community_ids()))
    app.open_community(community.id)
    kiosk.pump()
    page = screen(app, nav.COMMUNITY)
    kiosk.tap(page.ids.keep_button)
    assert app.session.kept == [community.id] and app.kept_count == 1
    kiosk.tap(page.ids.meet_button)
    contact = screen(app, nav.CONTACT)
    assert contact.step == "who"
    step(kiosk, contact.ids.next_button)
    assert contact.step == "how"
    kiosk.tap(next(t for t in find(contact, ChoiceTile) if t.value == "phone"))
    keyboard = contact.ids.keyboard
    assert keyboard.layout == "phone"
    type_on(kiosk, keyboard, "0612")
    step(kiosk, contact.ids.next_button)
    assert contact.step == "how" and "06" in contact.error
    assert entities(app.store) == []
    kiosk.tap(keyboard.key_for("clear"))
    type_on(kiosk, keyboard, "0612345678")
    step(kiosk, contact.ids.next_button)

    assert contact.step == "consent"
    assert keyboard.text == "" and app.session.contact.masked == "+31•••••••78"
    assert "+31•••••••78" in contact.summary and community.name in contact.summary
    kiosk.tap(next(t for t in find(contact, ChoiceTile) if t.value == "365"))
    assert "Na 1 jaar" in contact.consent
    step(kiosk, contact.ids.next_button)

    assert contact.step == "receipt"
    token = app.session.contact.receipt_token
    # The receipt opens in the language the visitor used at the kiosk.
    assert contact.ids.receipt_qr.matrix.data == f"https://ontmoet.test/w/{token}?lang=nl"
    (op,) = pending(app.store)
    fields = op["fields"]
    assert op["entity"] == "contact_request" and op["record_id"] == app.session.contact.record_id
    assert fields["communities"] == [community.id] and fields["channel"] == "phone"
    assert fields["expires_on"] == (date.today() + timedelta(days=365)).isoformat()
    assert unseal(b64decode(fields["sealed_payload"]), hub_key).value == "+31612345678"
    stored = db_bytes(demo_config)
    for plain in (b"0612345678", b"+31612345678", b"612345678"):
        assert plain not in stored


def test_contact_by_email_leaves_no_address_in_the_database(kiosk, hub_key, demo_config):
    app = kiosk.app
    start(kiosk)
    app.meet(app.store.community_ids()[:2])
    contact = screen(app, nav.CONTACT)
    step(kiosk, contact.ids.next_button)
    keyboard = contact.ids.keyboard
    assert keyboard.layout == "email"
    type_on(kiosk, keyboard, "anna@voorbeeld")
    kiosk.tap(keyboard.key_for(".nl"))
    step(kiosk, contact.ids.next_button)
    step(kiosk, contact.ids.next_button)
    assert contact.step == "receipt"
    (op,) = pending(app.store)
    assert unseal(b64decode(op["fields"]["sealed_payload"]), hub_key).value == "anna@voorbeeld.nl"
    app.store.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    stored = db_bytes(demo_config)
    assert b"anna@voorbeeld" not in stored and b"voorbeeld.nl" not in stored
    assert "anna".encode("utf-16-le") not in stored


def test_without_a_hub_key_there_is_no_contact_form(make_kiosk):
    kiosk = make_kiosk(hub_public_key="")
    app = kiosk.app
    start(kiosk)
    app.open_community(app.store.community_ids()[0])
    assert not screen(app, nav.COMMUNITY).can_meet


def test_ask_the_reception_once_per_visitor_when_a_hub_is_there(make_kiosk):
    kiosk = make_kiosk(hub_url="http://127.0.0.1:9")
    app = kiosk.app
    start(kiosk)
    button = find_bottom_button(app, nav.HOME, "reception_button")
    kiosk.tap(button)
    assert app.notice.parent is not None
    assert "receptie gevraagd" in app.notice.message
    kiosk.tap(app.notice.ids.close_button)
    assert app.notice.parent is None
    kiosk.tap(button)
    assert entities(app.store) == ["help_request"]


def test_ask_the_reception_without_a_hub_sends_the_visitor_to_the_desk(kiosk):
    app = kiosk.app
    start(kiosk)
    kiosk.tap(find_bottom_button(app, nav.HOME, "reception_button"))
    assert "balie" in app.notice.message
    assert entities(app.store) == []


def find_bottom_button(app, screen_name, button_id):
    from screens.widgets.common import BottomBar

    (bar,) = find(screen(app, screen_name), BottomBar)
    return bar.ids[button_id]


def test_take_home_list_printed_then_everything_erased(make_kiosk, tmp_path):
    slip = tmp_path / "printer.bin"
    kiosk = make_kiosk(receipt_printer=f"file:{slip}")
    app = kiosk.app
    start(kiosk)
    kept = app.store.communities(app.store.community_ids()[:2])
    for community in kept:
        app.open_community(community.id)
        kiosk.pump()
        kiosk.tap(screen(app, nav.COMMUNITY).ids.keep_button)
    kiosk.tap(find_bottom_button(app, nav.COMMUNITY, "done_button"))
    assert app.current_screen == nav.DONE
    done = screen(app, nav.DONE)
    (op,) = pending(app.store)
    assert op["entity"] == "take_home_list"
    assert op["fields"]["communities"] == [c.id for c in kept]
    token = app.session.take_home[1]
    assert len(token) >= 22 and done.ids.list_qr.matrix.data.endswith(f"/m/{token}")
    assert op["fields"]["token_hash"] == token_hash(token)
    assert token.encode() not in db_bytes(app.kiosk_config)  # only the QR code carries it
    assert [row["community_id"] for row in done.ids.kept_view.data] == [c.id for c in kept]

    kiosk.tap(done.ids.print_button)
    deadline = time.monotonic() + 20  # a bound against a hang, not a timing assertion
    while "printer" not in done.print_status and time.monotonic() < deadline:
        kiosk.pump(1)
    assert done.print_status == "Pak je bonnetje uit de printer."
    printed = slip.read_bytes()
    assert b"\x1dv0" in printed  # raster images: the QR codes
    assert kept[0].name.encode("ascii", "ignore")[:6] in printed

    kiosk.tap(done.ids.erase_button)
    assert app.current_screen == nav.ATTRACT and app.session is None
    assert "gewist" in app.farewell


def test_im_done_with_nothing_kept_says_goodbye_at_once(kiosk):
    app = kiosk.app
    start(kiosk)
    kiosk.tap(find_bottom_button(app, nav.HOME, "done_button"))
    assert app.current_screen == nav.ATTRACT and app.session is None
    assert app.farewell
    kiosk.tap(screen(app, nav.ATTRACT))
    assert app.farewell == ""
    assert entities(app.store) == []


def test_whats_on_with_a_calendar_code_per_activity(kiosk):
    from screens.whats_on import EventRow

    app = kiosk.app
    start(kiosk)
    kiosk.tap(screen(app, nav.HOME).ids.whats_on_tile)
    whats_on = screen(app, nav.WHATS_ON)
    rows = sorted(find(whats_on, EventRow), key=lambda r: -r.y)
    assert len(rows) >= 5
    kiosk.tap(rows[1])
    assert rows[1].selected and not rows[0].selected
    assert whats_on.ids.calendar_qr.matrix.data == (
        f"https://ontmoet.test/e/{rows[1].event_id}.ics"
    )


def test_idle_wipe_forgets_a_half_filled_form(kiosk, clock, demo_config):
    app = kiosk.app
    start(kiosk)
    app.meet(app.store.community_ids()[:1])
    contact = screen(app, nav.CONTACT)
    step(kiosk, contact.ids.next_button)
    type_on(kiosk, contact.ids.keyboard, "anna@voor")
    app.open_community(app.store.community_ids()[0])  # visited pages leave traces too
    app.open(nav.WHATS_ON)
    app.show_list(theme="natuur")
    clock.advance(app.kiosk_config.idle_timeout + 1)
    app.check_idle()
    kiosk.pump()
    assert app.session is None and app.current_screen == nav.ATTRACT
    assert contact.ids.keyboard.text == ""
    assert screen(app, nav.COMMUNITY).community_name == ""
    assert screen(app, nav.WHATS_ON).chosen_title == ""
    assert screen(app, nav.LISTING).ids.cards_view.data == []
    assert screen(app, nav.SEARCH).query == ""
    assert entities(app.store) == []
    start(kiosk)  # the next visitor finds nothing of the last one
    app.open(nav.SEARCH)
    assert screen(app, nav.SEARCH).ids.keyboard.text == ""
    app.meet(app.store.community_ids()[:1])
    assert screen(app, nav.CONTACT).ids.keyboard.text == ""
    assert b"anna@voor" not in db_bytes(demo_config)


def test_a_double_tap_on_yes_keeps_the_receipt_on_screen(kiosk):
    app = kiosk.app
    start(kiosk)
    app.meet(app.store.community_ids()[:1])
    contact = screen(app, nav.CONTACT)
    step(kiosk, contact.ids.next_button)
    type_on(kiosk, contact.ids.keyboard, "anna@voorbeeld")
    kiosk.tap(contact.ids.keyboard.key_for(".nl"))
    step(kiosk, contact.ids.next_button)
    step(kiosk, contact.ids.next_button)  # 'Yes, they may contact me'
    kiosk.tap(contact.ids.next_button)  # the second tap of a double tap
    assert contact.step == "receipt" and app.current_screen == nav.CONTACT


def test_showing_the_same_choices_again_stores_nothing_twice(kiosk):
    app = kiosk.app
    start(kiosk)
    app.open(nav.TALENTS)
    app.session.liked_themes.add("muziek")
    app.show_matches()
    app.back()
    app.show_matches()
    assert entities(app.store) == ["interest"]
    app.session.gifts.add("luisteren")
    app.show_matches()
    assert entities(app.store) == ["interest", "interest"]
