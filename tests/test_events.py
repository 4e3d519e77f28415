"""Events, once or repeating, from the desk or from a group, to the kiosks' What's on, to
calendar files and to calendar feeds: the kiosk's store expands a series in a window, the hub's
forms build ending rules and refuse the rest with a clear message, a group's link reaches only
its own events, and the feeds hold only what a kiosk shows anyone."""

from __future__ import annotations

import json
import re
import uuid
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

import pytest
import requests
from desk_helpers import account
from hub_helpers import HubProcess, enrolled_kiosk, store_of
from icalendar import Calendar

from kiosk import i18n
from kiosk.agenda import today_in_hall, week_ahead
from kiosk.i18n import format_short_day
from kiosk.models import Event
from sync.client import SyncClient, enrol
from sync.hub import desk_store, events, proposals
from sync.hub import store as hub_store

TUESDAY = datetime(2026, 3, 3, 14, 0)  # a Tuesday, months before NOW
NOW = datetime(2026, 11, 30, 9, 0)  # a Monday


def _event(eid, community_id, rule=None, first=TUESDAY, hours=2, in_hall=False, title="Taalcafé"):
    return Event(eid, community_id, {"nl": title}, first, first + timedelta(hours=hours),
                 "De Linde", in_hall, rule)  # fmt: skip


# -- the kiosk: a window's occurrences ---------------------------------------------------------


def test_a_series_that_began_months_ago_shows_its_next_occurrence(store, make_record):
    group = make_record("Taalcafé De Linde")
    store.upsert_communities([group])
    store.upsert_events([_event("s1", group["id"], "FREQ=WEEKLY;BYDAY=TU;UNTIL=20271231T235959")])
    lines = week_ahead(store, NOW, "nl")
    assert [(line.day, line.when, line.community) for line in lines] == [
        (format_short_day(date(2026, 12, 1), "nl"), "14.00 – 16.00", "Taalcafé De Linde")
    ]


def test_a_finished_series_is_not_shown_and_is_not_even_read(store, make_record):
    group = make_record("Taalcafé De Linde")
    store.upsert_communities([group])
    store.upsert_events([_event("done", group["id"], "FREQ=WEEKLY;BYDAY=TU;COUNT=10")])
    assert week_ahead(store, NOW, "nl") == []
    # The series' end is kept: the window's query passes it by without expanding it.
    (end,) = store.conn.execute("SELECT series_ends_at FROM events").fetchone()
    assert end == (TUESDAY + timedelta(weeks=9, hours=2)).isoformat()


def test_a_daily_series_has_a_line_per_day_and_one_under_way_counts(store, make_record):
    group = make_record("Ochtendwandeling")
    store.upsert_communities([group])
    first = datetime(2026, 11, 1, 8, 30)
    store.upsert_events([_event("d", group["id"], "FREQ=DAILY;COUNT=60", first=first)])
    lines = week_ahead(store, NOW, "nl")
    # Monday 9:00 to the end of Sunday: seven walks, today's under way (8:30-10:30).
    assert len(lines) == 7 and lines[0].day == "" and lines[1].day != ""
    assert len({line.key for line in lines}) == 7  # What's on tells the rows apart


def test_the_town_halls_own_event_is_shown_as_the_town_halls(store, make_record, english):
    group = make_record("Buurtkoor")
    store.upsert_communities([group])
    store.upsert_events([
        _event("hall", None, first=NOW.replace(hour=13), in_hall=True, title="Open huis"),
        _event("gone", "7d3f7c5e-0000-4000-8000-000000000000", first=NOW.replace(hour=11)),
    ])  # fmt: skip
    (line,) = today_in_hall(store, NOW, "en")  # a group the kiosk lacks: not shown
    assert line.community == "Town hall" and line.community_id is None
    assert line.title == "In Dutch: Open huis"


# -- the hub's form ---------------------------------------------------------------------------

FIRST = date.today() + timedelta(days=(1 - date.today().weekday()) % 7 + 7)  # a Tuesday ahead


def form(**changes) -> dict[str, str]:
    base = {"title_nl": "Taalcafé", "day": FIRST.isoformat(),
            "start": "14:00", "end": "16:00", "place": "Hal van het stadhuis",
            "in_hall": "1"}  # fmt: skip
    return {**base, **changes}


