"""The home screen: what a visitor can do here, in three big choices."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import ListProperty, NumericProperty

from kiosk.agenda import today_in_hall
from screens.widgets import agenda  # noqa: F401  (its kv rules)
from screens.widgets.common import KioskScreen


class HomeScreen(KioskScreen):
    #: Open communities in the store, for the 'all communities' tile.
    community_count = NumericProperty(0)
    #: Today's activities in the hall, as (time, title) pairs.
    hall_events = ListProperty([])

    def on_pre_enter(self, *_args):
        self.refresh()

    def refresh(self) -> None:
        store, lang = self.app.store, self.app.lang
        self.community_count = len(store.community_ids())
        lines = today_in_hall(store, datetime.now(), lang)
        self.hall_events = [(line.when, f"{line.title} ({line.community})") for line in lines]


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
