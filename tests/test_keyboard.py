"""The on-screen keyboard types what the six languages need (issue 13): each language's own
alphabet when the keyboard appears, a key to every other script the kiosk's languages use,
keys still large enough, and words typed key by key that search finds."""

import pytest
from gui_helpers import screen, start, type_on
from kivy.metrics import dp

from kiosk import navigation as nav
from kiosk.keyboards import ALPHABETS, LANGUAGE_ALPHABETS, MAX_ROW_KEYS, alphabet_for, switches
from screens.widgets.rtl import shaped, visual

#: The letters of each language's alphabet a visitor must find on its keyboard.
NEEDED = {
    "nl": "abcdefghijklmnopqrstuvwxyzéëèïöüç",
    "en": "abcdefghijklmnopqrstuvwxyz",
    "tr": "abcçdefgğhıijklmnoöprsştuüvyz",
    "pl": "aąbcćdeęfghijklłmnńoóprsśtuwyzźż",
    "uk": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'",
    "ar": "ابتثجحخدذرزسشصضطظعغفقكلمنهويءأإآؤئىة",
}
ALL_LANGUAGES = ("nl", "en", "tr", "ar", "pl", "uk")


# -- the layouts, without the app ----------------------------------------------------------


@pytest.mark.parametrize("lang", ALL_LANGUAGES)
def test_every_letter_of_the_language_has_a_key(lang):
    keys = alphabet_for(lang).keys()
    assert set(NEEDED[lang]) <= set(keys)
    assert len(keys) == len(set(keys))  # no key twice


def test_ukrainian_and_arabic_have_their_whole_alphabets():
    assert len([k for k in alphabet_for("uk").keys() if k.isalpha()]) == 33
    arabic = alphabet_for("ar").keys()
    assert len([k for k in arabic if len(k) == 1]) >= 36  # 28 letters, hamza forms, ة ى
    assert "لا" in arabic  # one key, two letters, as on Arabic 101


def test_no_row_is_longer_than_fits():
    for alphabet in ALPHABETS.values():
        assert max(len(row) for row in alphabet.rows) <= MAX_ROW_KEYS, alphabet.name
    assert set(LANGUAGE_ALPHABETS.values()) == set(ALPHABETS)


def test_a_switch_key_for_each_other_script_of_the_kiosks_languages():
    every = ALL_LANGUAGES

    def offered(current, lang, languages=every):
        return [a.name for a in switches(current, lang, languages)]

    assert offered("latin", "nl") == ["arabic", "cyrillic"]  # in the order of the languages
    assert offered("cyrillic", "uk") == ["latin", "arabic"]
    assert offered("arabic", "ar") == ["latin", "cyrillic"]
    # Back from Cyrillic to the visitor's own Latin keyboard, not the Dutch one.
    assert offered("cyrillic", "tr") == ["turkish", "arabic"]
    assert offered("cyrillic", "pl") == ["polish", "arabic"]
    assert offered("latin", "nl", ("nl", "en")) == []  # one script: no switch key at all
    assert offered("latin", "nl", ("nl", "uk")) == ["cyrillic"]


# -- on the search screen ------------------------------------------------------------------


def open_search(kiosk, lang):
    app = kiosk.app
    start(kiosk)
    app.set_language(lang)
    kiosk.tap(screen(app, nav.HOME).ids.search_tile)
    assert app.current_screen == nav.SEARCH
    return screen(app, nav.SEARCH)


def small_keys(keyboard):
    return [(k.text, tuple(k.size)) for line in keyboard.children for k in line.children
            if min(k.size) < dp(72)]  # fmt: skip


def test_the_search_keyboard_has_the_languages_letters(kiosk):
    app = kiosk.app
    keyboard = open_search(kiosk, "nl").ids.keyboard
    for lang in ALL_LANGUAGES:
        app.set_language(lang)
        kiosk.pump(3)
        assert keyboard.alphabet == LANGUAGE_ALPHABETS[lang]
        assert set(NEEDED[lang]) <= set(keyboard.letters()), lang
        assert set("1234567890") <= set(keyboard.letters())
        assert small_keys(keyboard) == [], lang


def test_switching_alphabets_and_back(kiosk):
    search = open_search(kiosk, "tr")
    keyboard = search.ids.keyboard
    type_on(kiosk, keyboard, "çay ")
    kiosk.tap(keyboard.key_for("alphabet:cyrillic"))
    assert keyboard.alphabet == "cyrillic"
    assert set(NEEDED["uk"]) <= set(keyboard.letters())
    assert keyboard.key_for("alphabet:turkish").text == "ABC"  # the way back, labelled
    assert keyboard.key_for("alphabet:arabic").text == "أبج"
    type_on(kiosk, keyboard, "кава")
    kiosk.tap(keyboard.key_for("alphabet:turkish"))
    assert keyboard.alphabet == "turkish"
    assert search.query == "çay кава"  # switching types nothing and keeps the text


def test_a_new_visitor_gets_the_languages_alphabet_again(kiosk):
    app = kiosk.app
    keyboard = open_search(kiosk, "nl").ids.keyboard
    kiosk.tap(keyboard.key_for("alphabet:arabic"))
    assert keyboard.alphabet == "arabic"
    app.end_session()
    app.start_session()
    kiosk.pump(2)
    assert keyboard.alphabet == "latin"
    app.set_language("uk")
    kiosk.pump(2)
    assert keyboard.alphabet == "cyrillic"


