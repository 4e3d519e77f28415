"""Screenshots of the hub's pages: the public pages as a phone shows them (headless Chromium,
412x915) into docs/pages/ (a community's page in Dutch and English, a take-home list, the
consent page and the page after withdrawing), and the reception desk (Playwright, 1280x800)
into docs/desk/. Run by './tasks screenshots'."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.hub_process import HubProcess  # noqa: E402
from kiosk.contact import check_contact, load_public_key, seal  # noqa: E402
from kiosk.store import Store, open_store  # noqa: E402
from kiosk.visitor_records import (  # noqa: E402
    new_record_id,
    new_token,
    record_contact_request,
    record_take_home_list,
)
from sync.client import SyncClient, enrol  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


def shoot(url: str, target: Path, height: int = 915) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--window-size=412,{height}", "--force-device-scale-factor=1",
         f"--screenshot={target}", url],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    print(target)


def synced_kiosk(folder: Path, hub: HubProcess) -> tuple[Store, str, list[str]]:
    """A kiosk enrolled at ``hub`` with the demo pulled; the community with the most events
    (a full page to show) and four communities a visitor might keep."""
    kiosk = open_store(folder / "kiosk" / "kiosk.db")
    enrol(kiosk, hub.url, hub.code("kiosk-hal"))
    SyncClient(kiosk).sync_once()
    (cid,) = kiosk.conn.execute(
        "SELECT community_id FROM events GROUP BY community_id ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    others = kiosk.conn.execute("SELECT id FROM communities WHERE id != ? LIMIT 3", [cid])
    return kiosk, cid, [cid, *[r[0] for r in others]]


def main(out: Path) -> None:
    folder = Path(tempfile.mkdtemp(prefix="ontmoet-pages-"))
    hub = HubProcess(folder / "hub").start()
    try:
        kiosk, cid, kept = synced_kiosk(folder, hub)
        token, receipt = new_token(), new_token()
        record_take_home_list(kiosk, new_record_id(), token, kept[:4], "nl")
        sealed = seal(check_contact("email", "anna@voorbeeld.nl"),
                      load_public_key(kiosk.get_state("hub_public_key")))  # fmt: skip
        record_contact_request(kiosk, new_record_id(), kept[:2], "email", sealed, 90, receipt)
        SyncClient(kiosk).sync_once()
        shoot(f"{hub.url}/c/{cid}?lang=nl", out / "community-nl.png", 1400)
        shoot(f"{hub.url}/c/{cid}?lang=en", out / "community-en.png", 1400)
        shoot(f"{hub.url}/m/{token}", out / "take-home-list.png")
        shoot(f"{hub.url}/w/{receipt}?lang=nl", out / "consent.png")
        requests.post(f"{hub.url}/w/{receipt}?lang=nl", data={"confirm": "yes"}, timeout=10)
        shoot(f"{hub.url}/w/{receipt}?lang=nl", out / "consent-after-withdrawal.png", 500)
    finally:
        hub.stop()


def desk_screenshots(out: Path) -> None:
    """The reception desk, as a receptionist and an admin see it (Playwright, 1280x800)."""
    from playwright.sync_api import sync_playwright

    from kiosk.visitor_records import record_help_request, record_interest
    from sync.hub import desk_store
    from sync.hub import store as hub_store

    folder = Path(tempfile.mkdtemp(prefix="ontmoet-desk-"))
    hub = HubProcess(folder / "hub").start()
    try:
        kiosk = open_store(folder / "kiosk" / "kiosk.db")
        enrol(kiosk, hub.url, hub.code("kiosk-hal"))
        SyncClient(kiosk).sync_once()
        ids = [r[0] for r in kiosk.conn.execute("SELECT id FROM communities LIMIT 3")]
        key = load_public_key(kiosk.get_state("hub_public_key"))
        for i in range(12):
            record_interest(kiosk, new_record_id(), ["natuur", "koken"][: 1 + i % 2], [],
                            "de-hoven" if i % 3 else None, "nl", "kiosk-hal")  # fmt: skip
        for address in ("anna@voorbeeld.nl", "06-12345678"):
            channel = "email" if "@" in address else "phone"
            sealed = seal(check_contact(channel, address), key)
            record_contact_request(kiosk, new_record_id(), ids[:2], channel, sealed, 90,
                                   new_token())  # fmt: skip
        record_help_request(kiosk, new_record_id(), "nl", "kiosk-hal")
        SyncClient(kiosk).sync_once()
        record_help_request(kiosk, new_record_id(), "en", "kiosk-hal")
        SyncClient(kiosk).sync_once()
        conn = hub_store.connect(hub.data_dir / "hub.db")
        password = desk_store.create_account(conn, "setup", "sanne", "admin")
        desk_store.create_account(conn, "setup", "pieter", "receptionist")
        desk_store.set_disabled(conn, "setup", "pieter", True)
        desk_store.create_account(conn, "setup", "fatima", "receptionist")
        from sync.hub import proposals

        token = proposals.new_edit_link(conn, "setup", ids[0])
        record = hub_store.shared_record(conn, "community", ids[0])
        proposals.propose(conn, ids[0], {"pitch": {**record["pitch"], "nl": "Elke maandag "
                          "en donderdag samen wandelen, nu ook op zondag."}}, "community",
                          "community")  # fmt: skip
        contact_id = desk_store.contact_requests(conn)[0]["id"]
        desk_store.set_mailbox(conn, "setup", ids[0], "wandelclub@voorbeeld.nl")
        conn.close()
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="nl-NL")
            page.goto(f"{hub.url}/desk/login")
            page.screenshot(path=out / "desk-login.png")
            page.get_by_label("Naam").fill("sanne")
            page.get_by_label("Wachtwoord").fill(password)
            page.get_by_role("button", name="Inloggen").click()
            # A generated password works once: the first thing is choosing one's own.
            page.screenshot(path=out / "desk-password.png")
            page.get_by_label("Huidig wachtwoord").fill(password)
            page.get_by_label("Nieuw wachtwoord (minstens 12 tekens)").fill("eigen-wachtwoord-1")
            page.get_by_label("Nieuw wachtwoord nog een keer").fill("eigen-wachtwoord-1")
            page.get_by_role("button", name="Wachtwoord wijzigen").click()
            page.goto(f"{hub.url}/desk/queue")
            page.get_by_role("row").nth(1).get_by_role("button", name="Ik ga").click()
            for name in ("queue", "contacts", f"contacts/{contact_id}", "introductions",
                         "figures", "communities", "review", "kiosks", "accounts",
                         "audit", "opendata"):  # fmt: skip
                page.goto(f"{hub.url}/desk/{name}")
                shot = out / f"desk-{name.split('/')[0]}{'-one' if '/' in name else ''}.png"
                page.screenshot(path=shot, full_page=True)
                print(shot)
            # The open-data page on a phone (390x844): an admin away from the desk.
            small = browser.new_page(viewport={"width": 390, "height": 844}, locale="nl-NL")
            small.goto(f"{hub.url}/desk/login")
            small.get_by_label("Naam").fill("sanne")
            small.get_by_label("Wachtwoord").fill("eigen-wachtwoord-1")
            small.get_by_role("button", name="Inloggen").click()
            small.goto(f"{hub.url}/desk/opendata")
            small.screenshot(path=out / "desk-opendata-phone.png", full_page=True)
            print(out / "desk-opendata-phone.png")
            phone = browser.new_page(viewport={"width": 412, "height": 915}, locale="nl-NL")
            phone.goto(f"{hub.url}/edit/{token}")
            phone.screenshot(path=out / "community-edit-link.png")
            print(out / "community-edit-link.png")
            browser.close()
    finally:
        hub.stop()


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "pages"
    main(target)
    desk_screenshots(target.parent / "desk")
