"""Search by name or word, typed on a large on-screen keyboard; results as you type. When
nothing is found, the themes and neighbourhoods are offered instead of an empty page."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import BooleanProperty, StringProperty

from kiosk.wishes import offer_after_search
from screens.listing import card_rows
from screens.widgets.common import KioskScreen, Tile
from screens.widgets.keyboard import OnScreenKeyboard  # noqa: F401  (its kv rules)

SHOWN_RESULTS = 60  # enough for a screen or two; typing more narrows it


class SearchScreen(KioskScreen):
    query = StringProperty("")
    #: Something was typed and nothing matched: show the themes and neighbourhoods.
    nothing_found = BooleanProperty(False)
    #: Nothing or too little found: 'I'd join this' is offered (kiosk.wishes).
    too_little = BooleanProperty(False)

    def show(self) -> None:
        self.ids.keyboard.text = self.app.session.query

    def on_query(self, _screen, query: str) -> None:
        app = self.app
        if app.session is None:
            return
        app.session.query = query
        ids = app.store.search(query, app.session.seed)[:SHOWN_RESULTS] if query.strip() else []
        if ids != [row["community_id"] for row in self.ids.results_view.data]:
            # Only when the results changed: redrawing the same cards costs a frame.
            self.ids.results_view.data = card_rows(app, ids)
            self.ids.results_view.scroll_y = 1
        self.nothing_found = bool(query.strip()) and not ids
        self.too_little = offer_after_search(query, len(ids))
        if self.nothing_found and not self.ids.suggestions_grid.children:
            self._suggest()

    def _suggest(self) -> None:
        store, lang = self.app.store, self.app.lang
        grid = self.ids.suggestions_grid
        grid.clear_widgets()
        for kind, terms in (("theme", store.themes()), ("neighbourhood", store.neighbourhoods())):
            for term in terms:
                tile = Tile(label=term.label(lang), value=f"{kind}:{term.slug}", min_height=dp(130))
                tile.bind(on_release=self.choose)
                grid.add_widget(tile)

    def choose(self, tile: Tile) -> None:
        kind, slug = tile.value.split(":", 1)
        self.app.show_list(**{kind: slug})

    def count_me_in(self) -> None:
        """'I'd join this': the words typed become a wish, if the visitor confirms them."""
        from screens.wish import count_me_in

        count_me_in(self.app, "search")

    def refresh(self) -> None:
        self.ids.suggestions_grid.clear_widgets()
        if self.app.session is not None:
            self.on_query(self, self.query)

    def wipe(self) -> None:
        self.ids.keyboard.text = ""
        self.ids.results_view.data = []
        self.ids.suggestions_grid.clear_widgets()
        self.nothing_found = self.too_little = False


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
