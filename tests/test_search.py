import pytest

from kiosk.search import fold, search, typo_pieces, words


@pytest.fixture
def searchable(taxonomy_store, make_record):
    records = {
        "cafe": make_record("Repair Café De Linde", themes=["eten"]),
        "coop": make_record("Zorgcoöperatie Esveld", neighbourhood="esveld", themes=["eten"]),
        "garden": make_record(
            "Buurtmoestuin De Hoven", themes=["natuur"], pitch={"nl": "Groente kweken met de buren"}
        ),
        "garden2": make_record(
            "Pluktuin Esveld",
            themes=["natuur"],
            neighbourhood="esveld",
            pitch={"nl": "Bloemen plukken"},
        ),
        "chess": make_record(
            "Schaakclub Het Paard",
            themes=["eten"],
            story={"nl": "Wij schaken op donderdag.", "en": "We play chess."},
        ),
    }
    taxonomy_store.upsert_communities(records.values())
    ids = {key: r["id"] for key, r in records.items()}
    return taxonomy_store, ids


def test_fold_removes_diacritics_and_case():
    assert fold("Coöperatie CAFÉ Ærø") == "cooperatie cafe ærø"
    assert words("  Repair-Café, 't Anker!") == ["repair", "cafe", "t", "anker"]


@pytest.mark.parametrize("query", ["café", "cafe", "CAFE", "Repair caf", "rep"])
def test_diacritics_and_prefixes(searchable, query):
    store, ids = searchable
    assert ids["cafe"] in store.search(query, seed="s")


@pytest.mark.parametrize("query", ["coöperatie", "cooperatie", "zorgcoop"])
def test_cooperatie_with_and_without_diaeresis(searchable, query):
    store, ids = searchable
    assert ids["coop"] in store.search(query, seed="s")


def test_inside_dutch_compounds(searchable):
    store, ids = searchable
    assert store.search("moestuin", seed="s") == [ids["garden"]]


@pytest.mark.parametrize(
    "typo, key", [("moestin", "garden"), ("moestuun", "garden"), ("schaakclb", "chess")]
)
def test_small_typos_still_find(searchable, typo, key):
    store, ids = searchable
    assert store.search(typo, seed="s") == [ids[key]]


def test_typos_do_not_match_everything(searchable):
    store, _ids = searchable
    assert store.search("xylofoon", seed="s") == []


def test_story_and_english_text_are_searched(searchable):
    store, ids = searchable
    assert store.search("chess", seed="s") == [ids["chess"]]
    assert store.search("donderdag", seed="s") == [ids["chess"]]


def test_theme_and_neighbourhood_labels_are_searched(searchable):
    store, ids = searchable
    assert set(store.search("tuinieren", seed="s")) == {ids["garden"], ids["garden2"]}
    assert store.search("town centre", seed="s")  # the English label of 'centrum'


def test_filters_combine_with_text(searchable):
    store, ids = searchable
    assert set(store.search("tuin", seed="s", theme="natuur")) == {ids["garden"], ids["garden2"]}
    assert store.search("tuin", seed="s", theme="natuur", neighbourhood="esveld") == [
        ids["garden2"]
    ]
    assert store.search("tuin", seed="s", theme="eten") == []


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "AND",
        "OR NOT",
        "*",
        "NEAR(a b)",
        "a:b",
        "'; DROP TABLE communities; --",
        "^",
        "-",
        "   ",
        "",
        "é" * 300,
    ],
)
def test_fts_syntax_in_the_query_is_just_text(searchable, query):
    store, _ids = searchable
    assert isinstance(store.search(query, seed="s"), list)
    assert store.community_count() == 5


def test_order_within_a_tier_is_the_sessions_fair_order(searchable):
    store, ids = searchable
    orders = {tuple(store.search("tuin", seed=f"visitor-{n}")) for n in range(20)}
    assert len(orders) == 2  # both gardens, in both orders, depending on the visitor
    assert store.search("tuin", seed="x") == store.search("tuin", seed="x")


def test_word_matches_rank_before_substring_matches(searchable, make_record):
    store, ids = searchable
    compound = make_record("Volkstuinvereniging", themes=["eten"])  # "tuin" only inside
    store.upsert_communities([compound])
    for n in range(10):
        found = search(store.conn, "tuin", seed=f"s{n}")
        # garden2 matches a word ("Tuinieren", its theme); the compound only a substring.
        assert found.index(compound["id"]) > found.index(ids["garden2"])


@pytest.mark.parametrize("word", ["moestuin", "schaakclub", "coöperatie", "репаіркафе", "kadın"])
def test_one_typo_leaves_a_piece_of_the_typed_word_whole(word):
    # The typo tier reads only rows holding a piece of what was typed (kiosk.search.typo_pieces):
    # for every single wrong, missing or extra letter, a piece must still be in the real word.
    word = fold(word)
    letters = "aeioukz"
    typos = {word[:i] + word[i + 1 :] for i in range(len(word))}
    typos |= {word[:i] + c + word[i + 1 :] for i in range(len(word)) for c in letters}
    typos |= {word[:i] + c + word[i:] for i in range(len(word) + 1) for c in letters}
    for typo in (t for t in typos if len(t) >= 6):
        assert any(piece in word for piece in typo_pieces(typo)), typo


@pytest.mark.parametrize(
    "name, pitch, typed",
    [
        ("Işık Atölyesi", {"tr": "Birlikte ışık ve renk"}, "ışık"),
        ("Işık Atölyesi", {"tr": "Birlikte ışık ve renk"}, "IŞIK"),
        ("Işık Atölyesi", {"tr": "Birlikte ışık ve renk"}, "isik"),
        ("İstiklal Bahçesi", {"tr": "Bahçede buluşuyoruz"}, "istiklal"),
        ("Klub Łódź", {"pl": "Spotykamy się przy herbacie"}, "lodz"),
        ("Klub Łódź", {"pl": "Spotykamy się przy herbacie"}, "Łódź"),
        ("Ремонт-кафе", {"uk": "Ремонтуємо речі разом"}, "ремонтуємо"),
        ("Ремонт-кафе", {"uk": "Ремонтуємо речі разом"}, "РЕМОНТ"),
        ("Українська їдальня", {"uk": "Їжа для всіх"}, "їжа"),
        ("Кухня разом", {"uk": "Готуємо мʼясо і борщ"}, "м'ясо"),  # ʼ written, ' typed
        ("Кухня разом", {"uk": "Готуємо м’ясо і борщ"}, "м'ясо"),
        ("مقهى الإصلاح", {"ar": "نصلح الأشياء معا"}, "الاصلاح"),
        ("مقهى الإصلاح", {"ar": "نصلح الأشياء معا"}, "نصلح"),
    ],
)
def test_words_in_every_script_are_found(taxonomy_store, make_record, name, pitch, typed):
    # Searched as the kiosk's keyboards type them: any case, with or without the marks.
    record = make_record(name, themes=["eten"], pitch={"nl": "Kom langs", **pitch})
    other = make_record("Schaakclub Het Paard", themes=["eten"])
    taxonomy_store.upsert_communities([record, other])
    assert taxonomy_store.search(typed, seed="s") == [record["id"]]
