"""The reception desk in a real browser (Playwright with Debian's chromium, headless) against a
real hub process, with records that a real kiosk pushed and e-mail to a real SMTP server."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import pytest
import requests
from desk_helpers import account, log_in
from hub_helpers import HubProcess, enrolled_kiosk, store_of
from playwright.sync_api import Page, expect

from kiosk.contact import check_contact, load_public_key, seal
from kiosk.visitor_records import (
    new_record_id,
    new_token,
    record_contact_request,
    record_help_request,
)
from sync.client import SyncClient
from sync.hub import jobs

PAGES = ("/desk/", "/desk/queue", "/desk/contacts", "/desk/contacts/x", "/desk/kiosks",
         "/desk/accounts", "/desk/audit")  # fmt: skip


def test_every_desk_page_without_login_goes_to_login(desk):
    for path in PAGES:
        reply = requests.get(desk.url + path, allow_redirects=False, timeout=10)
        assert reply.status_code == 303 and reply.headers["location"] == "/desk/login", path


def test_the_live_queue(desk, tmp_path, page: Page):
    password = account(desk, "sanne", "receptionist")
    log_in(page, desk, "sanne", password)
    expect(page).to_have_url(f"{desk.url}/desk/queue")
    expect(page.get_by_text("Niemand wacht op dit moment.")).to_be_visible()
    # A visitor at kiosk-hal asks for the reception; the kiosk syncs.
    kiosk = enrolled_kiosk(desk, tmp_path / "k", "kiosk-hal")
    record_help_request(kiosk, new_record_id(), "nl", "kiosk-hal")
    SyncClient(kiosk).sync_once()
    row = page.get_by_role("row", name=re.compile("kiosk-hal"))
    expect(row).to_be_visible(timeout=15_000)  # the page refreshes itself
    row.get_by_role("button", name="Ik ga").click()
    expect(page.get_by_role("row", name=re.compile("onderweg \\(sanne\\)"))).to_be_visible()
    page.get_by_role("row", name=re.compile("kiosk-hal")).get_by_role(
        "button", name="Afgerond"
    ).click()
    expect(page.get_by_text("Niemand wacht op dit moment.")).to_be_visible()
    page.goto(f"{desk.url}/desk/queue?lang=en")
    expect(page.get_by_text("Nobody is waiting right now.")).to_be_visible()


def test_a_contact_request_from_a_kiosk_to_delivered_email(desk, tmp_path, smtp_sink, page):
    password = account(desk, "sanne", "receptionist")
    kiosk = enrolled_kiosk(desk, tmp_path / "k", "kiosk-hal")
    SyncClient(kiosk).sync_once()
    group = kiosk.conn.execute("SELECT id, name FROM communities LIMIT 1").fetchone()
    sealed = seal(check_contact("phone", "06-12345678"),
                  load_public_key(kiosk.get_state("hub_public_key")))  # fmt: skip
    record_contact_request(kiosk, new_record_id(), [group[0]], "phone", sealed, 90, new_token())
    SyncClient(kiosk).sync_once()

    log_in(page, desk, "sanne", password)
    page.get_by_role("link", name="Contactverzoeken").click()
    row = page.get_by_role("row", name=re.compile(re.escape(group[1])))
    expect(row.get_by_role("cell", name="nieuw")).to_be_visible()
    row.get_by_role("link", name="Openen").click()
    expect(page.get_by_text("+31612345678")).to_be_visible()  # opened here, for her only
    page.get_by_role("button", name="Per e-mail naar de groep sturen").click()
    expect(page.get_by_role("alert")).to_contain_text("Nog geen e-mailadres bekend")
    assert smtp_sink.received == []
    page.get_by_label("E-mailadres van de groep").fill("groep@voorbeeld.nl")
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_role("button", name="Per e-mail naar de groep sturen").click()
    expect(page).to_have_url(f"{desk.url}/desk/contacts")
    expect(page.get_by_role("cell", name="per e-mail bezorgd (sanne)")).to_be_visible()
    (message,) = smtp_sink.received
    assert message["To"] == "groep@voorbeeld.nl"
    assert "+31612345678" in message.get_payload() and "+316" not in message["Subject"]
    # The audit log says who did what, without the detail.
    conn = store_of(desk.data_dir)
    log = " ".join(" ".join(r) for r in conn.execute("SELECT actor, action, target FROM audit_log"))
    assert "sanne" in log and "delivered by email" in log and "+316" not in log


def test_roles_see_only_their_pages(desk, page: Page):
    editor = account(desk, "rob", "community_editor", community=sorted(desk.communities())[0])
    receptionist = account(desk, "sanne", "receptionist")
    log_in(page, desk, "rob", editor)
    expect(page.get_by_text("Dit is jullie groep op de kiosk.")).to_be_visible()
    others = sorted(desk.communities())[1]
    for path in ("/desk/contacts", "/desk/queue", "/desk/accounts", "/desk/communities",
                 f"/desk/communities/{others}", "/desk/review", "/desk/figures"):  # fmt: skip
        response = page.goto(desk.url + path)
        assert response.status == 403, path
    page.context.clear_cookies()
    log_in(page, desk, "sanne", receptionist)
    for path in ("/desk/accounts", "/desk/kiosks", "/desk/audit"):
        assert page.goto(desk.url + path).status == 403, path
    # And a receptionist's session cannot create accounts or change roles by posting either.
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    reply = page.request.post(f"{desk.url}/desk/accounts",
                              form={"username": "me2", "role": "admin", "csrf": csrf})  # fmt: skip
    assert reply.status == 403
    conn = store_of(desk.data_dir)
    assert conn.execute("SELECT count(*) FROM accounts WHERE username = 'me2'").fetchone() == (0,)


def test_a_form_without_the_sessions_csrf_token_is_refused(desk, tmp_path, page: Page):
    password = account(desk, "sanne", "receptionist")
    kiosk = enrolled_kiosk(desk, tmp_path / "k", "kiosk-hal")
    record_id = new_record_id()
    record_help_request(kiosk, record_id, "nl", "kiosk-hal")
    SyncClient(kiosk).sync_once()
    log_in(page, desk, "sanne", password)
    for csrf in ("", "forged"):
        reply = page.request.post(f"{desk.url}/desk/queue/{record_id}",
                                  form={"action": "closed", "csrf": csrf})  # fmt: skip
        assert reply.status == 403 and "verlopen" in reply.text()
    expect(page.get_by_role("row", name=re.compile("kiosk-hal"))).to_be_visible()
    # Login itself needs the value from the login page's own cookie.
    bare = requests.post(f"{desk.url}/desk/login", data={"username": "sanne",
                         "password": password, "pre": "x"}, timeout=10)  # fmt: skip
    assert bare.status_code == 403


def test_a_session_ends_after_an_hour_idle(desk, page: Page):
    password = account(desk, "sanne", "receptionist")
    log_in(page, desk, "sanne", password)
    expect(page).to_have_url(f"{desk.url}/desk/queue")
    # Off the desk first: its live script reloads an open page itself when the session ends,
    # and that reload would race the navigation below (ERR_ABORTED).
    page.goto("about:blank")
    conn = store_of(desk.data_dir)
    past = (date.today() - timedelta(days=1)).isoformat() + "T00:00:00+00:00"
    with conn:
        conn.execute("UPDATE desk_sessions SET last_used = ?", [past])
    page.goto(f"{desk.url}/desk/queue")
    expect(page).to_have_url(f"{desk.url}/desk/login")


def test_five_wrong_passwords_lock_the_account_for_that_address(desk, page: Page):
    password = account(desk, "sanne", "receptionist")
    for _ in range(5):
        log_in(page, desk, "sanne", "not-her-password")
        expect(page.get_by_role("alert")).to_have_text("Naam of wachtwoord klopt niet.")
    log_in(page, desk, "sanne", password)  # even the right one, for now
    expect(page.get_by_role("alert")).to_contain_text("Wacht een kwartier")


def test_expired_requests_are_erased_with_nobody_logged_in(tmp_path):
    """The purge runs inside the hub on a schedule: here the run due when it starts."""
    hub = HubProcess(tmp_path / "hub").start()
    kiosk = enrolled_kiosk(hub, tmp_path / "k", "kiosk-hal")
    SyncClient(kiosk).sync_once()
    key = load_public_key(kiosk.get_state("hub_public_key"))
    group = kiosk.conn.execute("SELECT id FROM communities LIMIT 1").fetchone()[0]
    old, current = new_record_id(), new_record_id()
    sealed = seal(check_contact("email", "oud@voorbeeld.nl"), key)
    # Chosen for one month, 40 days ago: its period has ended.
    record_contact_request(kiosk, old, [group], "email", sealed, 30, new_token(),
                           today=date.today() - timedelta(days=40))  # fmt: skip
    record_contact_request(kiosk, current, [group], "email", sealed, 30, new_token())
    SyncClient(kiosk).sync_once()
    hub.stop()
    # The purge ran at the first start and claimed the next ten minutes (sync.hub.jobs):
    # they pass.
    conn = hub.db()
    with conn:
        conn.execute("UPDATE job_runs SET due_at = ? WHERE name = 'purge'", [jobs.NEVER_RUN])
    conn.close()
    hub.start()  # nobody logs in
    deadline = time.monotonic() + 20
    while len(hub.records("contact_request")) > 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    hub.stop()
    assert [i for _e, i in hub.records("contact_request")] == [current]
    conn = store_of(hub.data_dir)
    assert conn.execute("SELECT id FROM erased_records").fetchall() == [(old,)]


def test_the_purge_follows_the_calendar(tmp_path):
    """Time travel, not sleeping: the same request, the day before and the day after."""
    import time_machine

    from sync.hub import desk_store
    from sync.hub import store as hub_store

    conn = hub_store.connect(tmp_path / "hub.db")
    hub_store.create_schema(conn)
    with hub_store.write(conn):
        conn.execute(
            "INSERT INTO visitor_records (entity, id, kiosk, fields, received_at)"
            " VALUES ('contact_request', 'r1', 'k', ?, '2026-11-01')",
            ['{"expires_on": "2027-02-28", "communities": []}'],
        )
    with time_machine.travel("2027-02-28 23:00"):
        assert desk_store.purge_expired(conn) == 0
    with time_machine.travel("2027-03-01 00:05"):
        assert desk_store.purge_expired(conn) == 1
    assert conn.execute("SELECT count(*) FROM visitor_records").fetchone() == (0,)


def test_introductions_with_a_follow_up(desk, tmp_path, page: Page):
    password = account(desk, "sanne", "receptionist")
    kiosk = enrolled_kiosk(desk, tmp_path / "k", "kiosk-hal")
    SyncClient(kiosk).sync_once()
    (a, a_name), (b, b_name) = kiosk.conn.execute(
        "SELECT id, name FROM communities ORDER BY name LIMIT 2"
    ).fetchall()
    sealed = seal(check_contact("email", "anna@voorbeeld.nl"),
                  load_public_key(kiosk.get_state("hub_public_key")))  # fmt: skip
    visitor = new_record_id()
    record_contact_request(kiosk, visitor, [a], "email", sealed, 90, new_token())
    SyncClient(kiosk).sync_once()
    log_in(page, desk, "sanne", password)
    page.get_by_role("link", name="Kennismakingen").click()
    # Two communities that should know each other.
    page.get_by_label("Soort").select_option("community_community")
    page.get_by_label("Wie", exact=True).select_option(a)
    page.get_by_label("Met wie").select_option(b)
    page.get_by_label("Korte notitie").fill("Allebei zoeken ze een ruimte op zaterdag.")
    page.get_by_label("Navragen over (weken)").select_option("2")
    page.get_by_role("button", name="Kennismaking vastleggen").click()
    row = page.get_by_role("row", name=re.compile("zaterdag"))
    expect(row).to_contain_text(a_name)
    expect(row).to_contain_text(b_name)
    expect(row).to_contain_text((date.today() + timedelta(weeks=2)).isoformat())
    # A visitor and a community: the visitor by their request, never by name, and only with
    # a group the visitor chose.
    page.get_by_label("Soort").select_option("visitor_community")
    page.get_by_label("Wie", exact=True).select_option(visitor)
    page.get_by_label("Met wie").select_option(b)
    page.get_by_role("button", name="Kennismaking vastleggen").click()
    expect(page.get_by_role("alert")).to_contain_text("koos die groep niet")
    page.get_by_label("Soort").select_option("visitor_community")
    page.get_by_label("Wie", exact=True).select_option(visitor)
    page.get_by_label("Met wie").select_option(a)
    page.get_by_role("button", name="Kennismaking vastleggen").click()
    expect(page.get_by_role("row", name=re.compile("Bezoeker \\(kiosk-hal"))).to_be_visible()
    assert "anna" not in page.content()
    # Two visitors: not from the desk; at a kiosk, where both say yes there and then.
    page.get_by_label("Soort").select_option("visitor_visitor")
    page.get_by_role("button", name="Kennismaking vastleggen").click()
    expect(page.get_by_role("alert")).to_contain_text("in de receptiemodus")
    # The follow-up.
    row = page.get_by_role("row", name=re.compile("zaterdag"))
    row.get_by_label("Uitkomst").select_option("led_to_something")
    row.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("row", name=re.compile("zaterdag"))).to_contain_text("leidde tot iets")


def test_introductions_made_on_the_spot_at_a_kiosk_reach_the_desk(desk, tmp_path, page: Page):
    from kiosk.visitor_records import record_interest, record_introduction

    password = account(desk, "sanne", "receptionist")
    kiosk = enrolled_kiosk(desk, tmp_path / "k", "kiosk-hal")
    SyncClient(kiosk).sync_once()
    group, name = kiosk.conn.execute("SELECT id, name FROM communities LIMIT 1").fetchone()
    made = new_record_id()
    record_introduction(kiosk, made, "visitor_community", [group], "Komt dinsdag kijken", 4,
                        "kiosk-hal")  # fmt: skip
    record_introduction(kiosk, new_record_id(), "visitor_visitor", [], "Twee tuinders", 2,
                        "kiosk-hal", both_agreed=True)  # fmt: skip
    for _ in range(5):  # registered by reception on visitors' behalf
        record_interest(kiosk, new_record_id(), ["natuur"], [], None, "nl", "kiosk-hal",
                        assisted=True)  # fmt: skip
    SyncClient(kiosk).sync_once()
    kiosk.set_state("resend_from", "1")  # sent again from the archive: still made once
    SyncClient(kiosk).sync_once()
    log_in(page, desk, "sanne", password)
    page.get_by_role("link", name="Kennismakingen").click()
    row = page.get_by_role("row", name=re.compile("dinsdag"))
    expect(row).to_contain_text("Bezoeker (bij kiosk kiosk-hal)")
    expect(row).to_contain_text(name)
    expect(row).to_contain_text((date.today() + timedelta(weeks=4)).isoformat())
    expect(page.get_by_role("row", name=re.compile("Twee tuinders"))).to_contain_text(
        "bezoeker – bezoeker"
    )
    assert page.get_by_role("row", name=re.compile("dinsdag")).count() == 1
    page.get_by_role("link", name="Cijfers").click()
    expect(page.get_by_role("row", name=re.compile("^Interesses 5"))).to_be_visible()
    with desk.db() as conn:
        actions = conn.execute(
            "SELECT actor, action FROM audit_log WHERE action LIKE '%receptionist mode'"
        ).fetchall()
    assert sorted(actions) == [
        ("kiosk kiosk-hal", "introduction made (visitor-community) in receptionist mode"),
        ("kiosk kiosk-hal", "introduction made (visitor-visitor) in receptionist mode"),
    ]


def test_figures_hide_every_count_below_five(desk, tmp_path, page: Page):
    from kiosk.visitor_records import record_interest

    password = account(desk, "sanne", "receptionist")
    kiosk = enrolled_kiosk(desk, tmp_path / "k", "kiosk-hal")
    for _ in range(7):
        record_interest(kiosk, new_record_id(), ["natuur"], [], "de-hoven", "nl", "kiosk-hal")
    for _ in range(3):
        record_interest(kiosk, new_record_id(), ["muziek"], [], None, "nl", "kiosk-hal")
    SyncClient(kiosk).sync_once()
    log_in(page, desk, "sanne", password)
    page.goto(f"{desk.url}/desk/figures?lang=en")
    nature = page.get_by_role("row", name=re.compile("Gardening and nature"))
    expect(nature.get_by_role("cell")).to_have_text("7")
    music = page.get_by_role("row", name=re.compile("Music and culture"))
    expect(music.get_by_role("cell")).to_have_text("fewer than 5")
    expect(page.get_by_role("row", name=re.compile("no preference"))).to_contain_text(
        "fewer than 5"
    )


def test_a_community_edits_its_own_record_with_approval(desk, tmp_path, page: Page, browser):
    password = account(desk, "sanne", "receptionist")
    kiosk = enrolled_kiosk(desk, tmp_path / "k", "kiosk-hal")
    SyncClient(kiosk).sync_once()
    cid, name = kiosk.conn.execute(
        "SELECT id, name FROM communities WHERE provenance = '{}' ORDER BY name LIMIT 1"
    ).fetchone()
    log_in(page, desk, "sanne", password)
    page.get_by_role("link", name="Groepen").click()
    page.get_by_role("row", name=re.compile(re.escape(name))).get_by_role(
        "button", name="Link voor de groep"
    ).click()
    link = page.locator("#edit-link").inner_text()
    assert re.fullmatch(rf"{re.escape(desk.url)}/edit/[\w-]+", link)
    expect(page.get_by_role("img", name="QR")).to_be_visible()

    # The community, on its own phone, without an account.
    community = browser.new_page(locale="nl-NL")  # a phone set to Dutch
    community.goto(link)
    community.get_by_role("group", name="In één zin").get_by_label("Nederlands").fill(
        "Elke week samen wandelen, nu ook op zondag."
    )
    community.get_by_role("button", name="Opsturen").click()
    expect(community.get_by_role("status")).to_have_text("Dank je! De receptie kijkt ernaar.")
    SyncClient(kiosk).sync_once()
    assert "zondag" not in kiosk.community(cid).pitch["nl"]  # not before the review

    page.get_by_role("link", name="Nakijken").click()
    section = page.get_by_role("region", name=name)
    expect(section).to_contain_text("nu ook op zondag")
    section.get_by_role("button", name="Goedkeuren").click()
    expect(page.get_by_text("Er is niets na te kijken.")).to_be_visible()
    SyncClient(kiosk).sync_once()
    approved = kiosk.community(cid)
    assert approved.pitch["nl"] == "Elke week samen wandelen, nu ook op zondag."
    assert approved.written_by("pitch") == "community"
    assert approved.last_confirmed == date.today()

    # The reception changes what the community wrote: it waits for the community.
    page.goto(f"{desk.url}/desk/communities/{cid}")
    pitch = page.get_by_role("group", name="In één zin · geschreven door de groep")
    pitch.get_by_label("Nederlands").fill("Wandelen op zondag.")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("In één zin: wacht op de groep")
    SyncClient(kiosk).sync_once()
    assert kiosk.community(cid).pitch["nl"] == "Elke week samen wandelen, nu ook op zondag."
    community.goto(link)
    expect(community.get_by_text("Wandelen op zondag.")).to_be_visible()
    community.get_by_role("button", name="Ja, goed").click()
    SyncClient(kiosk).sync_once()
    assert kiosk.community(cid).pitch["nl"] == "Wandelen op zondag."
    assert kiosk.community(cid).written_by("pitch") == "reception"
    # A field the reception wrote itself changes at once.
    page.goto(f"{desk.url}/desk/communities/{cid}")
    pitch = page.get_by_role("group", name="In één zin · geschreven door de receptie")
    pitch.get_by_label("Nederlands").fill("Wandelen, ook op zondag.")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("In één zin: direct aangepast")
    SyncClient(kiosk).sync_once()
    assert kiosk.community(cid).pitch["nl"] == "Wandelen, ook op zondag."
    # An unknown or expired link shows a plain message.
    community.goto(f"{desk.url}/edit/not-a-real-link")
    expect(community.get_by_text("Deze link werkt niet (meer).")).to_be_visible()


def test_a_community_editor_edits_only_their_own_group(desk, tmp_path, page: Page):
    own, other = sorted(desk.communities())[:2]
    password = account(desk, "rob", "community_editor", community=own)
    log_in(page, desk, "rob", password)
    conn = store_of(desk.data_dir)
    (name,) = conn.execute(
        "SELECT json_extract(data, '$.name') FROM shared_records WHERE id = ?", [own]
    ).fetchone()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    page.get_by_role("group", name="In één zin").get_by_label("Nederlands").fill(
        "Nieuw: ook op woensdagavond."
    )
    page.get_by_role("button", name="Opsturen").click()
    expect(page.get_by_role("status")).to_contain_text("De receptie kijkt ernaar")
    (changes, community) = conn.execute(
        "SELECT changes, community_id FROM proposals WHERE status = 'review'"
    ).fetchone()
    assert community == own and "woensdagavond" in changes  # reviewed before the kiosks
    # Another group's record is out of reach, also by posting.
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    reply = page.request.post(f"{desk.url}/desk/communities/{other}",
                              form={"csrf": csrf, "name": "Overgenomen"})  # fmt: skip
    assert reply.status == 403
    assert conn.execute("SELECT count(*) FROM proposals").fetchone() == (1,)


def test_an_editor_account_needs_its_group(desk):
    import pytest as _pytest

    with _pytest.raises(ValueError, match="needs the community"):
        account(desk, "rob", "community_editor")


def test_an_smtp_server_that_is_down_delivers_nothing_and_says_so(tmp_path, page: Page):
    hub = HubProcess(tmp_path / "hub").start(
        env={"ONTMOET_SMTP_HOST": "127.0.0.1", "ONTMOET_SMTP_PORT": "9",  # nothing listens
             "ONTMOET_MAIL_FROM": "receptie@lindewaard.example"}
    )  # fmt: skip
    try:
        password = account(hub, "sanne", "receptionist")
        kiosk = enrolled_kiosk(hub, tmp_path / "k", "kiosk-hal")
        SyncClient(kiosk).sync_once()
        group = kiosk.conn.execute("SELECT id FROM communities LIMIT 1").fetchone()[0]
        sealed = seal(check_contact("email", "anna@voorbeeld.nl"),
                      load_public_key(kiosk.get_state("hub_public_key")))  # fmt: skip
        record = new_record_id()
        record_contact_request(kiosk, record, [group], "email", sealed, 90, new_token())
        SyncClient(kiosk).sync_once()
        from sync.hub import desk_store

        conn = store_of(hub.data_dir)
        desk_store.set_mailbox(conn, "test", group, "groep@voorbeeld.nl")
        log_in(page, hub, "sanne", password)
        page.goto(f"{hub.url}/desk/contacts/{record}")
        page.get_by_role("button", name="Per e-mail naar de groep sturen").click()
        expect(page.get_by_role("alert")).to_contain_text("Versturen lukte niet")
        assert desk_store.contact_requests(conn)[0]["state"] == "new"  # nothing marked sent
    finally:
        hub.stop()


@pytest.mark.hub_sqlite_only  # reads hub.db's bytes
def test_the_receptionist_pin_set_at_the_desk_reaches_the_kiosks_hashed(desk, tmp_path, page):
    from kiosk.receptionist import LOCK_SECONDS, MAX_TRIES, PinCheck

    password = account(desk, "admin2", "admin")
    kiosk = enrolled_kiosk(desk, tmp_path / "k", "kiosk-hal")
    SyncClient(kiosk).sync_once()
    pins = PinCheck(kiosk)
    assert not pins.available and not pins.check("471147")
    log_in(page, desk, "admin2", password)
    page.goto(f"{desk.url}/desk/kiosks")
    field = page.get_by_label("Pincode voor de receptie op de kiosken")
    # A 4-digit PIN falls offline in minutes from a stolen kiosk: the hub refuses it, also
    # when the browser's own check (pattern, minlength) is out of the way.
    field.evaluate("e => { e.removeAttribute('pattern'); e.removeAttribute('minlength'); }")
    field.fill("4711")
    page.get_by_role("button", name="Pincode instellen").click()
    expect(page.get_by_role("alert")).to_have_text("Een pincode heeft 6 tot 8 cijfers.")
    page.get_by_label("Pincode voor de receptie op de kiosken").fill("471147")
    page.get_by_role("button", name="Pincode instellen").click()
    expect(page.get_by_role("status")).to_contain_text("volgende synchronisatie")
    SyncClient(kiosk).sync_once()
    stored = kiosk.get_state("receptionist_pin_hash")
    assert stored.startswith("$argon2id$") and "471147" not in stored
    conn = store_of(desk.data_dir)
    assert b"471147" not in (desk.data_dir / "hub.db").read_bytes()
    assert "471147" not in " ".join(r[0] for r in conn.execute("SELECT data FROM changes"))
    now = [0.0]
    pins = PinCheck(kiosk, clock=lambda: now[0])
    assert pins.available and pins.check("471147")
    for _ in range(MAX_TRIES):
        assert not pins.check("000000")
    assert pins.locked and not pins.check("471147")  # locked, even for the right PIN
    now[0] += LOCK_SECONDS + 1
    assert pins.check("471147")
