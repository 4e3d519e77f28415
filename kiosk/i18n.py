"""Translations: every user-facing string goes through ``_()``.

Message ids are English; catalogues live in assets/locale/<lang>/LC_MESSAGES/ontmoet.po
(gettext, managed with Babel). An installed wheel reads the .mo compiled when it was built; a
checkout compiles the .po in memory, so an edited catalogue is never ignored. Dutch is the
kiosk's default language.
"""

from __future__ import annotations

import gettext
import io
from datetime import date

from kiosk.paths import FROM_WHEEL, LOCALE_DIR

DOMAIN = "ontmoet"
SOURCE_LANGUAGE = "en"
# Each language named in its own script: the language buttons show these, never flags.
LANGUAGE_NAMES = {
    "nl": "Nederlands",
    "en": "English",
    "tr": "Türkçe",
    "ar": "العربية",
    "pl": "Polski",
    "uk": "Українська",
}
RTL_LANGUAGES = frozenset({"ar"})  # written right to left: the screens are mirrored
# Dotted and dotless i are two letters: I/ı and İ/i. Python's str.lower() and upper() follow
# the Unicode default (I -> i, i -> I, and İ -> 'i' plus a combining dot).
DOTLESS_I_LANGUAGES = frozenset({"tr"})

_catalogues: dict[str, gettext.NullTranslations] = {}
_current = "nl"


def _load(lang: str) -> gettext.NullTranslations:
    if lang == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if FROM_WHEEL and mo.exists():
        with mo.open("rb") as compiled:  # compiled from this .po when the wheel was built
            return gettext.GNUTranslations(compiled)
    if not po.exists():
        raise LookupError(f"no translations for language {lang!r} in {folder}")
    # A checkout: the .po is the truth (an edit since './tasks i18n' counts), compiled in
    # memory (about 15 ms) and never written. Babel is loaded only here (30 ms of a start).
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalogue = read_po(source, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def translations(lang: str) -> gettext.NullTranslations:
    if lang not in _catalogues:
        _catalogues[lang] = _load(lang)
    return _catalogues[lang]


def set_language(lang: str) -> None:
    global _current
    translations(lang)  # fail here, not in the middle of drawing a screen
    _current = lang


def current_language() -> str:
    return _current


def is_rtl(lang: str | None = None) -> bool:
    """Is the interface (or ``lang``) written right to left?"""
    return (lang or _current) in RTL_LANGUAGES


def _(message: str) -> str:
    return translations(_current).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current).ngettext(singular, plural, n)


def lower(text: str, lang: str | None = None) -> str:
    """``text`` in lower case as ``lang`` (default: the interface's) writes it: in Turkish
    'IŞIK' -> 'ışık' and 'İZMİR' -> 'izmir'."""
    if (lang or _current) in DOTLESS_I_LANGUAGES:
        text = text.replace("I", "ı").replace("İ", "i")
    return text.lower()


def upper(text: str, lang: str | None = None) -> str:
    """``text`` in upper case as ``lang`` (default: the interface's) writes it: in Turkish
    'izmir' -> 'İZMİR' and 'ışık' -> 'IŞIK'."""
    if (lang or _current) in DOTLESS_I_LANGUAGES:
        text = text.replace("i", "İ")
    return text.upper()


def format_short_day(day: date, lang: str | None = None) -> str:
    """'ma 30 nov' / 'Mon 30 Nov'."""
    from babel.dates import format_date

    return format_date(day, "EEE d MMM", locale=lang or _current)
