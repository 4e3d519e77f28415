"""Widgets every screen uses: the top bar, big buttons, tiles and wrapped text."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen
from kivy.uix.scrollview import ScrollView

from kiosk.config import SUPPORTED_LANGUAGES
from screens.widgets.screen import STEP_PAUSE, KioskScreen  # noqa: F401  (shared from here)

# Variants are properties, not kv overrides of font_size or color: an instance rule that
# overrides a class rule keeps both bindings to the theme, and after a mode change the one
# that fires last would win.


class SteppedScreen(KioskScreen):
    """A form in steps (STEPS, in order). 'Previous' goes a step back, from the first step
    back to where the visitor came from; from the closing step (CLOSING, when the form is
    done and stored) there is no way back into the form."""

    STEPS: tuple[str, ...] = ()
    CLOSING: str | None = None
    #: (step, id of the field typed into) for a form with the on-screen keyboard (ids
    #: 'keyboard', 'keyboard_slot', 'scroller'): the keyboard is in the layout only on that
    #: step (a hidden one would still take touches), and the field is kept in sight above it.
    TYPING: tuple[str, str] | None = None

    def on_kv_post(self, _base_widget):
        if self.TYPING:
            # A strong reference: ids are weak, and the keyboard is out of the layout at times.
            self._keyboard = self.ids.keyboard.__self__

    def place_keyboard(self) -> None:
        step, _field = self.TYPING
        keyboard, slot = self._keyboard, self.ids.keyboard_slot
        typing = self.step == step
        if typing and keyboard.parent is None:
            slot.add_widget(keyboard)
        elif not typing and keyboard.parent is not None:
            slot.remove_widget(keyboard)
        if typing:  # where the keyboard leaves little room (low reach), once laid out
            Clock.schedule_once(self._field_in_sight, 0)

    def start_step(self) -> None:
        """A new step: the same button now means something else, and the step starts at its
        top (not where the visitor had scrolled the previous one)."""
        self.mark_step()
        self.ids.scroller.scroll_y = 1

    def _field_in_sight(self, *_args) -> None:
        step, field = self.TYPING
        view = self.ids.scroller
        # Only a view with more than fits is scrolled: where everything fits the field is in
        # sight already, and a scroll there would leave the view out of its bounds.
        if self.step == step and view.children[0].height > view.height:
            view.scroll_to(self.ids[field], padding=dp(12), animate=False)

    def previous_step(self) -> None:
        if not self.settled():
            return
        index = self.STEPS.index(self.step)
        if index and self.step != self.CLOSING:
            self.step = self.STEPS[index - 1]
        else:
            self.app.back()


class Heading(Label):
    """A wrapped heading whose height follows its text; ``big``: a screen's title."""

    big = BooleanProperty(False)


class Body(Label):
    """Wrapped body text whose height follows its text."""

    tone = OptionProperty("ink", options=("ink", "muted", "primary", "accent"))
    small = BooleanProperty(False)


class BigButton(Button):
    """A button a finger cannot miss (>= 72 dp), text wrapped inside it."""

    primary = BooleanProperty(True)


class Tile(ButtonBehavior, BoxLayout):  # noqa: D101
    """A card to tap in a grid: a label and a small line under it."""

    label = StringProperty("")
    detail = StringProperty("")
    value = StringProperty("")  # the slug it stands for
    min_height = NumericProperty(dp(170))


class ChoiceTile(ButtonBehavior, Label):
    """A choice a visitor can turn on and off with one tap (no long press, no swipe)."""

    value = StringProperty("")
    active = BooleanProperty(False)
    box_x = NumericProperty(0)  # where the tick box is drawn
    round = BooleanProperty(False)  # one of several to choose: a round button, not a box

    def on_release(self):
        self.active = not self.active


