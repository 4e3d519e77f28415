"""A list of communities (all, or of one theme or neighbourhood), in the session's fair order."""

from __future__ import annotations

from pathlib import Path

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from kiosk.fair_order import fair_sorted
from kiosk.i18n import _, ngettext
from kiosk.presenters import card
from kiosk.qr import community_url
from screens.widgets.common import KioskScreen
from screens.widgets.qr_image import matrix_for

PREPARED_AHEAD = 12  # the first cards of a list: their pages' QR codes are made in idle frames


class CommunityCard(ButtonBehavior, BoxLayout):
    """One community in a list; a tap opens it."""

    community_id = StringProperty("")
    name = StringProperty("")
    pitch = StringProperty("")
    where = StringProperty("")
    state_text = StringProperty("")
    photo = StringProperty("")

    def on_release(self):
        from kivy.app import App

        App.get_running_app().open_community(self.community_id)


def card_rows(app, ids: list[str], reasons: dict[str, str] | None = None) -> list[dict]:
    """RecycleView rows for these communities, in this order; a reason replaces the pitch."""
    hoods = {t.slug: t for t in app.store.neighbourhoods()}
    photos = app.kiosk_config.data_dir / "photos"
    rows = []
    for community in app.store.communities(ids):
        view = card(
            community, hoods, app.lang, str(photos / community.photo) if community.photo else ""
        )
        rows.append(
            {
                "community_id": view.community_id,
                "name": view.name,
                "pitch": (reasons or {}).get(view.community_id, view.pitch),
                "where": view.where,
                "state_text": view.state,
                "photo": view.photo,
            }
        )
    return rows


class ListingScreen(KioskScreen):
    theme = StringProperty(None, allownone=True)
    neighbourhood = StringProperty(None, allownone=True)
    _ahead: list[str] = []

    def show(self, theme: str | None = None, neighbourhood: str | None = None) -> None:
        self.theme, self.neighbourhood = theme, neighbourhood
        self.refresh()
        self.ids.cards_view.scroll_y = 1

    def refresh(self) -> None:
        app = self.app
        if app.session is None:
            return
        store, lang = app.store, app.lang
        ids = fair_sorted(store.community_ids(self.theme, self.neighbourhood), app.session.seed)
        self.ids.cards_view.data = card_rows(app, ids)
        # A tap on a card should not wait for its page's QR code: make them while the
        # visitor reads the list, one per frame.
        public_url = app.kiosk_config.public_url
        first = store.communities(ids[:PREPARED_AHEAD])
        self._ahead = [community_url(community, public_url, lang) for community in first]
        Clock.schedule_once(self._prepare_next, 0)
        self.ids.top_bar.title = self._title(store, lang)
        self.ids.count_label.text = ngettext(
            "{n} group. The order is different for every visitor: no group comes first.",
            "{n} groups. The order is different for every visitor: no group comes first.",
            len(ids),
        ).format(n=len(ids))

    def _prepare_next(self, _dt) -> None:
        if self._ahead:
            matrix_for(self._ahead.pop(0))
            Clock.schedule_once(self._prepare_next, 0)

    def _title(self, store, lang: str) -> str:
        for slug, terms in (
            (self.theme, store.themes()),
            (self.neighbourhood, store.neighbourhoods()),
        ):
            if slug:
                return next((t.label(lang) for t in terms if t.slug == slug), slug)
        return _("All groups")

    def wipe(self) -> None:
        self.ids.cards_view.data = []
        self.ids.top_bar.title = self.ids.count_label.text = ""
        self.theme = self.neighbourhood = None
        self._ahead = []


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
