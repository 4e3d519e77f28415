"""'Count me in' at the hub: wishes pushed by a kiosk, grouped at the desk (themes, and words
folded as the search folds them, Turkish I/ı included), the introduction of the people behind
a group (one mail each, in their own language, in a real SMTP server; phone people listed,
not mailed), the contacts pages for a request about a wish, its erasure, and the attacks."""

from __future__ import annotations

import re
import sqlite3
from datetime import date, timedelta
from email import policy
from email.parser import BytesParser

import pytest
import requests
from desk_helpers import desk_web
from hub_helpers import HubProcess, enrolled_kiosk, store_of

from kiosk.contact import check_contact, load_public_key, seal
from kiosk.store import Store
from kiosk.visitor_records import new_record_id, new_token, record_contact_request, record_wish
from sync.client import SyncClient
from sync.hub import desk_store, wishes
from sync.hub import store as hub_store


@pytest.fixture(scope="module")
def sink():
    """One real SMTP server for the module's hub."""
    from hub_helpers import running_smtp_sink

    with running_smtp_sink() as controller:
        yield controller


@pytest.fixture(scope="module")
def hub(tmp_path_factory, sink):
    """A real hub with real quotas and mail going to the sink, for this module."""
    process = HubProcess(tmp_path_factory.mktemp("hub"))
    process.start(env={"ONTMOET_SMTP_HOST": "127.0.0.1", "ONTMOET_SMTP_PORT": str(sink.port),
                       "ONTMOET_MAIL_FROM": "receptie@lindewaard.example"})  # fmt: skip
    yield process
    process.stop()


@pytest.fixture(scope="module")
def kiosk(hub, tmp_path_factory):
    store = enrolled_kiosk(hub, tmp_path_factory.mktemp("kiosk"), "kiosk-hal")
    SyncClient(store).sync_once()
    return store


@pytest.fixture(scope="module")
def web(hub):
    return desk_web(hub, "sanne", "receptionist")


def conn_of(hub) -> sqlite3.Connection:
    return store_of(hub.data_dir)


def wish(store: Store, words: str = "", theme: str | None = None, language: str = "nl",
         neighbourhood: str | None = None, kiosk: str = "kiosk-hal") -> str:  # fmt: skip
    record_id = new_record_id()
    record_wish(store, record_id, theme, words, ["koken"], neighbourhood, "search", language,
                kiosk)  # fmt: skip
    return record_id


def contact(store: Store, wish_id: str, channel: str, value: str, language: str,
            days: int = 90, today: date | None = None) -> str:  # fmt: skip
    key = load_public_key(store.get_state("hub_public_key"))
    record_id = new_record_id()
    record_contact_request(store, record_id, [], channel, seal(check_contact(channel, value), key),
                           days, new_token(), language=language, wish=wish_id,
                           today=today)  # fmt: skip
    return record_id


