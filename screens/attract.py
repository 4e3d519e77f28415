"""The attract screen: invites passers-by in; any touch starts a fresh session."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import ListProperty

from kiosk.agenda import today_in_hall
from screens.widgets import agenda  # noqa: F401  (its kv rules)
from screens.widgets.common import KioskScreen


class AttractScreen(KioskScreen):
    #: Today's activities in the hall, as (time, title) pairs.
    hall_events = ListProperty([])

    def on_pre_enter(self, *_args):
        lines = today_in_hall(self.app.store, datetime.now(), self.app.lang)
        self.hall_events = [(line.when, line.title) for line in lines[:3]]

    def on_touch_down(self, touch):
        self.app.start_session()
        return True


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
