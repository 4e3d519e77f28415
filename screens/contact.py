"""'I'd like to meet them': which groups, how (e-mail or phone), the consent in plain words,
then a receipt. The typed detail is checked and sealed for the hub the moment the visitor
taps 'Next'; from then on only its masked form is shown and only the sealed bytes are kept."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from babel.dates import format_date
from kivy.lang import Builder
from kivy.properties import OptionProperty, StringProperty

from kiosk.contact import (
    CONSENT_DAYS,
    ContactError,
    SealingUnavailable,
    check_contact,
    consent_text,
    load_public_key,
    period_label,
    seal,
    wish_consent_text,
)
from kiosk.forms import CONTACT_STEPS as STEPS
from kiosk.forms import contact_problem, send_contact_request
from kiosk.i18n import _
from kiosk.qr import receipt_url
from screens.widgets.common import ChoiceGrid, SteppedScreen
from screens.widgets.keyboard import OnScreenKeyboard  # noqa: F401  (its kv rules)


class ContactScreen(SteppedScreen):
    STEPS = STEPS
    CLOSING = "receipt"
    TYPING = ("how", "detail_label")
    step = OptionProperty(STEPS[0], options=STEPS)
    error = StringProperty("")
    summary = StringProperty("")
    consent = StringProperty("")
    receipt_url = StringProperty("")

    placeholder = StringProperty("")

    @property
    def form(self):
        return self.app.session.contact

    def show(self) -> None:
        self.error = ""
        self._keyboard.text = ""
        # About a wish ('count me in') nobody chooses groups: the form starts at 'how'.
        first = "how" if self.form.wish else STEPS[0]
        self.step = "receipt" if self.form.sent else first
        self.refresh()

    def on_step(self, *_args) -> None:
        self.start_step()
        self.error = ""
        self.refresh()

    def refresh(self) -> None:
        app = self.app
        if app.session is None or app.session.contact is None:
            return
        form = self.form
        self.place_keyboard()
        box = self.ids.choices_box
        box.clear_widgets()
        if self.step == "who":
            candidates = list(dict.fromkeys([*form.communities, *app.session.kept]))
            names = {
                c.id: c.name
                for c in app.store.communities(candidates)
                if c.is_open_to_join  # a group that has stopped cannot call back
            }
            box.add_widget(
                self._grid(
                    [(cid, names[cid]) for cid in candidates if cid in names], set(form.communities)
                )
            )
        elif self.step == "how":
            box.add_widget(
                self._grid(
                    [("email", _("By e-mail")), ("phone", _("By phone"))],
                    {form.channel},
                    single=True,
                )
            )
            self._show_channel(form.channel)
        elif self.step == "consent":
            box.add_widget(
                self._grid(
                    [(str(d), period_label(d)) for d in CONSENT_DAYS], {str(form.days)}, single=True
                )
            )
            if form.wish:
                self.summary = _(
                    "The reception may contact you at {detail} about your wish."
                ).format(detail=form.masked)
            else:
                names = [c.name for c in app.store.communities(form.communities)]
                self.summary = _("{groups} may contact you at {detail}.").format(
                    groups=", ".join(names), detail=form.masked
                )
            self.consent = self._consent_text()
        elif self.step == "receipt":
            public_url, token = app.kiosk_config.public_url, form.receipt_token
            self.receipt_url = receipt_url(public_url, token, app.lang)
            until = format_date(date.today() + timedelta(days=form.days), "d MMMM y",
                                locale=app.lang)  # fmt: skip
            if form.wish:
                self.summary = _(
                    "The reception can now contact you at {detail} about your wish. On {date} "
                    "your details are erased."
                ).format(detail=form.masked, date=until)
                return
            names = [c.name for c in app.store.communities(form.communities)]
            self.summary = _(
                "{groups} can now contact you at {detail}. On {date} your details are "
                "erased. No smartphone? The reception can look it up for you."
            ).format(groups=", ".join(names), detail=form.masked, date=until)

    def _consent_text(self) -> str:
        form = self.form
        if form.wish:
            return wish_consent_text(form.days)
        return consent_text(form.days, len(form.communities))

    def _show_channel(self, channel: str) -> None:
        self._keyboard.layout = "email" if channel == "email" else "phone"
        self.placeholder = (
            _("Type your e-mail address") if channel == "email" else _("Type your phone number")
        )

    def _grid(self, items, chosen: set[str], single: bool = False) -> ChoiceGrid:
        return ChoiceGrid(
            items,
            chosen,
            self._chosen,
            single=single,
            required=single,
            cols=1 if self.step == "who" else 2,
        )

    def _chosen(self, value: str, ticked: bool) -> None:
        form = self.form
        if self.step == "who":
            if ticked and value not in form.communities:
                form.communities.append(value)
            elif not ticked and value in form.communities:
                form.communities.remove(value)
        elif ticked and self.step == "how":
            form.channel = value
            self._keyboard.text = ""
            self._show_channel(value)
            self.error = ""
        elif ticked and self.step == "consent":
            form.days = int(value)
            self.consent = self._consent_text()

    def next_step(self) -> None:
        if not self.settled():
            return
        problem = contact_problem(self.form, self.step)
        if problem:
            self.error = problem
        elif self.step == "who":
            self.step = "how"
        elif self.step == "how":
            self._seal_typed_detail()
        elif self.step == "consent":
            send_contact_request(self.app.store, self.app.session)
            self.step = "receipt"
        else:
            self.app.go_home()

    def previous_step(self) -> None:
        """About a wish the form starts at 'how': back from there is back to the wish."""
        if self.form.wish and self.step == "how" and self.settled():
            self.app.back()
        else:
            super().previous_step()

    def _seal_typed_detail(self) -> None:
        form, keyboard = self.form, self._keyboard
        try:
            detail = check_contact(form.channel, keyboard.text)
            form.sealed = seal(detail, load_public_key(self.app.kiosk_config.hub_public_key))
        except ContactError as problem:
            self.error = str(problem)
            return
        except SealingUnavailable:
            self.error = _(
                "Contact through the kiosk is not possible now. Please ask the reception."
            )
            return
        form.masked = detail.masked
        keyboard.text = ""  # the plain detail leaves the screen and the memory of the form
        self.step = "consent"

    def wipe(self) -> None:
        self._keyboard.text = ""
        self.ids.choices_box.clear_widgets()
        self.error = self.summary = self.consent = self.receipt_url = ""
        self.step = STEPS[0]


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
