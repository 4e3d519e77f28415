"""Introductions that reach people (sync.hub.introductions): a real hub process, records a real
kiosk pushed, e-mail to a real SMTP server, the follow-up sent on its date by time travel
(an injected moment, or time_machine for the hub in this process), never by sleeping."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from email.header import decode_header, make_header

import pytest
import requests
import time_machine
from desk_helpers import account, desk_web, log_in
from hub_helpers import enrolled_kiosk, store_of
from playwright.sync_api import Page, expect

from kiosk.contact import check_contact, load_public_key, seal
from kiosk.visitor_records import new_record_id, new_token, record_contact_request
from sync.client import SyncClient
from sync.hub import desk_store, introductions, mail
from sync.hub import store as hub_store

SENDER = "receptie@lindewaard.example"
PRIVATE = "secretaris.prive@groep-a.example"  # group A's mailbox: for the desk only
SHOTS = "docs/screenshots/desk-introductions"


def text_of(message) -> str:
    """Subject and body, decoded (an Arabic mail travels base64)."""
    subject = str(make_header(decode_header(message["Subject"])))
    return subject + "\n" + message.get_payload(decode=True).decode()


def csrf(web: requests.Session, url: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', web.get(url, timeout=10).text).group(1)


def make(web, desk, **form) -> requests.Response:
    data = {"kind": "visitor_community", "weeks": "4", "note": "", **form,
            "csrf": csrf(web, f"{desk.url}/desk/introductions")}  # fmt: skip
    return web.post(f"{desk.url}/desk/introductions", data=data, timeout=60,
                    allow_redirects=False)  # fmt: skip


def db(desk) -> sqlite3.Connection:
    return store_of(desk.data_dir)


def post_of(desk, smtp_sink) -> introductions.Post:
    """What the hub's loop sends with, in this process: the sink, the hub's key, its address."""
    settings = mail.MailSettings(host="127.0.0.1", port=smtp_sink.port, sender=SENDER, tls="none")
    return introductions.Post(settings, desk.data_dir, desk.url)


@pytest.fixture
def town(desk, tmp_path):
    """Two groups (A with a private mailbox, B without) and three visitors: Amira (e-mail,
    Arabic) and Tomas (phone, Turkish) chose A; Bram (e-mail) chose B."""
    kiosk = enrolled_kiosk(desk, tmp_path / "k", "kiosk-hal")
    SyncClient(kiosk).sync_once()
    (a, a_name), (b, b_name) = kiosk.conn.execute(
        "SELECT id, name FROM communities ORDER BY name LIMIT 2"
    ).fetchall()
    key = load_public_key(kiosk.get_state("hub_public_key"))
    people = {}
    for name, group, channel, detail, lang in (
        ("amira", a, "email", "amira@voorbeeld.nl", "ar"),
        ("tomas", a, "phone", "06-12345678", "tr"),
        ("bram", b, "email", "bram@voorbeeld.nl", "nl"),
    ):
        people[name] = new_record_id()
        record_contact_request(kiosk, people[name], [group], channel,
                               seal(check_contact(channel, detail), key), 90, new_token(),
                               language=lang)  # fmt: skip
    SyncClient(kiosk).sync_once()
    conn = db(desk)
    desk_store.set_mailbox(conn, "test", a, PRIVATE)
    record_a = hub_store.shared_record(conn, "community", a)
    record_b = hub_store.shared_record(conn, "community", b)
    conn.close()
    return {"a": a, "b": b, "a_name": a_name, "b_name": b_name, "kiosk": kiosk,
            "record_a": record_a, "record_b": record_b, **people}  # fmt: skip


def sides(desk, rid: int) -> dict[str, dict]:
    conn = db(desk)
    try:
        return {p["side"]: p for p in introductions.sides(conn).get(rid, [])}
    finally:
        conn.close()


def last_introduction(desk) -> int:
    with desk.db() as conn:
        return conn.execute("SELECT max(id) FROM introductions").fetchone()[0]


# -- the introduction mail --------------------------------------------------------------------


def test_a_visitor_and_a_group_each_get_one_mail_in_their_language(desk, town, smtp_sink):
    web = desk_web(desk, "sanne")
    note = "Amira speelt graag schaak op dinsdag."
    assert make(web, desk, party_a=town["amira"], party_b=town["a"], note=note).status_code == 303
    to_visitor, to_group = sorted(smtp_sink.received, key=lambda m: m["To"] != "amira@voorbeeld.nl")
    assert len(smtp_sink.received) == 2
    # The visitor: in Arabic, the group's public contact text, never its private mailbox.
    assert to_visitor["To"] == "amira@voorbeeld.nl" and to_visitor["Content-Language"] == "ar"
    visitor_text = text_of(to_visitor)
    assert "تعرّفك" in visitor_text or "الاستقبال" in visitor_text  # Arabic words
    assert town["record_a"]["contact"]["nl"] in visitor_text  # what A published itself
    assert note in visitor_text
    for secret in (PRIVATE, "06-12345678", "+31612345678", "bram@voorbeeld.nl"):
        assert secret not in visitor_text
    # The group: in Dutch, the visitor's address (she agreed), the language she would like.
    assert to_group["To"] == PRIVATE and to_group["Content-Language"] == "nl"
    group_text = text_of(to_group)
    assert "amira@voorbeeld.nl" in group_text and "Arabisch" in group_text and note in group_text
    for secret in ("bram@voorbeeld.nl", "+31612345678"):
        assert secret not in group_text
    assert "amira" not in to_group["Subject"]
    # The desk sees both mailed; the audit log has no address.
    rid = last_introduction(desk)
    assert all(p["mailed_at"] and not p["problem"] for p in sides(desk, rid).values())
    with desk.db() as conn:
        log = " ".join(" ".join(r) for r in conn.execute("SELECT action, target FROM audit_log"))
    assert "introduction mailed (side a)" in log and "amira@" not in log and PRIVATE not in log


def test_two_groups_each_get_the_others_public_details_and_a_missing_mailbox_shows(
    desk, town, smtp_sink
):
    web = desk_web(desk, "sanne")
    make(web, desk, kind="community_community", party_a=town["a"], party_b=town["b"],
         note="Allebei zoeken ze een ruimte.")  # fmt: skip
    (to_a,) = smtp_sink.received  # B has no mailbox at the hub
    assert to_a["To"] == PRIVATE
    assert town["record_b"]["contact"]["nl"] in text_of(to_a)
    rid = last_introduction(desk)
    assert sides(desk, rid)["b"]["problem"] == "no_mailbox"
    page = web.get(f"{desk.url}/desk/introductions", timeout=10).text
    assert "niet gemaild: geen e-mailadres bekend voor deze groep" in page
    assert "Nog niet bereikt: 1" in page
    # The desk sets B's mailbox and sends: B gets its mail, A no second one.
    token = csrf(web, f"{desk.url}/desk/introductions")
    reply = web.post(f"{desk.url}/desk/introductions/{rid}/b", timeout=60, allow_redirects=False,
                     data={"action": "mailbox", "email": "b@groep-b.example",
                           "csrf": token})  # fmt: skip
    assert reply.status_code == 303
    assert [m["To"] for m in smtp_sink.received] == [PRIVATE, "b@groep-b.example"]
    to_b = smtp_sink.received[1]
    assert town["record_a"]["contact"]["nl"] in text_of(to_b) and PRIVATE not in text_of(to_b)
    # Trying a mailed side again sends nothing.
    reply = web.post(f"{desk.url}/desk/introductions/{rid}/b", timeout=60,
                     data={"action": "retry", "csrf": token})  # fmt: skip
    assert reply.status_code == 404 and len(smtp_sink.received) == 2
    assert "Nog niet bereikt: 0" in web.get(f"{desk.url}/desk/introductions", timeout=10).text


def test_a_visitor_with_a_phone_number_is_called_not_mailed(desk, town, smtp_sink):
    web = desk_web(desk, "sanne")
    make(web, desk, party_a=town["tomas"], party_b=town["a"])
    (to_group,) = smtp_sink.received
    assert to_group["To"] == PRIVATE and "+31612345678" in text_of(to_group)
    assert "Turks" in text_of(to_group)
    rid = last_introduction(desk)
    page = web.get(f"{desk.url}/desk/introductions", timeout=10).text
    assert "Bel de bezoeker" in page and "+31612345678" not in page  # only on request
    call = web.get(f"{desk.url}/desk/introductions/{rid}/a/call", timeout=10)
    assert call.status_code == 200 and "+31612345678" in call.text
    assert town["record_a"]["contact"]["nl"] in call.text and PRIVATE not in call.text
    with desk.db() as conn:
        opened = conn.execute("SELECT actor, target FROM audit_log WHERE action ="
                              " 'introduction: visitor''s number opened'").fetchall()  # fmt: skip
    assert opened == [("sanne", str(rid))]
    token = csrf(web, f"{desk.url}/desk/introductions")
    web.post(f"{desk.url}/desk/introductions/{rid}/a", data={"action": "called", "csrf": token},
             timeout=10)  # fmt: skip
    assert sides(desk, rid)["a"]["called_at"]
    # A group is never 'called': only the visitor's side has a number.
    assert web.get(f"{desk.url}/desk/introductions/{rid}/b/call", timeout=10).status_code == 404


def test_introductions_made_at_a_kiosk_mail_only_two_groups(desk, town, smtp_sink):
    from kiosk.visitor_records import record_introduction

    conn = db(desk)
    desk_store.set_mailbox(conn, "test", town["b"], "b@groep-b.example")
    kiosk = town["kiosk"]
    record_introduction(kiosk, new_record_id(), "visitor_community", [town["a"]], "Komt kijken",
                        4, "kiosk-hal")  # fmt: skip
    record_introduction(kiosk, new_record_id(), "community_community", [town["a"], town["b"]],
                        "Samen een buurtfeest", 4, "kiosk-hal")  # fmt: skip
    SyncClient(kiosk).sync_once()
    # The hub's own loop sends them (its first round runs as it starts), once.
    desk.stop()
    desk.start()
    deadline = time.monotonic() + 30
    while len(smtp_sink.received) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert introductions.send_introductions(conn, post_of(desk, smtp_sink)) == 0
    conn.close()
    assert sorted(m["To"] for m in smtp_sink.received) == ["b@groep-b.example", PRIVATE]
    assert all("buurtfeest" in text_of(m) for m in smtp_sink.received)
    with desk.db() as conn:
        problems = conn.execute(
            "SELECT p.role, p.problem FROM introduction_parties p JOIN introductions i"
            " ON i.id = p.introduction_id WHERE i.kind = 'visitor_community'"
            " ORDER BY p.side").fetchall()  # fmt: skip
    assert problems == [("kiosk_visitor", "in_person"), ("community", "in_person")]


def test_a_failed_send_is_shown_and_tried_again_later(desk, town, smtp_sink):
    conn = db(desk)
    rid = desk_store.make_introduction(conn, "sanne", "visitor_community", town["amira"],
                                       town["a"], "", 4)  # fmt: skip
    post = post_of(desk, smtp_sink)
    down = introductions.Post(mail.MailSettings(host="127.0.0.1", port=1, sender=SENDER,
                                                tls="none"), post.data_dir, post.base)  # fmt: skip
    now = datetime.now(UTC)
    assert introductions.send_introductions(conn, down, rid, now=now) == 0
    assert {p["problem"] for p in sides(desk, rid).values()} == {"send_failed"}
    # Not before its time comes, then once.
    assert introductions.send_introductions(conn, post, now=now + timedelta(minutes=5)) == 0
    assert introductions.send_introductions(conn, post, now=now + timedelta(minutes=11)) == 2
    assert introductions.send_introductions(conn, post, now=now + timedelta(hours=5)) == 0
    assert len(smtp_sink.received) == 2
    # A follow-up that failed: the desk's 'Try again' lets the hub's next round send it.
    day = now + timedelta(weeks=4, hours=1)
    assert introductions.send_follow_ups(conn, down, now=day) == 0
    assert introductions.send_follow_ups(conn, post, now=day) == 0  # waits its ten minutes
    web = desk_web(desk, "sanne")
    assert "navraag niet gemaild: versturen mislukt" in web.get(
        f"{desk.url}/desk/introductions", timeout=10).text  # fmt: skip
    token = csrf(web, f"{desk.url}/desk/introductions")
    reply = web.post(f"{desk.url}/desk/introductions/{rid}/a", timeout=10, allow_redirects=False,
                     data={"action": "retry", "csrf": token})  # fmt: skip
    assert reply.status_code == 303
    assert introductions.send_follow_ups(conn, post, now=day) == 1  # side a only, now
    conn.close()
    assert len(smtp_sink.received) == 3


def test_without_a_mail_server_the_desk_says_so_and_nothing_is_lost(hub):
    web = desk_web(hub, "sanne")
    a, b = sorted(hub.communities())[:2]
    conn = db(hub)
    desk_store.set_mailbox(conn, "test", a, PRIVATE)
    conn.close()
    assert make(web, hub, kind="community_community", party_a=a, party_b=b).status_code == 303
    page = web.get(f"{hub.url}/desk/introductions", timeout=10).text
    assert "niet gemaild: er is geen mailserver ingesteld" in page
    side_a = sides(hub, last_introduction(hub))["a"]
    assert side_a["mailed_at"] is None and side_a["problem"] is None  # waits for a server


# -- the follow-up ----------------------------------------------------------------------------


def links_of(message) -> dict[str, str]:
    found = re.findall(r"(http://\S+/i/\S+?answer=(yes|not_yet|no))", text_of(message))
    return {answer: url for url, answer in found}


def check_of(html: str) -> str:
    return re.search(r'name="check" value="([^"]+)"', html).group(1)


def test_the_follow_up_goes_once_on_its_date_and_its_answer_sets_the_outcome_once(
    desk, town, smtp_sink
):
    web = desk_web(desk, "sanne")
    make(web, desk, party_a=town["amira"], party_b=town["a"], weeks="2")
    rid = last_introduction(desk)
    smtp_sink.received.clear()
    conn, post = db(desk), post_of(desk, smtp_sink)
    on_the_day = datetime.combine(date.today() + timedelta(weeks=2), datetime.min.time(), UTC)
    assert introductions.send_follow_ups(conn, post, now=on_the_day - timedelta(hours=1)) == 0
    assert introductions.send_follow_ups(conn, post, now=on_the_day + timedelta(hours=9)) == 2
    assert introductions.send_follow_ups(conn, post, now=on_the_day + timedelta(days=3)) == 0
    conn.close()
    to_visitor, to_group = sorted(smtp_sink.received, key=lambda m: m["To"] != "amira@voorbeeld.nl")
    assert to_visitor["Content-Language"] == "ar" and to_group["Content-Language"] == "nl"
    assert "amira@" not in text_of(to_group)  # the question does not repeat the detail
    visitor_links, group_links = links_of(to_visitor), links_of(to_group)
    assert set(visitor_links) == set(group_links) == {"yes", "not_yet", "no"}
    # Only the hash of the token is kept.
    token = visitor_links["yes"].split("/i/")[1].split("?")[0]
    with desk.db() as c:
        assert c.execute("SELECT count(*) FROM introduction_parties WHERE token_hash = ?",
                         [hub_store.hash_secret(token)]).fetchone() == (1,)  # fmt: skip
        assert token not in " ".join(str(v) for row in c.execute(
            "SELECT * FROM introduction_parties") for v in row)  # fmt: skip
    # A GET (a mail scanner) shows the question in Arabic, the answer chosen; nothing changes.
    for _ in range(3):
        shown = requests.get(visitor_links["yes"], timeout=10)
        assert shown.status_code == 200 and 'dir="rtl"' in shown.text
        assert re.search(r'value="yes" checked', shown.text)
    assert sides(desk, rid)["a"]["answer"] is None
    assert desk_store.introductions(db(desk))[0]["outcome"] == "open"
    # The button: recorded once, the outcome follows the rule.
    bare = visitor_links["yes"].split("?")[0]
    reply = requests.post(bare, data={"answer": "yes", "check": check_of(shown.text)},
                          timeout=10, allow_redirects=False)  # fmt: skip
    assert reply.status_code == 303
    again = requests.post(bare, data={"answer": "no", "check": check_of(shown.text)}, timeout=10)
    assert again.status_code == 409
    assert sides(desk, rid)["a"]["answer"] == "yes"
    outcome = {i["id"]: i for i in desk_store.introductions(db(desk))}[rid]
    assert outcome["outcome"] == "led_to_something" and outcome["outcome_by"] is None
    # The group says 'no': one yes still means it led to something.
    group_page = requests.get(group_links["no"], timeout=10)
    assert 'dir="ltr"' in group_page.text and 'value="no" checked' in group_page.text
    check = check_of(group_page.text)
    requests.post(group_links["no"].split("?")[0], data={"answer": "no", "check": check},
                  timeout=10)  # fmt: skip
    outcome = {i["id"]: i for i in desk_store.introductions(db(desk))}[rid]
    assert outcome["outcome"] == "led_to_something"
    # The desk can still set it by hand, and the page says what came back.
    page = web.get(f"{desk.url}/desk/introductions", timeout=10).text
    assert "antwoord: Ja" in page and "antwoord: Nee" in page and "Beantwoord: 1" in page
    token = csrf(web, f"{desk.url}/desk/introductions")
    web.post(f"{desk.url}/desk/introductions", data={"introduction": str(rid),
             "outcome": "not_yet", "csrf": token}, timeout=10)  # fmt: skip
    outcome = {i["id"]: i for i in desk_store.introductions(db(desk))}[rid]
    assert (outcome["outcome"], outcome["outcome_by"]) == ("not_yet", "desk")


def test_the_answer_link_expires(desk, town, smtp_sink):
    """Introductions made in the past (time_machine, in this process) and their follow-ups sent
    then: the hub, on today's clock, takes an answer 59 days on and refuses one 61 days on."""
    conn, post = db(desk), post_of(desk, smtp_sink)
    links = {}
    for days in (59, 61):
        asked = datetime.now(UTC) - timedelta(days=days)
        with time_machine.travel(asked - timedelta(weeks=4), tick=False):
            rid = desk_store.make_introduction(conn, "sanne", "community_community", town["a"],
                                               town["b"], "", 4)  # fmt: skip
            introductions.send_introductions(conn, post, rid)
        assert introductions.send_follow_ups(conn, post, now=asked) == 1  # B has no mailbox
        links[days] = (rid, links_of(smtp_sink.received[-1])["not_yet"])
    conn.close()
    rid, link = links[59]
    shown = requests.get(link, timeout=10)
    assert shown.status_code == 200 and 'value="not_yet" checked' in shown.text
    rid, link = links[61]
    assert requests.get(link, timeout=10).status_code == 410
    reply = requests.post(link.split("?")[0], timeout=10,
                          data={"answer": "yes", "check": check_of(shown.text)})  # fmt: skip
    assert reply.status_code == 410 and "verlopen" in reply.text
    assert sides(desk, rid)["a"]["answer"] is None


