"""'I'd join this' (count me in): a search or the talents journey found nothing or too little,
and the visitor says they would join such a group. They confirm the theme (from their talents)
and/or a few words (from their search), and send it anonymously; afterwards they may leave
contact details for the reception, with the usual consent (the contact screen, naming the
wish). What is stored, and the checks, are kiosk.wishes'."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, OptionProperty, StringProperty

from kiosk import navigation as nav
from kiosk.session import ContactForm
from kiosk.wishes import WORDS_MAX, WishForm, send_wish, wish_form
from screens.widgets.common import ChoiceGrid, SteppedScreen
from screens.widgets.keyboard import OnScreenKeyboard  # noqa: F401  (its kv rules)

STEPS = ("what", "sent")


def count_me_in(app, source: str) -> None:
    """Open 'I'd join this' for what the visitor did: 'search' or 'talents'."""
    app.screen(nav.WISH).prepare(source)
    app.open(nav.WISH)


class WishScreen(SteppedScreen):
    STEPS = STEPS
    CLOSING = "sent"
    TYPING = ("what", "typed_label")
    step = OptionProperty(STEPS[0], options=STEPS)
    error = StringProperty("")
    #: The visitor chose from their talents: the themes to confirm one of are shown.
    has_themes = BooleanProperty(False)
    #: The kiosk can take contact details (it has the hub's public key).
    can_contact = BooleanProperty(False)
    words_max = WORDS_MAX
    form: WishForm | None = None
    _source = "search"

    def on_kv_post(self, base_widget):
        super().on_kv_post(base_widget)
        # Content that fits stays at the top, however the layout settled (a view laid out
        # before the keyboard was in place had scrolled the short form to its bottom).
        view = self.ids.scroller
        # A deferred scroll_to (the field kept in sight above the keyboard) too.
        view.bind(height=self._keep_top, scroll_y=self._keep_top)
        view.children[0].bind(height=self._keep_top)

    def _keep_top(self, *_args) -> None:
        view = self.ids.scroller
        if view.children[0].height <= view.height and view.scroll_y != 1:
            view.scroll_y = 1

    def prepare(self, source: str) -> None:
        self._source = source

    def show(self) -> None:
        """A new form (a new record id) unless this visitor's wish from the same journey was
        sent already: then its 'thank you' again, not a second wish."""
        app = self.app
        form = self.form
        if form is None or not form.sent or form.source != self._source:
            self.form = form = wish_form(app.session, self._source)
        self.error = ""
        self.step = "sent" if form.sent else STEPS[0]
        self._keyboard.text = "" if form.sent else form.words
        self.refresh()

    def on_step(self, *_args) -> None:
        self.start_step()
        self.error = ""
        self.refresh()

    def refresh(self) -> None:
        app = self.app
        if app is None or app.session is None or self.form is None:
            return
        self.place_keyboard()
        self.can_contact = app.contact_available
        form, box = self.form, self.ids.choices_box
        box.clear_widgets()
        self.has_themes = bool(form.themes) and self.step == "what"
        if self.has_themes:
            labels = {t.slug: t.label(app.lang) for t in app.store.themes()}
            items = [(slug, labels.get(slug, slug)) for slug in form.themes]
            chosen = {form.theme} if form.theme else set()
            root = app.root
            box.add_widget(ChoiceGrid(items, chosen, self._chosen, single=True,
                                      cols=2 if root.height > root.width else 3))  # fmt: skip

    def _chosen(self, value: str, ticked: bool) -> None:
        if ticked:
            self.form.theme = value
        elif self.form.theme == value:
            self.form.theme = None
        self.error = ""

    def next_step(self) -> None:
        if not self.settled():
            return
        if self.step == "what":
            app = self.app
            self.error = send_wish(app.store, self.form, self._keyboard.text, app.lang,
                                   app.kiosk_config.kiosk_name,
                                   assisted=app.session.assisted)  # fmt: skip
            if not self.error:
                self._keyboard.text = ""
                self.step = "sent"
        else:
            self.app.go_home()

    def leave_contact(self) -> None:
        """'The reception may contact me': the contact form, about this wish."""
        app, form = self.app, self.form
        if not self.settled() or form is None or not form.sent or not app.contact_available:
            return
        contact = app.session.contact
        if contact is None or contact.wish != form.record_id:
            app.session.contact = ContactForm(communities=[], wish=form.record_id)
        app.open(nav.CONTACT)

    def wipe(self) -> None:
        """Nothing typed outlives the visit; the next visitor's form gets a new id."""
        self._keyboard.text = ""
        self.ids.choices_box.clear_widgets()
        self.form = None
        self.error = ""
        self.has_themes = False
        self.step = STEPS[0]


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
