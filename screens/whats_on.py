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
from kiosk.i18n import _
from screens.widgets.common import Body, KioskScreen


class EventRow(ButtonBehavior, BoxLayout):
    event_id = StringProperty("")
    #: Which occurrence (AgendaLine.key): a weekly event has a row for each week.
    key = StringProperty("")
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
        self._lines = {line.key: line for line in lines}
        today = _("Today")  # outside the f-string, where pybabel can find it
        for line in lines:
            # Where the place is named after the group, the group's name once is enough.
            place = line.place
            detail = place if place.startswith(line.community) else f"{line.community} · {place}"
            row = EventRow(
                event_id=line.event_id,
                key=line.key,
                when=f"{line.day or today}\n{line.when}",
                title=line.title,
                detail=detail,
            )
            row.bind(on_release=lambda r: self.choose(r.key))
            box.add_widget(row)
        if lines:
            self.choose(lines[0].key)
        else:
            box.add_widget(Body(text=_("Nothing planned this week yet.")))
            self.calendar_data = self.chosen_title = self.chosen_detail = ""

    def choose(self, key: str) -> None:
        line = self._lines[key]
        for row in self.ids.events_box.children:
            row.selected = row.key == key
        self.chosen_title = line.title
        today = _("Today")
        self.chosen_detail = f"{line.day or today} {line.when}, {line.place}"
        # The whole event (a series with its rule): the phone's agenda repeats it itself.
        self.calendar_data = calendar_url(self.app.kiosk_config.public_url, line.event_id)

    def wipe(self) -> None:
        self.ids.events_box.clear_widgets()
        self.calendar_data = self.chosen_title = self.chosen_detail = ""


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
