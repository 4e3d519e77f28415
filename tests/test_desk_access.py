"""The desk for everyone at the reception: every control has a label, everything is reachable
with the keyboard, and text has enough contrast."""

from __future__ import annotations

import re
from pathlib import Path

from desk_helpers import account, log_in
from hub_helpers import enrolled_kiosk
from playwright.sync_api import Page, expect

from kiosk.visitor_records import new_record_id, record_help_request
from sync.client import SyncClient

STATIC = Path(__file__).resolve().parent.parent / "sync" / "hub" / "static"
PAGES = ("queue", "contacts", "communities", "review", "introductions", "figures", "kiosks",
         "accounts", "audit")  # fmt: skip


def test_every_control_has_an_accessible_name(desk, page: Page):
    password = account(desk, "sanne", "admin")
    log_in(page, desk, "sanne", password)
    for name in PAGES:
        page.goto(f"{desk.url}/desk/{name}")
        controls = page.locator("input:not([type=hidden]), select, textarea, button, a")
        for i in range(controls.count()):
            control = controls.nth(i)
            label = control.evaluate(
                "el => (el.labels && el.labels.length ? el.labels[0].innerText : '')"
                " || el.getAttribute('aria-label') || el.innerText || el.value || ''"
            )
            assert label.strip(), (
                f"{name}: a control without a name: {control.evaluate('e => e.outerHTML')}"
            )
        assert page.locator("h1").count() == 1, name
        title = page.title()  # what a screen reader says first, and the browser's tab
        assert title.endswith("· Ontmoet") and "<" not in title and len(title) < 80, title
        assert page.locator("html").get_attribute("lang") in ("nl", "en")


def test_the_queue_works_with_the_keyboard_alone(desk, tmp_path, page: Page):
    password = account(desk, "sanne", "receptionist")
    kiosk = enrolled_kiosk(desk, tmp_path / "k", "kiosk-hal")
    record_help_request(kiosk, new_record_id(), "nl", "kiosk-hal")
    SyncClient(kiosk).sync_once()
    page.goto(f"{desk.url}/desk/login")
    # The name field has the focus from the start (autofocus): wait for it, then type.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'")
    page.keyboard.type("sanne")
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{desk.url}/desk/queue")
    for _ in range(40):  # Tab through the page to the first "I'm going"
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.innerText") == "Ik ga":
            break
    else:
        raise AssertionError("'Ik ga' cannot be reached with Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("row", name=re.compile("onderweg"))).to_be_visible()


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_colours_have_at_least_4_5_to_1_contrast():
    css = (STATIC / "hub.css").read_text() + (STATIC / "desk.css").read_text()
    ink, muted, accent, paper = "#1b1b1b", "#4a4a4a", "#1f5e6e", "#fbfaf7"
    for name, value in (("--ink", ink), ("--muted", muted), ("--accent", accent),
                        ("--paper", paper)):  # fmt: skip
        assert f"{name}: {value}" in css, name  # the pairs below are the stylesheet's own
    pairs = {
        "text on paper": (ink, paper), "muted text on paper": (muted, paper),
        "links and headings on paper": (accent, paper), "white on the header": ("#ffffff", accent),
        "white on a danger button": ("#ffffff", "#8f2d1f"), "warning text": ("#8f2d1f", "#ffffff"),
        "online text": ("#2e683e", "#ffffff"), "problem box": (ink, "#fbe9e6"),
        "notice box": (ink, "#e8f3ea"), "table head": (ink, "#eef3f4"),
    }  # fmt: skip
    for what, (fg, bg) in pairs.items():
        assert contrast(fg, bg) >= 4.5, f"{what}: {contrast(fg, bg):.2f}"
    for colour in ("#8f2d1f", "#2e683e", "#fbe9e6", "#e8f3ea", "#eef3f4"):
        assert colour in css
