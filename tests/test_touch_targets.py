"""Every control on every screen is at least 72 dp in both directions (house rule), walked in
the real app on the way through the visitor journeys."""

from gui_helpers import start, walk_every_screen
from kivy.metrics import dp
from kivy.uix.behaviors import ButtonBehavior

from kiosk import navigation as nav

MINIMUM = dp(72)


def small_controls(root):
    """Visible, usable controls smaller than the minimum, as (class, text, size)."""
    found = []
    for widget in root.walk(restrict=True):
        if not isinstance(widget, ButtonBehavior) or widget.disabled:
            continue
        if widget.opacity == 0 or widget.width == 0 or widget.height == 0:
            continue  # hidden: not a target
        if min(widget.size) < MINIMUM:
            found.append((type(widget).__name__, getattr(widget, "text", ""), tuple(widget.size)))
    return found


def recorder(kiosk):
    """({screen: its small controls}, check(name)) for walking the screens."""
    seen = {}

    def check(name):
        kiosk.pump(5)
        seen[name] = small_controls(kiosk.app.root)

    return seen, check


def visited_screens(seen) -> set[str]:
    """The screens behind the names checked ("results-list" and "results" are one)."""
    return {name.split("-")[0].split(" ")[0] for name in seen}


def test_every_control_on_every_screen_is_large_enough(kiosk):
    app = kiosk.app
    seen, check = recorder(kiosk)
    start(kiosk)
    walk_every_screen(kiosk, check)
    app.ask_reception()
    check("reception notice")
    app.end_session()
    app.store.set_state("receptionist_pin_hash", "$argon2id$stand-in")  # shows the PIN pad
    app.open(nav.RECEPTION)
    check(nav.RECEPTION)
    app.start_receptionist_session()
    check("receptionist mode")
    app.keep(app.store.community_ids()[0])
    app.introduce()
    intro = app.screen(nav.INTRODUCE)
    for kind in ("visitor_community", "visitor_visitor"):
        intro.kind = kind
        for step in ("kind", "who", "note", "done"):
            intro.step = step
            check(f"{nav.INTRODUCE}-{kind}-{step}")
    assert visited_screens(seen) >= set(nav.ALL_SCREENS) - {
        nav.ATTRACT  # one big touch area; its staff corner is not for visitors
    }
    assert {name: controls for name, controls in seen.items() if controls} == {}


def test_controls_stay_large_enough_in_arabic_with_large_text_and_low_reach(kiosk):
    app = kiosk.app
    seen, check = recorder(kiosk)
    start(kiosk)
    app.set_language("ar")
    app.set_mode("large_text", True)
    app.set_mode("low_reach", True)
    walk_every_screen(kiosk, check)
    staff = {nav.ATTRACT, nav.RECEPTION, nav.INTRODUCE}  # walked in the test above
    assert visited_screens(seen) >= set(nav.ALL_SCREENS) - staff
    assert {name: controls for name, controls in seen.items() if controls} == {}
