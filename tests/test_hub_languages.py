"""The hub in the kiosk's six languages: every public page, the edit page and every desk page,
in each language, with nothing left in English; Arabic right to left; the language a visitor
gets (?lang=, the switch's cookie, Accept-Language, the language a list was made in); the
e-mail to a group in the group's language. Against a real hub with records a real kiosk pushed."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
import requests
from babel.messages.pofile import read_po
from desk_helpers import account
from hub_helpers import hub_cli, store_of
from test_i18n import source_messages

from kiosk.contact import check_contact, load_public_key, seal
from kiosk.paths import LOCALE_DIR
from kiosk.visitor_records import (
    new_record_id,
    new_token,
    record_contact_request,
    record_help_request,
    record_interest,
    record_take_home_list,
)
from sync.client import SyncClient
from sync.hub import i18n, mail

LANGUAGES = ("nl", "en", "tr", "ar", "pl", "uk")


@pytest.fixture(scope="module")
def hub(module_hub):
    return module_hub


@pytest.fixture(scope="module")
def kiosk(module_kiosk):
    return module_kiosk


@pytest.fixture(scope="module")
def world(hub, kiosk):
    """Something on every page: a list, a receipt, a help request, an introduction, a change
    to review, a change waiting for a group, a community editor, a text only in Dutch."""
    from sync.hub import desk_store, proposals
    from sync.hub import store as hub_store

    ids = sorted(hub.communities())
    cid, other = ids[0], ids[1]
    # One text in Arabic (shown as written), the story only in Dutch (shown with a note).
    hub_cli(hub.data_dir, "edit-community", cid,
            'welcome={"nl": "Iedereen is welkom.", "ar": "الجميع مرحب بهم."}',
            'story={"nl": "Alleen in het Nederlands geschreven."}')  # fmt: skip
    token, old_token, receipt = new_token(), new_token(), new_token()
    record_take_home_list(kiosk, new_record_id(), token, ids[:3], "ar")
    record_take_home_list(kiosk, new_record_id(), old_token, ids[:2], "uk",
                          today=date.today() - timedelta(days=200))  # fmt: skip
    key = load_public_key(kiosk.get_state("hub_public_key"))
    sealed = seal(check_contact("email", "anna@voorbeeld.nl"), key)
    record_contact_request(kiosk, new_record_id(), [cid, other], "email", sealed, 90, receipt,
                           language="ar")  # fmt: skip
    to_withdraw = {lang: new_token() for lang in LANGUAGES}
    for each in to_withdraw.values():
        record_contact_request(kiosk, new_record_id(), [other], "email", sealed, 30, each)
    record_help_request(kiosk, new_record_id(), "ar", "kiosk-languages")
    for _i in range(6):
        record_interest(kiosk, new_record_id(), ["natuur"], [], None, "uk", "kiosk-languages")
    SyncClient(kiosk).sync_once()
    conn = store_of(hub.data_dir)
    try:
        contact_id = next(c["id"] for c in desk_store.contact_requests(conn)
                          if len(c["communities"]) == 2)  # fmt: skip
        desk_store.make_introduction(conn, "test", "visitor_community", contact_id, cid, "", 4)
        edit_token = proposals.new_edit_link(conn, "test", cid)
        record = hub_store.shared_record(conn, "community", cid)
        proposals.propose(conn, cid, {"pitch": {**record["pitch"], "nl": "Nieuw voorstel."}},
                          "community", "community")  # fmt: skip
        proposals.propose(conn, other, {"state": "resting"}, "community", "community")
    finally:
        conn.close()
    (event_id,) = kiosk.conn.execute("SELECT id FROM events LIMIT 1").fetchone()
    admin = account(hub, "sanne", "admin")
    editor = account(hub, "rob", "community_editor", community=cid)
    return {"community": cid, "other": other, "list": token, "old_list": old_token,
            "receipt": receipt, "contact": contact_id, "edit": edit_token, "event": event_id,
            "admin": admin, "editor": editor, "to_withdraw": to_withdraw}  # fmt: skip


def logged_in(hub, name: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{hub.url}/desk/login", timeout=10)
    pre = re.search(r'name="pre" value="([^"]+)"', page.text).group(1)
    reply = session.post(f"{hub.url}/desk/login", timeout=30,
                         data={"username": name, "password": password, "pre": pre})  # fmt: skip
    assert reply.url.endswith("/desk/queue") or reply.url.endswith("/desk/"), reply.url
    return session


class Visible(HTMLParser):
    """What a person sees or hears of a page: text, and the labels of controls and images."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        for name, value in attrs:
            if name in ("aria-label", "alt", "title", "placeholder", "label") and value:
                self.texts.append(value.strip())

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def visible(html: str) -> list[str]:
    parser = Visible()
    parser.feed(html)
    return parser.texts


