"""QR codes: what they point to, and the module grid the screen draws (without Kivy).

A QR code never carries personal data: it is a short https address on the hub (or the join
link a community chose to publish). Error correction M survives a smudged screen; the quiet
zone of 4 modules is what phone cameras need to find the code.
"""

from __future__ import annotations

from dataclasses import dataclass

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from kiosk.models import Community

QUIET_ZONE = 4


def community_url(community: Community, public_url: str, lang: str | None = None) -> str:
    """The community's own join link where it published one, else its page on the hub, in
    the visitor's language (``?lang=``: the phone opens it in the kiosk's language, whatever
    the phone's own settings)."""
    if community.join_url:
        return community.join_url
    page = f"{public_url.rstrip('/')}/c/{community.id}"
    return f"{page}?lang={lang}" if lang else page


def take_home_url(public_url: str, token: str) -> str:
    """A visitor's take-home list on the hub (the token is in the code and nowhere else)."""
    return f"{public_url.rstrip('/')}/m/{token}"


def receipt_url(public_url: str, token: str, lang: str | None = None) -> str:
    """A visitor's receipt: shows and withdraws their consent to be contacted, from home; in
    the visitor's language (``?lang=``: a contact request's record does not carry it)."""
    page = f"{public_url.rstrip('/')}/w/{token}"
    return f"{page}?lang={lang}" if lang else page


def signup_url(public_url: str, lang: str | None = None) -> str:
    """The hub's page where a group signs itself up ('Is your group not here?')."""
    page = f"{public_url.rstrip('/')}/join"
    return f"{page}?lang={lang}" if lang else page


@dataclass(frozen=True)
class QrMatrix:
    """The modules of a QR code, quiet zone included; ``rows[0]`` is the top row."""

    data: str
    rows: tuple[tuple[bool, ...], ...]

    @property
    def size(self) -> int:
        return len(self.rows)

    def rgba_bytes(self, module_px: int, flip_vertical: bool = False) -> bytes:
        """Pixels as RGBA bytes, ``module_px`` pixels per module: black on white.

        ``flip_vertical`` gives the bottom row first, as an OpenGL texture expects.
        """
        black, white = b"\x00\x00\x00\xff" * module_px, b"\xff\xff\xff\xff" * module_px
        lines = []
        for row in reversed(self.rows) if flip_vertical else self.rows:
            line = b"".join(black if dark else white for dark in row)
            lines.extend([line] * module_px)
        return b"".join(lines)


def make_matrix(data: str) -> QrMatrix:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(data)
    code.make(fit=True)
    return QrMatrix(data, tuple(tuple(row) for row in code.get_matrix()))
