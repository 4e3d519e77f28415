"""New groups sign themselves up (issue 14, item 5): the public page on a phone in Dutch and
Arabic, the desk's review (approve: an e-mail with the edit link, and the group reaches the
kiosks; decline: erased), the abuse it keeps out without a CAPTCHA, and a visitor's tip from
the kiosk. Against real hub processes, a real SMTP server and headless Chromium."""

from __future__ import annotations

import http.client
import json
import re
import uuid
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from desk_helpers import account, log_in
from gui_helpers import screen, start, step, type_on
from hub_helpers import enrolled_kiosk, store_of
from playwright.sync_api import Page, expect

from kiosk import navigation as nav
from kiosk.qr import signup_url
from sync import protocol
from sync.client import SyncClient, enrol
from sync.hub import signup
from sync.hub import store as hub_store

PHONE = {"width": 390, "height": 844}


# -- helpers ------------------------------------------------------------------------------------


def form_of(hub, lang: str = "nl") -> dict[str, str]:
    """A valid sign-up as the page would send it (with a token the page just gave out)."""
    page = requests.get(f"{hub.url}/join?lang={lang}", timeout=10).text
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    return {
        "token": token,
        "lang": lang,
        "name": "Breiclub De Steek",
        "pitch": "Wij breien samen en drinken koffie.",
        "themes": ["natuur"],
        "neighbourhood": "",
        "when": "Elke dinsdag van 10 tot 12 uur",
        "where": "Bibliotheek Lindewaard",
        "email": "steek@voorbeeld.nl",
        "join_url": "",
    }


