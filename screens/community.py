"""A community in its own words: story, when and where, who is welcome, and its QR code."""

from __future__ import annotations

import logging
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty

from kiosk.presenters import community_view
from kiosk.qr import community_url
from screens.widgets.common import Body, Chip, KioskScreen

log = logging.getLogger("ontmoet.kiosk")


def show_texts(box, texts: list[str], make) -> None:
    """Show ``texts`` in ``box``, one label each, reusing the labels it holds (a new one,
    with its kv rules, costs a millisecond or more; a new text costs nothing until drawn).
    ``make(n)`` builds the label for the n-th text when there are more texts than labels."""
    labels = box.children[::-1]
    for n, text in enumerate(texts):
        if n < len(labels):
            labels[n].text = text
        else:
            box.add_widget(make(n))
            box.children[0].text = text
    for extra in labels[len(texts) :]:
        box.remove_widget(extra)


class CommunityScreen(KioskScreen):
    community_id = StringProperty("")
    community_name = StringProperty("")
    pitch = StringProperty("")
    story = StringProperty("")
    state_text = StringProperty("")
    welcome = StringProperty("")
    languages = StringProperty("")
    accessibility = StringProperty("")
    contact = StringProperty("")
    has_gifts = BooleanProperty(False)
    provenance = StringProperty("")
    photo = StringProperty("")
    qr_data = StringProperty("")
    kept = BooleanProperty(False)
    can_meet = BooleanProperty(False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._visit = None  # the session whose openings _counted holds
        self._counted: set[str] = set()  # the groups it opened, counted once each

    def show(self, community_id: str) -> None:
        self.community_id = community_id
        self.refresh()
        self.count_open(community_id)
        self.ids.scroller.scroll_y = 1

    def refresh(self) -> None:
        app = self.app
        community = app.store.community(self.community_id) if self.community_id else None
        if community is None:
            return
        store, lang = app.store, app.lang
        terms = store.terms()
        view = community_view(community, terms, lang)
        self.community_name, self.pitch, self.story = view.name, view.pitch, view.story
        self.state_text, self.welcome = view.state, view.welcome
        self.languages, self.accessibility = view.languages, view.accessibility
        self.contact, self.provenance = view.contact, view.provenance
        self.photo = (
            str(app.kiosk_config.data_dir / "photos" / community.photo) if community.photo else ""
        )
        self.qr_data = community_url(community, app.kiosk_config.public_url, lang)
        self.kept = community.id in app.session.kept if app.session else False
        self.can_meet = app.contact_available and community.is_open_to_join
        # Two labels a meeting, not markup: a markup label is drawn word by word, which would
        # put Arabic (the 'in Dutch:' before a community's own words) in the wrong order.
        lines = [text for meeting in view.meetings for text in meeting]
        show_texts(self.ids.meetings_box, lines, lambda n: Body(bold=n % 2 == 0))
        self.has_gifts = bool(view.gifts)
        show_texts(self.ids.gifts_box, view.gifts, lambda _n: Chip())
        show_texts(self.ids.themes_box, view.themes, lambda _n: Chip())

    def count_open(self, community_id: str) -> None:
        """Count this group's page as opened at this kiosk (kiosk.counts), once per group a
        visitor opens: going back to it in the same visit, a redraw or a language switch adds
        nothing. A receptionist's session does not count (they open pages for others, and to
        try things). The screenshots command works on a throwaway copy of the store, so what
        it opens is never sent. Written when the visit ends (``wipe``)."""
        session = self.app.session
        if session is None or session.assisted:
            return
        if self._visit is not session:
            self._write_counts()  # a visit that ended without a wipe (it always has one)
            self._visit = session
        self._counted.add(community_id)

    def _write_counts(self) -> None:
        opened, self._counted = sorted(self._counted), set()
        if not opened:
            return
        from kiosk.counts import record_opens

        try:
            record_opens(self.app.store, opened)
        except Exception:  # a full disk must not stop the kiosk from greeting the next visitor
            log.exception("counting the opened pages")

    def toggle_keep(self) -> None:
        self.kept = not self.kept
        self.app.keep(self.community_id, self.kept)

    def meet(self) -> None:
        self.app.meet([self.community_id])

    def wipe(self) -> None:
        """Nothing of the last visitor's visit stays: not even which community it was."""
        for name in (
            "community_id",
            "community_name",
            "pitch",
            "story",
            "state_text",
            "welcome",
            "languages",
            "accessibility",
            "contact",
            "provenance",
            "photo",
            "qr_data",
        ):
            setattr(self, name, "")
        self._write_counts()
        self._visit = None
        self.kept = self.can_meet = False
        for box in (self.ids.meetings_box, self.ids.gifts_box, self.ids.themes_box):
            box.clear_widgets()


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
