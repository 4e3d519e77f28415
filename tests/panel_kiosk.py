"""The real ``ontmoet-kiosk`` command (kiosk.cli.main) for tests/test_panel_path.py, with two
additions: it prints the window's size and each screen it shows, and once a visit has begun
(a real click through X) it opens the first community, whose QR code the test then reads
from the X server's framebuffer. Nothing else is changed.

    python tests/panel_kiosk.py [ontmoet-kiosk arguments]
"""

from __future__ import annotations

import sys

from x_kiosk import run_with, say  # this folder is the script's: sys.path[0]


def install_reporting() -> None:
    from kivy.clock import Clock
    from kivy.core.window import Window

    from kiosk import navigation as nav
    from kiosk.app import KioskApp

    original_go = KioskApp.go

    def go(self, name: str, remember: bool = True) -> None:
        original_go(self, name, remember)
        say("SCREEN", name)
        if name == nav.HOME:
            first = sorted(self.store.community_ids())[0]
            Clock.schedule_once(lambda _dt: self.open_community(first), 0.5)

    KioskApp.go = go
    original_show = KioskApp._show

    def show(self, name: str, *args) -> None:
        original_show(self, name, *args)
        if name == nav.COMMUNITY:
            Clock.schedule_once(lambda _dt: say("SHOWN", self.session.last_community), 1.0)

    KioskApp._show = show
    original_start = KioskApp.on_start

    def on_start(self) -> None:
        original_start(self)
        Clock.schedule_once(lambda _dt: say("SIZE", *Window.size), 0.5)

    KioskApp.on_start = on_start


if __name__ == "__main__":
    sys.exit(run_with(install_reporting))
