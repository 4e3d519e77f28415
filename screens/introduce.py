"""Receptionist mode: an introduction made on the spot. Which kind (this visitor and a
group, two groups, two visitors), who, a short note and when to ask how it went. A visitor is
never named: the record says only that a visitor at this kiosk took part. Two visitors are
introduced only when both say yes, there and then."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import OptionProperty, StringProperty

from kiosk.forms import AGREED, FOLLOW_UP_WEEKS, IntroductionForm
from kiosk.forms import INTRODUCTION_STEPS as STEPS
from kiosk.i18n import _
from screens.widgets.common import ChoiceGrid, SteppedScreen
from screens.widgets.keyboard import OnScreenKeyboard  # noqa: F401  (its kv rules)


class IntroduceScreen(SteppedScreen):
    STEPS = STEPS
    CLOSING = "done"
    TYPING = ("note", "note_label")
    step = OptionProperty(STEPS[0], options=STEPS)
    error = StringProperty("")
    kind = StringProperty("visitor_community")
    hint = StringProperty("")

    def on_kv_post(self, base_widget):
        super().on_kv_post(base_widget)
        self._reset()

    def _reset(self) -> None:
        # A new form, with its record id: a double tap on 'Record' stores once.
        self.form = IntroductionForm()
        self.kind = self.form.kind

    def on_kind(self, *_args) -> None:
        self.form.choose_kind(self.kind)

    @property
    def weeks(self) -> int:
        return self.form.weeks

    def show(self) -> None:
        self._reset()
        self._keyboard.text = ""
        self.error = ""
        if self.step == STEPS[0]:
            self.refresh()
        self.step = STEPS[0]

    def on_step(self, *_args) -> None:
        self.start_step()
        self.error = ""
        self.refresh()

    def candidates(self) -> list[tuple[str, str]]:
        """The groups this visit has been about: opened last, kept, matched."""
        session = self.app.session
        ids = [session.last_community, *session.kept] if session else []
        ids = list(dict.fromkeys(i for i in ids if i))
        names = {c.id: c.name for c in self.app.store.communities(ids)}
        return [(cid, names[cid]) for cid in ids if cid in names]

    def refresh(self) -> None:
        if self.app is None or self.app.session is None:
            return
        self.place_keyboard()
        box = self.ids.choices_box
        box.clear_widgets()
        if self.step == "kind":
            self.hint = _("Who did you put in touch? Names are never stored.")
            kinds = [
                ("visitor_community", _("This visitor and a group")),
                ("community_community", _("Two groups")),
                ("visitor_visitor", _("Two visitors")),
            ]
            box.add_widget(ChoiceGrid(kinds, {self.kind}, self._chosen, single=True,
                                      required=True, cols=1))  # fmt: skip
        elif self.step == "who" and self.kind == "visitor_visitor":
            self.hint = _("Ask both visitors. Only when both say yes is this recorded.")
            agreed = [
                ("first_agrees", _("The first visitor agrees to meet the other")),
                ("second_agrees", _("The second visitor agrees to meet the other")),
            ]
            box.add_widget(ChoiceGrid(agreed, self.form.agreed, self._chosen, cols=1))
        elif self.step == "who":
            groups = self.candidates()
            if self.kind == "visitor_community":
                self.hint = _("Which group?")
            else:
                self.hint = _("Which two groups?")
            if not groups:
                self.hint = _("Open a group first, or put groups on the list: they appear here.")
            box.add_widget(ChoiceGrid(groups, set(self.form.chosen), self._chosen, cols=1))
        elif self.step == "note":
            self.hint = _(
                "A short note if you like, without names or numbers. And when should the "
                "desk ask how it went?"
            )
            box.add_widget(ChoiceGrid(
                [(str(w), _("{weeks} weeks").format(weeks=w)) for w in FOLLOW_UP_WEEKS],
                {str(self.form.weeks)}, self._chosen, single=True, required=True,
                cols=len(FOLLOW_UP_WEEKS)))  # fmt: skip
        else:
            self.hint = _(
                "Recorded. The desk asks in {weeks} weeks whether it led to something."
            ).format(weeks=self.weeks)

    def _chosen(self, value: str, ticked: bool) -> None:
        form = self.form
        if self.step == "kind" and ticked:
            self.kind = value
        elif self.step == "who" and value in AGREED:
            (form.agreed.add if ticked else form.agreed.discard)(value)
        elif self.step == "who":
            if ticked and value not in form.chosen:
                form.chosen.append(value)
            elif not ticked and value in form.chosen:
                form.chosen.remove(value)
        elif self.step == "note" and ticked:
            form.weeks = int(value)
        self.error = ""

    def next_step(self) -> None:
        if not self.settled():
            return
        if self.step == "kind":
            self.step = "who"
        elif self.step == "who":
            problem = self.form.who_problem()
            if problem:
                self.error = problem
                return
            self.step = "note"
        elif self.step == "note":
            self.form.store(self.app.store, self._keyboard.text, self.app.kiosk_config.kiosk_name)
            self._keyboard.text = ""
            self.step = "done"
        else:
            self.app.back()

    def wipe(self) -> None:
        self._keyboard.text = ""
        self.ids.choices_box.clear_widgets()
        self.error = self.hint = ""
        self._reset()
        self.step = STEPS[0]


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
