"""Every user-facing string has a Dutch translation, and the kiosk speaks Dutch by default."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from kiosk import i18n
from kiosk.paths import LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent
METHOD_MAP = [("kiosk/**.py", "python"), ("screens/**.py", "python"), ("screens/**.kv", "python")]
KEYWORDS = {"_": None, "ngettext": (1, 2)}


def source_messages():
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHOD_MAP, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_extraction_finds_the_kv_strings_too():
    messages = source_messages()
    assert "Touch the screen to begin" in messages  # from attract.kv
    assert "All groups" in messages  # from Python and kv


@pytest.mark.parametrize("lang", ["nl"])
def test_every_message_is_translated(lang):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "ontmoet.po").open("rb") as po:
        catalogue = read_po(po, locale=lang)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalogue
        # A fuzzy entry is a guess that gettext does not use: it counts as missing.
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(source_messages() - translated)
    assert not missing, f"not translated into {lang} (run ./tasks i18n): {missing}"


def test_translation_follows_the_language_switch():
    try:
        i18n.set_language("nl")
        assert i18n._("Back") == "Terug"
        i18n.set_language("en")
        assert i18n._("Back") == "Back"
        assert i18n.ngettext("{n} group", "{n} groups", 2) == "{n} groups"
    finally:
        i18n.set_language("nl")


def test_dates_in_the_visitors_language():
    from datetime import date

    assert i18n.format_short_day(date(2026, 12, 3), "nl") == "do 3 dec"
    assert i18n.format_short_day(date(2026, 12, 3), "en") == "Thu 3 Dec"


def test_an_unknown_language_is_refused_before_it_is_used():
    with pytest.raises(LookupError):
        i18n.set_language("xx")
    assert i18n.current_language() in ("nl", "en")
