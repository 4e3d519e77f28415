"""What 'read aloud' reads: the text on the screen, in reading order."""

from __future__ import annotations

from kivy.core.window import Window
from kivy.uix.label import Label

from kiosk.i18n import is_rtl
from screens.widgets.keyboard import Key

ROW_PIXELS = 48


def _visible(widget) -> bool:
    while widget is not None and widget is not Window:
        if widget.opacity == 0:
            return False
        widget = widget.parent
    return True


def screen_text(root) -> str:
    """Every visible label under ``root`` from top to bottom, and within a line in the
    direction of the language; keys of the on-screen keyboard are left out."""
    found = []
    for widget in root.walk(restrict=True):
        if not isinstance(widget, Label) or isinstance(widget, Key):
            continue
        text = widget.text.strip()
        if not text or widget.width <= 0 or widget.height <= 0 or not _visible(widget):
            continue
        x, y = widget.to_window(widget.x, widget.y)
        if y + widget.height < 0 or y > Window.height or x > Window.width:
            continue  # scrolled out of sight
        edge = -(x + widget.width) if is_rtl() else x
        # Labels whose middles lie within half a finger of each other are on one line.
        row = round((y + widget.height / 2) / ROW_PIXELS)
        found.append((-row, edge, text))
    lines: list[str] = []
    for _row, _edge, text in sorted(found):
        text = text.replace("‹", "").replace("›", "").strip()
        if text and (not lines or lines[-1] != text):
            lines.append(text)
    # A pause after every piece: end each with a full stop unless it has its own.
    return "\n".join(line if line[-1] in ".?!:؟" else line + "." for line in lines)
