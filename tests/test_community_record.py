"""A community's whole record, kept at the desk and by the group itself, against a real hub
process: the desk adds a group with structured meetings, places and languages, a kiosk syncs
and says the meetings in words; archived it leaves the kiosk, restored it comes back. The
group's edit link changes every field through the desk's review, and only its own group.
Bad input is refused with a message and stores nothing; every new route is attacked."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date

import pytest
import requests
from desk_helpers import account, desk_web
from hub_helpers import HubProcess, enrolled_kiosk, store_of

from kiosk.presenters import community_view
from sync.client import SyncClient
from sync.hub import proposals
from sync.hub import store as hub_store

TODAY = date.today()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    hub = HubProcess(tmp_path_factory.mktemp("hub")).start()
    yield hub
    hub.stop()


def conn_of(hub) -> sqlite3.Connection:
    return store_of(hub.data_dir)


def first_group(conn: sqlite3.Connection) -> str:
    """A demo group, the same in every test of the module."""
    return conn.execute(
        "SELECT min(id) FROM shared_records WHERE entity = 'community' AND data IS NOT NULL"
        " AND id NOT IN (SELECT community_id FROM archived_communities)"
    ).fetchone()[0]


def csrf_of(web: requests.Session, url: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', web.get(url, timeout=10).text).group(1)


def record_form(name: str, **extra) -> dict:
    """The whole record as the form posts it: two meetings (every Tuesday, every last
    Friday), two places, three languages, the lists, a join link and a mailbox."""
    form = {
        "name": name, "kind": "club", "state": "active",
        "pitch_nl": "Samen zingen in de wijk", "pitch_ar": "نغني معا في الحي",
        "story_nl": "Wij zingen elke week.", "welcome_nl": "Iedereen die graag zingt.",
        "accessibility_nl": "Drempelvrij, met een lift.", "contact_nl": "Loop gerust binnen.",
        "themes_shown": "1", "themes": ["muziek", "eten"],
        "gifts_shown": "1", "gifts_welcome": ["organiseren"],
        "neighbourhood": "centrum",
        "schedule_shown": "1",
        "m0_pattern": "weekly", "m0_days": ["TU"], "m0_opens": "14:00", "m0_closes": "16:00",
        "m0_starts_on": "2026-01-06", "m0_place": "Buurthuis De Linde",
        "m1_pattern": "monthly_nth", "m1_nth": "-1", "m1_days": ["FR"], "m1_opens": "19:00",
        "m1_closes": "21:00", "m1_starts_on": "2026-01-01", "m1_place": "Het Anker",
        "m1_when_nl": "Niet in juli en augustus",
        "m2_pattern": "none", "m2_place": "",
        "places_shown": "1",
        "p0_address": "Lindelaan 4, Lindewaard", "p0_name": "Buurthuis De Linde",
        "p0_latitude": "52.1", "p0_longitude": "5.12",
        "p1_address": "Kerkplein 1, Lindewaard", "p1_name": "",
        "p2_address": "",
        "languages_shown": "1", "languages": ["nl", "ar", "tr"],
        "join_url": "https://zingen.example/meedoen",
        "mailbox": "koor@voorbeeld.nl",
    }  # fmt: skip
    form.update(extra)
    return form


def created_id(reply: requests.Response) -> str:
    assert reply.status_code == 303, reply.text[-600:]
    return re.search(r"/desk/communities/([0-9a-f-]{36})", reply.headers["location"]).group(1)


def kiosk_words(store, community_id: str, lang: str) -> list[str]:
    community = store.community(community_id)
    return [when for when, _place in community_view(community, {}, lang, TODAY).meetings]


def test_the_desk_adds_a_group_a_kiosk_shows_it_archive_and_restore(served, tmp_path):
    web = desk_web(served, "sanne")
    csrf = csrf_of(web, f"{served.url}/desk/communities/new")
    new = web.post(f"{served.url}/desk/communities/new", timeout=10, allow_redirects=False,
                   data={**record_form("Lindekoor"), "csrf": csrf})  # fmt: skip
    group = created_id(new)
    conn = conn_of(served)
    record = hub_store.shared_record(conn, "community", group)
    assert [m["rrule"] for m in record["schedule"]] == [
        "FREQ=WEEKLY;BYDAY=TU",
        "FREQ=MONTHLY;BYDAY=-1FR",
    ]
    assert record["schedule"][1]["when"] == {"nl": "Niet in juli en augustus"}
    assert record["places"] == [
        {"address": "Lindelaan 4, Lindewaard", "name": "Buurthuis De Linde", "latitude": 52.1,
         "longitude": 5.12}, {"address": "Kerkplein 1, Lindewaard"}]  # fmt: skip
    assert record["languages"] == ["nl", "ar", "tr"] and record["kind"] == "club"
    assert record["themes"] == ["eten", "muziek"]  # in the taxonomy's order
    assert set(record["provenance"].values()) == {"reception"}
    assert conn.execute("SELECT email FROM community_mailboxes WHERE community_id = ?",
                        [group]).fetchone() == ("koor@voorbeeld.nl",)  # fmt: skip
    assert ("sanne", "community created", group) in conn.execute(
        "SELECT actor, action, target FROM audit_log").fetchall()  # fmt: skip

    # A kiosk syncs: the group is there at once (the desk is the reviewer), in words.
    kiosk = enrolled_kiosk(served, tmp_path / "k", "kiosk-koor")
    SyncClient(kiosk).sync_once()
    dutch = kiosk_words(kiosk, group, "nl")
    assert dutch[0].startswith("Elke dinsdag, 14.00–16.00 · Volgende keer: dinsdag")
    assert dutch[1].startswith("Elke laatste vrijdag van de maand, 19.00–21.00")
    assert dutch[1].endswith("Niet in juli en augustus")
    arabic = kiosk_words(kiosk, group, "ar")
    assert arabic[0].startswith("كل الثلاثاء") and "14:00–16:00" in arabic[0]
    # The mailbox is the hub's own: it never reaches a kiosk.
    assert "koor@voorbeeld.nl" not in "\n".join(kiosk.conn.iterdump())
    page = requests.get(f"{served.url}/c/{group}?lang=nl", timeout=10).text
    assert "Elke dinsdag, 14.00–16.00" in page and "Lindekoor" in page

    # Archived: off the kiosk, kept at the hub, listed with a way back; its links end,
    # the "everything is still right" ones too.
    from datetime import datetime

    from sync.hub import freshness

    confirm = freshness.new_confirm_link(conn, group, datetime.now())
    csrf = csrf_of(web, f"{served.url}/desk/communities/{group}")
    gone = web.post(f"{served.url}/desk/communities/{group}/archive", data={"csrf": csrf},
                    timeout=10)  # fmt: skip
    assert gone.status_code == 200 and "Lindekoor" in gone.text and "Terugzetten" in gone.text
    SyncClient(kiosk).sync_once()
    assert kiosk.community(group) is None
    assert hub_store.shared_record(conn, "community", group) is None
    assert freshness.community_for_confirm_link(conn, confirm) is None
    assert requests.get(f"{served.url}/c/{group}", timeout=10).status_code == 404
    back = web.post(f"{served.url}/desk/communities/{group}/restore", data={"csrf": csrf},
                    timeout=10, allow_redirects=False)  # fmt: skip
    assert back.status_code == 303
    SyncClient(kiosk).sync_once()
    assert kiosk.community(group).schedule[0].rrule == "FREQ=WEEKLY;BYDAY=TU"
    actions = [r[0] for r in conn.execute("SELECT action FROM audit_log WHERE target = ?",
                                          [group])]  # fmt: skip
    assert "community archived" in actions and "community restored" in actions
    conn.close()


def _group_with_link(hub, name: str) -> tuple[str, str]:
    web = desk_web(hub, f"maker-{name.lower()}")
    csrf = csrf_of(web, f"{hub.url}/desk/communities/new")
    group = created_id(web.post(f"{hub.url}/desk/communities/new", timeout=10,
                                allow_redirects=False,
                                data={**record_form(name), "csrf": csrf}))  # fmt: skip
    conn = conn_of(hub)
    try:
        return group, proposals.new_edit_link(conn, "test", group)
    finally:
        conn.close()


def test_the_edit_link_changes_every_field_through_review_and_only_its_own_group(served):
    group, token = _group_with_link(served, "Fietsclub")
    other, _other_token = _group_with_link(served, "Breiclub")
    conn = conn_of(served)
    other_before = hub_store.shared_record(conn, "community", other)
    changed = record_form(
        "Fietsclub Lindewaard", kind="informal_group", state="seasonal",
        pitch_nl="Samen fietsen", story_tr="Birlikte bisiklet sürüyoruz.",
        welcome_nl="Iedereen met een fiets.", accessibility_nl="Buiten, vlak terrein.",
        contact_nl="Bel ons.", themes=["natuur"], gifts_welcome=["lesgeven", "computers"],
        neighbourhood="esveld", m0_pattern="seasonal", m0_days=["SA"],
        m0_months=["4", "5", "6", "7", "8", "9"], m0_opens="10:00", m0_closes="12:00",
        m1_remove="1", p1_remove="1", p0_latitude="52.2", languages=["nl", "pl"],
        join_url="https://fiets.example/", mailbox="fiets@voorbeeld.nl",
        community=other, id=other,  # a tampered form naming another group: never read
    )  # fmt: skip
    sent = requests.post(f"{served.url}/edit/{token}", data=changed, timeout=10,
                         allow_redirects=False)  # fmt: skip
    assert sent.status_code == 303 and sent.headers["location"].endswith("done=sent")
    (proposal,) = proposals.pending(conn, "review", group)
    assert set(proposal["changes"]) == {
        "name", "kind", "state", "pitch", "story", "welcome", "accessibility", "contact",
        "themes", "gifts_welcome", "neighbourhood", "schedule", "places", "languages",
        "join_url"}  # fmt: skip
    # Not on the kiosks before the desk said yes; the group sees what it sent.
    assert hub_store.shared_record(conn, "community", group)["name"] == "Fietsclub"
    assert "Fietsclub Lindewaard" in requests.get(f"{served.url}/edit/{token}", timeout=10).text
    # The mailbox is the group's own, set for its own group only.
    mailboxes = dict(conn.execute("SELECT community_id, email FROM community_mailboxes"))
    assert mailboxes[group] == "fiets@voorbeeld.nl" and mailboxes[other] == "koor@voorbeeld.nl"
    web = desk_web(served, "reviewer")
    review = web.get(f"{served.url}/desk/review", timeout=10).text
    assert "Elke zaterdag, april tot en met september, 10.00–12.00, Buurthuis De Linde" in review
    assert '<th scope="row">Wanneer jullie samenkomen</th>' in review  # no field codes
    csrf = csrf_of(web, f"{served.url}/desk/review")
    web.post(f"{served.url}/desk/review", timeout=10,
             data={"csrf": csrf, "proposal": proposal["ref"], "answer": "approve"})  # fmt: skip
    after = hub_store.shared_record(conn, "community", group)
    assert after["name"] == "Fietsclub Lindewaard" and after["state"] == "seasonal"
    assert after["schedule"] == [
        {
            "place": "Buurthuis De Linde",
            "opens": "10:00",
            "closes": "12:00",
            "starts_on": "2026-01-06",
            "rrule": "FREQ=WEEKLY;BYDAY=SA;BYMONTH=4,5,6,7,8,9",
        }
    ]
    assert after["places"] == [{"address": "Lindelaan 4, Lindewaard",
                                "name": "Buurthuis De Linde", "latitude": 52.2,
                                "longitude": 5.12}]  # fmt: skip
    assert after["story"]["tr"] == "Birlikte bisiklet sürüyoruz."
    assert after["gifts_welcome"] == ["lesgeven", "computers"] and after["languages"] == [
        "nl", "pl"]  # fmt: skip
    assert hub_store.shared_record(conn, "community", other) == other_before
    conn.close()


BAD = [
    ({"m0_pattern": "custom", "m0_rrule": "FREQ=SECONDLY"}, "niet mogelijk"),
    ({"m0_pattern": "custom", "m0_rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"},
     "gebeurt nooit"),
    ({"m0_closes": "13:00"}, "eindtijd moet later zijn"),
    ({"p0_latitude": "200"}, "-90 tot 90"),
    ({**{f"p{i}_address": f"Straat {i}" for i in range(11)}}, "Hoogstens 10 plekken"),
    ({"story_nl": "x" * 5000}, "hoogstens 4000 tekens"),
    ({"join_url": "javascript:alert(1)"}, "https://"),
    ({"mailbox": "a@voorbeeld.nl, b@elders.example"}, "Geef één e-mailadres"),
]  # fmt: skip


@pytest.mark.parametrize(("bad", "says"), BAD)
def test_bad_input_through_the_edit_link_is_refused_and_nothing_stored(served, bad, says):
    conn = conn_of(served)
    group = first_group(conn)
    token = proposals.new_edit_link(conn, "test", group)
    before = (hub_store.shared_record(conn, "community", group),
              conn.execute("SELECT count(*) FROM proposals").fetchone(),
              conn.execute("SELECT * FROM community_mailboxes").fetchall())  # fmt: skip
    form = record_form("Iets anders", **bad)
    form.pop("mailbox") if "mailbox" not in bad else None
    reply = requests.post(f"{served.url}/edit/{token}", data=form, timeout=10,
                          headers={"Accept-Language": "nl"})  # fmt: skip
    assert reply.status_code == 400 and says in reply.text, reply.text[-2000:]
    assert 'value="Iets anders"' in reply.text  # shown again as sent: nothing typed twice
    after = (hub_store.shared_record(conn, "community", group),
             conn.execute("SELECT count(*) FROM proposals").fetchone(),
             conn.execute("SELECT * FROM community_mailboxes").fetchall())  # fmt: skip
    assert after == before
    conn.close()


NEW_ROUTES = ("/desk/communities/new", "/desk/communities/{id}",
              "/desk/communities/{id}/archive", "/desk/communities/{id}/restore")  # fmt: skip


def test_the_new_routes_need_the_role_and_the_csrf_token(served):
    conn = conn_of(served)
    group = first_group(conn)
    clerk = desk_web(served, "balie")
    editor = desk_web(served, "redactie", "community_editor", community=group)
    csrf = csrf_of(clerk, f"{served.url}/desk/communities/new")
    editor_csrf = csrf_of(editor, f"{served.url}/desk/")
    for route in NEW_ROUTES:
        url = served.url + route.format(id=group)
        nobody = requests.post(url, data={"name": "x"}, timeout=10, allow_redirects=False)
        assert nobody.headers.get("location") == "/desk/login", route
        foreign = clerk.post(url, data={"csrf": "niet-de-mijne", "name": "x"}, timeout=10,
                             allow_redirects=False)  # fmt: skip
        assert foreign.status_code == 403, route
        refused = editor.post(url, data={"csrf": editor_csrf, "name": "x"}, timeout=10,
                              allow_redirects=False)  # fmt: skip
        assert refused.status_code == 403, route
        if "{id}" in route:  # someone else's id, or none at all
            unknown = clerk.post(served.url + route.format(id="0" * 8 + "-x"), timeout=10,
                                 data={"csrf": csrf})  # fmt: skip
            assert unknown.status_code == 404, route
    assert editor.get(f"{served.url}/desk/communities/new", timeout=10).status_code == 403
    nobody = requests.get(f"{served.url}/desk/communities/new", timeout=10, allow_redirects=False)
    assert nobody.headers.get("location") == "/desk/login"
    huge = clerk.post(f"{served.url}/desk/communities/new", timeout=30,
                      data={"csrf": csrf, "name": "x" * 100_000})  # fmt: skip
    assert 400 <= huge.status_code < 500
    # Restoring a group that is not archived does nothing.
    assert clerk.post(f"{served.url}/desk/communities/{group}/restore", timeout=10,
                      data={"csrf": csrf}).status_code == 404  # fmt: skip
    assert hub_store.shared_record(conn, "community", group) is not None
    conn.close()


def test_floods_are_stopped(served):
    _group, token = _group_with_link(served, "Stoomclub")
    conn = conn_of(served)
    url = f"{served.url}/edit/{token}"
    replies = [requests.post(url, data={"name": ""}, timeout=10).status_code for _ in range(31)]
    assert replies[:30] == [400] * 30 and replies[30] == 429
    web = desk_web(served, "flood")
    csrf = csrf_of(web, f"{served.url}/desk/communities/new")
    made = [web.post(f"{served.url}/desk/communities/new", data={"csrf": csrf, "name": ""},
                     timeout=10).status_code for _ in range(61)]  # fmt: skip
    assert made[:60] == [400] * 60 and made[60] == 429
    before = conn.execute("SELECT count(*) FROM shared_records").fetchone()
    assert before == conn.execute("SELECT count(*) FROM shared_records").fetchone()
    conn.close()


def test_a_kiosk_record_keeps_places_and_the_photo_record_as_json(store, make_record):
    photo = {"sha256": "a" * 64, "bytes": 1000, "width": 400, "height": 300}
    record = make_record("Fotoclub", places=[{"address": "Markt 1"}], image=photo,
                         schedule=[{"place": "Markt 1", "rrule": "FREQ=WEEKLY;BYDAY=MO",
                                    "starts_on": "2026-01-05", "opens": "09:00"}])  # fmt: skip
    store.upsert_communities([record])
    kept = store.community_record(record["id"])
    assert kept["places"] == [{"address": "Markt 1"}] and kept["image"] == photo
    raw = store.conn.execute("SELECT image FROM communities").fetchone()[0]
    assert json.loads(raw) == photo
    meeting = store.community(record["id"]).schedule[0]
    assert (meeting.rrule, meeting.starts_on, meeting.opens, meeting.when) == (
        "FREQ=WEEKLY;BYDAY=MO",
        date(2026, 1, 5),
        "09:00",
        {},
    )


# -- in a real browser, at phone size -----------------------------------------------------------

PHONE = {"width": 390, "height": 844}


def _shots(tmp_path):
    """Where the screenshots go: ONTMOET_SCREENSHOTS (docs/screenshots, to look at) or tmp."""
    import os
    from pathlib import Path

    folder = Path(os.environ.get("ONTMOET_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_the_edit_page_on_a_phone(served, page, tmp_path):
    from desk_helpers import log_in
    from playwright.sync_api import expect

    shots = _shots(tmp_path)
    group, token = _group_with_link(served, "Wandelclub")
    page.set_viewport_size(PHONE)
    page.goto(f"{served.url}/edit/{token}?lang=nl")
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    last_friday = page.locator("fieldset.meeting").nth(1)
    expect(last_friday.get_by_label("Welke week van de maand?")).to_be_visible()
    expect(last_friday.get_by_label("Om de hoeveel weken?")).to_be_hidden()  # not its rhythm
    page.locator("#name").scroll_into_view_if_needed()  # the form, below the photo's
    page.screenshot(path=str(shots / "edit-nl-phone.png"))
    weekly = page.locator("fieldset.meeting").first
    weekly.get_by_label("Hoe vaak?").select_option("every_n_weeks")
    expect(weekly.get_by_label("Om de hoeveel weken?")).to_be_visible()
    weekly.get_by_label("Om de hoeveel weken?").fill("3")
    weekly.get_by_label("Donderdag").check()
    weekly.screenshot(path=str(shots / "edit-nl-phone-meeting.png"))
    page.get_by_role("button", name="Opsturen").last.click()
    expect(page.get_by_role("status")).to_contain_text("De receptie kijkt ernaar")
    conn = conn_of(served)
    (proposal,) = proposals.pending(conn, "review", group)
    conn.close()
    assert proposal["changes"]["schedule"][0]["rrule"] == "FREQ=WEEKLY;INTERVAL=3;BYDAY=TU,TH"
    # The group sees what it sent, in its own language, right to left in Arabic.
    page.goto(f"{served.url}/edit/{token}?lang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    expect(page.locator("fieldset.meeting").first.get_by_label("كل كم أسبوعًا؟")).to_have_value("3")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("#name").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "edit-ar-phone.png"))
    page.locator("fieldset.meeting").first.screenshot(path=str(shots / "edit-ar-phone-meeting.png"))
    # The desk's new-community page, at a PC and on a phone.
    page.goto(f"{served.url}/desk/login?lang=nl")  # the language switch is remembered
    log_in(page, served, "nieuw", account(served, "nieuw", "receptionist"))
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{served.url}/desk/communities/new?lang=nl")
    expect(page.get_by_role("heading", name="Nieuwe groep")).to_be_visible()
    page.screenshot(path=str(shots / "desk-community-new-desktop.png"))
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(shots / "desk-community-new-phone.png"))


ENGLISH = (
    "How often?",
    "Add the group",
    "Every how many weeks?",
    "Remove this meeting",
    "Position on the map (may stay empty)",
    "Kind of group",
    "Which week of the month?",
)


@pytest.mark.parametrize("lang", ["nl", "tr", "ar", "pl", "uk"])
def test_the_new_group_page_and_the_edit_page_speak_the_language(served, lang):
    web = desk_web(served, f"taal-{lang}")
    _group, token = _group_with_link(served, f"Taalclub-{lang}")
    pages = (web.get(f"{served.url}/desk/communities/new?lang={lang}", timeout=10).text,
             requests.get(f"{served.url}/edit/{token}?lang={lang}", timeout=10).text)  # fmt: skip
    for page in pages:
        assert [words for words in ENGLISH if words in page] == [], lang
        assert f'lang="{lang}"' in page and ('dir="rtl"' in page) == (lang == "ar")


def test_the_community_screen_says_the_meetings_in_words(kiosk, make_record, tmp_path):
    """The real kiosk app, headless: the community screen's meeting lines, Dutch and Arabic."""
    from kiosk import navigation as nav
    from screens.community import CommunityScreen  # noqa: F401  (the screen under test)

    app = kiosk.app
    record = make_record(
        "Zangkoor De Linde", themes=["eten"], gifts_welcome=[],
        schedule=[{"place": "Buurthuis De Linde", "rrule": "FREQ=WEEKLY;BYDAY=TU",
                   "starts_on": "2026-01-06", "opens": "14:00", "closes": "16:00"},
                  {"place": "Het Anker", "rrule": "FREQ=MONTHLY;BYDAY=-1FR",
                   "starts_on": "2026-01-01", "opens": "19:00",
                   "when": {"nl": "Niet in juli"}}],
    )  # fmt: skip
    app.store.upsert_communities([record])
    kiosk.tap(app.screen(nav.ATTRACT))
    app.open_community(record["id"])
    kiosk.pump()
    box = app.screen(nav.COMMUNITY).ids.meetings_box
    lines = [label.text for label in box.children[::-1]]
    assert lines[0].startswith("Elke dinsdag, 14.00–16.00 · Volgende keer: dinsdag")
    assert lines[1] == "Buurthuis De Linde"
    assert lines[2].startswith("Elke laatste vrijdag van de maand, vanaf 19.00")
    assert lines[2].endswith("Niet in juli")
    app.set_language("ar")
    app.open_community(record["id"])
    kiosk.pump()
    box = app.screen(nav.COMMUNITY).ids.meetings_box
    shown = " ".join(label.text for label in box.children)
    assert "14:00–16:00" in shown and "Elke" not in shown
    kiosk.screenshot(_shots(tmp_path) / "kiosk-community-meetings-ar.png")