def csrf(web: requests.Session, url: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', web.get(url, timeout=10).text).group(1)


def group_of(hub, key: str) -> wishes.WishGroup | None:
    conn = conn_of(hub)
    try:
        return wishes.group(conn, key, "nl")
    finally:
        conn.close()


def parsed(message):
    """A message as the sink received it, read as a mail client reads it."""
    return BytesParser(policy=policy.default).parsebytes(message.as_bytes())


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


# -- grouping -----------------------------------------------------------------------------------


def test_words_are_folded_as_the_search_folds_them():
    assert wishes.normalised("Işık Atölyesi") == "isik atolyesi"
    assert wishes.normalised("  İŞIK   atölyesi!") == "isik atolyesi"
    assert wishes.normalised("ışık atölyesi") == "isik atolyesi"
    assert wishes.group_key({"theme": "eten", "words": "x"}) == "theme:eten"
    assert wishes.group_key({"theme": None, "words": "Samen KOKEN"}) == "words:samen koken"


def test_pushed_wishes_are_grouped_at_the_desk_by_theme_and_by_their_words(hub, kiosk, web):
    for words in ("Işık atölyesi", "ışık ATÖLYESİ", "İşık atölyesi"):  # one wish, three casings
        wish(kiosk, words, language="tr", neighbourhood="centrum")
    wish(kiosk, "samen klussen", theme="repareren", language="pl")
    wish(kiosk, "fietsen maken", theme="repareren", language="uk", neighbourhood="centrum")
    wish(kiosk, "schaken", language="nl")
    SyncClient(kiosk).sync_once()

    turkish = group_of(hub, "words:isik atolyesi")
    assert len(turkish.wishes) == 3 and turkish.languages == ["tr"]
    assert turkish.neighbourhoods == ["Centrum"] and turkish.contacts == []
    theme = group_of(hub, "theme:repareren")
    assert len(theme.wishes) == 2 and theme.languages == ["pl", "uk"]
    assert theme.words == ["fietsen maken", "samen klussen"]  # newest first

    page = web.get(f"{hub.url}/desk/wishes", timeout=10)
    assert page.status_code == 200
    cards = {
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card)).strip()
        for card in re.findall(r'<section class="group wish"[^>]*>(.*?)</section>', page.text, re.S)
    }
    # The words as last typed stand for the group.
    assert any(c.startswith("“İşık atölyesi” Mensen 3 Met contactgegevens 0 Talen Turks"
                            " Wijken Centrum") for c in cards), cards  # fmt: skip
    theme = "Repareren en maken fietsen maken · samen klussen Mensen 2 Met contactgegevens 0"
    assert any(c.startswith(f"{theme} Talen Pools, Oekraïens") for c in cards), cards
    assert any(c.startswith("“schaken” Mensen 1 Met contactgegevens 0") for c in cards), cards
    # The group with the newest wish first.
    assert page.text.index("schaken") < page.text.index("Repareren en") < page.text.index("İşık")


# -- introducing the people behind a group ------------------------------------------------------


def test_an_introduction_mails_each_person_alone_in_their_language_and_lists_the_phones(
    hub, kiosk, web, sink
):
    ids = [wish(kiosk, "Samen Oekraïens koken", language=lang) for lang in ("nl", "ar", "uk")]
    ids.append(wish(kiosk, "samen oekraiens KOKEN", language="nl"))
    mailed = {"anna@voorbeeld.nl": "nl", "jos@bücher.de": "ar"}
    requests_ = [
        contact(kiosk, ids[0], "email", "anna@voorbeeld.nl", "nl"),
        contact(kiosk, ids[1], "email", "jos@bücher.de", "ar"),
        contact(kiosk, ids[2], "phone", "06-12345678", "uk"),
    ]
    SyncClient(kiosk).sync_once()
    key = "words:samen oekraiens koken"
    found = group_of(hub, key)
    assert len(found.wishes) == 4 and (found.emails, found.phones) == (2, 1)
    assert found.can_introduce

    page = web.get(f"{hub.url}/desk/wishes/group", params={"key": key}, timeout=10)
    assert page.status_code == 200 and "anna@" not in page.text and "0612" not in page.text
    sink.received.clear()
    token = csrf(web, f"{hub.url}/desk/wishes")
    reply = web.post(f"{hub.url}/desk/wishes/group", timeout=30, allow_redirects=False,
                     data={"csrf": token, "key": key,
                           "invitation": "Dinsdag 14 januari, 19.00 uur, in de hal."})  # fmt: skip
    assert reply.status_code == 303
    result = web.get(hub.url + reply.headers["location"], timeout=10)

    assert len(sink.received) == 2  # one mail per person with an e-mail address
    received = [parsed(m) for m in sink.received]
    for message in received:
        to = str(message["To"])
        text = body(message)
        assert to in mailed and message["Content-Language"] == mailed[to]
        assert "Dinsdag 14 januari" in text
        others = [a for a in mailed if a != to]
        headers = " ".join(str(v) for v in message.values())
        assert message["Reply-To"] == "receptie@lindewaard.example"
        for other in others:
            assert other not in text and other not in headers  # nobody else's address
        assert "+31612345678" not in text and "0612345678" not in text
        assert message["Cc"] is None and message["Bcc"] is None
    arabic = next(m for m in received if m["Content-Language"] == "ar")
    assert "Ontmoet" in body(arabic) and "الاستقبال" in body(arabic)
    dutch = next(m for m in received if m["Content-Language"] == "nl")
    assert "Samen Oekraïens koken" in body(dutch)  # their own words

    # The phone number is not on the result page: only a link to open it (audited there).
    assert "+3161" not in result.text and "0612" not in result.text
    assert f"/desk/contacts/{requests_[2]}" in result.text
    assert f"/desk/contacts/{requests_[0]}" not in result.text
    opened = web.get(f"{hub.url}/desk/contacts/{requests_[2]}", timeout=10)
    assert "+31612345678" in opened.text and "Over een wens:" in opened.text
    conn = conn_of(hub)
    try:
        audit = [r[0] for r in conn.execute("SELECT action FROM audit_log")]
        states = dict(conn.execute("SELECT wish_id, state FROM wish_states").fetchall())
    finally:
        conn.close()
    assert "contact request opened" in audit
    assert any(a.startswith("wishes introduced: 4, mailed 2, to call 1") for a in audit)
    assert all(states[i] == "introduced" for i in ids)
    assert group_of(hub, key) is None  # no longer waiting
    # Sending again is refused: the group is gone, nobody gets a second mail.
    again = web.post(f"{hub.url}/desk/wishes/group", timeout=30,
                     data={"csrf": token, "key": key, "invitation": "nog eens"})  # fmt: skip
    assert again.status_code == 404 and len(sink.received) == 2


