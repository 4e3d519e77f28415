"""The attract screen: invites passers-by in; any touch starts a fresh session."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import ListProperty, StringProperty
from kivy.uix.label import Label

from kiosk.agenda import today_in_hall
from kiosk.config import SUPPORTED_LANGUAGES
from screens.widgets import agenda  # noqa: F401  (its kv rules)
from screens.widgets.screen import KioskScreen

STAFF_CORNER_DP = 96


class AttractLanguage(Label):
    """A language, in its own name, to start in."""

    lang = StringProperty("")


class AttractScreen(KioskScreen):
    #: Today's activities in the hall, as (time, title) pairs.
    hall_events = ListProperty([])

    def on_pre_enter(self, *_args):
        lines = today_in_hall(self.app.store, datetime.now(), self.app.lang)
        self.hall_events = [(line.when, line.title) for line in lines[:3]]

    def on_kv_post(self, _base_widget):
        app = self.app
        for lang in sorted(app.kiosk_config.languages, key=SUPPORTED_LANGUAGES.index):
            self.ids.languages_box.add_widget(AttractLanguage(lang=lang))

    def on_touch_down(self, touch):
        # The top-left corner is for staff (five taps show the sync status): a visitor who
        # touches it starts nothing, and nothing else happens.
        corner = dp(STAFF_CORNER_DP)
        if touch.x < self.x + corner and touch.y > self.top - corner:
            self.app.staff_tap(self.app.idle.clock())  # the app's clock: tests travel in time
            return True
        # A touch on a language starts the session in that language; any other in the
        # language of the screen.
        for button in self.ids.languages_box.children:
            if button.collide_point(*button.to_widget(*touch.pos)):
                self.app.set_language(button.lang)
        self.app.start_session()
        return True


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
