"""'What do you like, what can you give?': three short steps, one tap per choice.

1. themes the visitor likes; 2. gifts of head, hands and heart; 3. a neighbourhood, or none.
The choices live in the session (anonymous) and become an interest registration when the
visitor asks to see who would welcome them.
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import OptionProperty

from kiosk.i18n import _
from screens.widgets.common import ChoiceGrid, Heading, SteppedScreen

STEPS = ("themes", "gifts", "area")
GIFT_GROUPS = (
    ("head", lambda: _("With your head")),
    ("hands", lambda: _("With your hands")),
    ("heart", lambda: _("With your heart")),
)


class TalentsScreen(SteppedScreen):
    STEPS = STEPS
    step = OptionProperty(STEPS[0], options=STEPS)

    def show(self) -> None:
        self.step = STEPS[0]
        self.refresh()

    def on_step(self, *_args) -> None:
        self.start_step()
        self.refresh()

    def refresh(self) -> None:
        app = self.app
        if app.session is None:
            return
        store, lang, session = app.store, app.lang, app.session
        box = self.ids.choices_box
        box.clear_widgets()
        if self.step == "themes":
            box.add_widget(
                self._grid([(t.slug, t.label(lang)) for t in store.themes()], session.liked_themes)
            )
        elif self.step == "gifts":
            gifts = store.gifts()
            for kind, title in GIFT_GROUPS:
                box.add_widget(Heading(text=title(), padding=(0, dp(12))))
                box.add_widget(
                    self._grid(
                        [(g.slug, g.label(lang)) for g in gifts if g.kind == kind], session.gifts
                    )
                )
        else:
            chosen = {session.home_area} if session.home_area else set()
            box.add_widget(
                self._grid(
                    [(n.slug, n.label(lang)) for n in store.neighbourhoods()], chosen, single=True
                )
            )
        self.ids.scroller.scroll_y = 1

    def _grid(self, items, chosen: set[str], single: bool = False) -> ChoiceGrid:
        root = self.app.root
        return ChoiceGrid(
            items, chosen, self._chosen, single=single, cols=2 if root.height > root.width else 3
        )

    def _chosen(self, value: str, ticked: bool) -> None:
        session = self.app.session
        if self.step == "area":
            if ticked:
                session.home_area = value
            elif session.home_area == value:
                session.home_area = None
            return
        target = session.liked_themes if self.step == "themes" else session.gifts
        (target.add if ticked else target.discard)(value)

    def next_step(self) -> None:
        if not self.settled():
            return
        index = STEPS.index(self.step)
        if index + 1 < len(STEPS):
            self.step = STEPS[index + 1]
        else:
            self.app.show_matches()

    def wipe(self) -> None:
        self.ids.choices_box.clear_widgets()
        self.step = STEPS[0]


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
