"""The desk keeps the town's lists (issue 14, item 1): themes, neighbourhoods and villages, gifts
of head, hands and heart. Against real hub processes, one set up without the demo (as a town
going live) and one with it (groups that use the terms), and with a real kiosk that syncs."""

from __future__ import annotations

import json
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from desk_helpers import account, log_in
from hub_helpers import HubProcess, enrolled_kiosk, store_of
from playwright.sync_api import Page, expect
from test_hub_languages import LANGUAGES, english_only, untranslated  # noqa: F401  (a fixture)

from sync.client import SyncClient
from sync.hub import proposals, taxonomy
from sync.hub import store as hub_store

# -- helpers --------------------------------------------------------------------------------


class Desk:
    """A person logged in at the desk, as a browser is: the session cookie and its CSRF token."""

    def __init__(self, hub, name: str, password: str) -> None:
        self.hub, self.web = hub, requests.Session()
        form = self.web.get(f"{hub.url}/desk/login", timeout=10)
        pre = re.search(r'name="pre" value="([^"]+)"', form.text).group(1)
        self.web.post(f"{hub.url}/desk/login", timeout=30,
                      data={"username": name, "password": password, "pre": pre})  # fmt: skip
        self.csrf = re.search(r'name="csrf" value="([^"]+)"', self.get("/desk/lists").text)[1]

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.web.get(self.hub.url + path, timeout=10, allow_redirects=False, **kwargs)

    def post(self, path: str, csrf: str | None = None, **data) -> requests.Response:
        data = {"csrf": self.csrf if csrf is None else csrf, **data}
        return self.web.post(self.hub.url + path, data=data, timeout=10, allow_redirects=False)

    def add(self, list_name: str, nl: str, kind: str = "", **labels) -> requests.Response:
        fields = {f"label_{lang}": text for lang, text in {"nl": nl, **labels}.items()}
        return self.post(f"/desk/lists/{list_name}/add", kind=kind, **fields)


def conn_of(hub) -> sqlite3.Connection:
    return store_of(hub.data_dir)


def record_of(hub) -> dict | None:
    conn = conn_of(hub)
    try:
        return hub_store.shared_record(conn, "taxonomy", "taxonomy")
    finally:
        conn.close()


def slugs(hub, list_name: str) -> list[str]:
    return [t["slug"] for t in (record_of(hub) or {}).get(list_name, [])]


def stored_state(hub) -> tuple:
    """Everything a refused change must leave as it was: the shared records and the log."""
    conn = conn_of(hub)
    try:
        return (
            conn.execute("SELECT entity, id, data, revision FROM shared_records ORDER BY 1, 2")
            .fetchall(),
            hub_store.last_seq(conn),
        )  # fmt: skip
    finally:
        conn.close()


def community(hub, cid: str) -> dict:
    conn = conn_of(hub)
    try:
        return hub_store.shared_record(conn, "community", cid)
    finally:
        conn.close()


def audit_log(hub) -> list[tuple[str, str, str]]:
    conn = conn_of(hub)
    try:
        return conn.execute("SELECT actor, action, target FROM audit_log ORDER BY id").fetchall()
    finally:
        conn.close()


TAKEN = "Deze lijst heeft al een term met deze Nederlandse naam."