BAD_FORMS = {
    "a rule without an end": (form(repeat="weekly"), "ends: give a last day"),
    "a typed rule without an end": (
        form(repeat="custom", rrule="FREQ=WEEKLY;BYDAY=TU"), "must end"),
    "a rule firing every second": (
        form(repeat="custom", rrule="FREQ=SECONDLY;COUNT=5"), "no more often"),
    "COUNT=100000 typed": (form(repeat="custom", rrule="FREQ=DAILY;COUNT=100000"), "1 to 1000"),
    "100000 times": (form(repeat="weekly", end_kind="count", count="100000"), "from 2 to 1000"),
    "the end before the start": (form(end="13:00"), "The end is before the start."),
    "a 300-character title": (form(title_nl="x" * 300), "at most 200 characters"),
    "a last day before the first": (
        form(repeat="weekly", until=(FIRST - timedelta(days=1)).isoformat()), "before the first"),
    "an event over already": (form(day="2020-01-07"), "over already"),
    "no title": (form(title_nl="", title_en=""), "a title"),
    "a day that is not a date": (form(day="next tuesday"), "as a date"),
    "a time that is not a time": (form(start="25:00"), "as a time"),
    "every 60 weeks": (form(repeat="every_n_weeks", interval="60", count="3",
                            end_kind="count"), "Every 2 to 52"),  # fmt: skip
    "the last weekday that is not the last": (
        form(repeat="monthly_last", count="3", end_kind="count", day="2027-06-01"),
        "not the last"),
    "an unknown repeat": (form(repeat="hourly"), "how often"),
    "daily for ten years": (
        form(repeat="custom", rrule="FREQ=DAILY;UNTIL=20361231"), "at most 5 years"),
    "daily for four years": (
        form(repeat="custom", rrule="FREQ=DAILY;UNTIL=20301231"), "at most 1000 times"),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD_FORMS)
def test_a_bad_event_form_says_what_is_wrong(case):
    values, message = BAD_FORMS[case]
    with pytest.raises(events.FormProblem) as refused:
        events.event_from_form(values, None, None, datetime.now())
    assert message in str(refused.value)


@pytest.mark.parametrize(
    "repeat, extra, rule",
    [
        ("weekly", {"until": "2027-12-31"}, "FREQ=WEEKLY;BYDAY=TU;UNTIL=20271231T235959"),
        ("every_n_weeks", {"interval": "2", "end_kind": "count", "count": "12"},
         "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=12"),
        ("monthly", {"end_kind": "count", "count": "6", "day": "2027-06-08"},
         "FREQ=MONTHLY;BYDAY=2TU;COUNT=6"),
        ("monthly_last", {"end_kind": "count", "count": "6", "day": "2027-06-29"},
         "FREQ=MONTHLY;BYDAY=-1TU;COUNT=6"),
        ("custom", {"rrule": "freq=monthly;bymonthday=1;count=3", "day": "2027-06-01"},
         "FREQ=MONTHLY;BYMONTHDAY=1;COUNT=3"),
    ],
)  # fmt: skip
def test_the_form_builds_an_ending_rule_and_shows_it_again(repeat, extra, rule):
    record = events.event_from_form(form(repeat=repeat, **extra), None, None, datetime.now())
    assert record["rrule"] == rule and record["community_id"] is None
    again = events.form_from_event(record)
    assert events.event_from_form(again, record["id"], None, datetime.now()) == record


def test_a_flood_of_events_stops_at_the_most_a_hub_keeps(tmp_path, monkeypatch):
    conn = hub_store.connect(tmp_path / "hub.db")
    hub_store.create_schema(conn)
    monkeypatch.setattr(events, "MAX_UPCOMING", 3)
    for n in range(3):
        events.save(conn, events.event_from_form(form(title_nl=f"E{n}"), None, None,
                                                 datetime.now()), "sanne")  # fmt: skip
    with pytest.raises(events.FormProblem, match="3 events coming up already"):
        events.save(conn, events.event_from_form(form(), None, None, datetime.now()), "sanne")
    count = "SELECT count(*) FROM shared_records WHERE entity = 'event'"
    assert conn.execute(count).fetchone() == (3,)


# -- the hub: the desk, a group's link, calendar files and feeds --------------------------------


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    process = HubProcess(tmp_path_factory.mktemp("hub")).start()
    yield process
    process.stop()


