"""Messages for the hall: scheduled at the desk (/desk/hall), carried to the kiosks by the
change log (only to kiosks that know them: an older kiosk would refuse the whole page), shown
by a kiosk only on its days, in its time window and on the kiosks chosen; an urgent one on
every screen after one sync round. The desk page refuses every role but the reception's, a
form without its token, unknown ids, bad times, days and texts, and a flood."""

from __future__ import annotations

import os
import re
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
import requests
from desk_helpers import desk_web
from hub_helpers import enrolled_kiosk, store_of

from kiosk import hall_messages as kiosk_messages
from kiosk.store import open_store
from sync import protocol
from sync.client import SyncClient
from sync.hub import hall_messages
from sync.hub.events import FormProblem

TUESDAY = date(2026, 12, 8)  # a Tuesday


def _record(**overrides) -> dict:
    record = {
        "id": str(uuid.uuid4()),
        "text": {"nl": "Om 15.00 uur is er koffie in de hal.", "en": "Coffee in the hall at 3."},
        "first_day": "2026-12-01",
        "last_day": "2026-12-31",
        "days": ["tu"],
        "from_time": "14:00",
        "until_time": "16:00",
        "kiosks": ["kiosk-a"],
        "urgent": False,
    }
    return protocol.validate_shared("hall_message", {**record, **overrides})


# -- the kiosk's rule: when, and where -------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "kiosk", "shown"),
    [
        (datetime(2026, 12, 8, 13, 59), "kiosk-a", False),
        (datetime(2026, 12, 8, 14, 0), "kiosk-a", True),
        (datetime(2026, 12, 8, 15, 59, 59), "kiosk-a", True),
        (datetime(2026, 12, 8, 16, 0), "kiosk-a", False),
        (datetime(2026, 12, 9, 14, 30), "kiosk-a", False),  # Wednesday
        (datetime(2026, 12, 8, 14, 30), "kiosk-b", False),  # not chosen
        (datetime(2026, 12, 15, 14, 30), "kiosk-a", True),  # the next Tuesday
        (datetime(2027, 1, 5, 14, 30), "kiosk-a", False),  # a Tuesday after the last day
        (datetime(2026, 11, 24, 14, 30), "kiosk-a", False),  # a Tuesday before the first day
    ],
)  # fmt: skip
def test_a_tuesday_message_shows_only_then_and_only_on_the_kiosk_chosen(moment, kiosk, shown):
    message = kiosk_messages.HallMessage.from_record(_record())
    assert bool(kiosk_messages.showing([message], moment, kiosk)) is shown
    # The desk's "showing now" says the same.
    assert hall_messages.shows_now(_record(), moment) is (shown or kiosk == "kiosk-b")


def test_no_days_and_no_kiosks_mean_every_day_on_every_kiosk():
    message = kiosk_messages.HallMessage.from_record(_record(days=[], kiosks=[]))
    for day in range(7):
        moment = datetime(2026, 12, 7 + day, 14, 0)
        assert kiosk_messages.showing([message], moment, "kiosk-b") == [message]


def test_urgent_messages_come_first_and_words_fall_back_honestly():
    calm = kiosk_messages.HallMessage.from_record(_record(from_time="09:00", days=[]))
    urgent = kiosk_messages.HallMessage.from_record(_record(urgent=True, days=[]))
    assert kiosk_messages.showing([calm, urgent], datetime(2026, 12, 8, 15), "kiosk-a") == [
        urgent, calm]  # fmt: skip
    assert urgent.words("en") == "Coffee in the hall at 3."
    assert urgent.words("tr").endswith("Om 15.00 uur is er koffie in de hal.")
    assert urgent.words("tr") != "Om 15.00 uur is er koffie in de hal."  # marked: 'In Dutch:'


# -- the desk's form -------------------------------------------------------------------------

TODAY = date(2026, 12, 4)
FORM = {"text_nl": "De hal sluit vandaag om 15.00 uur.", "first_day": "2026-12-04",
        "last_day": "2026-12-04", "from_time": "9:00", "until_time": "15.00",
        "days": [], "kiosks": [], "urgent": "1"}  # fmt: skip