def test_several_senders_at_once_mail_each_side_once(desk, town, smtp_sink):
    """Four hub processes' loops at the same moment (here: four threads, each its own
    connection): every side is claimed by one of them."""
    web = desk_web(desk, "sanne")
    make(web, desk, party_a=town["amira"], party_b=town["a"])
    make(web, desk, kind="community_community", party_a=town["a"], party_b=town["b"])
    smtp_sink.received.clear()
    post = post_of(desk, smtp_sink)
    day = datetime.now(UTC) + timedelta(weeks=4, hours=1)
    start = threading.Barrier(4)

    def loop() -> int:
        conn = db(desk)
        start.wait()
        try:
            return introductions.send_follow_ups(conn, post, now=day)
        finally:
            conn.close()

    with ThreadPoolExecutor(4) as pool:
        sent = sum(pool.map(lambda _i: loop(), range(4)))
    assert sent == 3 and len(smtp_sink.received) == 3  # amira, A twice; B has no mailbox
    assert sorted(m["To"] for m in smtp_sink.received) == ["amira@voorbeeld.nl", PRIVATE, PRIVATE]


def test_no_follow_up_for_a_visitor_whose_consent_ended(desk, town, smtp_sink):
    web = desk_web(desk, "sanne")
    make(web, desk, party_a=town["amira"], party_b=town["a"])
    rid = last_introduction(desk)
    smtp_sink.received.clear()
    conn = db(desk)
    with hub_store.write(conn):  # withdrawn from home, or the chosen period ended
        hub_store.erase_contact_request(conn, town["amira"])
    day = datetime.now(UTC) + timedelta(weeks=4, hours=1)
    assert introductions.send_follow_ups(conn, post_of(desk, smtp_sink), now=day) == 1
    conn.close()
    assert [m["To"] for m in smtp_sink.received] == [PRIVATE]
    assert sides(desk, rid)["a"]["follow_up_problem"] == "consent_ended"