def desk_session(hub, name: str, role: str, community: str = "") -> requests.Session:
    password = account(hub, name, role, community)
    web = requests.Session()
    web.headers["Accept-Language"] = "en"  # the messages the tests read are the msgids
    login = web.get(f"{hub.url}/desk/login", timeout=10)
    pre = re.search(r'name="pre" value="([^"]+)"', login.text).group(1)
    web.post(f"{hub.url}/desk/login", timeout=30,
             data={"username": name, "password": password, "pre": pre})  # fmt: skip
    return web


@pytest.fixture(scope="module")
def desk(hub):
    """A receptionist's session at the desk, with its CSRF token (web.csrf)."""
    web = desk_session(hub, "sanne", "receptionist")
    page = web.get(f"{hub.url}/desk/events", timeout=10)
    web.csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return web


def post(hub, web, data: dict, path: str = "/desk/events", csrf: str | None = None):
    token = web.csrf if csrf is None else csrf
    return web.post(f"{hub.url}{path}", timeout=10, allow_redirects=False,
                    data={"action": "save", "csrf": token, **data})  # fmt: skip


@contextmanager
def hub_conn(hub):
    """The hub's store, opened as the hub opens it (the desk's own functions write with it)."""
    conn = store_of(hub.data_dir)
    try:
        yield conn
    finally:
        conn.close()


def stored_events(hub) -> dict[str, dict]:

    with hub_conn(hub) as conn:
        rows = conn.execute(
            "SELECT id, data FROM shared_records WHERE entity = 'event' AND data IS NOT NULL"
        ).fetchall()
    return {rid: json.loads(data) for rid, data in rows}


def groups(hub) -> list[str]:
    return sorted(hub.communities())


def test_desk_events_need_the_role_and_the_forms_token(hub, desk):
    assert requests.get(f"{hub.url}/desk/events", allow_redirects=False,
                        timeout=10).headers["location"] == "/desk/login"  # fmt: skip
    before = stored_events(hub)
    editor = desk_session(hub, "rob", "community_editor", community=groups(hub)[0])
    assert editor.get(f"{hub.url}/desk/events", timeout=10).status_code == 403
    editor_csrf = re.search(r'name="csrf" value="([^"]+)"',
                            editor.get(f"{hub.url}/desk/", timeout=10).text).group(1)  # fmt: skip
    assert post(hub, editor, form(), csrf=editor_csrf).status_code == 403
    for csrf in ("", "forged", editor_csrf):  # none, made up, another session's
        assert post(hub, desk, form(), csrf=csrf).status_code == 403
    assert stored_events(hub) == before


@pytest.mark.parametrize("case", ["a rule without an end", "a typed rule without an end",
                                  "a rule firing every second", "COUNT=100000 typed",
                                  "the end before the start", "a 300-character title"])  # fmt: skip
def test_bad_input_at_the_desk_gets_a_clear_message_and_nothing_stored(hub, desk, case):
    values, message = BAD_FORMS[case]
    before = stored_events(hub)
    reply = post(hub, desk, values)
    assert reply.status_code == 400
    assert message in re.search(r'role="alert">(.*?)</p>', reply.text, re.S).group(1)
    assert stored_events(hub) == before


def test_malformed_oversized_and_unknown_at_the_desk(hub, desk):
    before = stored_events(hub)
    assert post(hub, desk, form(description_nl="x" * 5000)).status_code == 400
    assert post(hub, desk, form(organiser="not-a-group")).status_code == 400
    assert post(hub, desk, {"action": "cancel", "event": "../../etc"}).status_code == 404
    missing = "7d3f7c5e-0000-4000-8000-000000000000"
    assert post(hub, desk, {"action": "cancel", "event": missing}).status_code == 404
    assert post(hub, desk, form(event=missing)).status_code == 404  # no such event to change
    assert post(hub, desk, {"action": "approve", "proposal": "nope"}).status_code == 404
    too_big = requests.post(f"{hub.url}/desk/events", data={"x": "y" * 3_000_000}, timeout=10)
    assert too_big.status_code == 413
    assert stored_events(hub) == before