def refusal(reply: requests.Response) -> str:
    """The message a refused form shows (role=alert)."""
    found = re.search(r'role="alert">(?:<p>)?([^<]+)<', reply.text)
    return found[1] if found else ""


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A hub as 'ontmoet-hub init' leaves it, without the demo: a town going live."""
    hub = HubProcess(tmp_path_factory.mktemp("fresh"), demo=False).start()
    yield hub
    hub.stop()


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    """A hub with the demo town: 64 groups that use the terms."""
    hub = HubProcess(tmp_path_factory.mktemp("town")).start()
    yield hub
    hub.stop()


@pytest.fixture(scope="module")
def anna(fresh):
    return Desk(fresh, "anna", account(fresh, "anna", "admin"))


@pytest.fixture(scope="module")
def sanne(town):
    return Desk(town, "sanne", account(town, "sanne", "receptionist"))


# -- slugs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "slug"),
    [
        ("Natuur", "natuur"),
        ("Buurt & Zorg", "buurt-zorg"),
        ("Koffie in café Ĳsselzicht", "koffie-in-cafe-ijsselzicht"),
        ("  Fietsen   maken!  ", "fietsen-maken"),
        ("’t Hoogeland 2", "t-hoogeland-2"),
        ("مرحبا", ""),
    ],
)
def test_a_slug_is_made_from_the_dutch_label(label, slug):
    assert taxonomy.make_slug(label) == slug


# -- a hub without the demo ----------------------------------------------------------------


def test_a_hub_without_the_demo_starts_with_empty_lists_and_the_first_term_makes_the_record(
    fresh, anna
):
    assert record_of(fresh) is None
    page = anna.get("/desk/lists")
    assert page.status_code == 200 and page.text.count("Deze lijst is leeg.") == 3
    reply = anna.add("themes", "Samen eten", en="Eating together", ar="الأكل معًا")
    assert reply.status_code == 303
    assert reply.headers["location"] == "/desk/lists?done=added#themes-samen-eten"
    record = record_of(fresh)
    assert record["themes"] == [
        {
            "slug": "samen-eten",
            "labels": {"nl": "Samen eten", "en": "Eating together", "ar": "الأكل معًا"},
        }
    ]  # fmt: skip  (empty languages are left out, never stored as "")
    assert record["neighbourhoods"] == [] and record["gifts"] == []
    assert ("anna", "taxonomy: theme added", "samen-eten") in audit_log(fresh)
    assert "Toegevoegd." in anna.get("/desk/lists?done=added").text


def test_add_rename_and_reorder_reach_a_kiosk(fresh, anna, tmp_path):
    for nl, en in (("Tuin", "Garden"), ("Muziek", "Music"), ("Taal", "Language")):
        assert anna.add("themes", nl, en=en).status_code == 303
    assert anna.add("neighbourhoods", "Ter Aa").status_code == 303
    gift = anna.add("gifts", "Koken", en="Cooking", kind="hands")
    assert gift.status_code == 303
    before = slugs(fresh, "themes")
    assert before[-3:] == ["tuin", "muziek", "taal"]
    # Rename: new labels, the same slug.
    reply = anna.post("/desk/lists/themes/tuin/rename", label_nl="Moestuin",
                      label_en="Vegetable garden", label_uk="Город")  # fmt: skip
    assert reply.status_code == 303
    # Reorder: 'taal' two places up, 'tuin' one down.
    for slug, direction in (("taal", "up"), ("taal", "up"), ("tuin", "down")):
        assert anna.post(f"/desk/lists/themes/{slug}/move", direction=direction).status_code == 303
    order = slugs(fresh, "themes")
    assert order[-3:] == ["taal", "muziek", "tuin"]
    log = audit_log(fresh)
    assert ("anna", "taxonomy: theme renamed", "tuin") in log
    assert ("anna", "taxonomy: theme moved up", "taal") in log
    assert ("anna", "taxonomy: gift added", "koken") in log
    # Up at the top and down at the bottom change nothing, and store nothing.
    state = stored_state(fresh)
    anna.post(f"/desk/lists/themes/{order[0]}/move", direction="up")
    anna.post(f"/desk/lists/themes/{order[-1]}/move", direction="down")
    assert stored_state(fresh) == state

    kiosk = enrolled_kiosk(fresh, tmp_path / "k", "kiosk-lijsten")
    SyncClient(kiosk).sync_once()
    themes = kiosk.themes()
    assert [t.slug for t in themes] == order
    tuin = next(t for t in themes if t.slug == "tuin")
    assert tuin.labels == {"nl": "Moestuin", "en": "Vegetable garden", "uk": "Город"}
    assert tuin.label("en") == "Vegetable garden" and tuin.label("tr") == "Moestuin"
    assert [(g.slug, g.kind, g.labels["en"]) for g in kiosk.gifts()] == [
        ("koken", "hands", "Cooking")
    ]
    assert [t.slug for t in kiosk.neighbourhoods()] == ["ter-aa"]
    # The next change reaches it with the next sync.
    anna.post("/desk/lists/themes/tuin/move", direction="up")
    SyncClient(kiosk).sync_once()
    assert [t.slug for t in kiosk.themes()][-3:] == ["taal", "tuin", "muziek"]


def test_two_desks_adding_at_once_lose_nothing(fresh, anna):
    """Each change reads and writes the list in one write transaction: no lost update."""
    other = Desk(fresh, "bram", account(fresh, "bram", "receptionist"))

    def add_eight(desk: Desk, first: int) -> list[int]:  # one session per thread
        return [desk.add("neighbourhoods", f"Dorp {i}").status_code for i in range(first, 16, 2)]

    with ThreadPoolExecutor(2) as pool:
        codes = [c for done in pool.map(add_eight, (anna, other), (0, 1)) for c in done]
    assert codes == [303] * 16
    assert {f"dorp-{i}" for i in range(16)} <= set(slugs(fresh, "neighbourhoods"))


def test_a_theme_and_a_neighbourhood_of_the_same_name_get_different_slugs(fresh, anna):
    # Kiosks look terms up by slug across the three lists.
    assert anna.add("themes", "Haven").status_code == 303
    assert anna.add("neighbourhoods", "Haven").status_code == 303
    assert "haven" in slugs(fresh, "themes") and "haven-2" in slugs(fresh, "neighbourhoods")
    state = stored_state(fresh)
    again = anna.add("neighbourhoods", "Haven")  # the same name twice in one list, still
    assert again.status_code == 400 and refusal(again) == TAKEN
    assert stored_state(fresh) == state


def test_the_page_counts_the_groups_of_every_term(town, sanne):
    page = sanne.get("/desk/lists").text
    shown = dict(re.findall(r'<li id="([a-z0-9-]+)">.*?Groepen: (\d+)', page, re.S))
    conn = conn_of(town)
    try:
        expected = {
            f"{name}-{t['slug']}": str(len(taxonomy.groups_using(conn, name, t["slug"])))
            for name in taxonomy.LISTS
            for t in taxonomy.current(conn)[name]
        }
    finally:
        conn.close()
    assert shown == expected and "themes-buurt" in shown and shown["themes-buurt"] != "0"


# -- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({"nl": ""}, "De Nederlandse naam is verplicht."),
        ({"nl": "   ", "en": "Nature"}, "De Nederlandse naam is verplicht."),
        ({"nl": "!!!"}, "De Nederlandse naam heeft minstens één letter of cijfer nodig."),
        ({"nl": "x" * 81}, "Een naam heeft hoogstens 80 tekens."),
        ({"nl": "Natuur", "ar": "ط" * 81}, "Een naam heeft hoogstens 80 tekens."),
        ({"nl": "y" * 5000}, "Een naam heeft hoogstens 80 tekens."),
        ({"nl": "Twee\nregels"}, "Een naam is één regel tekst, zonder bijzondere tekens."),
    ],
)
def test_a_bad_name_gets_a_clear_message_and_nothing_is_stored(fresh, anna, labels, message):
    state = stored_state(fresh)
    reply = anna.add("themes", **labels)
    assert reply.status_code == 400 and refusal(reply) == message
    assert stored_state(fresh) == state


def test_the_refused_name_is_marked_and_what_was_typed_stays(fresh, anna):
    reply = anna.add("themes", "Natuur en stilte", en="Nature", ar="ط" * 81)
    assert reply.status_code == 400
    field = re.search(r'<input id="add-themes-ar"[^>]*>', reply.text)[0]
    assert 'aria-invalid="true"' in field and "autofocus" in field
    assert 'value="Natuur en stilte"' in reply.text and 'value="Nature"' in reply.text
    assert reply.text.count('aria-invalid="true"') == 1


@pytest.mark.parametrize(
    "body", [b"label_nl=Zee%ED%A0%80", b"label_nl=Zee%FF%FE", b"label_nl=Zee&label_en=%ED%A0%80x"]
)
def test_malformed_text_is_refused_plainly(fresh, anna, body):
    state = stored_state(fresh)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    body += b"&csrf=" + anna.csrf.encode()
    reply = anna.web.post(f"{fresh.url}/desk/lists/themes/add", data=body, headers=form,
                          timeout=10, allow_redirects=False)  # fmt: skip
    assert reply.status_code == 400
    assert refusal(reply) == "Een naam is één regel tekst, zonder bijzondere tekens."
    assert stored_state(fresh) == state


def test_a_slug_collision_is_refused_with_a_clear_message(fresh, anna):
    assert anna.add("themes", "Bewegen").status_code == 303
    state = stored_state(fresh)
    for same in ("Bewegen", "  bewegen!", "Bewégen"):
        reply = anna.add("themes", same)
        assert reply.status_code == 400
        assert refusal(reply) == TAKEN
        assert same.strip() in reply.text  # the form keeps what was typed
    assert stored_state(fresh) == state
    # Renaming another term to that name is refused as well; its own name again is not.
    assert anna.add("themes", "Dansen").status_code == 303
    state = stored_state(fresh)
    reply = anna.post("/desk/lists/themes/dansen/rename", label_nl="Bewegen")
    assert reply.status_code == 400 and refusal(reply) == TAKEN
    assert stored_state(fresh) == state
    same = anna.post("/desk/lists/themes/bewegen/rename", label_nl="Bewegen", label_en="Moving")
    assert same.status_code == 303


def test_a_gift_needs_its_kind(fresh, anna):
    state = stored_state(fresh)
    for kind in ("", "feet"):
        reply = anna.add("gifts", "Zingen", kind=kind)
        assert reply.status_code == 400 and refusal(reply) == "Kies hoofd, handen of hart."
    assert stored_state(fresh) == state


def test_a_list_holds_at_most_100_terms(tmp_path):
    hub = HubProcess(tmp_path / "hub", demo=False).start()
    try:
        desk = Desk(hub, "anna", account(hub, "anna", "receptionist"))
        for i in range(100):  # a flood of adds meets the list's cap
            assert desk.add("neighbourhoods", f"Wijk {i}").status_code == 303
        state = stored_state(hub)
        reply = desk.add("neighbourhoods", "Wijk 100")
        assert reply.status_code == 400
        assert refusal(reply) == "Een lijst heeft hoogstens 100 termen. Haal eerst een term weg."
        assert stored_state(hub) == state and len(slugs(hub, "neighbourhoods")) == 100
    finally:
        hub.stop()


def test_unknown_lists_and_terms_and_oversized_bodies(fresh, anna):
    state = stored_state(fresh)
    assert anna.get("/desk/lists/colours/red").status_code == 404
    assert anna.get("/desk/lists/themes/no-such-term").status_code == 404
    colours = anna.add("colours", "Rood")
    assert colours.status_code == 400 and refusal(colours) == "Deze lijst bestaat niet."
    assert anna.post("/desk/lists/themes/no-such-term/rename", label_nl="X").status_code == 404
    assert anna.post("/desk/lists/themes/no-such-term/retire", into="-").status_code == 404
    assert anna.post("/desk/lists/themes/no-such-term/move", direction="up").status_code == 400
    huge = anna.post("/desk/lists/themes/add", label_nl="z" * 300_000)
    assert huge.status_code == 413
    assert stored_state(fresh) == state


# -- roles and forms -----------------------------------------------------------------------


def test_without_a_session_every_lists_route_goes_to_login(fresh):
    state = stored_state(fresh)
    for method, path in (("get", "/desk/lists"), ("get", "/desk/lists/themes/taal"),
                         ("post", "/desk/lists/themes/add"),
                         ("post", "/desk/lists/themes/taal/move"),
                         ("post", "/desk/lists/themes/taal/rename"),
                         ("post", "/desk/lists/themes/taal/retire")):  # fmt: skip
        data = {"label_nl": "Inbraak", "direction": "up", "into": "-"}
        reply = requests.request(method, fresh.url + path, data=data, timeout=10,
                                 allow_redirects=False)  # fmt: skip
        assert reply.status_code == 303 and reply.headers["location"] == "/desk/login", path
    assert stored_state(fresh) == state


def test_a_community_editor_may_not_keep_the_lists(town):
    group = sorted(town.communities())[0]
    editor = Desk(town, "rob", account(town, "rob", "community_editor", community=group))
    assert editor.csrf  # their own page has a form with their token
    state = stored_state(town)
    assert editor.get("/desk/lists").status_code == 403
    assert editor.get("/desk/lists/themes/natuur").status_code == 403
    for path, data in (("/desk/lists/themes/add", {"label_nl": "Eigen thema"}),
                       ("/desk/lists/themes/natuur/move", {"direction": "up"}),
                       ("/desk/lists/themes/natuur/rename", {"label_nl": "Groen"}),
                       ("/desk/lists/themes/natuur/retire", {"into": "-"})):  # fmt: skip
        assert editor.post(path, **data).status_code == 403, path
    assert "Lijsten" not in editor.get("/desk/mine").text  # not in their navigation
    assert stored_state(town) == state


def test_a_form_without_its_sessions_token_is_refused(town, sanne):
    other = Desk(town, "fatima", account(town, "fatima", "admin"))
    assert other.csrf != sanne.csrf
    state = stored_state(town)
    for csrf in ("", "forged", other.csrf):  # missing, made up, another person's
        for path, data in (("/desk/lists/themes/add", {"label_nl": "Vervalst"}),
                           ("/desk/lists/themes/natuur/move", {"direction": "down"}),
                           ("/desk/lists/themes/natuur/rename", {"label_nl": "Vervalst"}),
                           ("/desk/lists/themes/natuur/retire", {"into": "-"})):  # fmt: skip
            reply = sanne.post(path, csrf=csrf, **data)
            assert reply.status_code == 403 and "verlopen" in reply.text, (csrf, path)
    assert stored_state(town) == state


# -- retiring a term that groups use -------------------------------------------------------


def test_retire_moves_the_groups_in_one_change_and_kiosks_follow(town, sanne, tmp_path):
    kiosk = enrolled_kiosk(town, tmp_path / "k", "kiosk-retire")
    SyncClient(kiosk).sync_once()
    conn = conn_of(town)
    users = [g.id for g in taxonomy.groups_using(conn, "themes", "natuur")]
    revisions = {cid: hub_store.community_revision(conn, cid) for cid in users}
    seq = hub_store.last_seq(conn)
    conn.close()
    assert len(users) == 9
    page = sanne.get("/desk/lists/themes/natuur")
    assert "9 groepen gebruiken deze term nu:" in page.text
    reply = sanne.post("/desk/lists/themes/natuur/retire", into="duurzaam")
    assert reply.status_code == 303
    assert reply.headers["location"] == "/desk/lists?done=retired#themes"
    assert "natuur" not in slugs(town, "themes")
    for cid in users:
        record = community(town, cid)
        assert "natuur" not in record["themes"] and "duurzaam" in record["themes"]
        assert len(record["themes"]) == len(set(record["themes"]))  # no theme twice
        assert record["revision"] == revisions[cid] + 1
    # One change: every group and the list in the log, the list last.
    conn = conn_of(town)
    logged = conn.execute(
        "SELECT entity, id FROM changes WHERE seq > ? ORDER BY seq", [seq]
    ).fetchall()
    conn.close()
    assert sorted(rid for entity, rid in logged[:-1]) == sorted(users)
    assert logged[-1] == ("taxonomy", "taxonomy")
    assert ("sanne", "taxonomy: theme retired, 9 groups moved into duurzaam",
            "natuur") in audit_log(town)  # fmt: skip
    SyncClient(kiosk).sync_once()
    assert "natuur" not in [t.slug for t in kiosk.themes()]
    for cid in users:
        (themes,) = kiosk.conn.execute(
            "SELECT themes FROM communities WHERE id = ?", [cid]
        ).fetchone()
        assert "natuur" not in json.loads(themes) and "duurzaam" in json.loads(themes)


def test_retire_moves_proposals_that_wait_too(town, sanne):
    """A group's change still waiting for the desk must not bring a retired term back."""
    conn = conn_of(town)
    spel = taxonomy.groups_using(conn, "themes", "spel")[0].id
    (onderdak,) = taxonomy.groups_using(conn, "themes", "onderdak")
    proposals.propose(conn, spel, {"themes": ["spel", "taal"]}, "community", "test")
    proposals.propose(conn, onderdak.id, {"themes": ["onderdak"], "state": "resting"},
                      "community", "test")  # fmt: skip
    conn.close()
    assert sanne.post("/desk/lists/themes/spel/retire", into="jongeren").status_code == 303
    assert sanne.post("/desk/lists/themes/onderdak/retire", into="-").status_code == 303
    conn = conn_of(town)
    waiting = {p["community_id"]: p["changes"] for p in proposals.pending(conn, "review")}
    conn.close()
    assert waiting[spel] == {"themes": ["jongeren", "taal"]}
    assert waiting[onderdak.id] == {"state": "resting"}  # it keeps the themes it has