def test_a_form_becomes_a_message_the_protocol_accepts():
    record = hall_messages.message_from_form(FORM, None, ["kiosk-a"], TODAY)
    assert record["from_time"] == "09:00" and record["until_time"] == "15:00"
    assert record["urgent"] is True and record["kiosks"] == [] and record["days"] == []
    assert protocol.validate_shared("hall_message", record) == record


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"text_nl": ""}, "Write the message in Dutch"),
        ({"text_nl": "", "text_en": "Only English"}, "Write the message in Dutch"),
        ({"text_nl": "x" * 201}, "at most 200 characters"),
        ({"text_en": "y" * 201}, "at most 200 characters"),
        ({"text_nl": "De hal \u202esluit"}, "Not like this"),  # a bidi override
        ({"from_time": "25:00"}, "Give the start as a time"),
        ({"until_time": "16:61"}, "Give the end as a time"),
        ({"from_time": "16:00", "until_time": "14:00"}, "The end is before the start"),
        ({"from_time": "14:00", "until_time": "14:00"}, "The end is before the start"),
        ({"first_day": "2026-12-05", "last_day": "2026-12-04"}, "The last day is before"),
        ({"first_day": "4-12-2026"}, "Give the first day as a date"),
        ({"first_day": "2026-12-01", "last_day": "2026-12-03"}, "would be over already"),
        ({"last_day": "2028-01-01"}, "ends within a year"),
        ({"days": ["xx"]}, "Choose the days from the list"),
        ({"days": ["mo", "mo"]}, "Choose the days from the list"),
        ({"kiosks": ["kiosk-z"]}, "Choose the kiosks from the list"),
    ],
)
def test_a_bad_form_gets_a_clear_problem(change, problem):
    with pytest.raises(FormProblem) as caught:
        hall_messages.message_from_form({**FORM, **change}, None, ["kiosk-a"], TODAY)
    assert problem in str(caught.value)


# -- the desk page against a real hub --------------------------------------------------------


def _session(hub, name: str, role: str = "receptionist") -> requests.Session:
    web = desk_web(hub, name, role)
    page = web.get(f"{hub.url}/desk/hall", timeout=10)
    assert page.status_code == 200, page.text[:300]
    web.csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return web


def _post(hub, web, data: dict, csrf: str | None = None) -> requests.Response:
    today = hall_messages.today().isoformat()
    form = {"action": "save", "csrf": web.csrf if csrf is None else csrf,
            "text_nl": "De hal sluit vandaag om 15.00 uur.", "first_day": today,
            "last_day": today, "from_time": "00:00", "until_time": "23:59", **data}  # fmt: skip
    return web.post(f"{hub.url}/desk/hall", data=form, timeout=30, allow_redirects=False)


def _messages(hub) -> list[dict]:
    conn = store_of(hub.data_dir)
    try:
        return hall_messages.all_messages(conn)
    finally:
        conn.close()


def test_an_urgent_message_reaches_the_kiosks_in_one_sync_and_an_old_kiosk_passes_it(
    module_hub, tmp_path
):
    hub = module_hub
    kiosk_a = enrolled_kiosk(hub, tmp_path / "a", "kiosk-a")
    kiosk_b = enrolled_kiosk(hub, tmp_path / "b", "kiosk-b")
    old = enrolled_kiosk(hub, tmp_path / "old", "kiosk-old")
    for store in (kiosk_a, kiosk_b, old):
        SyncClient(store).sync_once()
    web = _session(hub, "rosa")
    assert _post(hub, web, {"urgent": "1"}).status_code == 303
    assert (
        _post(hub, web, {"text_nl": "Koffie voor kiosk-b", "kiosks": "kiosk-b"}).status_code == 303
    )
    # One sync round, and the kiosk shows it: on kiosk-a the urgent one only.
    now = datetime.combine(hall_messages.today(), time(12))
    SyncClient(kiosk_a).sync_once()
    shown = kiosk_messages.showing_now(kiosk_a.conn, now, "kiosk-a")
    assert [(m.words("nl"), m.urgent) for m in shown] == [
        ("De hal sluit vandaag om 15.00 uur.", True)]  # fmt: skip
    SyncClient(kiosk_b).sync_once()
    shown_b = kiosk_messages.showing_now(kiosk_b.conn, now, "kiosk-b")
    assert {m.words("nl") for m in shown_b} == {"De hal sluit vandaag om 15.00 uur.",
                                                 "Koffie voor kiosk-b"}  # fmt: skip
    # A kiosk of the previous version pulls without 'knows': the messages are left out of
    # its pages (its own check would refuse them), and its cursor passes them all the same.
    old_client = SyncClient(old)
    cursor = int(old.get_state("pull_cursor"))
    reply = requests.get(f"{hub.url}/api/v1/pull", params={"since": cursor}, timeout=10,
                         headers={"Authorization": f"Bearer {old_client.token}"})  # fmt: skip
    page = reply.json()
    assert page["changes"] == [] and page["next"] > cursor and page["has_more"] is False
    with_knows = requests.get(
        f"{hub.url}/api/v1/pull",
        timeout=10,
        params={"since": cursor, "knows": "hall_message"},
        headers={"Authorization": f"Bearer {old_client.token}"},
    ).json()
    assert [c["entity"] for c in with_knows["changes"]] == ["hall_message", "hall_message"]
    assert with_knows["next"] == page["next"]
    # What the old kiosk checks its pages with: its own list of shared records.
    old_entities = tuple(e for e in protocol.SHARED_ENTITIES if e != "hall_message")
    for change in page["changes"]:
        assert change["entity"] in old_entities
    # Ended at the desk: gone from the kiosk after its next round.
    (urgent,) = [m for m in _messages(hub) if m["urgent"]]
    ended = web.post(f"{hub.url}/desk/hall", timeout=30, allow_redirects=False,
                     data={"action": "end", "csrf": web.csrf, "message": urgent["id"]})  # fmt: skip
    assert ended.status_code == 303
    SyncClient(kiosk_a).sync_once()
    assert kiosk_messages.showing_now(kiosk_a.conn, now, "kiosk-a") == []