def test_the_answer_page_speaks_six_languages(desk, town, smtp_sink):
    from sync.hub.i18n import LANGUAGES, translator

    conn, post = db(desk), post_of(desk, smtp_sink)
    rid = desk_store.make_introduction(conn, "sanne", "community_community", town["a"],
                                       town["b"], "", 4)  # fmt: skip
    introductions.send_introductions(conn, post, rid)
    introductions.send_follow_ups(conn, post, now=datetime.now(UTC) + timedelta(weeks=5))
    conn.close()
    link = links_of(smtp_sink.received[-1])["yes"]
    assert "lang=nl" in link  # the group's language
    for lang in LANGUAGES:
        html = requests.get(link.replace("lang=nl", f"lang={lang}"), timeout=10).text
        _ = translator(lang)
        assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in html
        for words in ("Did it lead to something?", "Send my answer", "Not yet"):
            assert _(words) in html and (lang == "en" or _(words) != words), (lang, words)


# -- attacks ----------------------------------------------------------------------------------


def test_each_role_on_the_new_desk_routes(desk, town, smtp_sink):
    web = desk_web(desk, "sanne")
    make(web, desk, party_a=town["tomas"], party_b=town["a"])
    rid = last_introduction(desk)
    call, side = (
        f"{desk.url}/desk/introductions/{rid}/a/call",
        f"{desk.url}/desk/introductions/{rid}/a",
    )
    # Nobody logged in: to the login page, nothing opened.
    anonymous = requests.get(call, allow_redirects=False, timeout=10)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/desk/login"
    posted = requests.post(side, data={"action": "called"}, allow_redirects=False, timeout=10)
    assert posted.status_code == 303
    # A group's editor, even A's own: not for their role.
    editor = desk_web(desk, "rob", "community_editor", community=town["a"])
    assert editor.get(call, timeout=10).status_code == 403
    token = csrf(editor, f"{desk.url}/desk/")
    reply = editor.post(side, data={"action": "called", "csrf": token}, timeout=10)
    assert reply.status_code == 403
    # An admin may, as a receptionist may.
    admin = desk_web(desk, "ada", "admin")
    assert admin.get(call, timeout=10).status_code == 200
    # A receptionist without the session's token, or with another session's.
    for token in ("", csrf(admin, f"{desk.url}/desk/introductions")):
        reply = web.post(side, data={"action": "called", "csrf": token}, timeout=10)
        assert reply.status_code == 403
    assert sides(desk, rid)["a"]["called_at"] is None
    with desk.db() as conn:
        opened = conn.execute("SELECT actor FROM audit_log WHERE action ="
                              " 'introduction: visitor''s number opened'").fetchall()  # fmt: skip
    assert opened == [("ada",)]


