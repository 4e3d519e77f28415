"""The hall's messages on the kiosk's screens (kiosk.hall_messages decides which show now).

``HallNotes`` reads them from the store every CHECK_SECONDS (a few rows; nothing per frame)
and in the screen's language: the attract screen shows them all, prominently; an urgent one
("the hall closes at 15:00 today") also shows on every other screen, as a banner across the
top that a visitor can read at arm's length. A sync round brings a message within one round;
the kiosk shows it at the next check.
"""

from __future__ import annotations

from pathlib import Path

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk import navigation as nav
from kiosk.hall_messages import showing_now

CHECK_SECONDS = 10


class HallBanner(BoxLayout):
    """Across the top of every screen but the attract screen while an urgent message shows."""

    text = StringProperty("")


class HallNotes(EventDispatcher):
    #: The messages that show now, in the screen's language: [(text, urgent), ...].
    notes = ListProperty([])
    #: The urgent ones' texts, one per line ('' : none).
    urgent = StringProperty("")
    #: The urgent banner is on the screen.
    banner_shown = BooleanProperty(False)

    def __init__(self, app, **kwargs) -> None:
        super().__init__(**kwargs)
        self.app = app
        self.banner: HallBanner | None = None
        self._event = Clock.schedule_interval(lambda _dt: self.check(), CHECK_SECONDS)
        app.manager.bind(current=lambda *_args: self._place())

    def stop(self) -> None:
        self._event.cancel()

    def check(self) -> None:
        app = self.app
        found = showing_now(app.store.conn, app.now(), app.kiosk_config.kiosk_name)
        notes = [(m.words(app.lang), m.urgent) for m in found]
        if notes != self.notes:
            self.notes = notes
        self.urgent = "\n".join(text for text, urgent in notes if urgent)
        self._place()

    def _place(self) -> None:
        app = self.app
        wanted = bool(self.urgent) and app.manager.current != nav.ATTRACT
        if wanted and self.banner is None:
            self.banner = HallBanner()
        if self.banner is None:
            return
        self.banner.text = self.urgent
        shown = self.banner.parent is not None
        if wanted and not shown:
            app.frame.add_widget(self.banner, index=len(app.frame.children))  # on top
        elif shown and not wanted:
            self.banner.parent.remove_widget(self.banner)
        self.banner_shown = wanted


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