def test_an_updated_kiosk_pulls_once_more_and_gets_the_messages_it_was_not_sent(
    module_hub, tmp_path
):
    """A kiosk of the previous version passed the messages by; m011 starts its pull again."""
    from kiosk.schema import apply_migrations

    hub = module_hub
    web = _session(hub, "joost")
    assert _post(hub, web, {"text_nl": "Voor iedereen"}).status_code == 303
    folder = tmp_path / "k"
    kiosk = enrolled_kiosk(hub, folder, "kiosk-upgrade")
    kiosk.conn.execute("DROP TABLE hall_messages")
    kiosk.conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm011_hall_messages'")
    client = SyncClient(kiosk)
    reply = requests.get(
        f"{hub.url}/api/v1/pull",
        params={"since": 0, "limit": 1000},
        headers={"Authorization": f"Bearer {client.token}"},
        timeout=10,
    )
    kiosk.set_state("pull_cursor", str(reply.json()["next"]))  # as the old version left it
    kiosk.close()
    store = open_store(folder / "kiosk.db")  # the update: m011 runs
    apply_migrations(store.conn)
    assert store.get_state("pull_cursor") == "0"
    SyncClient(store).sync_once()
    texts = {m.words("nl") for m in kiosk_messages.stored(store.conn)}
    assert "Voor iedereen" in texts


ROLES_REFUSED = ("community_editor",)