@pytest.mark.parametrize("path, form, status", [
    ("/desk/introductions/999999/a", {"action": "retry"}, 404),  # no such introduction
    ("/desk/introductions/{rid}/c", {"action": "retry"}, 422),  # no such side
    ("/desk/introductions/-1/a", {"action": "retry"}, 422),
    ("/desk/introductions/99999999999999999999/a", {"action": "retry"}, 422),
    ("/desk/introductions/{rid}/a", {"action": "delete"}, 422),
    ("/desk/introductions/{rid}/b", {"action": "mailbox", "email": "a@b.nl, c@d.nl"}, 400),
    ("/desk/introductions/{rid}/b", {"action": "mailbox", "email": "x" * 300 + "@b.nl"}, 422),
    ("/desk/introductions/{visit}/a", {"action": "mailbox", "email": "a@b.nl"}, 404),  # visitor
])  # fmt: skip
def test_bad_desk_input_is_refused_and_changes_nothing(desk, town, smtp_sink, path, form, status):
    web = desk_web(desk, "sanne")
    make(web, desk, party_a=town["tomas"], party_b=town["a"])
    visit = last_introduction(desk)
    make(web, desk, kind="community_community", party_a=town["a"], party_b=town["b"])
    rid = last_introduction(desk)
    before = sides(desk, rid), sides(desk, visit)
    token = csrf(web, f"{desk.url}/desk/introductions")
    reply = web.post(desk.url + path.format(rid=rid, visit=visit), data={**form, "csrf": token},
                     timeout=10)  # fmt: skip
    assert reply.status_code == status, reply.text[:300]
    assert (sides(desk, rid), sides(desk, visit)) == before
    with desk.db() as conn:
        assert conn.execute("SELECT count(*) FROM community_mailboxes").fetchone() == (1,)


