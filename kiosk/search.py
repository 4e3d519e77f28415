"""Search as you type over the communities, forgiving of accents, compounds and small typos.

Three passes, each only when the one before found too little, and results in tiers:

1. words: FTS5 (unicode61, diacritics removed) with every query word as a prefix, over the
   name, pitch, story, theme and neighbourhood labels in all languages. 'cafe' finds 'Café',
   'coop' finds 'coöperatie'.
2. substrings: a trigram index of the folded name and pitch, so that 'moestuin' finds
   'Buurtmoestuin' (Dutch glues words together; a word index cannot see inside them).
3. typos: rows holding a whole half of the longest word (one typo leaves one half intact) are
   candidates that rapidfuzz then checks word by word; 'moestin' finds 'moestuin'.

Within a tier the order is the session's fair order (kiosk.fair_order), never popularity.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

from kiosk.fair_order import fair_key, fair_sorted

# Enough to fill the first screens; the visitor refines the query for more.
MAX_RESULTS = 200
TYPO_CANDIDATES = 120  # rows read per piece of the word (typo_pieces)
TYPO_SCORE = 80  # rapidfuzz ratio (0-100) for a word to count as a near miss
_WORD = re.compile(r"\w+")


class _StripCombining(dict):
    """A str.translate table that drops combining marks, filled as characters turn up (the
    characters of a town's texts are few; the table stays small)."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_STRIP_COMBINING = _StripCombining()
# Letters with no decomposition to strip: Turkish has a dotless ı beside i (casefolding maps
# I to i and İ to i plus a dot that is stripped above, but leaves ı), and Polish ł is not an l
# with a mark to Unicode. Folded, 'ışık', 'Işık' and 'isik' meet, as 'Łódź' and 'lodz' do.
# Ukrainian writes its apostrophe three ways (ʼ is a letter to Unicode, ’ and ' are not): one.
_STRIP_COMBINING.update({ord("ı"): ord("i"), ord("ł"): ord("l"), ord("ʼ"): "'", ord("’"): "'"})


def fold(text: str) -> str:
    """Lower case without diacritics, in every script: 'Coöperatie Café' -> 'cooperatie cafe',
    'Işık' -> 'isik', 'Її' -> 'іі'. The indexed texts are folded the same way (index_texts),
    so the word index meets the query whatever its tokenizer knows of a script."""
    if text.isascii():
        return text.casefold()
    # translate with a table, not a per-character generator: indexing 10k records folds
    # millions of characters, and the generator was most of a first pull's Python time.
    return unicodedata.normalize("NFKD", text.casefold()).translate(_STRIP_COMBINING)


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


@lru_cache(maxsize=4096)
def _folded_label(label: str) -> str:
    return fold(label)  # the same few labels on thousands of records: folded once


def index_texts(record: dict, labels: dict[str, Iterable[str]]) -> tuple[str, str, str]:
    """The (name, body, trigram text) to index for a community record, folded (fold()).

    ``labels`` maps a theme or neighbourhood slug to its labels in every language.
    """

    def all_languages(texts: dict[str, str]) -> list[str]:
        # Each text folded on its own: Dutch and English take fold()'s ASCII path.
        return [fold(t) for t in texts.values() if t]

    tag_labels = [
        _folded_label(label)
        for slug in (*record["themes"], record.get("neighbourhood") or "")
        for label in labels.get(slug, ())
    ]
    name, pitch = fold(record["name"]), all_languages(record["pitch"])
    body = " ".join([*pitch, *all_languages(record["story"]), *tag_labels])
    # Not the labels: the same few phrases in six languages on every row were two thirds of
    # this text, and of the time a first pull spends indexing; words find them (the body).
    return name, body, " ".join([name, *pitch])


def _prefix_query(terms: Sequence[str], column: str | None = None) -> str:
    # Quote each term: the visitor's text must never be read as FTS5 syntax.
    query = " ".join(f'"{t}"*' for t in terms)
    return f"{column} : ({query})" if column else query


def _phrase_query(terms: Sequence[str]) -> str:
    return " ".join(f'"{t}"' for t in terms)


def _filter_sql(theme: str | None, neighbourhood: str | None) -> tuple[str, list]:
    clauses, params = [], []
    if theme:
        clauses.append(
            "m.community_id IN (SELECT community_id FROM community_themes WHERE theme = ?)"
        )
        params.append(theme)
    if neighbourhood:
        clauses.append("m.community_id IN (SELECT id FROM communities WHERE neighbourhood = ?)")
        params.append(neighbourhood)
    return "".join(f" AND {c}" for c in clauses), params


def _pivot(conn: sqlite3.Connection, seed: str) -> int:
    """Where this session's window over the index starts (see _window)."""
    top = conn.execute("SELECT max(num) FROM communities").fetchone()[0] or 0
    return int.from_bytes(fair_key(seed, "search-pivot"), "big") % (top + 1)


def _window(
    conn: sqlite3.Connection,
    table: str,
    match: str,
    theme: str | None,
    neighbourhood: str | None,
    limit: int,
    pivot: int,
    columns: str = "m.community_id",
) -> list[tuple]:
    """Up to ``limit`` matching rows, read from the session's pivot onwards, wrapping around.

    No ranking by relevance score inside a tier: the tier decides relevance, fair order the
    rest. Reading from a per-session pivot keeps the work bounded when thousands match ('k'),
    while every community is as likely as any other to be among the first ``limit``.
    """
    where, params = _filter_sql(theme, neighbourhood)
    sql = f"SELECT {columns} FROM {table} AS m WHERE {table} MATCH ? AND m.rowid {{}} ?{where}"
    found = conn.execute(sql.format(">=") + " LIMIT ?", [match, pivot, *params, limit]).fetchall()
    if len(found) < limit:
        found += conn.execute(
            sql.format("<") + " LIMIT ?", [match, pivot, *params, limit - len(found)]
        ).fetchall()
    return found


def typo_pieces(term: str) -> list[str]:
    """Parts of ``term`` of which at least one is still whole after one typo in it: its two
    halves (a wrong, missing or extra letter falls in one half, or between them), each at
    least a trigram long; a word too short for that gives its first and last three letters."""
    cut = (len(term) + 1) // 2
    halves = [term[:cut], term[cut:]]
    if all(len(half) >= 3 for half in halves):
        return halves
    return list(dict.fromkeys([term[:3], term[-3:]]))


def _typo_matches(
    conn: sqlite3.Connection,
    terms: Sequence[str],
    theme: str | None,
    neighbourhood: str | None,
    pivot: int,
) -> list[str]:
    """Communities whose words are near every word typed (of four letters or more).

    Candidates hold a whole piece of the longest word (typo_pieces), read per piece from the
    session's window like the other tiers: a bounded read at any size. (An OR of all the
    word's trigrams ordered by rank scored every row sharing a common trigram: 25-45 ms at
    10k communities, up to 700 ms at 100k.) rapidfuzz then scores each distinct word of the
    candidates once (they share most of their words).
    """
    long_terms = [t for t in terms if len(t) >= 4]
    if not long_terms:
        return []
    # Loaded with the first typo, not at every start: 4 MB a kiosk at rest does not need.
    from rapidfuzz import fuzz, process

    longest = max(long_terms, key=len)
    rows: dict[str, str] = {}
    for piece in typo_pieces(longest):
        window = _window(
            conn,
            "community_trigrams",
            f'"{piece}"',
            theme,
            neighbourhood,
            TYPO_CANDIDATES,
            pivot,
            columns="m.community_id, m.text",
        )
        rows.update(window)
    # Each distinct word of the candidates is scored once, in rapidfuzz's own loop; then a
    # row is kept when it holds a near word for every word typed (a regex, not a Python loop).
    distinct = set(_WORD.findall(" ".join(rows.values())))
    holds_near_word = []
    for term in long_terms:
        longer = [w for w in distinct if len(w) > len(term)]
        others = [w for w in distinct if len(w) <= len(term)]
        near = [
            word
            for words_of_length, scorer in ((longer, fuzz.partial_ratio), (others, fuzz.ratio))
            for word, _score, _index in process.extract(
                term, words_of_length, scorer=scorer, score_cutoff=TYPO_SCORE, limit=None
            )
        ]
        if not near:
            return []
        holds_near_word.append(re.compile(r"\b(?:" + "|".join(map(re.escape, near)) + r")\b"))
    return [cid for cid, text in rows.items() if all(p.search(text) for p in holds_near_word)]


def search(
    conn: sqlite3.Connection,
    query: str,
    seed: str,
    theme: str | None = None,
    neighbourhood: str | None = None,
    limit: int = MAX_RESULTS,
) -> list[str]:
    """Community ids for ``query``, best tier first, fair order within a tier."""
    terms = words(query)
    if not terms:
        return []
    pivot = _pivot(conn, seed)

    def matches(table: str, match: str) -> list[str]:
        return [row[0] for row in _window(conn, table, match, theme, neighbourhood, limit, pivot)]

    # Tier 1: every word starts a word of the name; tier 2: of any text.
    tiers = [
        matches("community_words", _prefix_query(terms, "name")),
        matches("community_words", _prefix_query(terms)),
    ]
    if len(set(tiers[1])) < limit and all(len(t) >= 3 for t in terms):
        tiers.append(matches("community_trigrams", _phrase_query(terms)))
    if not any(tiers):
        tiers.append(_typo_matches(conn, terms, theme, neighbourhood, pivot))
    seen: set[str] = set()
    result: list[str] = []
    for tier in tiers:
        fresh = [cid for cid in dict.fromkeys(tier) if cid not in seen]
        seen.update(fresh)
        result.extend(fair_sorted(fresh, seed))
    return result[:limit]
