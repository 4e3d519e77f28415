"""'Is your group not here?': a group signs itself up with its phone (a QR code to the hub's
sign-up page, in the visitor's language), or a visitor tips the reception about a group the
kiosk lacks: its name and a few words, nothing about the visitor (kiosk.forms)."""

from __future__ import annotations

from pathlib import Path

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import OptionProperty, StringProperty

from kiosk.forms import TIP_STEPS as STEPS
from kiosk.forms import send_group_tip, tip_problem
from kiosk.qr import signup_url
from kiosk.visitor_records import new_record_id
from screens.widgets.common import SteppedScreen
from screens.widgets.keyboard import OnScreenKeyboard  # noqa: F401  (its kv rules)


class GroupTipScreen(SteppedScreen):
    STEPS = STEPS
    CLOSING = "sent"
    TYPING = ("name", "typed_label")  # and 'note': see place_keyboard
    step = OptionProperty(STEPS[0], options=STEPS)
    signup_url = StringProperty("")
    error = StringProperty("")
    tip_name = StringProperty("")  # kept while the visitor types the note

    def on_kv_post(self, base_widget):
        super().on_kv_post(base_widget)
        self.record_id = new_record_id()

    def show(self) -> None:
        self.wipe()
        self.refresh()

    def refresh(self) -> None:
        if self.app is None:
            return
        self.signup_url = signup_url(self.app.kiosk_config.public_url, self.app.lang)
        self.place_keyboard()

    def on_step(self, *_args) -> None:
        self.start_step()
        self.error = ""
        if self.step == "name":
            self._keyboard.text = self.tip_name
        elif self.step == "note":
            self._keyboard.text = ""
        self.place_keyboard()

    def place_keyboard(self) -> None:
        """The keyboard is in the layout on both typing steps (the base class knows one)."""
        keyboard, slot = self._keyboard, self.ids.keyboard_slot
        typing = self.step in ("name", "note")
        if typing and keyboard.parent is None:
            slot.add_widget(keyboard)
        elif not typing and keyboard.parent is not None:
            slot.remove_widget(keyboard)
        if typing:
            Clock.schedule_once(self._field_in_sight, 0)

    def _field_in_sight(self, *_args) -> None:
        view = self.ids.scroller
        if self.step in ("name", "note") and view.children[0].height > view.height:
            view.scroll_to(self.ids.typed_label, animate=False)

    def next_step(self) -> None:
        if not self.settled():
            return
        if self.step == "start":
            self.step = "name"
        elif self.step == "name":
            self.error = tip_problem(self._keyboard.text)
            if not self.error:
                self.tip_name = self._keyboard.text
                self.step = "note"
        elif self.step == "note":
            note = self._keyboard.text
            self.error = tip_problem(self.tip_name, note)
            if self.error:
                return
            app = self.app
            send_group_tip(app.store, self.record_id, self.tip_name, note, app.lang,
                           app.kiosk_config.kiosk_name)  # fmt: skip
            self._keyboard.text = ""
            self.step = "sent"
        else:
            self.app.back()

    def wipe(self) -> None:
        """Nothing typed outlives the visit; a new form gets a new record id."""
        self._keyboard.text = ""
        self.tip_name = self.error = ""
        self.record_id = new_record_id()
        self.step = STEPS[0]


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
