"""The fast paths of issue 12 (a first pull of 10k communities) give the same answers as the
simple code they replaced: folding, the depth check, and a page written in one go."""

import unicodedata

import pytest

from kiosk.search import fold
from sync.protocol import MAX_DEPTH, _depth


def simple_fold(text: str) -> str:
    """The rule, written plainly: lower case, marks stripped, letters without a mark to strip
    (Turkish ı, Polish ł) and the apostrophes as their plain letter."""
    plain = {"ı": "i", "ł": "l", "ʼ": "'", "’": "'"}
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(plain.get(c, c) for c in decomposed if not unicodedata.combining(c))


@pytest.mark.parametrize(
    "text",
    [
        "Coöperatie Café",
        "ÉCOLE",
        "plain ascii",
        "İstanbul",
        "Łódź",
        "Işık ışık",
        "мʼясо м’ясо м'ясо",
        "ﬁets",
        "مرحبا بك",
        "Ἀθῆναι",
        "",
    ],
)
def test_fold_is_unchanged(text):
    assert fold(text) == simple_fold(text)


def simple_depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max((simple_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((simple_depth(v) for v in value), default=0)
    return 1


@pytest.mark.parametrize(
    "value", [1, "x", [], {}, [1], {"a": [1, {"b": 2}]}, [[[]]], [[1, [2, [3]]], {"k": {}}]]
)
def test_depth_is_unchanged(value):
    assert _depth(value) == simple_depth(value)


def test_too_deep_is_still_too_deep():
    value: list = []
    for _ in range(MAX_DEPTH + 5):
        value = [value]
    assert _depth(value) > MAX_DEPTH


def test_a_page_with_new_changed_and_repeated_records(taxonomy_store, make_record):
    store = taxonomy_store
    store.upsert_communities([make_record("Moestuin Oost"), make_record("Koor Noord")])
    changed = make_record("Moestuin Oost", themes=["natuur"], pitch={"nl": "Groente kweken"})
    # One page: a changed record, a new one, and the new one twice (its last version wins).
    store.upsert_communities(
        [changed, make_record("Repair Café"), make_record("Repair Café", themes=["natuur"])]
    )
    assert store.community_count() == 3
    assert store.search("groente", seed="s") == [changed["id"]]
    assert set(store.community_ids(theme="natuur")) == {
        changed["id"],
        make_record("Repair Café")["id"],
    }
    assert store.community_ids(theme="eten") == [make_record("Koor Noord")["id"]]
    (rows,) = store.conn.execute("SELECT count(*) FROM community_words").fetchone()
    (trigrams,) = store.conn.execute("SELECT count(*) FROM community_trigrams").fetchone()
    assert rows == trigrams == 3
    assert store.search("repair", seed="s") == [make_record("Repair Café")["id"]]