def test_answer_links_refuse_forged_foreign_and_malformed_posts(desk, town, smtp_sink):
    conn, post = db(desk), post_of(desk, smtp_sink)
    desk_store.set_mailbox(conn, "test", town["b"], "b@groep-b.example")
    rid = desk_store.make_introduction(conn, "sanne", "community_community", town["a"],
                                       town["b"], "", 4)  # fmt: skip
    introductions.send_introductions(conn, post, rid)
    day = datetime.now(UTC) + timedelta(weeks=4, hours=1)
    assert introductions.send_follow_ups(conn, post, now=day) == 2
    conn.close()
    mine, theirs = (links_of(m)["yes"] for m in smtp_sink.received[-2:])
    my_check = check_of(requests.get(mine, timeout=10).text)
    their_check = check_of(requests.get(theirs, timeout=10).text)
    bare = mine.split("?")[0]
    for form, headers in (
        ({"answer": "yes"}, {}),  # no form value: a POST that never saw the page
        ({"answer": "yes", "check": their_check}, {}),  # the other side's page's value
        ({"answer": "yes", "check": my_check}, {"Sec-Fetch-Site": "cross-site"}),
    ):
        reply = requests.post(bare, data=form, headers=headers, timeout=10)
        assert reply.status_code == 403
    assert requests.post(bare, data={"answer": "maybe", "check": my_check},
                         timeout=10).status_code == 400  # fmt: skip
    assert requests.post(bare, data={"answer": "x" * 5000, "check": my_check},
                         timeout=10).status_code == 422  # fmt: skip
    for token in ("x", "%00", "a" * 65, "a" * 5000, "..%2F..%2Fdesk"):
        assert requests.get(f"{desk.url}/i/{token}", timeout=10).status_code in (404, 422)
    with desk.db() as c:
        assert c.execute("SELECT count(*) FROM introduction_parties WHERE answer IS NOT NULL"
                         ).fetchone() == (0,)  # fmt: skip
    # The right one still works after all that.
    reply = requests.post(bare, data={"answer": "yes", "check": my_check}, timeout=10,
                          allow_redirects=False)  # fmt: skip
    assert reply.status_code == 303