def test_too_few_people_with_contact_details_cannot_be_introduced(hub, kiosk, web, sink):
    first = wish(kiosk, "boogschieten")
    wish(kiosk, "Boogschieten")
    contact(kiosk, first, "email", "piet@voorbeeld.nl", "nl")
    SyncClient(kiosk).sync_once()
    sink.received.clear()
    token = csrf(web, f"{hub.url}/desk/wishes")
    data = {"csrf": token, "key": "words:boogschieten", "invitation": "Kom!"}
    reply = web.post(f"{hub.url}/desk/wishes/group", data=data, timeout=30)
    assert reply.status_code == 409 and "minstens 3" in reply.text
    assert sink.received == [] and group_of(hub, "words:boogschieten") is not None


# -- the contacts pages, and erasure ------------------------------------------------------------


def test_the_contacts_pages_show_a_request_about_a_wish_without_a_group_mail(hub, kiosk, web):
    wished = wish(kiosk, "volksdansen", theme="bewegen")
    request = contact(kiosk, wished, "email", "mia@voorbeeld.nl", "pl")
    SyncClient(kiosk).sync_once()
    listing = web.get(f"{hub.url}/desk/contacts", timeout=10)
    assert listing.status_code == 200
    assert "Over een wens: Sport en bewegen · volksdansen" in listing.text
    page = web.get(f"{hub.url}/desk/contacts/{request}", timeout=10)
    assert "Over een wens:" in page.text and 'value="email"' not in page.text
    token = csrf(web, f"{hub.url}/desk/contacts")
    for action in ("email", "mailbox"):
        reply = web.post(f"{hub.url}/desk/contacts/{request}", timeout=10,
                         data={"csrf": token, "action": action,
                               "community": "x", "email": "a@b.nl"})  # fmt: skip
        assert reply.status_code == 400
    conn = conn_of(hub)
    try:
        assert desk_store.purge_expired(conn, date.today() + timedelta(days=91)) >= 1
        assert desk_store.contact_request(conn, request) is None  # erased like the others
        assert conn.execute("SELECT 1 FROM erased_records WHERE id = ?", [request]).fetchone()
    finally:
        conn.close()
    assert group_of(hub, "theme:bewegen").contacts == []  # the wish stays, anonymous


# -- attacks ------------------------------------------------------------------------------------


