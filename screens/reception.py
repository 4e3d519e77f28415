"""For staff, behind five taps in the attract screen's top-left corner: how this kiosk's sync
is doing, and the PIN pad that starts receptionist mode. Nothing here belongs to a visitor;
the screen goes back to the attract screen after the idle timeout."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty

from kiosk import navigation as nav
from screens.widgets.common import KioskScreen
from screens.widgets.keyboard import OnScreenKeyboard  # noqa: F401  (its kv rules)


class ReceptionScreen(KioskScreen):
    status = StringProperty("")
    error = StringProperty("")
    pin_available = BooleanProperty(False)

    def show(self) -> None:
        self.wipe()
        self.status = self.app.staff_status()
        self.pin_available = self.app.pin_check.available

    def start_mode(self) -> None:
        keyboard = self.ids.keyboard
        problem = self.app.enter_receptionist_mode(keyboard.text)
        keyboard.text = ""  # a PIN is never left on the screen, right or wrong
        self.error = problem

    def close(self) -> None:
        self.wipe()
        self.app.go(nav.ATTRACT, remember=False)

    def wipe(self) -> None:
        self.ids.keyboard.text = ""
        self.error = ""


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
