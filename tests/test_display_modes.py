"""Modes per visit (issue 6): large text, high contrast, low reach and read aloud, turned on in
the 'Aa' panel of the real app and off again when the visit ends; the contrast of every text
colour on every background it is used on, in both palettes."""

from __future__ import annotations

import wave

import pytest
from gui_helpers import find, screen, start, tile, walk_every_screen
from kivy.core.window import Window
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label

from kiosk import navigation as nav
from kiosk import speech
from screens.widgets.common import TopBar
from screens.widgets.style import PALETTES, REACH, STANDARD, TEXT_PAIRS, theme


def luminance(rgba) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("palette", sorted(PALETTES))
def test_every_text_colour_meets_4_5_to_1_on_its_backgrounds(palette):
    colours = PALETTES[palette]
    weak = {
        (text, ground): round(contrast(colours[text], colours[ground]), 2)
        for text, ground in TEXT_PAIRS
        if contrast(colours[text], colours[ground]) < 4.5
    }
    assert weak == {}


def test_high_contrast_pairs_reach_7_to_1():
    for text, ground in TEXT_PAIRS:
        assert contrast(PALETTES["high_contrast"][text], PALETTES["high_contrast"][ground]) >= 7


def top_bar(app):
    return find(screen(app, app.current_screen), TopBar)[0]


def open_panel_and_tick(kiosk, mode):
    app = kiosk.app
    kiosk.tap(top_bar(app).ids.options_button)
    assert app.options_panel.parent is not None
    kiosk.tap(tile(app.options_panel, mode))
    kiosk.tap(app.options_panel.ids.close_button)
    assert app.options_panel.parent is None


def test_large_text_and_high_contrast_for_one_visit(kiosk):
    app = kiosk.app
    start(kiosk)
    home = screen(app, nav.HOME)
    heading = find(home, Label, text="Wat wil je doen?")[0]
    size_before = heading.font_size
    open_panel_and_tick(kiosk, "large_text")
    kiosk.pump(3)
    assert heading.font_size == pytest.approx(size_before * 1.3, rel=0.01)
    open_panel_and_tick(kiosk, "high_contrast")
    kiosk.pump(3)
    assert tuple(heading.color) == (1, 1, 1, 1)  # white on black
    assert tuple(theme.BACKGROUND) == (0, 0, 0, 1)
    app.goodbye()
    # The next visitor gets the standard kiosk again.
    assert not app.large_text and not app.high_contrast
    assert tuple(theme.BACKGROUND) == STANDARD["BACKGROUND"]
    start(kiosk)
    assert heading.font_size == pytest.approx(size_before, rel=0.01)


def hidden(widget) -> bool:
    while widget is not None and widget is not Window:
        if widget.opacity == 0 or widget.width == 0 or widget.height == 0:
            return True
        widget = widget.parent
    return False


def controls_out_of_reach(app) -> list[tuple[str, str, float]]:
    limit = Window.height * REACH + 1
    out = []
    for widget in app.root.walk(restrict=True):
        if not isinstance(widget, ButtonBehavior) or widget.disabled or hidden(widget):
            continue
        _x, top = widget.to_window(widget.x, widget.top)
        if top > limit:
            out.append((type(widget).__name__, getattr(widget, "text", ""), top))
    return out


def test_low_reach_puts_every_control_of_every_screen_in_the_lower_part(kiosk):
    app = kiosk.app
    start(kiosk)
    open_panel_and_tick(kiosk, "low_reach")
    seen = {}

    def check(name):
        kiosk.pump(5)
        seen[name] = controls_out_of_reach(app)

    walk_every_screen(kiosk, check)
    assert {name: out for name, out in seen.items() if out} == {}
    assert app.low_reach_space.parent is app.frame
    app.goodbye()
    assert app.low_reach_space.parent is None


def test_read_aloud_speaks_the_screen_in_the_visitors_language(kiosk, tmp_path):
    assert speech.available(), "espeak-ng is missing: ./tasks setup installs it"
    app = kiosk.app
    start(kiosk)
    open_panel_and_tick(kiosk, "read_aloud")
    bar = top_bar(app)
    assert bar.ids.read_aloud_button.opacity == 1
    app.speaker = speech.Speaker(wav_path=tmp_path / "nl.wav")
    kiosk.tap(bar.ids.read_aloud_button)
    text = app.speaker.last_text
    first_line = text.split("\n")[:4]
    assert "Ontmoet." in first_line and "Wat wil je doen?" in text
    assert text.index("Wat wil je doen?") < text.index("Zoeken")  # top to bottom
    assert "Ik ben klaar" in text
    app.speaker.process.wait(timeout=30)
    with wave.open(str(tmp_path / "nl.wav")) as spoken:
        assert spoken.getnframes() / spoken.getframerate() > 3  # seconds of speech

    app.open(nav.SEARCH)  # the keyboard's keys are not read out, one letter at a time
    kiosk.tap(top_bar(app).ids.read_aloud_button)
    app.speaker.process.wait(timeout=30)
    assert "Zoeken." in app.speaker.last_text and "spatie" not in app.speaker.last_text
    app.go_home()

    app.set_language("ar")
    app.speaker.wav_path = tmp_path / "ar.wav"
    kiosk.tap(bar.ids.read_aloud_button)
    assert "ماذا تريد أن تفعل؟" in app.speaker.last_text  # logical order, as espeak wants it
    app.speaker.process.wait(timeout=30)
    assert (tmp_path / "ar.wav").stat().st_size > 10_000
    app.goodbye()
    assert not app.read_aloud and app.speaker.process is None


def test_without_espeak_read_aloud_is_not_offered(kiosk, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no espeak-ng on this kiosk
    app = kiosk.app
    start(kiosk)
    app.show_options()
    values = {t.value for t in find(app.options_panel, ButtonBehavior) if hasattr(t, "value")}
    assert values == {"large_text", "high_contrast", "low_reach"}


def test_speaking_stops_when_the_visit_ends(kiosk, tmp_path):
    assert speech.available(), "espeak-ng is missing: ./tasks setup installs it"
    app = kiosk.app
    start(kiosk)
    app.set_mode("read_aloud", True)
    # Long speech, to a file so that it runs until stopped (a loudspeaker may be missing).
    app.speaker = speech.Speaker(wav_path=tmp_path / "long.wav")
    app.speaker.say("Wat wil je doen? " * 3000, "nl")  # minutes of speech
    speaking = app.speaker.process
    app.goodbye()
    assert app.speaker.process is None
    assert speaking.wait(timeout=30) < 0  # ended by a signal, long before it was done