def catalogue(lang: str):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "ontmoet.po").open("rb") as po:
        return read_po(po, locale=lang)


@pytest.fixture(scope="module")
def english_only():
    """Per language, the English messages whose translation is different: any of these on a
    page in that language is a message left untranslated."""
    messages = source_messages()
    found = {}
    for lang in LANGUAGES:
        if lang == "en":
            continue
        translated = {m.id: m.string for m in catalogue(lang) if m.id and isinstance(m.id, str)}
        found[lang] = {
            m for m in messages if isinstance(m, str) and translated.get(m, m) != m and "{" not in m
        }
    return found


#: Names on the pages that are data, not words: the accounts' names ("admin" is the first
#: account's, made by 'ontmoet-hub init').
NAMES = frozenset({"admin", "sanne", "rob"})


def untranslated(html: str, english: set[str]) -> list[str]:
    texts = [text for text in visible(html) if text not in NAMES]
    left = []
    for text in texts:
        for message in english:
            # Short messages ("Open", "Who") must be the whole text; a sentence may be inside.
            if text == message or (len(message.split()) >= 3 and message in text):
                left.append(message)
    # A code shown where a word belongs (seeking_organiser, delivered_by_email).
    left += [t for t in texts if re.fullmatch(r"[a-z]+(_[a-z]+)+", t)]
    return left


def public_paths(world) -> list[str]:
    return [
        f"/c/{world['community']}",
        f"/c/{world['other']}",
        f"/m/{world['list']}",
        f"/m/{world['old_list']}",
        f"/m/{new_token()}",
        f"/w/{world['receipt']}",
        f"/w/{new_token()}",
        "/c/not-a-community",
        f"/edit/{world['edit']}",
        f"/edit/{world['edit']}?done=sent",
        f"/edit/{new_token()}",
    ]


DESK_PAGES = ("queue", "contacts", "communities", "review", "introductions", "figures",
              "kiosks", "accounts", "audit", "password")  # fmt: skip


def desk_paths(world) -> list[str]:
    return [f"/desk/{name}" for name in DESK_PAGES] + [
        f"/desk/contacts/{world['contact']}",
        f"/desk/communities/{world['community']}",
    ]


