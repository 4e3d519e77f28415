"""The home screen: what a visitor can do here, in three big choices."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import NumericProperty

from screens.widgets.common import KioskScreen


class HomeScreen(KioskScreen):
    #: Open communities in the store, for the 'all communities' tile.
    community_count = NumericProperty(0)

    def on_pre_enter(self, *_args):
        self.refresh()

    def refresh(self) -> None:
        self.community_count = len(self.app.store.community_ids())


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
