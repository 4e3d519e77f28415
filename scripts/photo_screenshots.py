"""Screenshots of a group's photo on the hub (headless Chromium through Playwright), into
docs/screenshots/edit-photo-*.png: the photo section of the edit page on a phone (390x844) in
Dutch and Arabic, with the photo the kiosks show and a new one waiting; a refused upload; the
desk's review with the two photos as thumbnails; the community's public page with its photo.

    .venv/bin/python scripts/photo_screenshots.py [out-folder]
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from page_screenshots import CHROMIUM  # noqa: E402  (scripts/, beside this one)

from bench.hub_process import HubProcess  # noqa: E402

PHONE = {"width": 390, "height": 844}


def main(out: Path) -> None:
    from PIL import Image
    from playwright.sync_api import sync_playwright

    from kiosk.demo import demo_id
    from sync.hub import desk_store, proposals
    from sync.hub import store as hub_store

    out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="ontmoet-photo-shots-"))
    hub = HubProcess(folder / "hub").start()
    try:
        cid = demo_id("repair-cafe-de-linde")  # a demo group with a photo already
        conn = hub_store.connect(hub.data_dir / "hub.db")
        token = proposals.new_edit_link(conn, "setup", cid)
        generated = desk_store.create_account(conn, "setup", "fatima", "receptionist")
        desk_store.change_password(conn, "fatima", generated, "eigen-wachtwoord-receptie-1")
        conn.close()
        new_photo = folder / "IMG_2041.jpg"
        drawn = Image.open(ROOT / "assets" / "demo" / "photos" / "de-lange-tafel-oosterpark.jpg")
        buffer = io.BytesIO()
        drawn.save(buffer, "JPEG", quality=92)
        new_photo.write_bytes(buffer.getvalue())
        pdf = folder / "flyer.jpg"
        pdf.write_bytes(b"%PDF-1.7\n% a flyer, renamed\n" * 40)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM,
                                        args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
            page = browser.new_context(viewport=PHONE).new_page()
            page.goto(f"{hub.url}/edit/{token}?lang=nl")
            page.set_input_files("#photo-file", str(pdf))
            page.locator("section.photo button").click()
            page.screenshot(path=out / "edit-photo-refused-nl-phone.png")
            page.set_input_files("#photo-file", str(new_photo))
            page.locator("section.photo button").click()
            for lang in ("nl", "ar"):
                page.goto(f"{hub.url}/edit/{token}?lang={lang}")
                page.locator("section.photo").scroll_into_view_if_needed()
                page.locator("section.photo h2").evaluate("h => h.scrollIntoView()")
                page.screenshot(path=out / f"edit-photo-{lang}-phone.png")
            desk = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
            desk.goto(f"{hub.url}/desk/login?lang=nl")
            desk.get_by_label("Naam").fill("fatima")
            desk.get_by_label("Wachtwoord").fill("eigen-wachtwoord-receptie-1")
            desk.get_by_role("button", name="Inloggen").click()
            desk.goto(f"{hub.url}/desk/review")
            desk.screenshot(path=out / "edit-photo-review-desktop.png")
            desk.get_by_role("button", name="Goedkeuren").first.click()
            desk.goto(f"{hub.url}/desk/communities/{cid}")
            desk.locator("section.photo").scroll_into_view_if_needed()
            desk.locator("section.photo h2").evaluate("h => h.scrollIntoView()")
            desk.screenshot(path=out / "edit-photo-desk-desktop.png")
            page.goto(f"{hub.url}/c/{cid}?lang=nl")
            page.screenshot(path=out / "edit-photo-community-nl-phone.png")
            browser.close()
    finally:
        hub.stop()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
