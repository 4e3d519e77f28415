"""Taxonomy terms on import: the ``ontmoet-*`` taxonomies map back exactly (a term the hub
lacks is added to its list, with the labels the source has), other terms become themes when
their code or name matches a theme's slug or label in any language (case and accents
ignored), and what matches nothing is listed for the desk, never invented."""

from __future__ import annotations

import copy
import functools
import unicodedata
from collections import Counter

from babel import Locale

from sync import protocol
from sync.hub import taxonomy

#: The Ontmoet taxonomies of an export, and the list each one is.
ONTMOET_LISTS = {"ontmoet-themes": "themes", "ontmoet-neighbourhoods": "neighbourhoods",
                 "ontmoet-gifts": "gifts"}  # fmt: skip
ONTMOET_KINDS = "ontmoet-kinds"
#: Three-letter codes (ISO 639-2) of the kiosk's languages, as terms may carry them.
_THREE_LETTERS = {"nld": "nl", "dut": "nl", "eng": "en", "tur": "tr", "ara": "ar", "pol": "pl",
                  "ukr": "uk"}  # fmt: skip


def fold(text: str) -> str:
    """'Café ' -> 'cafe': what two names have to share to be the same term."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def language_code(text: str) -> str | None:
    """'nl', 'NL-be', 'nld', 'Dutch', 'Nederlands', 'Türkçe' -> an ISO 639-1 code, or None."""
    value = text.strip()
    short = value.lower().replace("_", "-").split("-")[0]
    if len(short) == 2 and short.isalpha() and short.isascii():
        return short
    if short in _THREE_LETTERS:
        return _THREE_LETTERS[short]
    return _language_names().get(fold(value))


@functools.cache
def _language_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for lang in taxonomy.LANGUAGES:
        for code, name in Locale.parse(lang).languages.items():
            if len(code) == 2:
                names.setdefault(fold(name), code)
    for code in taxonomy.LANGUAGES:  # each language's name for itself wins
        names[fold(Locale.parse(code).get_display_name(code) or code)] = code
    return names


class Terms:
    """The hub's lists as the import finds them, and what the import adds to them."""

    def __init__(self, record: dict, labels: dict[tuple[str, str], dict]) -> None:
        self.record = copy.deepcopy(record)
        self.labels = labels  # the source's labels by (taxonomy, code)
        self.added: dict[str, list[str]] = {name: [] for name in taxonomy.LISTS}
        self.unknown: Counter = Counter()  # (taxonomy, code or name) -> how often
        self._index()

    def _index(self) -> None:
        self.by_label: dict[str, dict[str, str]] = {}
        for name in taxonomy.LISTS:
            index = {}
            for term in self.record[name]:
                index[fold(term["slug"])] = term["slug"]
                for label in term["labels"].values():
                    index.setdefault(fold(label), term["slug"])
            self.by_label[name] = index

    def slugs(self, list_name: str) -> set[str]:
        return {t["slug"] for t in self.record[list_name]}

    def match(self, list_name: str, text: str) -> str | None:
        """A term of the hub's list by its slug or one of its labels."""
        return self.by_label[list_name].get(fold(text)) if text.strip() else None

    def classify(self, term: dict) -> tuple[str, str] | None:
        """What an HSDS taxonomy term is here: (field, slug or kind), or None (then it is
        counted as unknown)."""
        scheme = _taxonomy_name(term)
        code = str(term.get("code") or "").strip()
        name = str(term.get("name") or "").strip()
        if scheme == ONTMOET_KINDS:
            return ("kind", code) if code in protocol.COMMUNITY_KINDS else self._unknown(term)
        if scheme in ONTMOET_LISTS:
            slug = self.ontmoet(ONTMOET_LISTS[scheme], scheme, code or name, term)
            if slug is None:
                return self._unknown(term)
            return taxonomy.COMMUNITY_FIELD[ONTMOET_LISTS[scheme]], slug
        for text in (code, name):
            slug = self.match("themes", text)
            if slug:
                return "themes", slug
        return self._unknown(term)

    def _unknown(self, term: dict) -> None:
        label = str(term.get("name") or term.get("code") or "").strip()
        code = str(term.get("code") or "").strip()
        shown = f"{label} ({code})" if code and code != label else label
        self.unknown[(_taxonomy_name(term) or "—", shown)] += 1
        return None

    def ontmoet(self, list_name: str, scheme: str, code: str, term: dict) -> str | None:
        """The slug of an ontmoet-* term; a term the hub lacks is added to its list."""
        if code in self.slugs(list_name):
            return code
        try:
            protocol.slug("code", code)
        except protocol.ProtocolError:
            return None
        known = self.labels.get((scheme, code), {})
        labels = {lang: text for lang, text in known.get("labels", {}).items()
                  if lang in taxonomy.LANGUAGES}  # fmt: skip
        labels.setdefault("nl", str(term.get("name") or code))
        extra = {}
        if list_name == "gifts":
            kind = (known.get("description") or term.get("description") or "").strip()
            if kind not in protocol.GIFT_KINDS:
                return None
            extra = {"kind": kind}
        elsewhere = {t["slug"] for name in taxonomy.LISTS for t in self.record[name]}
        terms = self.record[list_name]
        if code in elsewhere or len(terms) >= taxonomy.MAX_TERMS:
            return None
        try:
            labels = taxonomy.clean_labels(labels)
        except taxonomy.Refused:
            return None
        terms.append({"slug": code, "labels": labels, **extra})
        self.added[list_name].append(code)
        self._index()
        return code


def _taxonomy_name(term: dict) -> str:
    detail = term.get("taxonomy_detail")
    if isinstance(detail, dict) and detail.get("name"):
        return str(detail["name"]).strip()
    return str(term.get("taxonomy") or "").strip()