def test_a_flood_of_answers_records_one_and_guessing_is_slowed(desk, town, smtp_sink):
    conn, post = db(desk), post_of(desk, smtp_sink)
    rid = desk_store.make_introduction(conn, "sanne", "community_community", town["a"],
                                       town["b"], "", 4)  # fmt: skip
    introductions.send_introductions(conn, post, rid)
    introductions.send_follow_ups(conn, post, now=datetime.now(UTC) + timedelta(weeks=5))
    conn.close()
    link = links_of(smtp_sink.received[-1])["yes"]
    check, bare = check_of(requests.get(link, timeout=10).text), link.split("?")[0]
    answers = ["yes", "no", "not_yet"] * 34

    def send(answer: str) -> int:
        return requests.post(bare, data={"answer": answer, "check": check}, timeout=30,
                             allow_redirects=False).status_code  # fmt: skip

    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(send, answers))
    assert codes.count(303) == 1 and codes.count(409) == len(answers) - 1
    with desk.db() as c:
        audited = c.execute("SELECT count(*) FROM audit_log WHERE action LIKE"
                            " 'introduction answered%'").fetchone()  # fmt: skip
    assert audited == (1,)
    # Wrong links from one address: after 30 a minute, 429 (even for a right one, a while).
    codes = [requests.get(f"{desk.url}/i/{new_token()}", timeout=10).status_code
             for _ in range(35)]  # fmt: skip
    assert codes[:30] == [404] * 30 and set(codes[30:]) == {429}


