"""Every user-facing string, the kiosk's and the hub's, is translated into every language the
kiosk offers, with the same placeholders; the kiosk speaks Dutch by default."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from kiosk import i18n
from kiosk.config import SUPPORTED_LANGUAGES
from kiosk.paths import LOCALE_DIR

TRANSLATED = [lang for lang in SUPPORTED_LANGUAGES if lang != i18n.SOURCE_LANGUAGE]

ROOT = Path(__file__).resolve().parent.parent
# As babel.cfg: the kiosk, its kv files, the hub's Python and the hub's templates (Jinja2's
# extractor reads _() and {% trans %}).
METHOD_MAP = [
    ("kiosk/**.py", "python"),
    ("screens/**.py", "python"),
    ("screens/**.kv", "python"),
    ("sync/**.py", "python"),
    ("sync/hub/templates/**.html", "jinja2"),
]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{\w*\}|%\(\w+\)s")


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


def test_extraction_finds_the_hubs_strings_too():
    messages = source_messages()
    assert "Withdraw consent and erase" in messages  # _() in a template
    assert "Looking for someone to lead it" in messages  # N_() in sync/hub/words.py
    assert "Sending failed:" in messages  # _() in a desk handler
    assert "Someone would like to meet {community}" in messages  # a group's e-mail


def test_the_babel_config_extracts_what_the_tests_check():
    config = (ROOT / "babel.cfg").read_text()
    for pattern, method in METHOD_MAP:
        assert f"[{method}: {pattern}]" in config


def catalogue(lang):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "ontmoet.po").open("rb") as po:
        return read_po(po, locale=lang)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated(lang):
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalogue(lang)
        # A fuzzy entry is a guess that gettext does not use: it counts as missing.
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(source_messages() - translated)
    assert not missing, f"not translated into {lang} (run ./tasks i18n): {missing}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_every_placeholder(lang):
    wrong = []
    for m in catalogue(lang):
        if not m.id:
            continue
        source = m.id if isinstance(m.id, str) else m.id[0]
        wanted = sorted(PLACEHOLDER.findall(source))
        for text in m.string if isinstance(m.string, tuple) else (m.string,):
            if sorted(PLACEHOLDER.findall(text)) != wanted:
                wrong.append((source, text))
    assert not wrong


def test_every_supported_language_is_named_in_its_own_script():
    assert set(i18n.LANGUAGE_NAMES) == set(SUPPORTED_LANGUAGES)
    for lang in SUPPORTED_LANGUAGES:
        i18n.set_language(lang)  # a catalogue that does not load fails here
    i18n.set_language("nl")
    assert i18n.LANGUAGE_NAMES["ar"] == "العربية" and i18n.LANGUAGE_NAMES["uk"] == "Українська"


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