def test_a_weekly_event_of_the_desk_reaches_a_kiosk_and_a_cancel_takes_it_away(hub, desk, tmp_path):
    reply = post(hub, desk, form(title_nl="Open spreekuur", repeat="weekly",
                                 until=(FIRST + timedelta(weeks=20)).isoformat()))  # fmt: skip
    assert reply.status_code == 303 and reply.headers["location"] == "/desk/events?done=saved"
    (event_id,) = [i for i, e in stored_events(hub).items() if e["title"]["nl"] == "Open spreekuur"]
    kiosk = enrolled_kiosk(hub, tmp_path / "k", "kiosk-hal")
    SyncClient(kiosk).sync_once()
    in_week = datetime.combine(FIRST + timedelta(weeks=3), time(9))
    (line,) = [x for x in today_in_hall(kiosk, in_week, "nl") if x.event_id == event_id]
    assert line.when == "14.00 – 16.00" and line.community_id is None
    page = desk.get(f"{hub.url}/desk/events", timeout=10).text
    assert "Open spreekuur" in page
    reply = post(hub, desk, {"action": "cancel", "event": event_id})
    assert reply.status_code == 303
    SyncClient(kiosk).sync_once()  # the tombstone
    assert not kiosk.conn.execute("SELECT 1 FROM events WHERE id = ?", [event_id]).fetchone()


def test_a_change_at_the_desk_keeps_the_event_and_its_id(hub, desk):
    post(hub, desk, form(title_nl="Voorleesuur", repeat="weekly", end_kind="count", count="4"))
    (event_id,) = [i for i, e in stored_events(hub).items() if e["title"]["nl"] == "Voorleesuur"]
    page = desk.get(f"{hub.url}/desk/events?edit={event_id}", timeout=10).text
    assert 'value="Voorleesuur"' in page and 'name="count"' in page and 'value="4"' in page
    count = len(stored_events(hub))
    reply = post(hub, desk, form(event=event_id, title_nl="Voorleesuur voor peuters",
                                 repeat="weekly", end_kind="count", count="6"))  # fmt: skip
    assert reply.status_code == 303 and len(stored_events(hub)) == count
    changed = stored_events(hub)[event_id]
    assert changed["title"]["nl"] == "Voorleesuur voor peuters"
    assert changed["rrule"] == "FREQ=WEEKLY;BYDAY=TU;COUNT=6"


def test_the_calendar_file_carries_the_rule_in_the_halls_time_zone(hub, desk):
    post(hub, desk, form(title_nl="Repair café", repeat="monthly", end_kind="count", count="6"))
    (event_id,) = [i for i, e in stored_events(hub).items() if e["title"]["nl"] == "Repair café"]
    reply = requests.get(f"{hub.url}/e/{event_id}.ics", timeout=10)
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(reply.content)
    (item,) = calendar.walk("VEVENT")
    nth = (FIRST.day - 1) // 7 + 1
    byday = f"{nth if nth < 5 else -1}TU"
    assert item["rrule"].to_ical().decode() == f"FREQ=MONTHLY;COUNT=6;BYDAY={byday}"
    start = item.decoded("dtstart")
    assert (start.date(), start.hour, str(start.tzinfo)) == (FIRST, 14, "Europe/Amsterdam")
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Amsterdam"]
    # A series ending on a day: UNTIL as a UTC moment (RFC 5545, with a zoned start).
    post(hub, desk, form(title_nl="Zomerbingo", repeat="weekly", until="2027-12-28"))
    (bingo,) = [i for i, e in stored_events(hub).items() if e["title"]["nl"] == "Zomerbingo"]
    item = Calendar.from_ical(requests.get(f"{hub.url}/e/{bingo}.ics", timeout=10).content)
    assert "UNTIL=20271228T225959Z" in item.walk("VEVENT")[0]["rrule"].to_ical().decode()


