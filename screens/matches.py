"""Who would welcome what the visitor likes and can give, each with its reason."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty

from kiosk.matching import match
from kiosk.wishes import offer_after_talents
from screens.listing import card_rows
from screens.widgets.common import KioskScreen


class MatchesScreen(KioskScreen):
    count = NumericProperty(0)
    #: Nothing or too little found: 'I'd join this' is offered (kiosk.wishes).
    too_little = BooleanProperty(False)

    def show(self) -> None:
        self.refresh()
        self.ids.matches_view.scroll_y = 1

    def refresh(self) -> None:
        app = self.app
        if app.session is None:
            return
        session, store = app.session, app.store
        terms = store.terms()
        found = match(
            store.communities(store.community_ids()),
            session.liked_themes,
            session.gifts,
            session.home_area,
            terms,
            session.seed,
            app.lang,
        )
        ids = [m.community.id for m in found]
        self.ids.matches_view.data = card_rows(
            app, ids, reasons={m.community.id: m.reason for m in found}
        )
        self.count = len(found)
        self.too_little = offer_after_talents(len(found))

    def count_me_in(self) -> None:
        """'I'd join a group like this': the visitor's talents become a wish."""
        from screens.wish import count_me_in

        count_me_in(self.app, "talents")

    def wipe(self) -> None:
        self.ids.matches_view.data = []
        self.count = 0
        self.too_little = False


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