def test_retire_a_neighbourhood_into_none(town, sanne):
    conn = conn_of(town)
    users = [g.id for g in taxonomy.groups_using(conn, "neighbourhoods", "broekhuizen")]
    conn.close()
    assert users
    reply = sanne.post("/desk/lists/neighbourhoods/broekhuizen/retire", into="-")
    assert reply.status_code == 303
    assert all(community(town, cid)["neighbourhood"] is None for cid in users)
    assert "broekhuizen" not in slugs(town, "neighbourhoods")


def test_a_term_no_group_uses_retires_at_once(fresh, anna):
    assert anna.add("themes", "Tijdelijk").status_code == 303
    page = anna.get("/desk/lists/themes/tijdelijk")
    assert "Geen groep gebruikt deze term." in page.text
    assert anna.post("/desk/lists/themes/tijdelijk/retire").status_code == 303
    assert "tijdelijk" not in slugs(fresh, "themes")


def test_a_group_keeps_at_least_one_theme(town, sanne):
    conn = conn_of(town)
    only = [g.name for g in taxonomy.groups_using(conn, "themes", "zorg") if not g.keeps_a_theme]
    conn.close()
    assert only  # the demo has a group whose one theme is 'zorg'
    page = sanne.get("/desk/lists/themes/zorg")
    assert 'value="-"' not in page.text  # "none" is not offered
    state = stored_state(town)
    reply = sanne.post("/desk/lists/themes/zorg/retire", into="-")  # posted all the same
    assert reply.status_code == 400
    assert refusal(reply).startswith("Een groep heeft minstens één thema nodig.")
    assert all(name in reply.text for name in only)
    no_choice = sanne.post("/desk/lists/themes/zorg/retire")
    assert no_choice.status_code == 400 and refusal(no_choice) == "Kies waar de groepen heen gaan."
    assert stored_state(town) == state


