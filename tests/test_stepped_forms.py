"""Every step of every stepped form (talents, contact, introductions) starts with its controls
in the window, also when frames are slow, as on a busy kiosk or under load (issue 11).

A tap on "1 jaar" once missed: the typed field was scrolled "into sight" in a view whose
content fitted, Kivy's springy scroll effect pulled it back frame by frame, and with long frames
its spring overshot more on every frame (scroll_y about -4 on the next step)."""

from __future__ import annotations

import time

import pytest
from gui_helpers import find, screen, start, step, tile, type_on
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.effects.dampedscroll import DampedScrollEffect
from kivy.uix.scrollview import ScrollView

from kiosk import navigation as nav
from screens.widgets.common import ChoiceTile
from sync.hub import keys

SLOW_FRAME = 0.6  # seconds between frames: a loaded Raspberry Pi drawing a new step


@pytest.fixture
def slow_frames(monkeypatch):
    """Kivy's clock sees every frame take SLOW_FRAME seconds, whatever this machine's speed:
    what runs per frame (scroll effects, animations) gets the time steps of a slow panel."""
    real = time.perf_counter
    monkeypatch.setattr(Clock, "time", lambda: real() + SLOW_FRAME * Clock.frames)


def rect(widget) -> tuple[float, float, float, float]:
    """left, bottom, right, top in window coordinates."""
    x, y = widget.to_window(widget.x, widget.y)
    return x, y, x + widget.width, y + widget.height


def inside(inner, outer) -> bool:
    a, b = rect(inner), outer
    return a[0] >= b[0] - 1 and a[1] >= b[1] - 1 and a[2] <= b[2] + 1 and a[3] <= b[3] + 1


def check_step(kiosk, form, field_id: str | None = None) -> None:
    """The step as the visitor sees it once it has settled: its buttons in the window, and its
    choices (or the field being typed in) in the form's view; where the choices are more than
    fit, the first of them, with the rest a page down."""
    kiosk.pump(10)
    window = (0, 0, Window.width, Window.height)
    where = f"{form.name}/{form.step}"
    for button in (form.ids.next_button, form.ids.previous_button):
        if button.opacity:
            assert inside(button, window), f"{where}: {button.text!r} is out of the window"
    view = form.ids.scroller
    shown = rect(view)
    assert inside(view, window), where
    content = view.children[0]
    if field_id:
        assert inside(form.ids[field_id], shown), f"{where}: the typed field is out of sight"
        return
    tiles = find(content, ChoiceTile)
    if content.height <= view.height:
        outside = [t.text for t in tiles if not inside(t, shown)]
        assert not outside, f"{where}: {outside} out of sight (scroll_y {view.scroll_y})"
    else:
        assert tiles and inside(tiles[0], shown), f"{where}: starts scrolled"
    assert tiles or form.step == form.CLOSING, f"{where}: no choices"


def test_talents_steps_start_in_sight(kiosk, slow_frames):
    app = kiosk.app
    start(kiosk)
    kiosk.tap(screen(app, nav.HOME).ids.talents_tile)
    talents = screen(app, nav.TALENTS)
    for expected in ("themes", "gifts", "area"):
        assert talents.step == expected
        check_step(kiosk, talents)
        kiosk.tap(find(talents, ChoiceTile)[0])
        if expected != "area":
            step(kiosk, talents.ids.next_button)


def test_contact_steps_start_in_sight(kiosk, slow_frames):
    app = kiosk.app
    start(kiosk)
    app.meet(app.store.community_ids()[:2])
    contact = screen(app, nav.CONTACT)
    check_step(kiosk, contact)
    step(kiosk, contact.ids.next_button)
    kiosk.tap(tile(contact, "phone"))
    type_on(kiosk, contact.ids.keyboard, "0612345678")
    check_step(kiosk, contact, "detail_label")
    step(kiosk, contact.ids.next_button)
    assert contact.step == "consent"
    check_step(kiosk, contact)
    kiosk.tap(tile(contact, "365"))  # the tap that once missed
    assert app.session.contact.days == 365
    step(kiosk, contact.ids.next_button)
    assert contact.step == "receipt"
    kiosk.pump(10)
    assert inside(contact.ids.receipt_qr, rect(contact.ids.scroller))
    assert inside(contact.ids.next_button, (0, 0, Window.width, Window.height))


def test_introduction_steps_start_in_sight(make_kiosk, demo_store, slow_frames):
    demo_store.set_state("receptionist_pin_hash", keys.hash_password("24681357"))
    kiosk = make_kiosk()
    app = kiosk.app
    app.start_receptionist_session()  # as after the right PIN (tested in test_gui_reception)
    group = app.store.community_ids()[0]
    app.open_community(group)
    app.keep(group)
    app.introduce()
    intro = screen(app, nav.INTRODUCE)
    check_step(kiosk, intro)
    step(kiosk, intro.ids.next_button)
    assert intro.step == "who"
    check_step(kiosk, intro)
    kiosk.tap(tile(intro, group))
    step(kiosk, intro.ids.next_button)
    assert intro.step == "note"
    type_on(kiosk, intro.ids.keyboard, "koffie")
    check_step(kiosk, intro, "note_label")
    kiosk.tap(tile(intro, "8"))
    assert intro.weeks == 8
    step(kiosk, intro.ids.next_button)
    assert intro.step == "done"
    check_step(kiosk, intro)


def test_no_scroll_view_springs_back(kiosk):
    """A finger that drags a list past its end on a slow frame starts the same runaway
    spring: no view on any screen uses Kivy's springy (damped) effect."""
    from gui_helpers import walk_every_screen

    app = kiosk.app
    start(kiosk)
    springy = []

    def check(name):
        kiosk.pump(3)
        shown = app.screen(app.current_screen)
        springy.extend(
            f"{name}: {view.__class__.__name__}"
            for view in shown.walk(restrict=True)
            if isinstance(view, ScrollView) and isinstance(view.effect_y, DampedScrollEffect)
        )

    walk_every_screen(kiosk, check)
    assert springy == []
