"""Arabic on the kiosk: joined letters, right to left, wrapped correctly, mirrored screens.

Kivy without Pango draws Arabic letters unjoined and left to right, and a string that went
through the bidi algorithm before Kivy wraps it ends up with its last words on line one
(../shared/STYLE.md). So the core label is replaced by one that wraps the text in logical
order, measuring each piece as it will be drawn (letters joined by arabic-reshaper, in visual
order by python-bidi), and puts only each finished line in visual order when it draws it.
Text without a right-to-left letter is drawn exactly as before.

In a right-to-left interface text aligned 'left' aligns right, and horizontal box and grid
layouts place their children from right to left: the whole screen is mirrored, except what
must keep its order (the on-screen keyboard's keys stay where a physical keyboard has them).
"""

from __future__ import annotations

import re
from functools import lru_cache, wraps

import kivy.uix.label
from kivy.core.text import Label as CoreLabel
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout

from kiosk import i18n

# Hebrew, Arabic, Syriac, Thaana, NKo ... and the Arabic presentation forms.
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


def has_rtl(text: str) -> bool:
    return bool(_RIGHT_TO_LEFT.search(text))


@lru_cache(maxsize=4096)
def shaped(text: str) -> str:
    """Arabic letters in their joined forms, still in logical order (for measuring)."""
    import arabic_reshaper  # loaded with the first Arabic text, not at every start

    return arabic_reshaper.reshape(text)


_LEVEL = re.compile(r"Level\(\s*(\d+),?\s*\)")


def _mirror_right_to_left(text: str) -> str:
    """Brackets and arrows that run right to left swapped for their mirror image ('(' for
    ')', '‹' for '›'), as the bidi algorithm's rule L4 asks: python-bidi 0.6 (the Rust
    unicode-bidi crate) reorders but does not mirror. The embedding levels come from its
    debug report, one per UTF-8 byte of the text."""
    from bidi import get_display
    from bidi.mirror import MIRRORED

    if not any(c in MIRRORED for c in text):
        return text
    report = get_display(text, debug=True)
    section = report[report.index("levels:") : report.index("paragraphs:")]
    levels = [int(n) for n in _LEVEL.findall(section)]
    mirrored, offset = [], 0
    for char in text:
        odd = offset < len(levels) and levels[offset] % 2 == 1
        mirrored.append(MIRRORED.get(char, char) if odd else char)
        offset += len(char.encode("utf-8"))
    return "".join(mirrored)


@lru_cache(maxsize=4096)
def computed_visual(line: str) -> str:
    """One line as it is drawn: joined letters, mirrored brackets, in visual order."""
    from bidi import get_display

    return get_display(_mirror_right_to_left(shaped(line)))


#: The right-to-left text every kiosk shows, whatever its visitors' language, as
#: computed_visual() draws it: the attract screen's language names (each in its own script)
#: and the keyboards' key for the Arabic alphabet. So a kiosk starts, and shows its first
#: frame, without loading arabic-reshaper, fontTools and python-bidi (20 ms of a 0.3 s start
#: and 9 MB). test_rtl checks every entry against computed_visual().
PREPARED = {"العربية": "ﺔﻴﺑﺮﻌﻟﺍ", "أبج": "ﺞﺑﺃ"}


def visual(line: str) -> str:
    """One line as it is drawn: joined letters, mirrored brackets, in visual order."""
    prepared = PREPARED.get(line)
    return prepared if prepared is not None else computed_visual(line)


class BidiCoreLabel(CoreLabel):
    # Measured as drawn (joined and in visual order): the font's kerning between neighbours
    # depends on their order, and a line measured in logical order can come out a few pixels
    # wider than its texture, which cuts off its first letter on the right.
    def get_extents(self, text):
        return super().get_extents(visual(text) if has_rtl(text) else text)

    # (Kivy's get_cached_extents() returns this get_extents: wrapping it again would measure
    # a line turned back into logical order.)

    def render_lines(self, lines, options, render_text, y, size):
        if i18n.is_rtl() and options["halign"] in ("left", "auto", "justify"):
            options = {**options, "halign": "right"}
        return super().render_lines(lines, options, render_text, y, size)

    def _render_text(self, text, x, y):
        super()._render_text(visual(text) if has_rtl(text) else text, x, y)

    def refresh(self):
        # A fresh texture for every new text, never the old one filled again: filling a
        # texture that a recent frame drew with makes Mesa's software renderer wait, 0.4-3 s
        # a label, whether Kivy fills it while drawing (its way) or between frames (tried);
        # a new texture costs well under a millisecond (docs/performance.md).
        self.texture = None
        super().refresh()


def _mirrored(do_layout):
    @wraps(do_layout)  # Kivy's triggers find the method again by its name
    def layout(self, *args, **kwargs):
        do_layout(self, *args, **kwargs)
        if not i18n.is_rtl() or getattr(self, "keep_ltr", False):
            return
        if isinstance(self, BoxLayout) and self.orientation != "horizontal":
            return
        for child in self.children:
            child.x = 2 * self.x + self.width - child.x - child.width

    return layout


_installed = False


def install() -> None:
    """Use the bidi-aware label and mirrored layouts from now on (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    kivy.uix.label.CoreLabel = BidiCoreLabel
    BoxLayout.do_layout = _mirrored(BoxLayout.do_layout)
    GridLayout.do_layout = _mirrored(GridLayout.do_layout)


def redraw(widgets) -> None:
    """After the direction changed: align every label again and lay every layout out again."""
    from kivy.uix.label import Label
    from kivy.uix.layout import Layout

    for widget in widgets:
        if isinstance(widget, Label):
            widget._trigger_texture()
        if isinstance(widget, Layout):
            widget._trigger_layout()
