"""Render every screen of the kiosk headless into PNG files named after the screens."""

from __future__ import annotations

from pathlib import Path

from kiosk import navigation as nav
from kiosk.config import Config
from kiosk.store import Store


def capture_all(config: Config, store: Store, out_dir: Path) -> list[Path]:
    from kiosk.app import KioskApp
    from screens.headless import HeadlessRunner

    app = KioskApp(config, store)
    runner = HeadlessRunner(app)
    runner.start()
    shots: list[Path] = []

    def shot(name: str) -> None:
        shots.append(runner.screenshot(out_dir / f"{name}.png"))

    try:
        app.go(nav.ATTRACT, remember=False)
        app.screen(nav.ATTRACT).on_pre_enter()
        shot(nav.ATTRACT)
        app.start_session()
        shot(nav.HOME)
        app.browse("theme")
        shot(f"{nav.BROWSE}-themes")
        app.browse("neighbourhood")
        shot(f"{nav.BROWSE}-neighbourhoods")
        themes = store.themes()
        app.show_list(theme=themes[0].slug if themes else None)
        shot(nav.LISTING)
        ids = store.community_ids()
        if ids:
            # The first community of the list as this session orders it: any is as good.
            first = app.screen(nav.LISTING).ids.cards_view.data[0]["community_id"]
            app.open_community(first)
            shot(nav.COMMUNITY)
        app.build_remaining()
        app.idle_seconds_left = config.idle_warning
        app.root.add_widget(app.idle_overlay)
        shot("idle-warning")
    finally:
        runner.stop()
    return shots