# -- in a browser -----------------------------------------------------------------------------


def test_the_desk_flow_in_a_browser(desk, town, smtp_sink, page: Page):
    password = account(desk, "sanne", "receptionist")
    log_in(page, desk, "sanne", password)
    page.get_by_role("link", name="Kennismakingen").click()
    expect(page.get_by_text("De notitie gaat mee in de e-mail")).to_be_visible()
    page.get_by_label("Soort").select_option("community_community")
    page.get_by_label("Wie", exact=True).select_option(town["a"])
    page.get_by_label("Met wie").select_option(town["b"])
    page.get_by_label("Korte notitie").fill("Allebei zoeken ze een ruimte op zaterdag.")
    page.get_by_role("button", name="Kennismaking vastleggen").click()
    row = page.get_by_role("row", name=re.compile("zaterdag"))
    expect(row).to_contain_text("gemaild")
    expect(row).to_contain_text("geen e-mailadres bekend voor deze groep")
    expect(page.get_by_text("Nog niet bereikt: 1")).to_be_visible()
    row.get_by_placeholder("E-mailadres van de groep").fill("b@groep-b.example")
    row.get_by_role("button", name="Opsturen").click()
    expect(page.get_by_text("Nog niet bereikt: 0")).to_be_visible()
    assert sorted(m["To"] for m in smtp_sink.received) == ["b@groep-b.example", PRIVATE]
    # A visitor who left a phone number: the desk calls.
    page.get_by_label("Soort").select_option("visitor_community")
    page.get_by_label("Wie", exact=True).select_option(town["tomas"])
    page.get_by_label("Met wie").select_option(town["a"])
    page.get_by_role("button", name="Kennismaking vastleggen").click()
    page.get_by_role("link", name="Bel de bezoeker").click()
    expect(page.get_by_text("+31612345678")).to_be_visible()
    page.get_by_role("button", name="Ik heb de bezoeker gebeld").click()
    expect(page.get_by_text(re.compile("gebeld \\d"))).to_be_visible()


