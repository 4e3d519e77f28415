"""The letters of the on-screen keyboard for each interface language, and which other
alphabets a visitor can switch to.

Every language starts with the keyboard its speakers know: Turkish Q, Polish (the Latin keys
with ą ć ę ł ń ó ś ź ż on a row of their own, as an on-screen keyboard has no AltGr),
Ukrainian ЙЦУКЕН and the standard Arabic layout (Arabic 101), keys in the places of a
physical keyboard. Dutch and English share the Latin one. A visitor can switch to the other
scripts the kiosk's languages are written in (someone reading the Dutch screens may want to
search for a Ukrainian word): one key per script, showing that script's first letters.

Rows hold at most 12 keys: 12 keys of 72 dp or more fit the portrait panel's width
(tests/test_keyboard.py checks every row on screen). Plain data, no Kivy: the glyph test
checks the font against these letters.
"""

from __future__ import annotations

from dataclasses import dataclass

DIGITS = "1234567890"
#: The widest row: 12 keys of 72 dp with their gaps are 960 dp, the panel is 1080 dp wide.
MAX_ROW_KEYS = 12

Row = str | tuple[str, ...]  # a string: one key per letter; a tuple: one key per item


@dataclass(frozen=True)
class Alphabet:
    name: str
    script: str  # ISO 15924: the switch keys offer one alphabet per script
    label: str  # what the key that switches to this alphabet shows, in its own script
    rows: tuple[Row, ...]  # under the digits, top to bottom, keys left to right

    def keys(self) -> list[str]:
        """Every key's text, row by row."""
        return [key for row in self.rows for key in row]


ALPHABETS = {
    a.name: a
    for a in (
        Alphabet("latin", "Latn", "ABC", ("qwertyuiop", "asdfghjkl", "zxcvbnm", "éëèïöüç")),
        Alphabet("turkish", "Latn", "ABC", ("qwertyuıopğü", "asdfghjklşi", "zxcvbnmöç")),
        Alphabet("polish", "Latn", "ABC", ("qwertyuiop", "asdfghjkl", "zxcvbnm", "ąćęłńóśźż")),
        # ґ and the apostrophe (м'ясо, сім'я) where the ЙЦУКЕН row has room for them. The
        # key types the plain apostrophe ('), which is how most Ukrainian text online has it.
        Alphabet("cyrillic", "Cyrl", "АБВ", ("йцукенгшщзхї", "фівапролджє", "ґячсмитьбю'")),
        # Arabic 101: ذ (left of the digits there) begins the third row; لا is one key there,
        # typing two letters; أ إ آ (shifted keys there) have a row of their own.
        Alphabet(
            "arabic",
            "Arab",
            "أبج",
            (
                "ضصثقفغعهخحجد",
                "شسيبلاتنمكط",
                ("ذ", "ئ", "ء", "ؤ", "ر", "لا", "ى", "ة", "و", "ز", "ظ"),
                "أإآ",
            ),
        ),
    )
}

#: The alphabet each interface language starts with.
LANGUAGE_ALPHABETS = {
    "nl": "latin",
    "en": "latin",
    "tr": "turkish",
    "pl": "polish",
    "uk": "cyrillic",
    "ar": "arabic",
}


def alphabet_for(lang: str) -> Alphabet:
    """The keyboard a visitor reading the screens in ``lang`` expects."""
    return ALPHABETS[LANGUAGE_ALPHABETS.get(lang, "latin")]


def switches(current: str, lang: str, languages: tuple[str, ...]) -> list[Alphabet]:
    """The alphabets the keyboard showing ``current`` offers a key for: one per other script
    that the kiosk's ``languages`` are written in, in the order of those languages. For a
    script, the alphabet of the interface language ``lang`` if it is written in it (back
    from Cyrillic to Turkish Q on a Turkish screen), else that of the first such language."""
    home = alphabet_for(lang)
    shown = ALPHABETS[current].script
    offered: dict[str, Alphabet] = {}
    for language in (lang, *languages):
        alphabet = alphabet_for(language)
        if alphabet.script == home.script:
            alphabet = home
        if alphabet.script != shown and alphabet.script not in offered:
            offered[alphabet.script] = alphabet
    order = [alphabet_for(language).script for language in languages]
    return sorted(offered.values(), key=lambda a: order.index(a.script) if a.script in order else 0)