class ChoiceGrid(GridLayout):
    """Tiles to tick, reporting each change as ``on_change(value, ticked)``. With ``single``,
    ticking one unticks the others; with ``required`` as well, one always stays ticked."""

    def __init__(self, items, chosen, on_change, single=False, required=False, **kwargs):
        super().__init__(spacing=dp(16), size_hint_y=None, **kwargs)
        self.bind(minimum_height=self.setter("height"))
        self.single, self.required, self.on_change = single, required, on_change
        for value, label in items:
            tile = ChoiceTile(text=label, value=value, active=value in chosen, round=single)
            tile.bind(active=self._toggled)
            self.add_widget(tile)

    def _toggled(self, tile: ChoiceTile, ticked: bool) -> None:
        if self.single and ticked:
            for other in self.children:
                if other is not tile:
                    other.active = False
        elif self.single and self.required and not any(t.active for t in self.children):
            tile.active = True  # one must stay chosen
            return
        self.on_change(tile.value, ticked)


class BottomBar(BoxLayout):
    """'Ask the reception' and 'I'm done', on every screen, within reach from a wheelchair;
    and 'Up' and 'Down' while the screen has more than fits: nothing needs a swipe."""

    can_scroll = BooleanProperty(False)  # kept up to date by the app's idle check

    def scroller(self) -> ScrollView | None:
        """The largest visible view on this screen with more content than fits."""
        screen = self.parent
        while screen is not None and not isinstance(screen, Screen):
            screen = screen.parent
        if screen is None or screen.manager is None or screen.manager.current_screen is not screen:
            return None
        views = [
            w
            for w in screen.walk(restrict=True)
            if isinstance(w, ScrollView)
            and w.opacity > 0
            and w.height > 0
            and w.children
            and w.children[0].height > w.height + 1
        ]
        return max(views, key=lambda w: w.height * w.width, default=None)

    def update_scrolling(self) -> None:
        self.can_scroll = self.scroller() is not None

    def page(self, direction: int) -> None:
        """One screenful up (+1) or down (-1), keeping a line of the last one in sight."""
        view = self.scroller()
        if view is None:
            return
        overflow = view.children[0].height - view.height
        step = (view.height - dp(80)) / overflow
        view.scroll_y = min(1.0, max(0.0, view.scroll_y + direction * step))


class Chip(Label):
    """A small rounded tag: a gift a community welcomes, a state."""

    background = ListProperty([0.871, 0.925, 0.929, 1])


class BarButton(Button):
    """A button in the top bar: one line, as wide as its words."""

    shown = BooleanProperty(True)
    emphasis = BooleanProperty(False)  # larger letters ('Aa')


class LanguageButton(Button):
    """One language, named in its own script."""

    lang = StringProperty("")
    selected = BooleanProperty(False)
    in_panel = BooleanProperty(False)  # a big button in the language panel


class TopBar(BoxLayout):
    """Back, the screen's title, the languages and the way home: on every screen."""

    title = StringProperty("")
    show_back = BooleanProperty(True)
    show_home = BooleanProperty(True)

    def on_kv_post(self, _base_widget):
        app = App.get_running_app()
        if app is None:
            return
        box = self.ids.languages_box
        # Two languages: both at hand. More: the current one, which opens the panel with all
        # of them (six buttons do not fit beside 'Back' and 'Home').
        if len(app.kiosk_config.languages) <= 2:
            # A fixed order, whichever language is the default: buttons must not move around.
            for lang in sorted(app.kiosk_config.languages, key=SUPPORTED_LANGUAGES.index):
                button = LanguageButton(lang=lang, selected=lang == app.lang)
                button.bind(on_release=lambda b: app.set_language(b.lang))
                box.add_widget(button)
        else:
            button = LanguageButton(lang=app.lang)
            button.bind(on_release=lambda _b: app.show_options())
            box.add_widget(button)
        app.bind(lang=self._show_selected)

    def on_title(self, *_args) -> None:
        app = App.get_running_app()
        if app is not None:
            app.follow_title()

    def _show_selected(self, _app, lang: str) -> None:
        buttons = self.ids.languages_box.children
        if len(buttons) == 1 and len(App.get_running_app().kiosk_config.languages) > 2:
            buttons[0].lang = lang
            return
        for button in buttons:
            button.selected = button.lang == lang


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