def with_lang(path: str, lang: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


def check_page(reply: requests.Response, lang: str, english_only) -> None:
    html = reply.text
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in html, reply.url
    assert reply.headers["content-language"] == lang
    # The switch: all six, each in its own script.
    for code, name in i18n.LANGUAGE_NAMES.items():
        assert f'href="?lang={code}" hreflang="{code}" lang="{code}"' in html
        assert name in html
    if lang != "en":
        left = untranslated(html, english_only[lang])
        assert not left, f"{reply.url}: untranslated {left}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_public_page_and_the_edit_page_in_every_language(hub, world, english_only, lang):
    for path in public_paths(world):
        reply = requests.get(hub.url + with_lang(path, lang), timeout=10)
        assert reply.status_code in (200, 404, 410), path
        check_page(reply, lang, english_only)
    # Withdrawing, and the page after it (a receipt of its own: withdrawing erases it).
    receipt = world["to_withdraw"][lang]
    done = requests.post(f"{hub.url}/w/{receipt}?lang={lang}", data={"confirm": "yes"}, timeout=10)
    assert done.status_code == 200
    check_page(done, lang, english_only)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_desk_page_in_every_language(hub, world, english_only, lang):
    admin = logged_in(hub, "sanne", world["admin"])
    for path in desk_paths(world):
        reply = admin.get(hub.url + with_lang(path, lang), timeout=10)
        assert reply.status_code == 200, path
        check_page(reply, lang, english_only)
    # A community editor's home, a page not for their role, and the login page.
    editor = logged_in(hub, "rob", world["editor"])
    for path, status in (("/desk/", 200), ("/desk/queue", 403)):
        reply = editor.get(hub.url + with_lang(path, lang), timeout=10)
        assert reply.status_code == status
        check_page(reply, lang, english_only)
    check_page(requests.get(f"{hub.url}/desk/login?lang={lang}", timeout=10), lang, english_only)


def test_the_check_catches_a_message_left_in_english(english_only):
    # The walk above is not a formality: an English message on a Turkish page is found, in
    # text and in a label, and so is a code where a word belongs.
    page = '<p>Your consent</p><nav aria-label="Language"></nav><td>seeking_organiser</td>'
    found = sorted(untranslated(page, english_only["tr"]))
    assert found == ["Language", "Your consent", "seeking_organiser"]
    assert untranslated("<p>Jouw toestemming</p>", english_only["nl"]) == []


def test_arabic_pages_are_right_to_left(hub, world):
    for path in (f"/c/{world['community']}", f"/m/{world['list']}", "/desk/login"):
        html = requests.get(f"{hub.url}{path}?lang=ar", timeout=10).text
        assert '<html lang="ar" dir="rtl">' in html
    assert (
        '<html lang="uk" dir="ltr">'
        in requests.get(f"{hub.url}/c/{world['community']}?lang=uk", timeout=10).text
    )


def test_the_stylesheets_mirror_by_themselves_and_the_font_is_served(hub):
    for sheet in ("hub.css", "desk.css"):
        css = requests.get(f"{hub.url}/static/{sheet}", timeout=10).text
        # Physical sides would not mirror in a right-to-left page: logical ones only.
        assert not re.search(r"(margin|padding|border)-(left|right)|text-align:\s*(left|right)",
                             css), sheet  # fmt: skip
    css = requests.get(f"{hub.url}/static/hub.css", timeout=10).text
    fonts = re.findall(r'url\("(/static/[^"]+\.ttf)"\)', css)
    assert fonts and "http" not in "".join(re.findall(r"url\(([^)]*)\)", css))
    for font in fonts:
        reply = requests.get(hub.url + font, timeout=10)
        assert reply.status_code == 200 and reply.headers["content-type"] == "font/ttf"
        assert len(reply.content) > 100_000  # the real font, with Arabic glyphs
    page = requests.get(f"{hub.url}/desk/login", timeout=10)
    assert "font-src 'self'" in page.headers["content-security-policy"]


def test_an_arabic_list_opens_in_arabic_on_any_phone(hub, world):
    plain = requests.get(f"{hub.url}/m/{world['list']}", timeout=10)
    assert plain.status_code == 200
    assert '<html lang="ar" dir="rtl">' in plain.text and "قائمتك" in plain.text
    # Even on a phone set to English (the list was made in Arabic at the kiosk) ...
    english_phone = requests.get(f"{hub.url}/m/{world['list']}", timeout=10,
                                 headers={"Accept-Language": "en-GB,en;q=0.9"})  # fmt: skip
    assert '<html lang="ar"' in english_phone.text
    # ... unless the visitor switches: then the switch wins.
    assert '<html lang="nl"' in requests.get(f"{hub.url}/m/{world['list']}?lang=nl").text
    # The groups on it open in Arabic too.
    assert f'href="/c/{world["community"]}?lang=ar"' in plain.text


def test_community_texts_in_the_visitors_language_or_honestly_in_dutch(hub, world):
    html = requests.get(f"{hub.url}/c/{world['community']}?lang=ar", timeout=10).text
    assert '<span lang="ar" dir="auto">الجميع مرحب بهم.</span>' in html  # as the group wrote
    # The story exists only in Dutch: shown, with "In Dutch:" in Arabic before it.
    assert "باللغة الهولندية:" in html
    assert '<span lang="nl" dir="auto">Alleen in het Nederlands geschreven.</span>' in html
    dutch = requests.get(f"{hub.url}/c/{world['community']}?lang=nl", timeout=10).text
    assert "In het Nederlands:" not in dutch and "Iedereen is welkom." in dutch
    english = requests.get(f"{hub.url}/c/{world['community']}?lang=en", timeout=10).text
    assert "In Dutch:" in english


def test_a_receipt_opens_in_the_language_its_link_says(hub, world):
    # The kiosk's receipt code carries ?lang= (kiosk.qr.receipt_url).
    html = requests.get(f"{hub.url}/w/{world['receipt']}?lang=uk", timeout=10).text
    assert '<html lang="uk"' in html and "Ваша згода" in html


def test_a_receipt_opens_in_the_language_the_visitor_used_at_the_kiosk(hub, world):
    # The kiosk sends the visitor's language with the request; a phone that says nothing,
    # or another language, still gets the receipt in Arabic.
    for headers in ({}, {"Accept-Language": "nl-NL,nl;q=0.9"}):
        html = requests.get(f"{hub.url}/w/{world['receipt']}", headers=headers, timeout=10).text
        assert '<html lang="ar" dir="rtl"' in html


def test_lang_beats_the_cookie_which_beats_accept_language(hub, world):
    url = f"{hub.url}/c/{world['community']}"

    def lang_of(reply: requests.Response) -> str:
        return re.search(r'<html lang="(\w+)"', reply.text).group(1)

    ukrainian_phone = {"Accept-Language": "uk-UA,uk;q=0.9,en;q=0.5"}
    assert lang_of(requests.get(url, headers=ukrainian_phone, timeout=10)) == "uk"
    cookie = {"ontmoet_lang": "pl"}
    assert lang_of(requests.get(url, headers=ukrainian_phone, cookies=cookie, timeout=10)) == "pl"
    asked = requests.get(f"{url}?lang=tr", headers=ukrainian_phone, cookies=cookie, timeout=10)
    assert lang_of(asked) == "tr"
    # The switch is remembered: the next page, without ?lang, is in the chosen language.
    phone = requests.Session()
    phone.headers.update(ukrainian_phone)
    switched = phone.get(f"{url}?lang=ar", timeout=10)
    assert lang_of(switched) == "ar" and "ontmoet_lang=ar" in switched.headers["set-cookie"]
    assert lang_of(phone.get(url, timeout=10)) == "ar"
    assert lang_of(phone.get(f"{hub.url}/desk/login", timeout=10)) == "ar"  # the desk too
    # q-values count, not the order; a language the hub does not speak is passed over.
    header = {"Accept-Language": "fr;q=1, en;q=0.3, tr;q=0.8"}
    assert lang_of(requests.get(url, headers=header, timeout=10)) == "tr"
    assert lang_of(requests.get(url, timeout=10)) == "nl"  # nothing said: Dutch


@pytest.mark.parametrize(
    "query, header, expected",
    [
        ("?lang=xx", "en", "en"),
        ("?lang=%00", "tr", "tr"),
        ("?lang=" + "a" * 5000, "uk", "uk"),
        ("?lang=<script>", "ar", "ar"),
        ("?lang=", None, "nl"),
        ("", ";;;,,,q=,;q=abc", "nl"),
        ("", "uk;q=nan, pl;q=inf", "nl"),
        ("", "uk;q=2, pl;q=-1", "nl"),
        ("", "en;q=0", "nl"),
        ("", "x" * 4000, "nl"),
        ("", ",".join(["zz;q=0.5"] * 2000) + ",uk", "nl"),  # read no further than 40 parts
        ("", "*", "nl"),
    ],
)
def test_a_malformed_language_falls_back_without_a_crash(hub, world, query, header, expected):
    headers = {"Accept-Language": header} if header else {}
    reply = requests.get(f"{hub.url}/c/{world['community']}{query}", headers=headers, timeout=10)
    assert reply.status_code == 200
    assert re.search(r'<html lang="(\w+)"', reply.text).group(1) == expected
    assert "set-cookie" not in reply.headers  # nothing remembered from nonsense


@pytest.mark.parametrize(
    "header, expected",
    [
        ("uk-UA,uk;q=0.9,en;q=0.8", "uk"),
        ("en;q=0.2, ar", "ar"),
        ("fr, pl;q=0.1", "pl"),
        ("de", None),
        ("", None),
        ("uk;q=1.5", None),
        ("uk;q=0", None),
        ("tr;q=nan", None),
        ("PL", "pl"),
    ],
)
def test_accept_language_by_q_values(header, expected):
    assert i18n.from_accept_language(header) == expected


def test_the_mail_is_in_the_groups_language_and_names_the_visitors():
    settings = mail.MailSettings(host="127.0.0.1", sender="receptie@lindewaard.example")
    message = mail.contact_message(settings, "groep@voorbeeld.nl", "Soepclub", "phone",
                                   "+31612345678", "2026-12-03", group_language="tr",
                                   visitor_language="ar")  # fmt: skip
    body = message.get_content()
    assert message["Subject"] == "Biri Soepclub ile tanışmak istiyor"
    assert message["Content-Language"] == "tr"
    assert "Kişi Arapça dilinde yanıt almak istiyor." in body  # the visitor: Arabic
    assert "+31612345678" in body and "3 Aralık 2026" in body
    dutch = mail.contact_message(settings, "groep@voorbeeld.nl", "Soepclub", "email",
                                 "a@voorbeeld.nl", "2026-12-03", visitor_language="uk")  # fmt: skip
    assert dutch["Subject"] == "Iemand wil graag kennismaken met Soepclub"
    assert "Diegene wil graag antwoord in het Oekraïens." in dutch.get_content()
    unknown = mail.contact_message(settings, "groep@voorbeeld.nl", "Soepclub", "email",
                                   "a@voorbeeld.nl", "2026-12-03")  # fmt: skip
    assert "De kiosk gaf niet door in welke taal" in unknown.get_content()


@pytest.mark.parametrize(
    "languages, expected",
    [([], "nl"), (["nl", "tr"], "nl"), (["tr", "ar"], "tr"), (["de", "pl"], "pl"), (["de"], "nl")],
)
def test_a_group_is_written_to_in_its_language(languages, expected):
    assert mail.group_language({"languages": languages}) == expected


def test_an_event_file_in_the_visitors_language(hub, world):
    from icalendar import Calendar

    reply = requests.get(f"{hub.url}/e/{world['event']}.ics?lang=uk", timeout=10)
    (event,) = Calendar.from_ical(reply.content).walk("VEVENT")
    conn = hub.db()
    (data,) = conn.execute(
        "SELECT data FROM shared_records WHERE entity = 'event' AND id = ?", [world["event"]]
    ).fetchone()
    conn.close()
    title = json.loads(data)["title"]
    assert "uk" not in title  # the demo's events are in Dutch and English
    # In Dutch, and said so in Ukrainian.
    assert str(event["summary"]) == f"Іншою мовою (нідерландська): {title['nl']}"
