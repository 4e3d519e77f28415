"""Screenshots of the hub in Arabic and Ukrainian (headless Chromium through Playwright): a
community's page, a take-home list and the desk's queue, at phone size (390x844) and on a
desktop (1280x800), into docs/screenshots/hub-<lang>-<page>-<size>.png. Run by
'./tasks screenshots'; people look at them for cramped, untranslated or unmirrored pages."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from page_screenshots import CHROMIUM, synced_kiosk  # noqa: E402  (scripts/, beside this one)

from bench.hub_process import HubProcess  # noqa: E402
from kiosk.visitor_records import (  # noqa: E402
    new_record_id,
    new_token,
    record_help_request,
    record_take_home_list,
)
from sync.client import SyncClient  # noqa: E402

SIZES = {"phone": (390, 844), "desktop": (1280, 800)}
LANGUAGES = ("ar", "uk")


def main(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    from sync.hub import desk_store
    from sync.hub import store as hub_store

    out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="ontmoet-hub-languages-"))
    hub = HubProcess(folder / "hub").start()
    try:
        kiosk, cid, kept = synced_kiosk(folder, hub)
        lists = {lang: new_token() for lang in LANGUAGES}
        for lang, token in lists.items():
            record_take_home_list(kiosk, new_record_id(), token, kept, lang)
        for lang in LANGUAGES:
            record_help_request(kiosk, new_record_id(), lang, "kiosk-hal")
        SyncClient(kiosk).sync_once()
        conn = hub_store.connect(hub.data_dir / "hub.db")
        generated = desk_store.create_account(conn, "setup", "fatima", "receptionist")
        desk_store.change_password(conn, "fatima", generated, "eigen-wachtwoord-receptie-1")
        conn.close()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM,
                                        args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
            for size, (width, height) in SIZES.items():
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                page.goto(f"{hub.url}/desk/login?lang=nl")
                page.get_by_label("Naam").fill("fatima")
                page.get_by_label("Wachtwoord").fill("eigen-wachtwoord-receptie-1")
                page.get_by_role("button", name="Inloggen").click()
                for lang in LANGUAGES:
                    for name, path in (("community", f"/c/{cid}?lang={lang}"),
                                       ("list", f"/m/{lists[lang]}"),
                                       ("queue", f"/desk/queue?lang={lang}")):  # fmt: skip
                        page.goto(hub.url + path)
                        target = out / f"hub-{lang}-{name}-{size}.png"
                        page.screenshot(path=target)
                        print(target)
                context.close()
            browser.close()
    finally:
        hub.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