def test_a_restore_never_mails_a_side_again_nor_forgets_its_answer(tmp_path):
    """A backup made before the mails went is restored: the sides stay mailed (and answered,
    with the outcome the answers set); an introduction made after the backup goes back in
    time with the rest, and nothing breaks its keys."""
    from sync.hub.schema import migrate

    conn = hub_store.connect(tmp_path / "hub.db")
    migrate(conn)

    def introduce(a: str, b: str) -> int:
        rid = conn.execute(
            "INSERT INTO introductions (kind, party_a, party_b, follow_up_on, made_by, made_at)"
            " VALUES ('community_community', ?, ?, '2026-12-18', 'sanne', ?) RETURNING id",
            [a, b, hub_store.now_iso()],
        ).fetchone()[0]
        for side, party in (("a", a), ("b", b)):
            conn.execute(
                "INSERT INTO introduction_parties (introduction_id, side, party, role, language)"
                " VALUES (?, ?, ?, 'community', 'nl')",
                [rid, side, party],
            )
        return rid

    first = introduce("group-a", "group-b")
    backup = tmp_path / "backup.db"
    conn.execute("VACUUM INTO ?", [str(backup)])
    # After the backup: both sides mailed, one answered yes, and a second introduction made.
    conn.execute("UPDATE introduction_parties SET mailed_at = '2026-12-04T10:00:00+00:00'")
    conn.execute(
        "UPDATE introduction_parties SET answer = 'yes', answered_at = '2026-12-05T09:00:00+00:00'"
        " WHERE introduction_id = ? AND side = 'a'",
        [first],
    )
    conn.execute("UPDATE introductions SET outcome = 'led_to_something', outcome_by = 'answer'")
    later = introduce("group-c", "group-d")
    restored = hub_store.connect(backup)
    hub_store.carry_over_on_restore(conn, restored)

    def sides(db, rid):
        return db.execute(
            "SELECT side, mailed_at, answer FROM introduction_parties WHERE introduction_id = ?"
            " ORDER BY side",
            [rid],
        ).fetchall()

    assert sides(restored, first) == sides(conn, first)
    assert all(mailed for _side, mailed, _answer in sides(restored, first))  # not due again
    outcome = restored.execute("SELECT outcome FROM introductions WHERE id = ?", [first])
    assert outcome.fetchone() == ("led_to_something",)
    assert sides(restored, later) == [] and later != first  # made after the backup: gone
    assert restored.execute("PRAGMA foreign_key_check").fetchall() == []
    restored.close()
    conn.close()