def test_retiring_into_a_term_of_another_list_is_refused(town, sanne):
    state = stored_state(town)
    same_list = "Kies een term uit dezelfde lijst."
    gone = "Deze term staat niet (meer) in de lijst."
    itself = "Kies een andere term dan de term die je weghaalt."
    for into, message in (("centrum", same_list), ("koken", same_list), ("bestaat-niet", gone),
                          ("kinderen", itself)):  # fmt: skip
        reply = sanne.post("/desk/lists/themes/kinderen/retire", into=into)
        assert reply.status_code == 400 and refusal(reply) == message, into
    assert stored_state(town) == state


# -- in every language --------------------------------------------------------------------


def check_main(reply: requests.Response, lang: str, english_only) -> None:  # noqa: F811
    """The page is in ``lang``, and nothing in its main part is left in English (the
    navigation above it is every page's, checked by test_hub_languages)."""
    html = reply.text
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in html
    main = html[html.index("<main>") :]
    if lang != "en":
        left = untranslated(main, english_only[lang])
        assert not left, f"{reply.url}: untranslated {left}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_lists_pages_in_every_language(town, english_only, lang):  # noqa: F811
    desk = Desk(town, f"taal-{lang}", account(town, f"taal-{lang}", "receptionist"))
    for path in ("/desk/lists", "/desk/lists/gifts/koken", "/desk/lists/themes/zorg",
                 "/desk/lists?done=retired"):  # fmt: skip
        reply = desk.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        assert reply.status_code == 200, path
        check_main(reply, lang, english_only)
    refused = desk.post(f"/desk/lists/themes/zorg/retire?lang={lang}", into="-")
    assert refused.status_code == 400
    check_main(refused, lang, english_only)


