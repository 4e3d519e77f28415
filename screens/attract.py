"""The attract screen: invites passers-by in; any touch starts a fresh session.

Besides the invitation it tells the hall's stories: today's events in the hall first, the
messages of the desk (HallNotes), and one group at a time, its photo (or its drawn picture)
and its pitch in one line, a new group every kiosk.stories.SECONDS, each group as often as
any other over a day. Nothing runs per frame: a check once a second compares the story slot
of the app's clock with the one shown, and a change fades over a handful of frames. While the
sleep curtain is down the rotation stands still.
"""

from __future__ import annotations

from pathlib import Path

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.label import Label

from kiosk import stories
from kiosk.agenda import today_in_hall
from kiosk.config import SUPPORTED_LANGUAGES
from screens.widgets import agenda  # noqa: F401  (its kv rules)
from screens.widgets.screen import KioskScreen

STAFF_CORNER_DP = 96
CHECK_SECONDS = 1.0  # how often the screen looks at the clock for the next story
FADE_STEPS = (0.66, 0.33, 0.0)  # the old story fades out in these steps, the new one in
FADE_STEP_SECONDS = 0.08
MESSAGES_SHOWN = 3  # and as many of today's events in the hall (one fewer in landscape)


class AttractLanguage(Label):
    """A language, in its own name, to start in."""

    lang = StringProperty("")


class HallNote(Label):
    """A message of the desk on the attract screen; an urgent one stands out."""

    urgent = BooleanProperty(False)


class AttractScreen(KioskScreen):
    #: Today's activities in the hall, as (time, title) pairs.
    hall_events = ListProperty([])
    #: The story on show: the group's name, its one line, its picture file (full path).
    story_name = StringProperty("")
    story_line = StringProperty("")
    story_photo = StringProperty("")
    story_initials = StringProperty("")  # a card drawn on screen: no picture file yet
    story_id = StringProperty("")
    story_opacity = NumericProperty(1.0)
    #: How many stories were shown since the screen was made (for the tests and the log).
    stories_shown = NumericProperty(0)

    _check_event = None
    _fade_event = None
    _slot: tuple | None = None
    _notes_bound = False
    _notes_shown: list | None = None

    def on_kv_post(self, _base_widget):
        app = self.app
        for lang in sorted(app.kiosk_config.languages, key=SUPPORTED_LANGUAGES.index):
            self.ids.languages_box.add_widget(AttractLanguage(lang=lang))

    def on_pre_enter(self, *_args):
        self.refresh()

    def on_enter(self, *_args):
        if self._check_event is None:
            self._check_event = Clock.schedule_interval(lambda _dt: self.check(), CHECK_SECONDS)

    def on_leave(self, *_args):
        # A visitor is busy elsewhere: no stories meanwhile, and no fade half done.
        self.stop_stories()

    def stop_stories(self) -> None:
        """No story check or fade step comes after this (also when the app stops: a step
        due after that would find no app)."""
        for event in (self._check_event, self._fade_event):
            if event is not None:
                event.cancel()
        self._check_event = self._fade_event = None
        self.story_opacity = 1.0

    def refresh(self) -> None:
        """Fill the screen for now, in the screen's language (also after a switch)."""
        app = self.app
        lines = today_in_hall(app.store, app.now(), app.lang)
        self.hall_events = [(line.when, line.title) for line in lines[: self._room()]]
        notes = getattr(app, "hall_notes", None)
        if notes is not None:
            if not self._notes_bound:
                notes.bind(notes=lambda _notes, value: self.show_notes(value))
                self._notes_bound = True
            notes.check()
            self.show_notes(notes.notes)
        self._slot = None
        self.check(fade=False)
        if self.manager is not None and self.manager.current == self.name:
            self.on_enter()  # the first screen of the app gets no on_enter of its own

    def show_notes(self, notes: list) -> None:
        """The desk's messages that show now (urgent first), at most MESSAGES_SHOWN."""
        notes = list(notes)[: self._room()]
        if notes == self._notes_shown:
            return
        self._notes_shown = notes
        box = self.ids.messages_box
        box.clear_widgets()
        for text, urgent in notes:
            box.add_widget(HallNote(text=text, urgent=urgent))

    @staticmethod
    def _room() -> int:
        """How many events, and how many messages, the screen has room for: a landscape
        panel has half the height for them (the story stands beside them)."""
        from kivy.core.window import Window

        return MESSAGES_SHOWN if Window.height > Window.width else MESSAGES_SHOWN - 1

    # -- the stories --------------------------------------------------------------------

    def asleep(self) -> bool:
        curtain = self.app.sleep_curtain
        return curtain is not None and curtain.parent is not None

    def check(self, fade: bool = True) -> None:
        """Show the story of this moment's slot, if it is not on show yet."""
        app = self.app
        if app is None:
            return  # the app has stopped; a last tick of the interval still came
        if self.asleep():
            return  # the dark panel: nobody sees a story, so none changes
        now = app.now()
        slot = (now.date(), stories.slot_of(now), app.lang)
        if slot == self._slot:
            return
        self._slot = slot
        ids = app.store.community_ids()  # not the ended ones
        chosen = stories.story_at(ids, now, app.kiosk_config.kiosk_name)
        if chosen is None:
            self._show(None)
            return
        if fade and self.story_id and self.story_id != chosen:
            self._fade(chosen, list(FADE_STEPS), out=True)
        else:
            self._show(chosen)

    def _fade(self, chosen: str, steps: list[float], out: bool) -> None:
        if steps:
            self.story_opacity = steps.pop(0)
            self._fade_event = Clock.schedule_once(
                lambda _dt: self._fade(chosen, steps, out), FADE_STEP_SECONDS
            )
        elif out:
            self._show(chosen)
            self._fade(chosen, [round(1 - s, 2) for s in FADE_STEPS], out=False)
        else:
            self._fade_event = None

    def _show(self, community_id: str | None) -> None:
        app = self.app
        community = app.store.community(community_id) if community_id else None
        if community is None:
            self.story_id = self.story_name = self.story_line = self.story_photo = ""
            self.story_initials = ""
            return
        story = stories.story(community, app.lang)
        photos = app.kiosk_config.data_dir / "photos"
        self.story_photo = str(photos / story.photo) if story.photo else ""
        self.story_initials = story.initials
        self.story_name = story.name
        self.story_line = story.line
        self.story_id = story.community_id
        self.stories_shown += 1

    # -- touches ------------------------------------------------------------------------

    def on_touch_down(self, touch):
        # The top-left corner is for staff (five taps show the sync status): a visitor who
        # touches it starts nothing, and nothing else happens.
        corner = dp(STAFF_CORNER_DP)
        if touch.x < self.x + corner and touch.y > self.top - corner:
            self.app.staff_tap(self.app.idle.clock())  # the app's clock: tests travel in time
            return True
        # A touch on a language starts the session in that language; any other in the
        # language of the screen.
        for button in self.ids.languages_box.children:
            if button.collide_point(*button.to_widget(*touch.pos)):
                self.app.set_language(button.lang)
        self.app.start_session()
        return True


Builder.load_file(str(Path(__file__).with_suffix(".kv")))
