"""The kiosk's Kivy app: wires the core (store, session, idle rules) to the screens.

The app is the view-model: Kivy properties the screens bind to, and one navigation method,
``go()``, that every screen change passes through. Decisions live in the core modules.

Start-up shows the attract screen first; the other screens (their kv files take most of the
start time) are built one per frame right after the first frame, long before a visitor can
reach them, and on demand if a touch is faster.
"""

from __future__ import annotations

import gc
import importlib
import time
from datetime import datetime

from kivy.app import App
from kivy.cache import Cache
from kivy.clock import Clock
from kivy.core.text import DEFAULT_FONT, LabelBase
from kivy.core.window import Window
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk import navigation as nav
from kiosk.config import Config
from kiosk.forms import ask_for_help, store_choices
from kiosk.i18n import _, is_rtl
from kiosk.memory import release_freed_memory
from kiosk.opening_hours import Backlight, OpeningHours
from kiosk.paths import FONT_BOLD, FONT_REGULAR
from kiosk.receptionist import PinCheck, well_formed
from kiosk.session import MODES, ContactForm, IdleRules, VisitorSession
from kiosk.store import Store
from kiosk.watchdog import Watchdog
from screens.widgets.style import theme
from screens.widgets.translate import tr

SCREEN_CLASSES = {
    nav.ATTRACT: "screens.attract:AttractScreen",
    nav.HOME: "screens.home:HomeScreen",
    nav.BROWSE: "screens.browse:BrowseScreen",
    nav.LISTING: "screens.listing:ListingScreen",
    nav.COMMUNITY: "screens.community:CommunityScreen",
    nav.SEARCH: "screens.search:SearchScreen",
    nav.TALENTS: "screens.talents:TalentsScreen",
    nav.MATCHES: "screens.matches:MatchesScreen",
    nav.CONTACT: "screens.contact:ContactScreen",
    nav.DONE: "screens.done:DoneScreen",
    nav.WHATS_ON: "screens.whats_on:WhatsOnScreen",
    nav.RECEPTION: "screens.reception:ReceptionScreen",
    nav.INTRODUCE: "screens.introduce:IntroduceScreen",
    nav.GROUP_TIP: "screens.group_tip:GroupTipScreen",
    nav.WISH: "screens.wish:WishScreen",
}
IDLE_CHECK_SECONDS = 0.5
# Kivy keeps every picture it loaded (and its texture) in its caches for a minute after the
# last use, with no bound on pictures: a busy hall grew the kiosk by hundreds of MB. Bounded,
# a picture shown again is read again (a few ms); cards on screen hold their own textures.
PICTURE_CACHE_LIMIT = 24
FAREWELL_SECONDS = 12
STAFF_TAPS = 5  # taps in the attract screen's top-left corner that show staff the sync status
STAFF_TAP_SECONDS = 5.0
#: Screens for the receptionist only (the PIN, an introduction): built when first asked for,
#: not ahead like the visitors' screens. A kiosk may go weeks without them, and their
#: keyboards alone hold 6 MB.
BUILT_ON_FIRST_USE = frozenset({nav.RECEPTION, nav.INTRODUCE})


