"""Render every screen of the kiosk headless into PNG files named after the screens, walking
the visitor journeys on the way (search, talents and matches, contact, take-home, what's on)."""

from __future__ import annotations

from pathlib import Path

from kiosk import navigation as nav
from kiosk.config import Config
from kiosk.store import Store

#: A word of the demo typed on the keyboard's picture, in the language's own letters.
KEYBOARD_SAMPLES = {"tr": "çay", "pl": "włóczk", "uk": "кав", "ar": "قهوة"}


class _StepClock:
    """Time for the app that moves only when the capture moves it."""

    now = 0.0

    def __call__(self) -> float:
        return self.now


def capture_all(config: Config, store: Store, out_dir: Path, mode: str = "") -> list[Path]:
    """Every screen as a PNG in ``out_dir``; with ``mode`` (large_text, high_contrast,
    low_reach, read_aloud) turned on in every visit, as a visitor would."""
    from kiosk.app import KioskApp
    from screens.headless import HeadlessRunner

    clock = _StepClock()
    app = KioskApp(config, store, clock=clock)
    runner = HeadlessRunner(app)
    runner.start()
    shots: list[Path] = []
    if mode:
        app.bind(session=lambda _app, session: session and app.set_mode(mode, True))

    def shot(name: str) -> None:
        runner.pump(5)
        app.show_page_buttons()  # as the idle check does twice a second on a kiosk
        shots.append(runner.screenshot(out_dir / f"{name}.png"))

    try:
        app.screen(nav.ATTRACT).on_pre_enter()
        shot(nav.ATTRACT)
        app.start_session()
        shot(nav.HOME)
        app.show_options()
        shot("options")
        app.hide_options()
        app.browse("theme")
        shot(f"{nav.BROWSE}-themes")
        app.browse("neighbourhood")
        shot(f"{nav.BROWSE}-neighbourhoods")
        themes = store.themes()
        app.show_list(theme=themes[0].slug if themes else None)
        shot(nav.LISTING)
        rows = app.screen(nav.LISTING).ids.cards_view.data
        if not rows:
            return shots
        # Any community is as good as another: the first of this session's fair order.
        first = rows[0]["community_id"]
        app.open_community(first)
        shot(nav.COMMUNITY)

        app.open(nav.SEARCH)
        keyboard = app.screen(nav.SEARCH).ids.keyboard
        keyboard.text = "moes"
        shot(f"{nav.SEARCH}-results")
        keyboard.text = "xylofoon"
        shot(f"{nav.SEARCH}-nothing-found")
        app.screen(nav.SEARCH).count_me_in()  # "I'd join this": the words, then thanks
        shot(f"{nav.WISH}-what")
        clock.now += 1  # a visitor's pace: the step guard lets it through
        app.screen(nav.WISH).next_step()
        shot(f"{nav.WISH}-sent")
        if app.contact_available:  # contact details about the wish: its own consent
            clock.now += 1
            app.screen(nav.WISH).leave_contact()
            contact = app.screen(nav.CONTACT)
            contact.ids.keyboard.text = "anna@voorbeeld.nl"
            clock.now += 1
            contact.next_step()
            shot(f"{nav.WISH}-consent")
        app.go_home()
        keyboard.text = ""
        for key in KEYBOARD_SAMPLES.get(app.lang, ""):  # on the keys of the language's alphabet
            keyboard.press(key)
        shot("keyboard")
        keyboard.text = ""

        session = app.session
        app.open(nav.TALENTS)
        session.liked_themes.update(t.slug for t in themes[:3])
        talents = app.screen(nav.TALENTS)
        talents.refresh()
        shot(f"{nav.TALENTS}-themes")
        clock.now += 1  # a visitor's pace: the step guard lets it through
        talents.next_step()
        session.gifts.update(g.slug for g in store.gifts()[6:9])
        talents.refresh()
        shot(f"{nav.TALENTS}-gifts")
        clock.now += 1  # a visitor's pace: the step guard lets it through
        talents.next_step()
        shot(f"{nav.TALENTS}-area")
        app.show_matches()
        shot(nav.MATCHES)

        matched = app.screen(nav.MATCHES).ids.matches_view.data
        for row in matched[:2]:
            app.keep(row["community_id"])
        if app.contact_available:
            app.meet([first])
            contact = app.screen(nav.CONTACT)
            shot(f"{nav.CONTACT}-who")
            clock.now += 1  # a visitor's pace: the step guard lets it through
            contact.next_step()
            contact.ids.keyboard.text = "anna@voorbeeld.nl"
            shot(f"{nav.CONTACT}-how")
            clock.now += 1  # a visitor's pace: the step guard lets it through
            contact.next_step()
            shot(f"{nav.CONTACT}-consent")
            clock.now += 1  # a visitor's pace: the step guard lets it through
            contact.next_step()
            shot(f"{nav.CONTACT}-receipt")

        app.open(nav.WHATS_ON)
        shot(nav.WHATS_ON)
        app.open(nav.GROUP_TIP)  # "Is your group not here?": the QR, then a tip typed
        shot(f"{nav.GROUP_TIP}-start")
        clock.now += 1  # a visitor's pace: the step guard lets it through
        app.screen(nav.GROUP_TIP).next_step()
        app.screen(nav.GROUP_TIP).ids.keyboard.text = "Breiclub De Steek"
        shot(f"{nav.GROUP_TIP}-name")
        app.ask_reception()
        shot("ask-reception")
        app.hide_notice()
        app.finish()
        shot(nav.DONE)

        app.build_remaining()
        app.idle_seconds_left = config.idle_warning
        app.root.add_widget(app.idle_overlay)
        shot("idle-warning")
        app.end_session(farewell="")
        app.finish()  # with nothing kept: goodbye at once
        shot(f"{nav.ATTRACT}-goodbye")
        # What staff see after five taps in the corner, then receptionist mode.
        if not store.get_state("receptionist_pin_hash"):
            # The store is a throwaway copy: a stand-in hash shows the PIN pad as it is once
            # the desk has set a PIN (it is never checked here).
            store.set_state("receptionist_pin_hash", "$argon2id$screenshot")
        app.open(nav.RECEPTION)
        app.screen(nav.RECEPTION).ids.keyboard.text = "24"
        shot(nav.RECEPTION)
        app.start_receptionist_session()  # as after the right PIN
        shot("receptionist-mode")
        app.open_community(first)
        app.keep(first)
        app.introduce()
        intro = app.screen(nav.INTRODUCE)
        shot(f"{nav.INTRODUCE}-kind")
        clock.now += 1  # a visitor's pace: the step guard lets it through
        intro.next_step()
        intro._chosen(first, True)
        intro.refresh()
        shot(f"{nav.INTRODUCE}-who")
        clock.now += 1
        intro.next_step()
        intro.ids.keyboard.text = "komt dinsdag kijken"
        shot(f"{nav.INTRODUCE}-note")
        clock.now += 1
        intro.next_step()
        shot(f"{nav.INTRODUCE}-done")
        app.end_session()
    finally:
        runner.stop()
    return shots