# -- in a browser --------------------------------------------------------------------------


AFTER_SYNC = "Kiosks tonen het na hun volgende sync."
UP = "Kunst & cultuur omhoog"


def test_add_reorder_and_retire_in_a_browser(town, page: Page):
    password = account(town, "noor", "receptionist")
    log_in(page, town, "noor", password)
    page.get_by_role("link", name="Lijsten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thema's, buurten en gaven")
    themes = page.locator("#themes")
    # Add a theme (no JavaScript needed: details/summary and a plain form).
    themes.get_by_text("Een thema toevoegen").first.click()
    themes.get_by_label("Nederlands (verplicht)").fill("Kunst & cultuur")
    themes.get_by_label("English").fill("Art and culture")
    themes.get_by_label("العربية").fill("الفن والثقافة")
    themes.get_by_role("button", name="Een thema toevoegen").click()
    expect(page.get_by_role("status")).to_have_text(
        "Toegevoegd. Kiosks tonen het na hun volgende sync."
    )
    new = page.locator("#themes-kunst-cultuur")
    expect(new).to_contain_text("Kunst & cultuur")
    # Reorder: up, twice.
    last = slugs(town, "themes")
    assert last[-1] == "kunst-cultuur"
    new.get_by_role("button", name="Kunst & cultuur omhoog").click()
    page.locator("#themes-kunst-cultuur").get_by_role(
        "button", name="Kunst & cultuur omhoog"
    ).click()
    assert slugs(town, "themes")[-3] == "kunst-cultuur"
    expect(page.locator("#themes li").nth(len(last) - 3)).to_contain_text("Kunst & cultuur")
    # Retire 'creatief' (used by groups) into the new theme.
    page.locator("#themes-creatief").get_by_role("link", name=re.compile("Creatief")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Creatief en handwerk")
    page.get_by_label("Waar gaan deze groepen heen?").select_option(label="Kunst & cultuur")
    page.get_by_role("button", name="Deze term weghalen").click()
    expect(page.get_by_role("status")).to_have_text(
        "Weggehaald. Kiosks tonen het na hun volgende sync."
    )
    expect(page.locator("#themes-creatief")).to_have_count(0)
    expect(page.locator("#themes-kunst-cultuur")).to_contain_text("Groepen: 9")


def test_every_control_on_the_lists_pages_has_a_name(town, page: Page):
    password = account(town, "kim", "admin")
    log_in(page, town, "kim", password)
    for path in ("/desk/lists", "/desk/lists/gifts/koken", "/desk/lists/themes/buurt"):
        page.goto(town.url + path)
        # The add forms are folded (details): open them, or a hidden label reads as empty.
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        # Every control's name as a screen reader finds it, in one round trip to the page.
        unnamed = page.evaluate(
            """() => [...document.querySelectorAll(
                   'input:not([type=hidden]), select, textarea, button, a')]
               .filter(el => !(((el.labels && el.labels.length ? el.labels[0].innerText : '')
                   || el.getAttribute('aria-label') || el.innerText || el.value || '').trim()))
               .map(el => el.outerHTML)"""
        )
        assert unnamed == [], path
        assert page.locator("input, select, button, a").count() > 20, path
        assert page.locator("h1").count() == 1, path
