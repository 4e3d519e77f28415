"""Every character the interface shows exists in the bundled font: no empty boxes (tofu)."""

import re
from pathlib import Path

from babel.messages.pofile import read_po
from PIL import ImageFont

from kiosk.paths import FONT_BOLD, FONT_REGULAR, LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent


def interface_text() -> str:
    parts = []
    for po in LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        with po.open("rb") as f:
            for m in read_po(f):
                for value in (m.id, m.string):
                    parts.extend(value if isinstance(value, tuple) else [value])
    literal = re.compile(r"'([^'\n]*)'|\"([^\"\n]*)\"")
    for source in [
        *ROOT.glob("screens/**/*.kv"),
        *ROOT.glob("screens/**/*.py"),
        *ROOT.glob("kiosk/*.py"),
    ]:
        for single, double in literal.findall(source.read_text()):
            parts.append(single or double)
    parts.append((ROOT / "assets" / "demo" / "communities.json").read_text())
    parts.append((ROOT / "assets" / "demo" / "taxonomy.json").read_text())
    return "".join(parts)


def keyboard_text() -> str:
    """Every key of every alphabet of the on-screen keyboard, and its Arabic letters in every
    joined form the screen draws (initial, medial, final, the lam-alef ligatures)."""
    import arabic_reshaper

    from kiosk.keyboards import ALPHABETS

    keys = [key for alphabet in ALPHABETS.values() for key in [alphabet.label, *alphabet.keys()]]
    arabic = [k for k in ALPHABETS["arabic"].keys() if len(k) == 1]
    joined = [arabic_reshaper.reshape(f"ب{k}ب {k}ب ب{k} {k}") for k in arabic]
    joined += [arabic_reshaper.reshape(f"ب{k} {k}") for k in ("لا", "لأ", "لإ", "لآ")]
    return "".join(keys + joined)


def missing(font_path, text):
    font = ImageFont.truetype(str(font_path), 40)
    tofu = font.getmask("\uffff").getbbox()
    return sorted(c for c in set(text) if not c.isspace() and font.getmask(c).getbbox() == tofu)


def test_the_font_has_every_character_of_the_interface():
    text = interface_text()
    assert "Terug" in text and "Scan" in text
    assert missing(FONT_REGULAR, text) == []
    assert missing(FONT_BOLD, text) == []


def test_the_font_has_every_key_of_the_keyboard():
    text = keyboard_text()
    assert {"ґ", "ł", "ı", "\ufefb", "\ufefc"} <= set(text)  # ﻻ ﻼ: lam-alef, alone and joined
    assert missing(FONT_REGULAR, text) == []
    assert missing(FONT_BOLD, text) == []  # the keys are bold


def test_the_check_finds_a_missing_character():
    assert missing(FONT_REGULAR, "ok ✓") == ["✓"]