def test_the_demo_may_give_a_group_repeating_times_checked_by_the_protocol(tmp_path):
    from kiosk.demo import DemoError, community_records
    from kiosk.paths import DEMO_DIR

    data = json.loads((DEMO_DIR / "communities.json").read_text())
    first = data["communities"][0]
    first["schedule"] = [{"place": "Het Anker", "rrule": "FREQ=MONTHLY;BYDAY=-1FR",
                          "starts_on": "2026-01-01", "opens": "19:00"}]  # fmt: skip
    path = tmp_path / "communities.json"
    path.write_text(json.dumps(data))
    terms = [{t["slug"] for t in json.loads((DEMO_DIR / "taxonomy.json").read_text())[k]}
             for k in ("themes", "neighbourhoods", "gifts")]  # fmt: skip
    records, _events = community_records(path, *terms, TODAY)
    assert records[0]["schedule"][0]["rrule"] == "FREQ=MONTHLY;BYDAY=-1FR"
    first["schedule"][0]["rrule"] = "FREQ=SECONDLY"
    path.write_text(json.dumps(data))
    with pytest.raises(DemoError, match="no more often"):
        community_records(path, *terms, TODAY)


def test_a_mailbox_changed_through_the_edit_link_is_told_to_the_old_address(desk, smtp_sink):
    """Whoever holds a group's link can change where visitors' requests go: the address the
    group had hears of it at once (a leaked link is stopped at the desk), the new one does
    not get the notice, and nothing is sent when the address stays."""
    group, token = _group_with_link(desk, "Zangkoor")  # its mailbox: koor@voorbeeld.nl
    url = f"{desk.url}/edit/{token}"
    same = requests.post(url, data=record_form("Zangkoor"), timeout=10, allow_redirects=False)
    assert same.status_code == 303 and smtp_sink.received == []
    moved = record_form("Zangkoor", mailbox="vreemde@elders.example")
    assert requests.post(url, data=moved, timeout=10, allow_redirects=False).status_code == 303
    (notice,) = smtp_sink.received
    assert notice["To"] == "koor@voorbeeld.nl"
    body = notice.get_payload(decode=True).decode()
    assert "vreemde@elders.example" in body and "receptie" in body.lower()
    assert notice["Content-Language"] == "nl"
    conn = conn_of(desk)
    try:
        (now,) = conn.execute(
            "SELECT email FROM community_mailboxes WHERE community_id = ?", [group]
        ).fetchone()
    finally:
        conn.close()
    assert now == "vreemde@elders.example"