class KioskApp(App):
    title = "Ontmoet"
    # No settings panel on F1 or the menu key: a visitor with a keyboard must find no way out.
    use_kivy_settings = False
    lang = StringProperty("nl")
    rtl = BooleanProperty(False)  # the language is written right to left: mirrored screens
    #: The visitor's session; None while the attract screen waits for someone.
    session = ObjectProperty(None, allownone=True)
    #: Seconds left before the idle wipe, shown by the 'Ben je er nog?' overlay.
    idle_seconds_left = NumericProperty(0)
    #: How many communities the visitor keeps on 'my list' (the bottom bar shows it).
    kept_count = NumericProperty(0)
    #: Shown on the attract screen after a visitor said 'I'm done'; cleared by the next touch.
    farewell = StringProperty("")
    # Modes a visitor turns on for their visit (the 'Aa' panel); the visit's end turns them off.
    large_text = BooleanProperty(False)
    high_contrast = BooleanProperty(False)
    low_reach = BooleanProperty(False)  # every control in the lower part of the screen
    read_aloud = BooleanProperty(False)  # a 'Read aloud' button in the top bar
    #: The current screen's title (low reach shows it in the upper band, out of the way)
    screen_title = StringProperty("")

    def __init__(self, kiosk_config: Config, store: Store, clock=time.monotonic, **kwargs):
        super().__init__(**kwargs)
        self.kiosk_config = kiosk_config
        self.store = store
        self.idle = IdleRules(kiosk_config.idle_timeout, kiosk_config.idle_warning, clock)
        self.manager: ScreenManager | None = None
        self.idle_overlay = None
        self.notice = None  # the 'ask the reception' answer, built on first use
        self._idle_event = None
        self._stopped = False  # a Clock callback may still arrive after on_stop
        self._farewell_event = None  # clears the goodbye on the attract screen later
        self._stale_screens: set[str] = set()  # built before the last language switch
        self._frozen = False  # long-lived objects handed to gc.freeze() (build_remaining)
        self.sync_worker = None  # started when this kiosk is enrolled at a hub
        self._staff_taps: list[float] = []
        self.pin_check = PinCheck(store, clock)
        self.reception_banner = None  # shown across the top in receptionist mode
        self.options_panel = None  # languages and modes, built on first use
        self.low_reach_space = None  # the empty upper part of the screen in low-reach mode
        self.speaker = None  # espeak-ng, started on the first 'Read aloud'
        self.frame = None  # the banner (when shown) above the screens
        self.watchdog = Watchdog(Clock)  # systemd restarts a kiosk whose UI froze
        self.opening_hours = OpeningHours(kiosk_config.opening_hours)
        self.now = datetime.now  # local wall time, for the opening hours
        self.backlight = Backlight()
        self.sleep_curtain = None  # the dark panel outside opening hours
        self.hall_notes = None  # the desk's messages for the hall (screens.widgets.hall_banner)
        self._scroll_watched: set[str] = set()  # screens whose scrolling updates the bar
        self._page_buttons_trigger = Clock.create_trigger(lambda _dt: self.show_page_buttons())

    # -- lifecycle -------------------------------------------------------------------------

    def build(self):
        from screens.widgets import rtl

        Cache.register("kv.image", limit=PICTURE_CACHE_LIMIT, timeout=60)
        Cache.register("kv.texture", limit=PICTURE_CACHE_LIMIT, timeout=60)
        rtl.install()  # before the first label: Arabic joined, right to left, mirrored
        # The theme outlives an app (the screenshots and the tests start several): standard.
        # Not in on_stop: kv's 'app' would then re-bind to the app that is stopping.
        theme.apply()
        LabelBase.register(DEFAULT_FONT, str(FONT_REGULAR), fn_bold=str(FONT_BOLD))
        tr.forget_all()
        self.lang = self.kiosk_config.default_language
        self.rtl = is_rtl(self.lang)
        tr.switch(self.lang)
        root = FloatLayout()
        # Overlays (a notice, the idle warning) go on the root; the frame holds the screens
        # and, in receptionist mode, the banner above them.
        self.frame = BoxLayout(orientation="vertical")
        self.manager = ScreenManager(transition=NoTransition())
        self.screen(nav.ATTRACT)
        self.frame.add_widget(self.manager)
        root.add_widget(self.frame)
        return root

    def screen(self, name: str):
        """The screen called ``name``, built on first use."""
        if name not in SCREEN_CLASSES:
            raise ValueError(f"unknown screen {name!r}")
        if not self.manager.has_screen(name):
            module, class_name = SCREEN_CLASSES[name].split(":")
            screen_class = getattr(importlib.import_module(module), class_name)
            self.manager.add_widget(screen_class(name=name))
        return self.manager.get_screen(name)

    def on_start(self):
        Window.bind(on_touch_down=self._any_touch)
        Window.bind(on_flip=self._after_first_frame)
        self._idle_event = Clock.schedule_interval(self.check_idle, IDLE_CHECK_SECONDS)
        from screens.widgets.hall_banner import HallNotes

        self.hall_notes = HallNotes(self)
        self.screen(nav.ATTRACT).refresh()  # the messages that show now, from the start

    def start_sync(self) -> None:
        """Sync in the background when this kiosk has a hub; the screens never wait on it."""
        if self._stopped or self.sync_worker is not None:
            return
        if not self.kiosk_config.hub_url or not self.store.get_state("token"):
            return
        from sync.worker import SyncWorker

        self.sync_worker = SyncWorker(
            self.kiosk_config.db_path, photos_dir=self.kiosk_config.data_dir / "photos"
        )
        self.sync_worker.start()

    def _after_first_frame(self, *_args):
        Window.unbind(on_flip=self._after_first_frame)
        self.watchdog.start()  # READY=1: the attract screen is on the panel
        Clock.schedule_once(self.build_remaining, 0)
        # Sync (requests, a thread) starts once the attract screen is on screen.
        Clock.schedule_once(lambda _dt: self.start_sync(), 0)

    def build_remaining(self, *_args) -> None:
        """Build the next screen not built yet, then come back next frame for the rest."""
        if self._stopped:
            return
        if self.idle_overlay is None:
            from screens.widgets.idle_overlay import IdleOverlay

            self.idle_overlay = IdleOverlay()
        missing = [
            name
            for name in SCREEN_CLASSES
            if name not in BUILT_ON_FIRST_USE and not self.manager.has_screen(name)
        ]
        if missing:
            self.screen(missing[0])
            Clock.schedule_once(self.build_remaining, 0)
        elif not self._frozen:
            # Every screen is built: what is alive now lives as long as the app. Frozen, the
            # collector no longer walks it all again in the middle of a tap (a full pass
            # took up to 180 ms of one on these machines). Collected first, so no garbage
            # (of an earlier app in the same process, say) is kept for good.
            self._frozen = True
            gc.collect()
            gc.freeze()

    def on_stop(self):
        self._stopped = True
        if self._farewell_event is not None:
            self._farewell_event.cancel()
        if self._frozen:  # what this app kept may go now (tests start many in one process)
            gc.unfreeze()
        if self.speaker is not None:
            self.speaker.stop()
        if self.sync_worker is not None:
            self.sync_worker.stop()
        Window.unbind(on_touch_down=self._any_touch)
        Window.unbind(on_flip=self._after_first_frame)
        if self._idle_event is not None:
            self._idle_event.cancel()
        if self.manager.has_screen(nav.ATTRACT):
            self.manager.get_screen(nav.ATTRACT).stop_stories()
        self.watchdog.stop()
        self._page_buttons_trigger.cancel()
        if self.hall_notes is not None:
            self.hall_notes.stop()

    def open_settings(self, *_args):
        return False

    # -- navigation: every screen change goes through here ---------------------------------

    @property
    def current_screen(self) -> str:
        return self.manager.current

    @staticmethod
    def _refresh(screen) -> None:
        refresh = getattr(screen, "refresh", None)
        if refresh is not None:
            refresh()

    def _show(self, name: str, *args) -> None:
        """Fill a screen for what the visitor asked (show() fills it in the current
        language, so it is no longer stale) and go there."""
        self._stale_screens.discard(name)
        self.screen(name).show(*args)
        self.go(name)

    def go(self, name: str, remember: bool = True) -> None:
        screen = self.screen(name)
        if name in self._stale_screens:  # made before the last language switch
            self._stale_screens.discard(name)
            self._refresh(screen)
        if self.session is not None and remember and self.manager.current != name:
            self.session.history.append(self.manager.current)
        self.manager.current = name
        self.follow_title()
        # 'Up' and 'Down' once the new screen is laid out, and again whenever its content
        # grows or shrinks (layouts settle over frames): the bar must not shift under a
        # finger half a second later, at the next idle check.
        self._watch_scrolling(screen)
        self._page_buttons_trigger()

    def _watch_scrolling(self, screen) -> None:
        if screen.name in self._scroll_watched:
            return
        from kivy.uix.scrollview import ScrollView

        self._scroll_watched.add(screen.name)
        for view in [w for w in screen.walk(restrict=True) if isinstance(w, ScrollView)]:
            view.bind(height=self._page_buttons_trigger)
            for content in view.children:
                content.bind(height=self._page_buttons_trigger)

    def follow_title(self) -> None:
        """Low reach shows the current screen's title in its upper band."""
        if not self.low_reach:
            return  # nobody shows it: no walk through the screen on every tap
        from screens.widgets.common import TopBar

        current = self.manager.current_screen if self.manager else None
        bars = [w for w in current.walk(restrict=True) if isinstance(w, TopBar)] if current else []
        self.screen_title = bars[0].title if bars else ""

    def back(self) -> None:
        history = self.session.history if self.session else []
        while history and history[-1] == nav.ATTRACT:
            history.pop()
        self.go(history.pop() if history else nav.HOME, remember=False)

    def go_home(self) -> None:
        if self.session is not None:
            self.session.history.clear()
        self.go(nav.HOME, remember=False)

    def start_session(self) -> None:
        """A visitor touched the attract screen: a fresh, anonymous session."""
        self.farewell = ""
        self.session = VisitorSession(language=self.lang)
        self.kept_count = 0
        self.idle.touched()
        self.go(nav.HOME, remember=False)

    def end_session(self, farewell: str = "") -> None:
        """Forget everything of this visitor and wait for the next one."""
        self.session = None
        self.kept_count = 0
        self.farewell = farewell
        if self.sync_worker is not None:
            self.sync_worker.nudge()  # what this visitor left goes to the hub soon
        if farewell:  # the goodbye is for this visitor, not for whoever walks by later
            self._farewell_event = Clock.schedule_once(
                lambda _dt: self._clear_farewell(farewell), FAREWELL_SECONDS
            )
        self.hide_idle_warning()
        self.hide_notice()
        self.hide_options()
        self.hide_reception_banner()
        for mode in MODES:
            self.set_mode(mode, False)
        self.set_language(self.kiosk_config.default_language)
        for screen in self.manager.screens:
            if hasattr(screen, "wipe"):
                screen.wipe()
        self.go(nav.ATTRACT, remember=False)
        # Once the attract screen is drawn and the visit's textures are gone.
        Clock.schedule_once(release_freed_memory, 1)

    def browse(self, by: str) -> None:
        self._show(nav.BROWSE, by)

    def show_list(self, theme: str | None = None, neighbourhood: str | None = None) -> None:
        self._show(nav.LISTING, theme, neighbourhood)

    def open_community(self, community_id: str) -> None:
        self.session.last_community = community_id
        self._show(nav.COMMUNITY, community_id)

    def open(self, name: str) -> None:
        """Go to a screen that shows itself from the session (search, talents, ...)."""
        self._show(name)

    def show_matches(self) -> None:
        """Store the visitor's anonymous choices (once per set), then show who would welcome
        them."""
        store_choices(self.store, self.session, self.lang, self.kiosk_config.kiosk_name)
        self.open(nav.MATCHES)

    def keep(self, community_id: str, keep: bool = True) -> None:
        """Put a community on 'my list', or take it off."""
        if keep:
            self.session.keep(community_id)
        else:
            self.session.drop(community_id)
        self.kept_count = len(self.session.kept)

    @property
    def contact_available(self) -> bool:
        return bool(self.kiosk_config.hub_public_key)

    def meet(self, community_ids: list[str]) -> None:
        """'I'd like to meet them': the contact form, for these communities."""
        self.session.contact = ContactForm(communities=list(community_ids))
        self.open(nav.CONTACT)

    def finish(self) -> None:
        """'I'm done': the take-home list when there is one, else goodbye at once."""
        if self.session is not None and self.session.kept:
            self.open(nav.DONE)
        else:
            self.goodbye()

    def goodbye(self) -> None:
        """End the session and say what was erased, and what was not."""
        contact = self.session.contact if self.session else None
        if contact is not None and contact.sent:
            farewell = _(
                "Everything you did here has been erased from the kiosk. Your request to be "
                "contacted stays, until you withdraw it or its time is up. Goodbye!"
            )
        else:
            farewell = _("Everything you did here has been erased. Goodbye!")
        self.end_session(farewell=farewell)

    def ask_reception(self) -> None:
        """Ask a receptionist to come over; say plainly what happens."""
        if self.kiosk_config.hub_url:
            ask_for_help(self.store, self.session, self.lang, self.kiosk_config.kiosk_name)
            if self.sync_worker is not None:
                # The screen says the reception has been asked: send it now, not with the
                # next regular round (up to a minute later) or at the end of the visit.
                self.sync_worker.nudge(0)
            message = _(
                "We have asked the reception to come to you. That usually takes a few "
                "minutes. You can go on looking in the meantime."
            )
        else:
            message = _(
                "Please walk over to the reception desk in the hall. They are happy to help."
            )
        self.show_notice(message)

    def show_notice(self, message: str) -> None:
        if self.notice is None:
            from screens.widgets.notice import Notice

            self.notice = Notice()
        self.notice.message = message
        if self.notice.parent is None:
            self.root.add_widget(self.notice)

    # -- staff -----------------------------------------------------------------------------

    def staff_tap(self, now: float) -> bool:
        """Five taps within five seconds in the attract screen's top-left corner open the
        reception screen: the sync status and the receptionist PIN (a hidden gesture:
        visitors never need it)."""
        self._staff_taps = [t for t in self._staff_taps if now - t < STAFF_TAP_SECONDS] + [now]
        if len(self._staff_taps) < STAFF_TAPS:
            return False
        self._staff_taps = []
        self.idle.touched()  # the reception screen closes itself after the idle timeout
        self.open(nav.RECEPTION)
        return True

    def staff_status(self) -> str:
        """The sync status in words for staff; a round starts now, so staff see it move."""
        from kiosk.presenters import staff_status_text

        if not self.kiosk_config.hub_url or not self.store.get_state("token"):
            return staff_status_text({}, "")
        from sync.client import status

        if self.sync_worker is not None:
            self.sync_worker.nudge(0.1)
        return staff_status_text(status(self.store), self.kiosk_config.hub_url)

    def enter_receptionist_mode(self, pin: str) -> str:
        """Check the PIN; on success a receptionist session begins. Returns what went wrong,
        in words for the receptionist, or '' when the mode has started."""
        check = self.pin_check
        if not check.available:
            return _("No receptionist PIN has reached this kiosk yet. Set one at the desk.")
        if check.locked:
            return _("Too many wrong PINs. Try again in {minutes} minutes.").format(
                minutes=check.minutes_locked()
            )
        if not well_formed(pin):  # cannot be right: not counted as a try
            return _("A PIN has 6 to 8 digits.")
        if not check.check(pin):
            if check.locked:
                return _("Too many wrong PINs. Try again in {minutes} minutes.").format(
                    minutes=check.minutes_locked()
                )
            return _("That PIN is not right. {tries} tries left.").format(tries=check.tries_left)
        self.start_receptionist_session()
        return ""

    def start_receptionist_session(self) -> None:
        """A fresh session in which a receptionist helps a visitor: a banner says so on every
        screen, what is registered is marked as done on the visitor's behalf, and it ends
        like any session (on idle, or 'End')."""
        self.start_session()
        self.session.assisted = True
        if self.reception_banner is None:
            from screens.widgets.reception_banner import ReceptionBanner

            self.reception_banner = ReceptionBanner()
        if self.reception_banner.parent is None:
            # Directly above the screens: in low-reach mode the empty band stays on top.
            above_screens = self.frame.children.index(self.manager) + 1
            self.frame.add_widget(self.reception_banner, index=above_screens)

    def hide_reception_banner(self) -> None:
        if self.reception_banner is not None and self.reception_banner.parent is not None:
            self.reception_banner.parent.remove_widget(self.reception_banner)

    def introduce(self) -> None:
        """Receptionist mode: record an introduction made on the spot."""
        if self.session is not None and self.session.assisted:
            self.open(nav.INTRODUCE)

    def _clear_farewell(self, farewell: str) -> None:
        # After on_stop the kv bindings to this app would look for a running app that is gone
        # (it came due in a stopped test's last frames, on a loaded machine).
        if self._stopped:
            return
        if self.farewell == farewell:
            self.farewell = ""

    def hide_notice(self) -> None:
        if self.notice is not None and self.notice.parent is not None:
            self.notice.parent.remove_widget(self.notice)

    def set_language(self, lang: str) -> None:
        if lang == self.lang:
            return
        direction_changed = is_rtl(lang) != is_rtl(self.lang)
        self.lang = lang
        self.rtl = is_rtl(lang)
        if self.session is not None:
            self.session.language = lang
        tr.switch(lang)
        # Only the screen on show is made again now; the others when they are next shown
        # (go()). Rebuilding every screen's tiles and cards cost a visitor's tap on a
        # language 0.25 s before the next frame, for screens nobody was looking at.
        current = self.manager.current
        self._stale_screens = {s.name for s in self.manager.screens if s.name != current}
        if self.manager.has_screen(current):
            self._refresh(self.manager.get_screen(current))
        if self.hall_notes is not None:
            self.hall_notes.check()  # the urgent banner in the new language
        if direction_changed:
            from screens.widgets import rtl

            rtl.redraw(self.root.walk())
            for screen in self.manager.screens:  # those not on show are not in the root
                rtl.redraw(screen.walk())

    # -- languages and modes ---------------------------------------------------------------

    def show_options(self) -> None:
        """The panel with the languages and the modes (the top bar's language and 'Aa')."""
        if self.options_panel is None:
            from screens.widgets.options_panel import OptionsPanel

            self.options_panel = OptionsPanel()
        if self.options_panel.parent is None:
            self.options_panel.refresh()
            self.root.add_widget(self.options_panel)

    def hide_options(self) -> None:
        if self.options_panel is not None and self.options_panel.parent is not None:
            self.options_panel.parent.remove_widget(self.options_panel)

    def set_mode(self, mode: str, on: bool) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        if getattr(self, mode) == on:
            return
        setattr(self, mode, on)
        if mode in ("large_text", "high_contrast"):
            theme.apply(high_contrast=self.high_contrast, large_text=self.large_text)
        elif mode == "low_reach":
            self._place_low_reach_space()
        elif mode == "read_aloud" and not on and self.speaker is not None:
            self.speaker.stop()

    def _place_low_reach_space(self) -> None:
        """Low reach: an empty band across the upper part of the screen pushes every screen,
        with all its controls, into the lower part (within reach from a wheelchair)."""
        if self.low_reach_space is None:
            from screens.widgets.low_reach import LowReachSpace

            self.low_reach_space = LowReachSpace()
        space = self.low_reach_space
        if self.low_reach and space.parent is None:
            self.follow_title()
            self.frame.add_widget(space, index=len(self.frame.children))
        elif not self.low_reach and space.parent is not None:
            space.parent.remove_widget(space)

    def read_screen_aloud(self) -> None:
        """Read the current screen (and what lies over it) aloud in the visitor's language."""
        from kiosk.speech import Speaker
        from screens.widgets.read_aloud import screen_text

        if self.speaker is None:
            self.speaker = Speaker()
        self.speaker.say(screen_text(self.root), self.lang)

    # -- idle ------------------------------------------------------------------------------

    def _any_touch(self, _window, _touch):
        self.idle.touched()
        return False  # let the touch reach the widget under the finger

    def check_idle(self, *_args) -> None:
        if self.check_opening_hours():
            return
        self.show_page_buttons()
        if self.session is None:
            # Staff walked away from the reception screen: back to the attract screen.
            if self.current_screen == nav.RECEPTION and self.idle.state() == IdleRules.EXPIRED:
                self.screen(nav.RECEPTION).wipe()
                self.go(nav.ATTRACT, remember=False)
            return
        state = self.idle.state()
        if state == IdleRules.EXPIRED:
            self.end_session()
        elif state == IdleRules.WARNING:
            self.idle_seconds_left = self.idle.seconds_left()
            self.build_remaining()  # makes sure the overlay exists
            if self.idle_overlay.parent is None:
                self.root.add_widget(self.idle_overlay)

    def check_opening_hours(self) -> bool:
        """Outside opening hours, once nobody has touched the panel for an idle timeout, it
        sleeps; a visit under way is never cut off. True while it sleeps."""
        if self.opening_hours.always:
            return False
        touched_lately = self.idle.idle_for() < self.kiosk_config.idle_timeout
        visiting = self.session is not None
        sleep = not (self.opening_hours.is_open(self.now()) or visiting or touched_lately)
        asleep = self.sleep_curtain is not None and self.sleep_curtain.parent is not None
        if sleep and not asleep:
            self.sleep_panel()
        elif asleep and not sleep:
            self.wake_panel()
        return sleep

    def sleep_panel(self) -> None:
        from screens.widgets.sleep_curtain import SleepCurtain

        if self.current_screen != nav.ATTRACT:
            self.go(nav.ATTRACT, remember=False)
        if self.sleep_curtain is None:
            self.sleep_curtain = SleepCurtain(on_wake=self.wake_panel)
        if self.sleep_curtain.parent is None:
            self.root.add_widget(self.sleep_curtain)
        self.backlight.set(on=False)

    def wake_panel(self) -> None:
        """A touch on the dark panel: the attract screen, awake for an idle timeout."""
        self.idle.touched()
        if self.sleep_curtain is not None and self.sleep_curtain.parent is not None:
            self.sleep_curtain.parent.remove_widget(self.sleep_curtain)
        self.backlight.set(on=True)

    def show_page_buttons(self) -> None:
        """'Up' and 'Down' in the bottom bar while the screen holds more than fits."""
        from screens.widgets.common import BottomBar

        current = self.manager.current_screen if self.manager else None
        for widget in current.walk(restrict=True) if current else ():
            if isinstance(widget, BottomBar):
                widget.update_scrolling()

    def hide_idle_warning(self) -> None:
        if self.idle_overlay is not None and self.idle_overlay.parent is not None:
            self.idle_overlay.parent.remove_widget(self.idle_overlay)