def test_the_feeds_hold_only_public_data_and_answer_304(hub, desk):
    group = groups(hub)[1]
    with hub_conn(hub) as conn:
        desk_store.set_mailbox(conn, "test", group, "geheim@voorbeeld.nl")
    post(hub, desk, form(title_nl="Kooroefening", organiser=group, in_hall="",
                         place="Dorpshuis", description_nl="Zing mee"))  # fmt: skip
    post(hub, desk, form(title_nl="Open dag", organiser=""))
    hall = requests.get(f"{hub.url}/calendar/hall.ics", timeout=10)
    own = requests.get(f"{hub.url}/calendar/{group}.ics", timeout=10)
    assert hall.status_code == own.status_code == 200
    titles = {f: {str(e["summary"]) for e in Calendar.from_ical(r.content).walk("VEVENT")}
              for f, r in (("hall", hall), ("group", own))}  # fmt: skip
    assert "Open dag" in titles["hall"] and "Kooroefening" not in titles["hall"]
    assert titles["group"] >= {"Kooroefening"} and "Open dag" not in titles["group"]
    public = {"UID", "SUMMARY", "DTSTART", "DTEND", "DTSTAMP", "LOCATION", "RRULE",
              "DESCRIPTION", "URL"}  # fmt: skip
    for reply in (hall, own):
        for item in Calendar.from_ical(reply.content).walk("VEVENT"):
            assert set(item) <= public
        assert b"geheim@" not in reply.content and b"@voorbeeld" not in reply.content
    # A calendar app asking again: 304 while nothing changed, the file when something did.
    tag = own.headers["etag"]
    again = requests.get(f"{hub.url}/calendar/{group}.ics", headers={"If-None-Match": tag},
                         timeout=10)  # fmt: skip
    assert again.status_code == 304 and again.content == b""
    post(hub, desk, form(title_nl="Extra repetitie", organiser=group))
    changed = requests.get(f"{hub.url}/calendar/{group}.ics", headers={"If-None-Match": tag},
                           timeout=10)  # fmt: skip
    assert changed.status_code == 200 and changed.headers["etag"] != tag
    for wrong in ("/calendar/nobody.ics", f"/calendar/{group}", "/calendar/../hub.db"):
        assert requests.get(hub.url + wrong, timeout=10).status_code == 404, wrong


def save_weekly_hall_event(page, title: str, first: date, start: str, end: str) -> None:
    """On the desk's events page (Dutch): a weekly event in the hall for eight weeks."""
    from playwright.sync_api import expect

    page.get_by_label("Nederlands", exact=True).first.fill(title)
    page.get_by_label("Dag (de eerste, als het terugkomt)").fill(first.isoformat())
    page.get_by_label("Van", exact=True).fill(start)
    page.get_by_label("Tot", exact=True).fill(end)
    page.get_by_label("Hoe vaak?").select_option("weekly")
    page.get_by_label("Laatste dag", exact=True).fill((first + timedelta(weeks=8)).isoformat())
    page.get_by_label("Plaats", exact=True).fill("Hal van het stadhuis")
    page.get_by_label("In de hal van het stadhuis").check()
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("opgeslagen")


def test_the_desk_makes_a_weekly_event_in_a_browser(hub, page):
    from desk_helpers import log_in
    from playwright.sync_api import expect

    log_in(page, hub, "pim", account(hub, "pim", "receptionist"))
    page.get_by_role("link", name="Activiteiten").click()
    controls = page.locator("input:not([type=hidden]), select, textarea, button, a")
    for i in range(controls.count()):  # every control says what it is
        label = controls.nth(i).evaluate(
            "el => (el.labels && el.labels.length ? el.labels[0].textContent : '')"
            " || el.getAttribute('aria-label') || el.innerText || el.value || ''"
        )
        assert label.strip(), controls.nth(i).evaluate("e => e.outerHTML")
    save_weekly_hall_event(page, "Buurtsoep", FIRST, "12:00", "13:30")
    soup = page.get_by_role("listitem").filter(has_text="Buurtsoep")
    expect(soup).to_contain_text("Elke week op dinsdag")
    expect(soup).to_contain_text("Stadhuis")
    (made,) = [e for e in stored_events(hub).values() if e["title"] == {"nl": "Buurtsoep"}]
    assert made["rrule"].startswith("FREQ=WEEKLY;BYDAY=TU;UNTIL=") and made["in_hall"]


EN = {"Accept-Language": "en"}


def edit_link(hub, community: str) -> str:
    with hub_conn(hub) as conn:
        return proposals.new_edit_link(conn, "test", community)


def test_a_groups_event_waits_for_the_desk_then_reaches_the_kiosks(hub, desk):
    group = groups(hub)[2]
    record_page = f"{hub.url}/edit/{edit_link(hub, group)}"
    link = f"{record_page}/events"
    # The group finds its events from its record's page.
    assert f'href="{link.removeprefix(hub.url)}"' in requests.get(record_page, timeout=10).text
    assert requests.get(link, timeout=10).status_code == 200
    reply = requests.post(link, headers=EN, data=form(title_nl="Moestuindag", in_hall=""),
                          timeout=10, allow_redirects=False)  # fmt: skip
    assert reply.status_code == 303
    assert not [e for e in stored_events(hub).values() if e["title"]["nl"] == "Moestuindag"]
    assert "Moestuindag" in requests.get(link, timeout=10).text  # waiting, on its own page
    page = desk.get(f"{hub.url}/desk/events", timeout=10).text
    ref = re.search(r'name="proposal" value="([0-9a-f]+)"', page).group(1)
    assert post(hub, desk, {"action": "approve", "proposal": ref}).status_code == 303
    (made,) = [e for e in stored_events(hub).values() if e["title"]["nl"] == "Moestuindag"]
    assert made["community_id"] == group


