"""The real ``ontmoet-kiosk`` command (kiosk.cli.main), with a few lines on stdout for a test
that drives its window through X: which screen is shown, and where (in X's coordinates) the
widgets the test will click are once that screen is laid out. Nothing else is changed.

    python tests/x_kiosk.py [ontmoet-kiosk arguments]
"""

from __future__ import annotations

import sys

LAID_OUT = 0.5  # seconds after a screen change: the screen is drawn and laid out


def say(*words) -> None:
    print(*words, flush=True)


def install_reporting() -> None:
    from kivy.clock import Clock
    from kivy.core.window import Window

    from kiosk import navigation as nav
    from kiosk.app import KioskApp

    def at(name: str, widget, extra: str = "") -> None:
        x, y = widget.to_window(*widget.center)
        say("AT", name, round(x), round(Window.height - y), extra)  # X counts from the top

    def report(app: KioskApp) -> None:
        current = app.current_screen
        screen = app.screen(current)
        if current == nav.HOME:
            at("all_groups", screen.ids.all_tile)
        elif current == nav.LISTING:
            from kivy.uix.label import Label

            from screens.listing import CommunityCard

            rows = screen.ids.cards_view.data
            first = rows[0]["community_id"] if rows else ""
            for card in screen.walk(restrict=True):
                if isinstance(card, CommunityCard) and card.community_id == first:
                    title = next(
                        w for w in card.walk(restrict=True)
                        if isinstance(w, Label) and w.text == card.name
                    )  # fmt: skip
                    at("first_title", title, first)

    original_go = KioskApp.go

    def go(self, name: str, remember: bool = True) -> None:
        original_go(self, name, remember)
        shown = self.screen(name)
        say("SCREEN", name, getattr(shown, "community_id", "") or "")
        Clock.schedule_once(lambda _dt: report(self), LAID_OUT)

    KioskApp.go = go
    original_start = KioskApp.on_start

    def on_start(self) -> None:
        original_start(self)
        Clock.schedule_once(lambda _dt: say("READY", *Window.size), LAID_OUT)

    KioskApp.on_start = on_start


def run_with(install) -> int:
    """Run the real command, calling ``install()`` once kiosk.app is first imported."""
    import builtins

    from kiosk import cli

    # Kivy may be imported only once the command has set its environment (kiosk.cli does
    # that just before it imports kiosk.app): hook in at that moment.
    real_import = builtins.__import__

    def watching_import(name, *args, **kwargs):
        module = real_import(name, *args, **kwargs)
        if name == "kiosk.app" and not getattr(watching_import, "done", False):
            watching_import.done = True
            builtins.__import__ = real_import
            install()
        return module

    builtins.__import__ = watching_import
    return cli.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(run_with(install_reporting))
