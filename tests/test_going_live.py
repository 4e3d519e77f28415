"""A town goes live without the demo (issue 14's proof), in a real browser against a real hub
process: the desk makes the town's lists, two groups and a weekly event; a group signs up on
a phone and is approved; it sends a photo from its edit link and the desk approves it; after
a sync a kiosk finds the group by search, shows its photo (pixels of a screenshot) and lists
the next time of the weekly event in What's on."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest
import requests
from desk_helpers import account, log_in
from hub_helpers import HubProcess
from playwright.sync_api import Page, expect
from test_events import save_weekly_hall_event
from test_photos import jpeg, magenta_pixels
from test_signup import PHONE, fill_signup

from kiosk import navigation as nav
from kiosk.config import Config
from kiosk.store import open_store


@pytest.fixture
def town(tmp_path, smtp_sink):
    hub = HubProcess(tmp_path / "hub", demo=False)
    hub.start(env={"ONTMOET_SMTP_HOST": "127.0.0.1", "ONTMOET_SMTP_PORT": str(smtp_sink.port),
                   "ONTMOET_MAIL_FROM": "receptie@stad.example"})  # fmt: skip
    yield hub
    hub.stop()


def add_term(page: Page, hub, name: str, label: str) -> None:
    page.goto(f"{hub.url}/desk/lists")
    form = page.locator(f"form[action='/desk/lists/{name}/add']")
    page.locator(f"details:has(form[action='/desk/lists/{name}/add']) > summary").click()
    form.locator(f"#add-{name}-nl").fill(label)
    if name == "gifts":
        form.locator(f"#add-{name}-kind").select_option(index=0)
    form.locator("button[type=submit]").click()
    expect(page.locator("main")).to_contain_text(label)


def add_group(page: Page, hub, name: str, theme: str, neighbourhood: str) -> str:
    page.goto(f"{hub.url}/desk/communities/new")
    page.fill("#name", name)
    page.fill("#pitch_nl", f"{name}: samen doen in de buurt")
    page.fill("#story_nl", "Elke dinsdag koken we samen en eten we met wie er maar komt.")
    page.fill("#welcome_nl", "Iedereen is welkom.")
    page.fill("#accessibility_nl", "Drempelvrij.")
    page.fill("#contact_nl", "Loop gerust binnen.")
    page.check(f"#theme_{theme}")
    page.select_option("#neighbourhood", neighbourhood)
    page.select_option("#m0_pattern", "weekly")
    page.check("#m0_day_TU")
    page.fill("#m0_opens", "14:00")
    page.fill("#m0_closes", "16:00")
    page.fill("#m0_starts_on", "2026-01-06")
    page.fill("#m0_place", "Buurthuis De Linde")
    page.get_by_role("button", name="Groep toevoegen").click()
    page.wait_for_load_state()
    made = re.search(r"/desk/communities/([0-9a-f-]{36})", page.url)
    assert made, page.locator(".problem").all_inner_texts()
    return made.group(1)


@pytest.mark.browser
def test_a_town_goes_live_without_the_demo(
    town, smtp_sink, browser, page: Page, tmp_path, clock, hub_key
):
    log_in(page, town, "anouk", account(town, "anouk", "admin"))

    # The town's own lists.
    add_term(page, town, "themes", "Samen eten")
    add_term(page, town, "themes", "Fietsen")
    add_term(page, town, "neighbourhoods", "Oude Haven")
    add_term(page, town, "gifts", "Koken")

    # Two groups, each meeting every Tuesday.
    soup = add_group(page, town, "Soep op Dinsdag", "samen-eten", "oude-haven")
    add_group(page, town, "Eettafel Oude Haven", "samen-eten", "oude-haven")

    # A weekly event in the hall, from tomorrow for eight weeks.
    first = date.today() + timedelta(days=1)
    page.goto(f"{town.url}/desk/events")
    save_weekly_hall_event(page, "Koffie in de hal", first, "10:00", "11:30")

    # A group signs itself up on a phone; the desk approves it.
    phone = browser.new_context(viewport=PHONE, locale="nl-NL")
    mobile = phone.new_page()
    mobile.goto(f"{town.url}/join?lang=nl")
    fill_signup(mobile, "Fietsclub Lindewaard", "fiets@voorbeeld.nl")
    expect(mobile.locator(".notice")).to_be_visible()
    page.goto(f"{town.url}/desk/signups")
    page.get_by_role("region", name="Fietsclub Lindewaard").get_by_role(
        "button", name=re.compile("^Goedkeuren")
    ).click()
    expect(page.locator(".notice")).to_be_visible()

    # Its edit link came by mail; with it, the group sends a photo from the phone.
    (welcome,) = [m for m in smtp_sink.received if m["To"] == "fiets@voorbeeld.nl"]
    link = re.search(r"http://\S+/edit/\S+", welcome.get_payload(decode=True).decode()).group(0)
    mobile.goto(link)
    mobile.set_input_files(
        "#photo-file",
        files=[
            {"name": "fiets.jpg", "mimeType": "image/jpeg", "buffer": jpeg(size=(1600, 1000))}
        ],  # fmt: skip
    )
    mobile.get_by_role("button", name="Foto sturen").click()
    expect(mobile.get_by_role("status")).to_be_visible()
    phone.close()
    page.goto(f"{town.url}/desk/review")
    page.get_by_role("button", name=re.compile("^Goedkeuren")).first.click()

    # A kiosk of this town: one sync round as its worker runs it (records, then photos).
    from sync.client import enrol
    from sync.worker import SyncWorker

    config = Config(data_dir=tmp_path / "kiosk", public_url=town.url)
    store = open_store(config.db_path)
    enrol(store, town.url, town.code("kiosk-hal"))
    worker = SyncWorker(config.db_path, photos_dir=config.data_dir / "photos")
    round_store = open_store(config.db_path)
    try:
        worker._round(round_store, requests.Session())
    finally:
        round_store.close()
    assert worker.failures == 0
    names = dict(store.conn.execute("SELECT name, id FROM communities"))
    assert set(names) == {"Soep op Dinsdag", "Eettafel Oude Haven", "Fietsclub Lindewaard"}
    assert names["Soep op Dinsdag"] == soup
    bikes = names["Fietsclub Lindewaard"]
    assert bikes in store.search("fietscl", seed="bezoeker")  # found by a piece of its name
    assert store.community(bikes).photo  # the hub's photo, on the kiosk's disk

    import base64

    from kiosk.app import KioskApp
    from screens.headless import HeadlessRunner

    key = base64.b64encode(bytes(hub_key.public_key)).decode()
    runner = HeadlessRunner(
        KioskApp(replace(config, hub_public_key=key), store, clock=clock), draw=False
    )
    # Tomorrow morning, when the series has its first time: What's on lists it.
    import time_machine

    with time_machine.travel(datetime.combine(first, time(8)).astimezone(), tick=False):
        runner.start()
        try:
            app = runner.app
            runner.tap(app.screen(nav.ATTRACT))
            app.open_community(bikes)
            runner.pump(3)
            from conftest import SCREENSHOTS

            magenta = magenta_pixels(runner.screenshot(SCREENSHOTS / "going-live-community.png"))
            assert magenta > 500, magenta  # the group's own photo, not its initials
            from gui_helpers import find
            from kivy.uix.label import Label

            # It named no gifts yet: no heading over an empty space.
            shown = {w.text for w in find(app.screen(nav.COMMUNITY), Label)}
            assert "Ze zijn blij met hulp bij" not in shown
            app.open_community(soup)
            runner.pump(3)
            assert "Elke dinsdag, 14.00–16.00" in " ".join(
                w.text for w in find(app.screen(nav.COMMUNITY), Label)
            )  # the desk's meeting, in words
            app.open(nav.WHATS_ON)
            runner.pump(3)
            from screens.whats_on import EventRow

            rows = [r for r in find(app.screen(nav.WHATS_ON), EventRow)
                    if r.title == "Koffie in de hal"]  # fmt: skip
            assert rows and rows[0].when.endswith("10.00 – 11.30"), [r.when for r in rows]
        finally:
            runner.stop()
            store.close()