def test_a_link_reaches_only_its_own_groups_events(hub, desk):
    mine, theirs = groups(hub)[3], groups(hub)[4]
    post(hub, desk, form(title_nl="Van de buren", organiser=theirs))
    (foreign,) = [i for i, e in stored_events(hub).items() if e["title"]["nl"] == "Van de buren"]
    link = f"{hub.url}/edit/{edit_link(hub, mine)}/events"
    before = stored_events(hub)
    with hub_conn(hub) as conn:
        waiting_before = len(events.waiting(conn))
    for data in ({"action": "cancel", "event": foreign},
                 form(event=foreign, title_nl="Overgenomen")):  # fmt: skip
        reply = requests.post(link, headers=EN, data=data, timeout=10, allow_redirects=False)
        assert reply.status_code == 404 and "Your group has no such event." in reply.text
    assert requests.get(f"{link}?edit={foreign}", timeout=10).status_code == 404
    assert stored_events(hub) == before
    with hub_conn(hub) as conn:
        assert len(events.waiting(conn)) == waiting_before
    assert requests.get(f"{hub.url}/edit/not-a-link/events", timeout=10).status_code == 404


def test_bad_input_and_a_flood_through_a_groups_link(hub):
    group = groups(hub)[5]
    link = f"{hub.url}/edit/{edit_link(hub, group)}/events"
    for case in ("a rule without an end", "a rule firing every second", "a 300-character title"):
        values, message = BAD_FORMS[case]
        reply = requests.post(link, headers=EN, data=values, timeout=10)
        assert reply.status_code == 400 and message in reply.text, case
    for n in range(events.MAX_WAITING_PER_GROUP):
        reply = requests.post(link, headers=EN, data=form(title_nl=f"Avond {n}"), timeout=10,
                              allow_redirects=False)  # fmt: skip
        assert reply.status_code == 303
    reply = requests.post(link, headers=EN, data=form(title_nl="Eén te veel"), timeout=10)
    assert reply.status_code == 400 and "wait for the reception already" in reply.text
    with hub_conn(hub) as conn:
        assert len(events.waiting(conn, group)) == events.MAX_WAITING_PER_GROUP


def test_a_leaked_link_cannot_keep_the_hub_busy_with_event_forms(hub):
    """Every post through a group's link costs a rule check: at most SENDS_PER_HOUR an hour,
    then a plain 429 and nothing read or stored."""
    from sync.hub import group_events

    group = groups(hub)[7]
    link = f"{hub.url}/edit/{edit_link(hub, group)}/events"
    bad = form(repeat="custom", rrule="FREQ=SECONDLY;COUNT=5")
    for _ in range(group_events.SENDS_PER_HOUR):
        assert requests.post(link, headers=EN, data=bad, timeout=10).status_code == 400
    reply = requests.post(link, headers=EN, data=form(title_nl="Nog een"), timeout=10)
    assert reply.status_code == 429 and "Try again later" in reply.text
    with hub_conn(hub) as conn:
        assert events.waiting(conn, group) == []


def test_a_group_cancels_its_own_event_at_once(hub, desk):
    group = groups(hub)[6]
    post(hub, desk, form(title_nl="Wandeling", organiser=group))
    (own,) = [i for i, e in stored_events(hub).items() if e["title"]["nl"] == "Wandeling"]
    link = f"{hub.url}/edit/{edit_link(hub, group)}/events"
    reply = requests.post(link, headers=EN, data={"action": "cancel", "event": own}, timeout=10,
                          allow_redirects=False)  # fmt: skip
    assert reply.status_code == 303 and own not in stored_events(hub)
    with hub_conn(hub) as conn:
        tombstone = conn.execute(
            "SELECT deleted FROM changes WHERE entity = 'event' AND id = ?", [own]
        ).fetchone()
    assert tombstone == (1,)


# -- the kiosk app: What's on and the attract screen ------------------------------------------


