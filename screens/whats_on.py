"""What's on: today in the hall and this week in town; each activity with a QR code that adds
it to the visitor's own agenda."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from kiosk.agenda import calendar_url, week_ahead
from screens.widgets.common import KioskScreen


class EventRow(ButtonBehavior, BoxLayout):
    event_id = StringProperty("")
    when = StringProperty("")
    title = StringProperty("")
    detail = StringProperty("")
    selected = BooleanProperty(False)


class WhatsOnScreen(KioskScreen):
    #: The chosen activity, shown beside its QR code.
    chosen_title = StringProperty("")
    chosen_detail = StringProperty("")
    calendar_data = StringProperty("")

    def show(self) -> None:
        self.refresh()
        self.ids.scroller.scroll_y = 1

    def refresh(self) -> None:
        app = self.app
        if app.session is None:
            return
        lines = week_ahead(app.store, datetime.now(), app.lang)
        box = self.ids.events_box
        box.clear_widgets()
        self._lines = {line.event_id: line for line in lines}
        for line in lines:
            day = line.day or ""
            row = EventRow(
                event_id=line.event_id,
                when=f"{day}\n{line.when}" if day else line.when,
                title=line.title,
                detail=f"{line.community} · {line.place}",
            )
            row.bind(on_release=lambda r: self.choose(r.event_id))
            box.add_widget(row)
        if lines:
            self.choose(lines[0].event_id)
        self.ids.empty_label.opacity = 0 if lines else 1

    def choose(self, event_id: str) -> None:
        line = self._lines[event_id]
        for row in self.ids.events_box.children:
            row.selected = row.event_id == event_id
        self.chosen_title = line.title
        self.chosen_detail = f"{line.day or ''} {line.when}, {line.place}".strip()
        self.calendar_data = calendar_url(self.app.kiosk_config.public_url, event_id)

    def wipe(self) -> None:
        self.ids.events_box.clear_widgets()
        self.calendar_data = ""


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
