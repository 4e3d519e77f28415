"""A picture for every community, generated offline from its name: calm colours, a few soft
shapes and its initials. Used where a community has no photo of its own (and for the demo)."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from kiosk.i18n import SOURCE_LANGUAGE, upper
from kiosk.paths import FONT_BOLD

SIZE = (640, 400)
# Muted, warm colours that keep white initials readable (contrast >= 4.5:1 against white).
PALETTE = [
    (31, 94, 110),
    (122, 62, 101),
    (46, 104, 62),
    (150, 70, 40),
    (60, 72, 140),
    (110, 84, 30),
    (132, 50, 60),
    (28, 100, 96),
    (88, 60, 130),
    (70, 90, 40),
]


# Letters only Turkish writes (of the kiosk's languages): a name with one is Turkish.
_TURKISH_LETTERS = frozenset("ıİğĞşŞ")


def initials(name: str) -> str:
    """'Buurtmoestuin De Hoven' -> 'BH'. The name's language is not known: one with a
    Turkish letter is upper-cased the Turkish way ('ilk ışık' -> 'İI')."""
    skip = {"de", "het", "een", "van", "en", "in", "op", "der", "den", "'t", "&"}
    parts = [p for p in name.replace("-", " ").split() if p.lower() not in skip]
    letters = "".join(p[0] for p in parts[:2] if p[0].isalnum())
    lang = "tr" if _TURKISH_LETTERS.intersection(name) else SOURCE_LANGUAGE
    return upper(letters or name[:1], lang)


def render_picture(community_id: str, name: str) -> Image.Image:
    rng = random.Random(hashlib.sha256(community_id.encode()).digest())
    base = rng.choice(PALETTE)
    image = Image.new("RGB", SIZE, base)
    draw = ImageDraw.Draw(image, "RGBA")
    for _ in range(rng.randint(3, 6)):
        radius = rng.randint(60, 220)
        x, y = rng.randint(-60, SIZE[0] + 60), rng.randint(-60, SIZE[1] + 60)
        shade = rng.choice([(255, 255, 255, 28), (0, 0, 0, 30), (255, 230, 180, 36)])
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=shade)
    font = ImageFont.truetype(str(FONT_BOLD), 150)
    text = initials(name)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    position = ((SIZE[0] - (right - left)) / 2 - left, (SIZE[1] - (bottom - top)) / 2 - top)
    draw.text(position, text, font=font, fill=(255, 255, 255, 240))
    return image


def write_picture(folder: Path, community_id: str, name: str) -> str:
    """Write the picture as PNG into ``folder``; returns its file name."""
    folder.mkdir(parents=True, exist_ok=True)
    file_name = f"{community_id}.png"
    render_picture(community_id, name).save(folder / file_name, optimize=True)
    return file_name