def test_only_receptionists_and_admins_open_or_post_the_wishes_pages(hub, kiosk):
    editor = desk_web(hub, "rob", "community_editor", community=sorted(hub.communities())[0])
    admin = desk_web(hub, "ada", "admin")
    nobody = requests.Session()
    target = wish(kiosk, "spam spam")
    SyncClient(kiosk).sync_once()
    for path in ("/desk/wishes", "/desk/wishes/group?key=words:spam%20spam"):
        assert editor.get(hub.url + path, timeout=10).status_code == 403
        assert admin.get(hub.url + path, timeout=10).status_code == 200
        reply = nobody.get(hub.url + path, timeout=10, allow_redirects=False)
        assert reply.status_code == 303 and reply.headers["location"].endswith("/desk/login")
    # An editor's own session token does not open the form to their role.
    token = re.search(r'name="csrf" value="([^"]+)"',
                      editor.get(f"{hub.url}/desk/", timeout=10).text).group(1)  # fmt: skip
    reply = editor.post(f"{hub.url}/desk/wishes/dismiss", timeout=10,
                        data={"csrf": token, "wish": target})  # fmt: skip
    assert reply.status_code == 403
    reply = nobody.post(f"{hub.url}/desk/wishes/dismiss", timeout=10, allow_redirects=False,
                        data={"csrf": token, "wish": target})  # fmt: skip
    assert reply.status_code == 303 and reply.headers["location"].endswith("/desk/login")
    assert group_of(hub, "words:spam spam") is not None


def test_forms_without_their_sessions_token_change_nothing(hub, kiosk, web):
    target = wish(kiosk, "zonder token")
    SyncClient(kiosk).sync_once()
    foreign = csrf(desk_web(hub, "kees", "receptionist"), f"{hub.url}/desk/wishes")
    for data in ({"wish": target}, {"wish": target, "csrf": foreign}):
        assert web.post(f"{hub.url}/desk/wishes/dismiss", data=data, timeout=10).status_code == 403
    assert group_of(hub, "words:zonder token") is not None
    token = csrf(web, f"{hub.url}/desk/wishes")
    reply = web.post(f"{hub.url}/desk/wishes/dismiss", timeout=10, allow_redirects=False,
                     data={"csrf": token, "wish": target, "key": "words:zonder token"})  # fmt: skip
    assert reply.status_code == 303 and group_of(hub, "words:zonder token") is None


def test_unknown_and_other_ids_and_bad_input_get_a_clear_answer(hub, kiosk, web):
    wish(kiosk, '<script>alert("x")</script> & <b>vet</b>')  # data, escaped on display
    wished = wish(kiosk, "lange teksten")
    request = contact(kiosk, wished, "phone", "0612345678", "nl")
    SyncClient(kiosk).sync_once()
    token = csrf(web, f"{hub.url}/desk/wishes")
    url = f"{hub.url}/desk/wishes"
    # A contact request's id is not a wish's; an unknown id is nobody's.
    for other in (request, new_record_id(), "'; DROP TABLE wish_states; --"):
        reply = web.post(f"{url}/dismiss", data={"csrf": token, "wish": other}, timeout=10)
        assert reply.status_code == 404 and "Niet gevonden" in reply.text
    assert web.post(f"{url}/dismiss", data={"csrf": token, "wish": "x" * 65},
                    timeout=10).status_code == 422  # fmt: skip
    for intro in ("999999", "abc", str(2**70), "-1"):
        assert web.get(f"{url}/introduced/{intro}", timeout=10).status_code in (404, 422)
    assert web.get(f"{url}/group", params={"key": "words:niets"}, timeout=10).status_code == 404
    assert web.get(f"{url}/group", params={"key": "k" * 201}, timeout=10).status_code == 422
    key = "words:lange teksten"
    for invitation, status in (("x" * 2001, 422), ("   ", 400), ("Kom\x00 langs", 400)):
        reply = web.post(f"{url}/group", timeout=10,
                         data={"csrf": token, "key": key, "invitation": invitation})  # fmt: skip
        assert reply.status_code == status, invitation[:10]
    assert group_of(hub, key) is not None  # nothing lost
    overview = web.get(url, timeout=10).text
    assert "<script>alert" not in overview and "&lt;script&gt;alert" in overview
    reply = web.post(f"{url}/group", data={"csrf": token, "key": key, "invitation": "   "},
                     timeout=10)  # fmt: skip
    assert "Schrijf eerst de uitnodiging." in reply.text