@pytest.mark.parametrize("role", ROLES_REFUSED)
def test_the_hall_page_is_for_the_reception_only(module_hub, role):
    hub = module_hub
    conn = store_of(hub.data_dir)
    try:
        (group,) = conn.execute(
            "SELECT id FROM shared_records WHERE entity = 'community' AND data IS NOT NULL LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    web = desk_web(hub, "iemand-redacteur", role, group)
    assert web.get(f"{hub.url}/desk/hall", timeout=10).status_code == 403
    before = _messages(hub)
    reply = web.post(f"{hub.url}/desk/hall", timeout=10, allow_redirects=False,
                     data={"action": "save", "text_nl": "x", "csrf": "x"})  # fmt: skip
    assert reply.status_code == 403 and _messages(hub) == before


def test_nobody_logged_in_is_sent_to_the_login_and_an_admin_may_use_it(module_hub):
    hub = module_hub
    anonymous = requests.get(f"{hub.url}/desk/hall", timeout=10, allow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/desk/login"
    posted = requests.post(f"{hub.url}/desk/hall", data={"action": "save"}, timeout=10,
                           allow_redirects=False)  # fmt: skip
    assert posted.status_code == 303 and posted.headers["location"] == "/desk/login"
    admin = _session(hub, "beheer", "admin")
    assert _post(hub, admin, {"text_nl": "Van de beheerder"}).status_code == 303


def test_a_form_without_its_own_token_changes_nothing(module_hub):
    hub = module_hub
    web, other = _session(hub, "anna"), _session(hub, "bert")
    before = _messages(hub)
    for csrf in ("", other.csrf, "x" * 100):
        reply = _post(hub, web, {"text_nl": "Zonder token"}, csrf=csrf)
        assert reply.status_code == 403
    assert _messages(hub) == before


def test_unknown_ended_and_malformed_ids_are_refused(module_hub):
    hub = module_hub
    web = _session(hub, "carla")
    assert _post(hub, web, {"text_nl": "Kort"}).status_code == 303
    (made,) = [m for m in _messages(hub) if m["text"]["nl"] == "Kort"]
    for action in ("end", "save"):
        for message in (str(uuid.uuid4()), "../../etc", "1' OR '1'='1", "x" * 500):
            reply = _post(hub, web, {"action": action, "message": message})
            assert reply.status_code in (400, 404), (action, message, reply.status_code)
    assert web.get(f"{hub.url}/desk/hall?edit={uuid.uuid4()}", timeout=10).status_code == 404
    assert web.get(f"{hub.url}/desk/hall?edit=<script>", timeout=10).status_code == 404
    end = {"action": "end", "message": made["id"]}
    assert _post(hub, web, end).status_code == 303
    assert _post(hub, web, end).status_code == 404  # ended already
    assert _post(hub, web, {"message": made["id"]}).status_code == 404  # a change of it
    assert _post(hub, web, {"action": "dance"}).status_code == 400


def test_bad_input_at_the_desk_gets_a_clear_message_and_keeps_what_was_typed(module_hub):
    hub = module_hub
    web = _session(hub, "dirk")
    before = _messages(hub)
    today = hall_messages.today()
    cases = [
        ({"from_time": "16:00", "until_time": "14:00"}, "Het einde ligt vóór het begin"),
        ({"first_day": (today + timedelta(days=2)).isoformat(),
          "last_day": (today + timedelta(days=1)).isoformat()}, None),
        ({"days": "zz"}, None),
        ({"text_nl": "x" * 201}, None),
        ({"text_nl": "x" * 5000}, None),  # over the field limit: not even read
        ({"from_time": "later"}, None),
    ]  # fmt: skip
    for change, words in cases:
        reply = _post(hub, web, {**change, "text_en": "Kept as typed"})
        assert reply.status_code == 400, change
        assert 'class="problem"' in reply.text
        if words:
            assert words in reply.text
        if len(change.get("text_nl", "")) < 1000:
            assert "Kept as typed" in reply.text  # nothing the receptionist typed is lost
    assert _messages(hub) == before


def test_a_flood_of_messages_stops_at_the_cap(hub):
    web = _session(hub, "flood")
    for i in range(hall_messages.MAX_LIVE):
        assert _post(hub, web, {"text_nl": f"Bericht {i}"}).status_code == 303
    reply = _post(hub, web, {"text_nl": "Eén te veel"})
    assert reply.status_code == 400 and str(hall_messages.MAX_LIVE) in reply.text
    assert len(_messages(hub)) == hall_messages.MAX_LIVE
    # A change of one that is there is still possible.
    first = _messages(hub)[0]
    assert _post(hub, web, {"message": first["id"], "text_nl": "Gewijzigd"}).status_code == 303
    assert len(_messages(hub)) == hall_messages.MAX_LIVE


# -- in a real browser -------------------------------------------------------------------------

PHONE = {"width": 390, "height": 844}


def _shots(tmp_path) -> Path:
    """Where the screenshots go: ONTMOET_SCREENSHOTS (docs/screenshots, to look at) or tmp."""
    folder = Path(os.environ.get("ONTMOET_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_the_hall_page_in_a_browser_desktop_dutch_and_an_arabic_phone(hub, page, tmp_path):
    from desk_helpers import account, log_in
    from playwright.sync_api import expect

    shots = _shots(tmp_path)
    for name in ("kiosk-hal-noord", "kiosk-hal-zuid"):
        enrolled_kiosk(hub, tmp_path / name, name)
    log_in(page, hub, "marieke", account(hub, "marieke", "receptionist"))
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{hub.url}/desk/hall?lang=nl")
    expect(page.get_by_role("heading", name="Berichten in de hal", level=1)).to_be_visible()
    page.get_by_label("Nederlands", exact=True).fill("De hal sluit vandaag om 15.00 uur.")
    page.get_by_text("Andere talen (mag leeg)").click()
    page.get_by_label("العربية").fill("تغلق القاعة اليوم في الساعة 15:00.")
    page.get_by_label("Van", exact=True).fill("08:00")
    page.get_by_label("Tot", exact=True).fill("15:00")
    page.get_by_label("Dringend: op elk scherm tonen (bijvoorbeeld: de hal sluit eerder)").check()
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("Het bericht is bewaard")
    # A second one: on Tuesdays from 14:00 to 16:00, on one kiosk, for four weeks.
    page.get_by_label("Nederlands", exact=True).fill(
        "Taalcafé: elke dinsdag om 14.00 uur in de hal."
    )
    page.get_by_label("Laatste dag").fill((hall_messages.today() + timedelta(days=28)).isoformat())
    page.get_by_label("Van", exact=True).fill("14:00")
    page.get_by_label("Tot", exact=True).fill("16:00")
    page.get_by_label("dinsdag").check()
    page.get_by_label("kiosk-hal-noord").check()
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("Het bericht is bewaard")
    expect(page.locator("ul.hall-messages li")).to_have_count(2)
    expect(page.locator("ul.hall-messages li.urgent")).to_contain_text("Dringend")
    page.screenshot(path=str(shots / "hall-desk-nl-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.goto(f"{hub.url}/desk/hall?lang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    expect(page.get_by_text("تغلق القاعة اليوم في الساعة 15:00.")).to_be_visible()
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(shots / "hall-desk-ar-phone.png"), full_page=True)
