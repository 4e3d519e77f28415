"""A list of communities (all, or of one theme or neighbourhood), in the session's fair order."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from kiosk.fair_order import fair_sorted
from kiosk.i18n import _, ngettext
from kiosk.presenters import card
from screens.widgets.common import KioskScreen


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


class ListingScreen(KioskScreen):
    theme = StringProperty(None, allownone=True)
    neighbourhood = StringProperty(None, allownone=True)

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
        hoods = {t.slug: t for t in store.neighbourhoods()}
        photos = app.kiosk_config.data_dir / "photos"
        self.ids.cards_view.data = [
            {
                "community_id": view.community_id,
                "name": view.name,
                "pitch": view.pitch,
                "where": view.where,
                "state_text": view.state,
                "photo": view.photo,
            }
            for view in (
                card(c, hoods, lang, str(photos / c.photo) if c.photo else "")
                for c in store.communities(ids)
            )
        ]
        self.ids.top_bar.title = self._title(store, lang)
        self.ids.count_label.text = ngettext(
            "{n} group. The order is different for every visitor: no group comes first.",
            "{n} groups. The order is different for every visitor: no group comes first.",
            len(ids),
        ).format(n=len(ids))

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


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