def post_from(hub, address: str, fields: dict, path: str = "/join") -> tuple[int, str]:
    """POST the form from ``address`` (any 127.x.y.z reaches a hub on 127.0.0.1): the rate
    limits count per address, so each test case can have an address of its own."""
    conn = http.client.HTTPConnection(
        "127.0.0.1", hub.port, timeout=10, source_address=(address, 0)
    )
    body = urlencode(fields, doseq=True)
    conn.request(
        "POST", path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    reply = conn.getresponse()
    text = reply.read().decode()
    conn.close()
    return reply.status, text


def signups(hub) -> list[tuple]:
    conn = store_of(hub.data_dir)
    try:
        return conn.execute("SELECT name, email, language FROM signups").fetchall()
    finally:
        conn.close()


def desk_session(hub, name: str, role: str, community: str = "") -> requests.Session:
    """Logged in at the desk as a browser is: the login form's value, then the cookie."""
    password = account(hub, name, role, community)
    web = requests.Session()
    pre = re.search(r'name="pre" value="([^"]+)"', web.get(f"{hub.url}/desk/login").text)
    web.post(
        f"{hub.url}/desk/login",
        timeout=30,
        allow_redirects=False,
        data={"username": name, "password": password, "pre": pre.group(1)},
    )
    return web


def csrf(web: requests.Session, url: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', web.get(url, timeout=10).text).group(1)


def fill_signup(page: Page, name: str, email: str) -> None:
    page.fill("#name", name)
    page.fill("#pitch", "We repair bikes together / نصلح الدراجات معا")
    page.locator("input[name=themes]").nth(0).check()
    page.locator("input[name=themes]").nth(1).check()
    page.select_option("#neighbourhood", index=1)
    page.fill("#when", "Elke zaterdag 10:00-13:00")
    page.fill("#where", "Buurthuis De Linde")
    page.fill("#email", email)
    page.fill("#join_url", "https://fietsen.voorbeeld.nl/meedoen")
    page.locator("form.signup button[type=submit]").click()


# -- the journey --------------------------------------------------------------------------------


@pytest.mark.browser
def test_a_group_signs_up_on_a_phone_in_dutch_and_arabic_is_approved_mailed_and_on_a_kiosk(
    desk, smtp_sink, tmp_path, browser, page: Page
):
    phone = browser.new_context(viewport=PHONE, locale="nl-NL")
    mobile = phone.new_page()
    mobile.goto(f"{desk.url}/join?lang=nl")
    expect(mobile.locator("html")).to_have_attribute("lang", "nl")
    expect(mobile.locator("h1")).to_have_text("Meld je groep aan")
    # The honeypot is out of sight, out of the Tab order and hidden from screen readers.
    trap = mobile.locator("input[name=website]")
    assert trap.get_attribute("tabindex") == "-1"
    assert mobile.locator(".hp").get_attribute("aria-hidden") == "true"
    box = mobile.locator(".hp").bounding_box()  # clipped to one pixel: nothing to see
    assert box["width"] <= 1 and box["height"] <= 1
    fill_signup(mobile, "Fietsclub Lindewaard", "fiets@voorbeeld.nl")
    expect(mobile.locator(".notice")).to_be_visible()

    mobile.goto(f"{desk.url}/join?lang=ar")
    expect(mobile.locator("html")).to_have_attribute("dir", "rtl")
    # Nothing sticks out sideways on a phone, in Arabic either.
    assert mobile.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    fill_signup(mobile, "نادي الخياطة", "khiyata@voorbeeld.nl")
    expect(mobile.locator(".notice")).to_be_visible()
    phone.close()
    assert sorted(signups(desk)) == [
        ("Fietsclub Lindewaard", "fiets@voorbeeld.nl", "nl"),
        ("نادي الخياطة", "khiyata@voorbeeld.nl", "ar"),
    ]

    # The desk approves both.
    log_in(page, desk, "sanne", account(desk, "sanne", "receptionist"))
    page.goto(f"{desk.url}/desk/signups")
    for name in ("Fietsclub Lindewaard", "نادي الخياطة"):
        page.get_by_role("region", name=name).get_by_role(
            "button", name=re.compile("^Goedkeuren")
        ).click()
        expect(page.locator(".notice")).to_be_visible()
    assert signups(desk) == []

    # Each group has an e-mail with its edit link, in the language it signed up in.
    mails = {m["To"]: m for m in smtp_sink.received}
    assert set(mails) == {"fiets@voorbeeld.nl", "khiyata@voorbeeld.nl"}
    for address, lang, name in (
        ("fiets@voorbeeld.nl", "nl", "Fietsclub Lindewaard"),
        ("khiyata@voorbeeld.nl", "ar", "نادي الخياطة"),
    ):
        message = mails[address]
        assert message["Content-Language"] == lang
        body = message.get_payload(decode=True).decode()
        link = re.search(r"http://\S+/edit/\S+", body).group(0)
        assert link.endswith(f"?lang={lang}")
        edit = requests.get(link, timeout=10)
        assert edit.status_code == 200 and name in edit.text

    # After a sync the groups are on a kiosk; their e-mail address is not.
    kiosk = enrolled_kiosk(desk, tmp_path / "k", "kiosk-hal")
    SyncClient(kiosk).sync_once()
    on_kiosk = dict(kiosk.conn.execute("SELECT name, id FROM communities"))
    assert {"Fietsclub Lindewaard", "نادي الخياطة"} <= set(on_kiosk)
    # A visitor finds the new group by typing a piece of its name.
    assert on_kiosk["Fietsclub Lindewaard"] in kiosk.search("fietscl", seed="test")
    kiosk.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert b"fiets@voorbeeld.nl" not in (tmp_path / "k" / "kiosk.db").read_bytes()


def test_an_approved_group_has_its_words_and_the_mailbox_stays_at_the_hub(desk, smtp_sink):
    status, _page = post_from(desk, "127.0.0.3", {**form_of(desk), "story": "Al tien jaar."})
    assert status == 200
    web = desk_session(desk, "sanne", "receptionist")
    (ref,) = [s["ref"] for s in signup.pending(store_of(desk.data_dir))]
    token = csrf(web, f"{desk.url}/desk/signups")
    reply = web.post(
        f"{desk.url}/desk/signups", data={"csrf": token, "ref": ref, "action": "approve"}
    )
    assert reply.status_code == 200
    conn = store_of(desk.data_dir)
    ((rid, data),) = conn.execute(
        "SELECT id, data FROM shared_records WHERE json_extract(data, '$.name') = ?",
        ["Breiclub De Steek"],
    ).fetchall()
    record = json.loads(data)
    assert record["pitch"] == {"nl": "Wij breien samen en drinken koffie."}
    assert record["story"] == {"nl": "Al tien jaar."}
    assert record["schedule"] == [
        {"when": {"nl": "Elke dinsdag van 10 tot 12 uur"}, "place": "Bibliotheek Lindewaard"}
    ]
    assert record["provenance"]["pitch"] == "community"
    assert record["provenance"]["welcome"] == "reception"
    assert "steek@voorbeeld.nl" not in data  # never in what kiosks get
    assert conn.execute(
        "SELECT email FROM community_mailboxes WHERE community_id = ?", [rid]
    ).fetchone() == ("steek@voorbeeld.nl",)


# -- abuse and bad input ------------------------------------------------------------------------


#: Posts in the flood: 200 times the allowance. (It was 10,000 until 2026-12: 8 s of the hub's
#: time for the same answer, the 11th and every later one refused.)
FLOOD = 2_000


@pytest.mark.slow
def test_a_flood_of_signups_from_one_address_meets_429_long_before_and_the_table_stays_small(
    hub,
):
    statuses = []
    # One kept-alive connection, as a script would; http.client, not requests: the flood is
    # the point, and requests spent more time making each post than the hub took to answer it.
    web = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=10)
    body = urlencode(form_of(hub), doseq=True)
    for _ in range(FLOOD):
        web.request("POST", "/join", body=body,
                    headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
        reply = web.getresponse()
        text = reply.read().decode()
        statuses.append(reply.status)
    web.close()
    first_refusal = statuses.index(429)
    assert first_refusal == signup.PER_ADDRESS  # the 11th is refused
    assert set(statuses[first_refusal:]) == {429}
    assert len(signups(hub)) == signup.PER_ADDRESS <= signup.MAX_PENDING
    assert reply.getheader("Retry-After").isdigit()
    assert "Try again later" in text or "Probeer het later" in text


def test_many_addresses_together_meet_the_global_limit(hub):
    statuses = []
    honey = {**form_of(hub), "website": "https://spam.example"}  # counted, never kept
    for n in range(signup.GLOBAL // signup.PER_ADDRESS + 2):
        for _ in range(signup.PER_ADDRESS):
            statuses.append(post_from(hub, f"127.0.1.{n + 1}", honey)[0])
    assert statuses.index(429) == signup.GLOBAL
    status, text = post_from(hub, "127.0.2.1", form_of(hub))  # a new address: still refused
    assert status == 429 and signups(hub) == []


def test_no_more_than_the_cap_of_signups_wait(hub):
    conn = store_of(hub.data_dir)
    with hub_store.write(conn):
        for n in range(signup.MAX_PENDING):
            conn.execute(
                "INSERT INTO signups (ref, name, pitch, themes, meets_when, meets_where, email,"
                " language, created_at) VALUES (?, ?, 'p', '[]', 'w', 'w', 'a@b.nl', 'nl', ?)",
                [uuid.uuid4().hex, f"groep {n}", hub_store.now_iso()],
            )
    status, text = post_from(hub, "127.0.0.4", form_of(hub))
    assert status == 503 and 'role="alert"' in text
    assert len(signups(hub)) == signup.MAX_PENDING


def test_a_filled_honeypot_is_thanked_for_and_nothing_is_kept(hub):
    status, text = post_from(hub, "127.0.0.5", {**form_of(hub), "website": "http://x.example"})
    assert status == 200 and 'class="notice"' in text  # a bot learns nothing
    assert signups(hub) == []


BAD = [
    ("name", "x" * 5000, "At most 120", "Dit is te lang"),
    ("pitch", "x" * 5000, "", "Dit is te lang"),
    ("story", "y" * 5000, "", "Dit is te lang"),
    ("join_url", "javascript:alert(document.cookie)", "", "https://"),
    ("join_url", "http://onveilig.example", "", "https://"),
    ("name", "Brei\x00club", "", "gewone letters"),
    ("when", "dinsdag\x1b[31m", "", "gewone letters"),
    ("name", "Breiclub\u202e", "", "gewone letters"),
    ("email", "a@b.nl, c@d.nl", "", "e-mailadres"),
    ("email", "steek@voorbeeld.nl\r\nBcc: x@y.nl", "", "e-mailadres"),
    ("themes", ["bestaat-niet"], "", "lijst"),
    ("themes", [], "", "Kies minstens"),
    ("neighbourhood", "nergens", "", "lijst"),
    ("token", "1.abc", "", "te lang open"),
]


@pytest.mark.parametrize(
    ("field", "value", "_unused", "message"), BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)]
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_stored(
    module_hub, field, value, _unused, message
):
    address = f"127.0.3.{BAD.index((field, value, _unused, message)) + 1}"
    status, text = post_from(module_hub, address, {**form_of(module_hub), field: value})
    assert status == 400
    assert message in text, text[-2000:]
    assert 'role="alert"' in text
    assert "x" * 5000 not in text  # what was too long is not sent back
    assert signups(module_hub) == []


def test_the_whole_form_of_5000_character_fields_is_refused(module_hub):
    fields = {
        **form_of(module_hub),
        **{f: "é" * 5000 for f in ("name", "pitch", "story", "when", "where", "email")},
    }
    status, text = post_from(module_hub, "127.0.4.1", fields)
    assert status == 400 and 'role="alert"' in text
    assert signups(module_hub) == []


# -- the desk -----------------------------------------------------------------------------------


@pytest.mark.hub_sqlite_only  # reads hub.db's bytes
def test_declining_erases_the_signup_and_keeps_only_what_the_audit_needs(desk, smtp_sink):
    post_from(desk, "127.0.0.6", form_of(desk))
    conn = store_of(desk.data_dir)
    (ref,) = [s["ref"] for s in signup.pending(conn)]
    web = desk_session(desk, "sanne", "receptionist")
    token = csrf(web, f"{desk.url}/desk/signups")
    reply = web.post(
        f"{desk.url}/desk/signups",
        data={"csrf": token, "ref": ref, "action": "decline", "reason": "not_local"},
    )
    assert reply.status_code == 200
    assert signups(desk) == []
    audit = conn.execute(
        "SELECT actor, action, target FROM audit_log WHERE target = ?", [ref]
    ).fetchall()
    assert ("sanne", "sign-up declined: not_local", ref) in audit
    # Gone from the file too (secure_delete, the WAL emptied), not only from the table.
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stored = b"".join(p.read_bytes() for p in desk.data_dir.glob("hub.db*"))
    assert b"steek@voorbeeld.nl" not in stored and b"Breiclub De Steek" not in stored
    # The group hears why, in its language.
    (message,) = smtp_sink.received
    assert message["To"] == "steek@voorbeeld.nl" and message["Content-Language"] == "nl"


def test_the_signups_page_needs_the_role_and_the_csrf_token(desk):
    post_from(desk, "127.0.0.7", form_of(desk))
    (ref,) = [s["ref"] for s in signup.pending(store_of(desk.data_dir))]
    url = f"{desk.url}/desk/signups"
    assert requests.get(url, allow_redirects=False).headers["location"] == "/desk/login"
    reply = requests.post(url, data={"ref": ref, "action": "approve"}, allow_redirects=False)
    assert reply.status_code == 303
    group = (
        store_of(desk.data_dir)
        .execute("SELECT id FROM shared_records WHERE entity = 'community' LIMIT 1")
        .fetchone()[0]
    )
    editor = desk_session(desk, "kees", "community_editor", group)
    assert editor.get(url).status_code == 403
    clerk = desk_session(desk, "sanne", "receptionist")
    token = csrf(clerk, url)
    for data in (
        {"ref": ref, "action": "approve"},
        {"ref": ref, "action": "approve", "csrf": "niet-de-mijne"},
        {"ref": ref, "action": "approve", "csrf": csrf(editor, f"{desk.url}/desk/")},
    ):
        assert clerk.post(url, data=data).status_code == 403
    assert (
        editor.post(
            url, data={"ref": ref, "action": "approve", "csrf": csrf(editor, f"{desk.url}/desk/")}
        ).status_code
        == 403
    )
    assert (
        clerk.post(url, data={"csrf": token, "ref": "f" * 32, "action": "approve"}).status_code
        == 404
    )
    assert (
        clerk.post(url, data={"csrf": token, "ref": "f" * 5000, "action": "approve"}).status_code
        == 422
    )
    assert (
        clerk.post(
            url, data={"csrf": token, "ref": ref, "action": "decline", "reason": "omdat"}
        ).status_code
        == 400
    )
    assert len(signups(desk)) == 1  # none of these decided anything


# -- the kiosk ----------------------------------------------------------------------------------


def test_the_kiosk_shows_a_qr_to_the_signup_page_in_the_visitors_language(kiosk):
    app = kiosk.app
    start(kiosk)
    app.set_language("ar")
    app.browse("theme")
    kiosk.tap(screen(app, nav.BROWSE).ids.group_tip_button)
    assert app.current_screen == nav.GROUP_TIP
    qr = screen(app, nav.GROUP_TIP).ids.signup_qr
    assert qr.matrix.data == signup_url(app.kiosk_config.public_url, "ar")
    assert urlsplit(qr.matrix.data).path == "/join" and qr.matrix.data.endswith("?lang=ar")
    assert qr.width >= 350  # large enough to scan from the panel


def test_a_tip_from_the_kiosk_reaches_the_desk_and_carries_no_personal_data(
    desk, kiosk, demo_store
):
    app = kiosk.app
    start(kiosk)
    app.browse("theme")
    kiosk.tap(screen(app, nav.BROWSE).ids.group_tip_button)
    tip = screen(app, nav.GROUP_TIP)
    step(kiosk, tip.ids.next_button)
    step(kiosk, tip.ids.next_button)  # no name yet: refused, stays
    assert tip.step == "name" and tip.error
    type_on(kiosk, tip.ids.keyboard, "zwemclub de vis")
    step(kiosk, tip.ids.next_button)
    assert tip.step == "note"
    type_on(kiosk, tip.ids.keyboard, "bel 0612345678")  # a number: refused
    step(kiosk, tip.ids.next_button)
    assert tip.step == "note" and tip.error
    tip.ids.keyboard.text = ""
    type_on(kiosk, tip.ids.keyboard, "zwemt in het park")
    step(kiosk, tip.ids.next_button)
    assert tip.step == "sent"
    queued = demo_store.conn.execute(
        "SELECT fields FROM outbox WHERE entity = 'group_tip'"
    ).fetchall()
    assert len(queued) == 1

    enrol(demo_store, desk.url, desk.code("kiosk-hal"))
    SyncClient(demo_store).sync_once()
    assert len(desk.records("group_tip")) == 1
    conn = store_of(desk.data_dir)
    (fields,) = conn.execute(
        "SELECT fields FROM visitor_records WHERE entity = 'group_tip'"
    ).fetchone()
    assert set(json.loads(fields)) == {"id", "name", "note", "language", "kiosk", "created_at"}
    web = desk_session(desk, "sanne", "receptionist")
    page = web.get(f"{desk.url}/desk/signups").text
    assert "zwemclub de vis" in page and "zwemt in het park" in page
    (rid,) = [json.loads(fields)["id"]]
    token = csrf(web, f"{desk.url}/desk/signups")
    assert (
        web.post(
            f"{desk.url}/desk/signups", data={"csrf": token, "ref": rid, "action": "tip_done"}
        ).status_code
        == 200
    )
    assert desk.records("group_tip") == []


def test_the_protocol_refuses_a_tip_with_a_field_for_a_person():
    tip = {
        "id": str(uuid.uuid4()),
        "name": "Zwemclub",
        "language": "nl",
        "kiosk": "kiosk-hal",
        "created_at": "2026-12-03T10:00:00+00:00",
    }
    assert protocol.validate_fields("group_tip", tip) == tip
    for extra in ({"email": "a@b.nl"}, {"phone": "0612345678"}, {"visitor": "Anna"}):
        with pytest.raises(protocol.ProtocolError, match="is not a field"):
            protocol.validate_fields("group_tip", {**tip, **extra})
    for note in ("mail anna@voorbeeld.nl", "bel 06-1234 5678", "+31 6 12 34 56 78"):
        with pytest.raises(protocol.ProtocolError, match="telephone"):
            protocol.validate_fields("group_tip", {**tip, "note": note})


def test_a_tip_typed_and_left_is_wiped_when_the_visit_ends(kiosk):
    app = kiosk.app
    start(kiosk)
    app.open(nav.GROUP_TIP)
    tip = screen(app, nav.GROUP_TIP)
    first_id = tip.record_id
    step(kiosk, tip.ids.next_button)
    type_on(kiosk, tip.ids.keyboard, "breiclub")
    app.end_session()
    assert tip.ids.keyboard.text == "" and tip.step == "start" and tip.tip_name == ""
    start(kiosk)
    app.open(nav.GROUP_TIP)
    assert tip.record_id != first_id  # the next visitor's tip is a record of its own


@pytest.mark.browser
def test_every_control_on_the_new_pages_has_an_accessible_name(desk, page: Page):
    post_from(desk, "127.0.0.8", form_of(desk))
    log_in(page, desk, "sanne", account(desk, "sanne", "receptionist"))
    for path in ("/join?lang=nl", "/join?lang=ar", "/desk/signups"):
        page.goto(desk.url + path)
        controls = page.locator(
            "input:not([type=hidden]):not([name=website]), select, textarea, button, a"
        )
        for i in range(controls.count()):
            control = controls.nth(i)
            label = control.evaluate(
                "el => (el.labels && el.labels.length ? el.labels[0].innerText : '')"
                " || el.getAttribute('aria-label') || el.innerText || el.value || ''"
            )
            assert label.strip(), f"{path}: {control.evaluate('e => e.outerHTML')}"
        assert page.locator("h1").count() == 1, path


def test_the_per_address_limit_forgets_quiet_addresses_and_cannot_grow_without_end(
    monkeypatch,
):
    monkeypatch.setattr(signup, "MAX_ADDRESSES", 3)
    now = [0.0]
    limit = signup.AddressLimit("signup_address", 2, 60, clock=lambda: now[0])
    assert [limit.take(a) for a in ("a", "b", "c")] == [True, True, True]
    assert limit.take("d") is False  # three remembered: a fourth address waits
    assert limit.take("a") is True  # a known address goes on as before
    now[0] = 61  # the window has passed: the quiet addresses are forgotten
    assert limit.take("d") is True and set(limit._hits) == {"d"}


def test_a_kiosk_flooding_tips_has_them_quarantined_over_its_quota(tmp_path):
    from hub_helpers import HubProcess

    from kiosk.forms import send_group_tip
    from kiosk.visitor_records import new_record_id
    from sync.hub.store import QUOTAS_PER_HOUR

    hub = HubProcess(tmp_path / "hub").start()  # the real quotas (no load-test factor)
    try:
        kiosk = enrolled_kiosk(hub, tmp_path / "k", "kiosk-hal")
        quota = QUOTAS_PER_HOUR["group_tip"]
        for n in range(quota + 5):
            send_group_tip(kiosk, new_record_id(), f"groep {n}", "", "nl", "kiosk-hal")
        SyncClient(kiosk).sync_once()
        assert len(hub.records("group_tip")) == quota
        (alert,) = hub.db().execute("SELECT last_alert FROM kiosks").fetchone()
        assert "quota" in alert
    finally:
        hub.stop()
