"""A QR code drawn crisp: one texture pixel per screen pixel, nearest filtering, no blur."""

from __future__ import annotations

from functools import lru_cache

from kivy.graphics import Color, Rectangle
from kivy.graphics.texture import Texture
from kivy.metrics import dp
from kivy.properties import NumericProperty, ObjectProperty, StringProperty
from kivy.uix.widget import Widget

from kiosk.qr import QrMatrix, make_matrix


@lru_cache(maxsize=1024)  # a few kB each: every community's code, once
def matrix_for(data: str) -> QrMatrix:
    """The QR matrix for ``data``, made once (about 20 ms each: a tap would wait for it)."""
    return make_matrix(data)


class QrImage(Widget):
    """Shows ``data`` as a QR code, as large as ``target_size`` allows in whole pixels."""

    data = StringProperty("")
    #: Aim for about this many pixels across (quiet zone included); 400 px on a
    #: 1080x1920 panel scans from a phone at arm's length.
    target_size = NumericProperty(dp(400))
    matrix = ObjectProperty(None, allownone=True)
    module_px = NumericProperty(0)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.size_hint = (None, None)
        self.bind(pos=self._place, data=self._render, target_size=self._render)
        if self.data:  # given to the constructor, before the bindings existed
            self._render()

    def _render(self, *_args) -> None:
        self.canvas.clear()
        if not self.data:
            self.matrix = None
            return
        matrix = matrix_for(self.data)
        self.module_px = max(3, round(self.target_size / matrix.size))
        side = matrix.size * self.module_px
        texture = Texture.create(size=(side, side), colorfmt="rgba")
        texture.mag_filter = texture.min_filter = "nearest"
        # OpenGL textures start at the bottom row.
        texture.blit_buffer(
            matrix.rgba_bytes(self.module_px, flip_vertical=True),
            colorfmt="rgba",
            bufferfmt="ubyte",
        )
        self.size = (side, side)
        with self.canvas:
            Color(1, 1, 1, 1)
            self._rect = Rectangle(texture=texture, pos=self._pixel_pos(), size=(side, side))
        self.matrix = matrix

    def _pixel_pos(self):
        # Whole pixels: a module edge between two pixels would blur.
        return (round(self.x), round(self.y))

    def _place(self, *_args) -> None:
        if self.matrix is not None:
            self._rect.pos = self._pixel_pos()