def test_a_flood_of_wishes_from_one_kiosk_meets_the_quota(hub, tmp_path, web):
    from sync.hub.store import QUOTAS_PER_HOUR

    flood = enrolled_kiosk(hub, tmp_path / "flood", "kiosk-flood")
    for i in range(150):
        wish(flood, f"overstroming {i}", kiosk="kiosk-flood")
    SyncClient(flood).sync_once()
    conn = conn_of(hub)
    try:
        applied = conn.execute(
            "SELECT count(*) FROM visitor_records WHERE entity = 'wish' AND kiosk = 'kiosk-flood'"
        ).fetchone()[0]
        quarantined = conn.execute(
            "SELECT count(*) FROM pushed_ops WHERE kiosk = 'kiosk-flood' AND status = 'quarantined'"
        ).fetchone()[0]
    finally:
        conn.close()
    quota = QUOTAS_PER_HOUR["wish"]
    # Made within seconds: one hour's quota (two, when those seconds straddle an hour).
    assert quota <= applied <= 2 * quota and quarantined == 150 - applied
    page = web.get(f"{hub.url}/desk/wishes", timeout=10)
    assert page.status_code == 200 and len(page.content) < 400_000


def test_without_a_mail_server_nobody_is_introduced_and_nothing_is_marked(tmp_path):
    bare = HubProcess(tmp_path / "bare").start()
    try:
        store = enrolled_kiosk(bare, tmp_path / "k", "kiosk-hal")
        SyncClient(store).sync_once()
        for i in range(3):
            contact(store, wish(store, "jeu de boules"), "email", f"p{i}@voorbeeld.nl", "nl")
        SyncClient(store).sync_once()
        desk = desk_web(bare, "sanne", "receptionist")
        token = csrf(desk, f"{bare.url}/desk/wishes")
        reply = desk.post(f"{bare.url}/desk/wishes/group", timeout=30,
                          data={"csrf": token, "key": "words:jeu de boules",
                                "invitation": "Zaterdag op het plein"})  # fmt: skip
        assert reply.status_code == 503 and "geen mailserver" in reply.text
        assert "Zaterdag op het plein" in reply.text  # what was written is not lost
        assert len(group_of(bare, "words:jeu de boules").wishes) == 3
    finally:
        bare.stop()


def test_the_overview_shows_at_most_its_cap_of_groups(hub, web):
    import json

    from sync.hub.desk.wishes import SHOWN_GROUPS

    conn = conn_of(hub)
    try:
        with hub_store.write(conn):
            for i in range(SHOWN_GROUPS + 20):  # as a year of many kiosks might leave
                rid = new_record_id()
                fields = {"id": rid, "theme": None, "words": f"los woord {i}", "gifts": [],
                          "neighbourhood": None, "source": "search", "language": "nl",
                          "kiosk": "kiosk-oud", "created_at": "2026-01-01T10:00:00Z"}  # fmt: skip
                conn.execute(
                    "INSERT INTO visitor_records (entity, id, kiosk, fields, received_at)"
                    " VALUES ('wish', ?, 'kiosk-oud', ?, '2026-01-01T10:00:00+00:00')",
                    [rid, json.dumps(fields)],
                )
    finally:
        conn.close()
    page = web.get(f"{hub.url}/desk/wishes", timeout=10).text
    assert page.count('<section class="group wish"') == SHOWN_GROUPS
    assert f"Alleen de nieuwste {SHOWN_GROUPS} staan hier." in page
