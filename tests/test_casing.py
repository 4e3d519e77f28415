"""Upper and lower case as the language writes it (issue 13): Turkish has two letters i, dotted
and dotless (I/ı, İ/i), where Python's default casing knows one."""

import pytest

from kiosk import i18n
from kiosk.i18n import lower, upper
from kiosk.matching import match
from kiosk.models import Term
from kiosk.pictures import initials


@pytest.mark.parametrize(
    "text, lang, lowered",
    [
        ("IŞIK", "tr", "ışık"),
        ("İZMİR", "tr", "izmir"),
        ("Işık ve İyilik", "tr", "ışık ve iyilik"),
        ("IJSCLUB", "nl", "ijsclub"),
        ("ŁÓDŹ", "pl", "łódź"),
        ("КИЇВ", "uk", "київ"),
        ("ISTANBUL", "en", "istanbul"),
    ],
)
def test_lower_case_in_the_language(text, lang, lowered):
    assert lower(text, lang) == lowered


@pytest.mark.parametrize(
    "text, lang, uppered",
    [
        ("izmir", "tr", "İZMİR"),
        ("ışık", "tr", "IŞIK"),
        ("iyi akşamlar", "tr", "İYİ AKŞAMLAR"),
        ("ijsclub", "nl", "IJSCLUB"),
        ("łódź", "pl", "ŁÓDŹ"),
        ("київ", "uk", "КИЇВ"),
    ],
)
def test_upper_case_in_the_language(text, lang, uppered):
    assert upper(text, lang) == uppered


def test_round_trip_keeps_the_turkish_letter():
    for word in ("ışık", "izmir", "İzmir", "Işık"):
        assert lower(upper(word, "tr"), "tr") == lower(word, "tr")
    assert len(lower("İSTANBUL", "tr")) == len("İSTANBUL")  # no stray combining dot


def test_the_interface_language_is_the_default():
    try:
        i18n.set_language("tr")
        assert lower("IRMAK") == "ırmak" and upper("irmak") == "İRMAK"
    finally:
        i18n.set_language("nl")
    assert lower("IRMAK") == "irmak"


def test_a_match_reason_lowers_a_turkish_label_the_turkish_way(taxonomy_store, make_record):
    store = taxonomy_store
    store.replace_taxonomies(
        [Term("eten", {"nl": "Samen eten", "tr": "İyi Yemek"})],
        [Term("centrum", {"nl": "Centrum"})],
        [Term("koken", {"nl": "Koken", "tr": "Işıklı Mutfak"}, "hands")],
    )
    gift = make_record("Kookploeg", themes=["eten"], gifts_welcome=["koken"])
    theme = make_record("Eettafel", themes=["eten"], gifts_welcome=[])
    store.upsert_communities([gift, theme])
    communities = store.communities(store.community_ids())
    try:
        i18n.set_language("tr")
        found = match(communities, {"eten"}, {"koken"}, None, store.terms(), "s", "tr")
    finally:
        i18n.set_language("nl")
    reasons = {m.community.name: m.reason.split("\n")[0] for m in found}
    assert reasons["Kookploeg"].endswith(": ışıklı mutfak")
    assert reasons["Eettafel"].endswith(": iyi yemek")  # not 'i̇yi', with a combining dot


@pytest.mark.parametrize(
    "name, letters",
    [
        ("Buurtmoestuin De Hoven", "BH"),
        ("ijsclub de Linde", "IL"),
        ("iyi komşular", "İK"),  # Turkish: its capital i has a dot
        ("ılık ışık", "II"),
        ("Kahve & Koffie De Hoven", "KK"),
    ],
)
def test_initials_of_a_name(name, letters):
    assert initials(name) == letters
