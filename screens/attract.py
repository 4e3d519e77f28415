"""The attract screen: invites passers-by in; any touch starts a fresh session."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import ListProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.agenda import today_in_hall
from screens.widgets.common import KioskScreen


class HallEventLine(BoxLayout):
    when = StringProperty("")
    title = StringProperty("")


class AttractScreen(KioskScreen):
    #: Today's activities in the hall, as (time, title) pairs.
    hall_events = ListProperty([])

    def on_pre_enter(self, *_args):
        lines = today_in_hall(self.app.store, datetime.now(), self.app.lang)
        self.hall_events = [(line.when, line.title) for line in lines[:3]]

    def on_hall_events(self, _screen, events):
        box = self.ids.events_box
        box.clear_widgets()
        for when, title in events:
            box.add_widget(HallEventLine(when=when, title=title))

    def on_touch_down(self, touch):
        self.app.start_session()
        return True


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
