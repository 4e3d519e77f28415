"""Browse by theme or by neighbourhood: a grid of big tiles, each with its number of groups."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import OptionProperty

from kiosk.i18n import _
from screens.widgets.common import KioskScreen, Tile

BY_THEME, BY_NEIGHBOURHOOD = "theme", "neighbourhood"


class BrowseScreen(KioskScreen):
    by = OptionProperty(BY_THEME, options=[BY_THEME, BY_NEIGHBOURHOOD])
    _built_for: tuple[str, str] | None = None

    def show(self, by: str) -> None:
        self.by = by
        self.refresh()

    def refresh(self) -> None:
        store, lang = self.app.store, self.app.lang
        if self._built_for == (self.by, lang):
            self.ids.scroller.scroll_y = 1
            return  # the same tiles as last time: building them again costs a frame or two
        self._built_for = (self.by, lang)
        terms = store.themes() if self.by == BY_THEME else store.neighbourhoods()
        grid = self.ids.tiles_grid
        grid.clear_widgets()
        for term in terms:
            tile = Tile(label=term.label(lang), value=term.slug)
            tile.bind(on_release=self.choose)
            grid.add_widget(tile)
        self.ids.top_bar.title = (
            _("What do you enjoy?")
            if self.by == BY_THEME
            else _("Where do you live, or where would you like to go?")
        )
        self.ids.scroller.scroll_y = 1

    def choose(self, tile: Tile) -> None:
        if self.by == BY_THEME:
            self.app.show_list(theme=tile.value)
        else:
            self.app.show_list(neighbourhood=tile.value)


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
