"""A kiosk that runs for months: what a visit leaves behind is let go (issue 12)."""

from __future__ import annotations

import sys
import time

import pytest
from gui_helpers import start

from kiosk import memory
from kiosk import navigation as nav
from kiosk.app import BUILT_ON_FIRST_USE


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_freed_memory_can_be_handed_back_on_the_kiosks_system():
    # Debian and Raspberry Pi OS use glibc: the call is there and runs.
    assert memory.release_freed_memory() is True


def test_the_end_of_a_visit_hands_freed_memory_back(kiosk, monkeypatch):
    calls = []
    monkeypatch.setattr("kiosk.app.release_freed_memory", lambda *_a: calls.append(1))
    start(kiosk)
    kiosk.app.goodbye()
    assert kiosk.app.current_screen == nav.ATTRACT
    assert calls == []  # not in the middle of the goodbye: once the attract screen is drawn
    deadline = time.monotonic() + 10
    while not calls and time.monotonic() < deadline:
        kiosk.pump(1)
    assert calls == [1]


def test_receptionist_screens_are_built_when_first_asked_for(kiosk):
    # The visitors' screens are built ahead, in idle frames after the first; the PIN screen
    # and the introduction form wait until a receptionist asks for them.
    from kivy.base import EventLoop

    EventLoop.window.canvas.ask_update()
    EventLoop.idle()  # a drawn frame: the first one starts building the rest
    kiosk.pump(30)
    manager = kiosk.app.manager
    assert manager.has_screen(nav.SEARCH) and manager.has_screen(nav.CONTACT)
    assert not any(manager.has_screen(name) for name in BUILT_ON_FIRST_USE)
    assert kiosk.app.screen(nav.RECEPTION).name == nav.RECEPTION
    assert manager.has_screen(nav.RECEPTION)