def test_whats_on_and_the_attract_screen_show_the_next_time_of_a_desk_series(
    hub, desk, make_kiosk, demo_store
):
    """A weekly series the desk began months ago, synced to a kiosk: on a day it happens,
    with the clock travelled there, What's on lists it today and the attract screen too."""
    import time_machine
    from gui_helpers import find, screen, start

    from kiosk import navigation as nav
    from screens.whats_on import EventRow

    first = date.today() - timedelta(weeks=13)
    post(hub, desk, form(title_nl="Koffie in de hal", day=first.isoformat(), repeat="weekly",
                         until=(first + timedelta(weeks=40)).isoformat(), start="13:00",
                         end="15:00"))  # fmt: skip
    enrol(demo_store, hub.url, hub.code("kiosk-gui"))
    SyncClient(demo_store).sync_once()
    day = first + timedelta(weeks=20)
    with time_machine.travel(datetime.combine(day, time(9)).astimezone(), tick=False):
        kiosk = make_kiosk()
        app = kiosk.app
        assert any("Koffie in de hal" in title for _when, title in
                   screen(app, nav.ATTRACT).hall_events)  # fmt: skip
        start(kiosk)
        kiosk.tap(screen(app, nav.HOME).ids.whats_on_tile)
        whats_on = screen(app, nav.WHATS_ON)
        (row,) = [r for r in find(whats_on, EventRow) if r.title == "Koffie in de hal"]
        hall = i18n.translations(app.lang).gettext("Town hall")
        assert row.when.endswith("13.00 – 15.00") and row.detail.startswith(hall)
        kiosk.tap(row)
        assert whats_on.ids.calendar_qr.matrix.data.endswith(f"/e/{row.event_id}.ics")


def test_a_groups_page_shows_a_series_that_began_months_ago_by_its_next_time(hub):
    """The public group page (/c/) lists a weekly series whose first time is long past: by
    its next time, not by its first (once over, the first hid the whole series)."""
    group = groups(hub)[1]
    record = {"id": str(uuid.uuid4()), "community_id": group, "title": {"nl": "Zomerwandeling"},
              "starts_at": "2026-03-03T10:00:00", "ends_at": "2026-03-03T12:00:00",
              "place": "Kerkplein", "in_hall": False, "rrule": "FREQ=WEEKLY;COUNT=200"}  # fmt: skip
    with hub_conn(hub) as conn:
        events.save(conn, record, "test")
    page = requests.get(f"{hub.url}/c/{group}?lang=nl", timeout=10).text
    assert "Zomerwandeling" in page
    assert "3 mrt" not in page  # the first time, over long ago, is not what it shows


def test_a_cancelled_event_is_not_brought_back_by_an_older_proposal(hub, desk):
    group = groups(hub)[6]
    post(hub, desk, form(title_nl="Breicafé", organiser=group))
    (event_id,) = [i for i, e in stored_events(hub).items() if e["title"]["nl"] == "Breicafé"]
    link = f"{hub.url}/edit/{edit_link(hub, group)}/events"
    # The group proposes a change, then cancels the event before the desk looks.
    reply = requests.post(link, headers=EN, data=form(event=event_id, title_nl="Breicafé XL"),
                          timeout=10, allow_redirects=False)  # fmt: skip
    assert reply.status_code == 303
    with hub_conn(hub) as conn:
        (waiting,) = [w for w in events.waiting(conn) if w["event"]["id"] == event_id]
        # A desk page opened before the cancel still holds the proposal's reference.
        stale_ref = waiting["ref"]
    reply = requests.post(link, headers=EN, data={"action": "cancel", "event": event_id},
                          timeout=10, allow_redirects=False)  # fmt: skip
    assert reply.status_code == 303
    assert event_id not in stored_events(hub)
    with hub_conn(hub) as conn:
        assert not [w for w in events.waiting(conn) if w["event"]["id"] == event_id]
        # Even a proposal that escaped the cancel (made from a stale form) stays cancelled.
        conn.execute(
            "INSERT INTO event_proposals (ref, community_id, event_id, data, made_by, made_at)"
            " VALUES (?, ?, ?, ?, 'test', '2026-12-01T10:00:00+00:00')",
            [stale_ref, group, event_id, json.dumps(waiting["event"])],
        )
        conn.commit()
    assert post(hub, desk, {"action": "approve", "proposal": stale_ref}).status_code == 303
    assert event_id not in stored_events(hub)
