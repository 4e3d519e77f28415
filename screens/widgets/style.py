"""Colours and sizes of the kiosk, in one place, as a theme the screens bind to.

kv files import the theme object (``#:import S screens.widgets.style.theme``), so a visitor
who turns on large text or high contrast sees every screen change at once; ending the visit
puts the standard theme back. Every text colour meets WCAG AA (4.5:1) on the backgrounds it
is used on, in both palettes (TEXT_PAIRS; a test checks them).
"""

from __future__ import annotations

from kivy.event import EventDispatcher
from kivy.metrics import dp, sp
from kivy.properties import ColorProperty, NumericProperty

STANDARD = {
    "BACKGROUND": (0.969, 0.957, 0.933, 1),  # warm off-white #F7F4EE
    "CARD": (1, 1, 1, 1),
    "LINE": (0.847, 0.827, 0.792, 1),  # #D8D3CA, borders only
    "INK": (0.122, 0.165, 0.188, 1),  # #1F2A30
    "MUTED": (0.306, 0.345, 0.376, 1),  # #4E5860
    "PRIMARY": (0.122, 0.369, 0.431, 1),  # #1F5E6E
    "PRIMARY_SOFT": (0.871, 0.925, 0.929, 1),  # #DEECED
    "ACCENT": (0.627, 0.267, 0.157, 1),  # #A04428
    "ON_DARK": (1, 1, 1, 1),  # text on PRIMARY and ACCENT
    "SHADE": (0, 0, 0, 0.55),  # behind the idle warning
}
# High contrast: light text on black, black text on yellow; no soft greys.
HIGH_CONTRAST = {
    "BACKGROUND": (0, 0, 0, 1),
    "CARD": (0.08, 0.08, 0.08, 1),
    "LINE": (1, 1, 1, 1),
    "INK": (1, 1, 1, 1),
    "MUTED": (0.88, 0.88, 0.88, 1),
    "PRIMARY": (1, 0.871, 0.2, 1),  # #FFDE33
    "PRIMARY_SOFT": (0.2, 0.2, 0.2, 1),
    "ACCENT": (1, 0.659, 0.541, 1),  # #FFA88A
    "ON_DARK": (0, 0, 0, 1),  # black on the yellow and the orange
    "SHADE": (0, 0, 0, 0.8),
}
PALETTES = {"standard": STANDARD, "high_contrast": HIGH_CONTRAST}

#: (text colour, background colour) as the screens use them.
TEXT_PAIRS = (
    ("INK", "BACKGROUND"),
    ("INK", "CARD"),
    ("INK", "PRIMARY_SOFT"),
    ("MUTED", "BACKGROUND"),
    ("MUTED", "CARD"),
    ("ON_DARK", "PRIMARY"),
    ("ON_DARK", "ACCENT"),
    ("PRIMARY", "CARD"),
    ("PRIMARY", "BACKGROUND"),
    ("PRIMARY", "ON_DARK"),
    ("ACCENT", "BACKGROUND"),
    ("ACCENT", "CARD"),
)

REACH = 0.6  # low-reach mode: the screens fill the lower 60 %, within reach when seated
LARGE_TEXT = 1.3  # how much larger text is in large-text mode
TEXT_SIZES = {"TITLE": 52, "HEADING": 36, "BODY": 28, "SMALL": 25, "DISPLAY": 40, "BIG": 120}


class Theme(EventDispatcher):
    BACKGROUND = ColorProperty(STANDARD["BACKGROUND"])
    CARD = ColorProperty(STANDARD["CARD"])
    LINE = ColorProperty(STANDARD["LINE"])
    INK = ColorProperty(STANDARD["INK"])
    MUTED = ColorProperty(STANDARD["MUTED"])
    PRIMARY = ColorProperty(STANDARD["PRIMARY"])
    PRIMARY_SOFT = ColorProperty(STANDARD["PRIMARY_SOFT"])
    ACCENT = ColorProperty(STANDARD["ACCENT"])
    ON_DARK = ColorProperty(STANDARD["ON_DARK"])
    SHADE = ColorProperty(STANDARD["SHADE"])

    TOUCH = NumericProperty(dp(88))  # the smallest thing a finger must hit (>= 72 dp)
    PAD = NumericProperty(dp(32))
    GAP = NumericProperty(dp(20))
    TITLE = NumericProperty(sp(TEXT_SIZES["TITLE"]))
    HEADING = NumericProperty(sp(TEXT_SIZES["HEADING"]))
    BODY = NumericProperty(sp(TEXT_SIZES["BODY"]))
    SMALL = NumericProperty(sp(TEXT_SIZES["SMALL"]))
    DISPLAY = NumericProperty(sp(TEXT_SIZES["DISPLAY"]))  # the attract screen's lines
    BIG = NumericProperty(sp(TEXT_SIZES["BIG"]))  # the attract screen's name

    def apply(self, high_contrast: bool = False, large_text: bool = False) -> None:
        palette = HIGH_CONTRAST if high_contrast else STANDARD
        for name, rgba in palette.items():
            setattr(self, name, rgba)
        scale = LARGE_TEXT if large_text else 1.0
        for name, size in TEXT_SIZES.items():
            setattr(self, name, sp(size * scale))


theme = Theme()