def test_the_special_keys_speak_the_new_language(kiosk):
    app = kiosk.app
    keyboard = open_search(kiosk, "nl").ids.keyboard
    assert keyboard.key_for("space").text == "spatie"
    app.set_language("en")
    kiosk.pump(2)
    assert keyboard.key_for("space").text == "space"


@pytest.mark.parametrize("lang", ["uk", "ar"])
def test_keys_stay_large_enough_in_landscape_low_reach_and_large_text(make_kiosk, lang):
    from kivy.core.window import Window

    kiosk = make_kiosk()
    app = kiosk.app
    keyboard = open_search(kiosk, lang).ids.keyboard
    app.set_mode("large_text", True)
    app.set_mode("low_reach", True)
    kiosk.pump(5)
    assert small_keys(keyboard) == []
    size = Window.size
    try:
        Window.size = (1920, 1080)
        kiosk.pump(10)
        assert keyboard.width < 1200  # beside the results
        assert small_keys(keyboard) == []
    finally:
        Window.size = size
        kiosk.pump(5)


# -- typing words that search finds --------------------------------------------------------


def add_community(app, make_record, name, **pitch):
    record = make_record(name, pitch={"nl": f"{name}: samen doen", **pitch})
    app.store.upsert_communities([record])
    return record["id"]


def found_after_typing(kiosk, search, word):
    keyboard = search.ids.keyboard
    kiosk.tap(keyboard.key_for("clear"))
    type_on(kiosk, keyboard, word)
    assert search.query == word
    return [row["community_id"] for row in search.ids.results_view.data]


def test_a_ukrainian_word_typed_key_by_key_finds_the_community(kiosk, make_record):
    wanted = add_community(kiosk.app, make_record, "Koor Zorya", uk="Співаємо українські пісні")
    search = open_search(kiosk, "uk")
    assert wanted in found_after_typing(kiosk, search, "пісні")
    assert wanted in found_after_typing(kiosk, search, "співаємо")


def test_ukrainian_apostrophe_typed_on_the_keyboard(kiosk):
    search = open_search(kiosk, "uk")
    found = found_after_typing(kiosk, search, "в'яжемо")  # the demo's knitting club
    assert "Breiclub Steek voor Steek" in [row["name"] for row in search.ids.results_view.data]
    assert found


def test_a_ukrainian_word_with_apostrophe_and_yi_finds_the_community(kiosk, make_record):
    wanted = add_community(kiosk.app, make_record, "Simejne kafe", uk="Сім'ї з дітьми разом")
    search = open_search(kiosk, "uk")
    assert wanted in found_after_typing(kiosk, search, "сім'ї")


def test_a_ukrainian_word_with_yi_finds_the_community(kiosk, make_record):
    wanted = add_community(kiosk.app, make_record, "Obid", uk="Разом їмо й готуємо")
    search = open_search(kiosk, "uk")
    assert wanted in found_after_typing(kiosk, search, "їмо")
    assert wanted in found_after_typing(kiosk, search, "готуємо")


def test_a_polish_word_with_l_stroke_finds_the_community(kiosk, make_record):
    wanted = add_community(kiosk.app, make_record, "Chór Sąsiedzi", pl="Śpiewamy małe i duże głosy")
    search = open_search(kiosk, "pl")
    assert wanted in found_after_typing(kiosk, search, "głosy")
    assert wanted in found_after_typing(kiosk, search, "małe")


def test_turkish_letters_typed_on_the_keyboard_find_the_community(kiosk, make_record):
    wanted = add_community(kiosk.app, make_record, "Atölye Renk", tr="Akşamları ışık ve boya")
    search = open_search(kiosk, "tr")
    assert wanted in found_after_typing(kiosk, search, "ışık")
    assert wanted in found_after_typing(kiosk, search, "akşam")


def test_turkish_capital_dotless_i_is_found_from_the_lower_case_keyboard(kiosk, make_record):
    wanted = add_community(kiosk.app, make_record, "Işık Atölyesi", tr="Işık Atölyesi'nde resim")
    search = open_search(kiosk, "tr")
    assert wanted in found_after_typing(kiosk, search, "ışık")


def test_turkish_capital_dotted_i_is_found_from_the_lower_case_keyboard(kiosk, make_record):
    wanted = add_community(kiosk.app, make_record, "İzmir Evi", tr="İzmirliler buluşuyor")
    search = open_search(kiosk, "tr")
    assert wanted in found_after_typing(kiosk, search, "izmir")


# -- Arabic --------------------------------------------------------------------------------


def test_arabic_is_typed_in_order_and_shown_right_to_left(kiosk):
    search = open_search(kiosk, "ar")
    keyboard = search.ids.keyboard
    # Keys stay where they are on Arabic 101: ض top left, also on the mirrored screen.
    assert keyboard.key_for("ض").x < keyboard.key_for("ص").x < keyboard.key_for("د").x
    type_on(kiosk, keyboard, "قهوة")
    assert search.query == "قهوة"  # logical order: the first letter typed comes first
    label = search.ids.query_label
    drawn = visual(label.text)
    assert drawn.startswith("|")  # the end of the text, where typing goes on, is on the left
    assert drawn[1:] == visual("قهوة")
    assert drawn[-1] == shaped("قهوة")[0]  # the first letter typed, ق, on the right
    kiosk.pump(2)
    pixels, (width, height) = label.texture.pixels, label.texture.size
    inked = [x for x in range(width) if any(pixels[(y * width + x) * 4 + 3] for y in range(height))]
    assert inked[-1] > width * 0.8  # flush right on the Arabic screen
    assert [row["name"] for row in search.ids.results_view.data]  # قهوة is in the demo
