"""'I'm done': the visitor's list to take home, as one QR code (and on paper where a receipt
printer is configured), then everything is wiped."""

from __future__ import annotations

import threading
from pathlib import Path

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty

from kiosk.forms import store_take_home_list
from kiosk.i18n import _
from kiosk.printing import open_printer, print_take_home
from kiosk.qr import community_url, take_home_url
from screens.listing import card_rows
from screens.widgets.common import KioskScreen


class DoneScreen(KioskScreen):
    list_url = StringProperty("")
    can_print = BooleanProperty(False)
    print_status = StringProperty("")
    printing = BooleanProperty(False)

    def show(self) -> None:
        app = self.app
        token = store_take_home_list(app.store, app.session, app.lang)
        self.list_url = take_home_url(app.kiosk_config.public_url, token)
        self.can_print = bool(app.kiosk_config.receipt_printer)
        self.print_status = ""
        self.refresh()

    def refresh(self) -> None:
        app = self.app
        if app.session is None:
            return
        self.ids.kept_view.data = card_rows(app, list(app.session.kept))

    def print_slip(self) -> None:
        if self.printing:
            return  # a double tap prints one slip
        self.printing = True
        app = self.app
        communities = app.store.communities(list(app.session.kept))
        public_url, lang = app.kiosk_config.public_url, app.lang
        items = [(c.name, community_url(c, public_url, lang)) for c in communities]
        title, hint = _("My list"), _("Scan this code to see your list at home.")
        setting, url = app.kiosk_config.receipt_printer, self.list_url
        self.print_status = _("Printing...")

        def work() -> None:
            try:
                print_take_home(open_printer(setting), title, hint, url, items)
                outcome = _("Take your slip from the printer.")
            except Exception:  # noqa: BLE001 - whatever the driver raised, the visitor must hear
                outcome = _("The printer does not work right now. Please scan the code instead.")
            Clock.schedule_once(lambda _dt: self._printed(outcome))

        # A printer can take seconds (or hang): never on the UI thread.
        threading.Thread(target=work, name="receipt-printer", daemon=True).start()

    def _printed(self, outcome: str) -> None:
        self.print_status = outcome
        self.printing = False

    def wipe(self) -> None:
        self.ids.kept_view.data = []
        self.list_url = self.print_status = ""


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
