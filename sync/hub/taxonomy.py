"""The town's three lists (themes, neighbourhoods and villages, gifts of head, hands and heart),
kept at the desk: add, rename, reorder, retire. They live in the one shared ``taxonomy`` record
(protocol.SHARED_FIELDS["taxonomy"]); every change stores the whole record through
``store.put_shared``, so it is checked by the protocol's rules and logged for the kiosks' pull,
and is audited. A hub set up without the demo has no taxonomy record yet: the first change
makes it.

A term's slug is its id: groups, kiosks and visitors' interests name it, so it never changes
(renaming changes labels only). The order of a list is the order kiosks show.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass

from sync.hub.store import audit, edit_community, put_shared, shared_record, write
from sync.protocol import GIFT_KINDS, ProtocolError

LISTS = ("themes", "neighbourhoods", "gifts")
#: The languages a label is written in (the kiosk's six); Dutch is required.
LANGUAGES = ("nl", "en", "tr", "ar", "pl", "uk")
MAX_TERMS = 100  # protocol: objects(record(_TERM), 100)
MAX_LABEL = 80  # protocol: localised(80)
#: The field of a community's record that names terms of each list.
COMMUNITY_FIELD = {"themes": "themes", "neighbourhoods": "neighbourhood", "gifts": "gifts_welcome"}
#: What the audit log calls a term of each list.
_TERM_NAME = {"themes": "theme", "neighbourhoods": "neighbourhood", "gifts": "gift"}
#: Refused in a name: control characters, line breaks, and U+FFFD, which stands where a form
#: sent bytes that are not UTF-8 (a name with it is broken, not a name).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufffd]")


class Refused(ValueError):
    """A change the lists do not take; ``code`` says why (the desk words it), ``names`` the
    groups it concerns, if any."""

    def __init__(self, code: str, language: str = "", names: tuple[str, ...] = ()) -> None:
        super().__init__(code)
        self.code, self.language, self.names = code, language, names


@dataclass(frozen=True)
class Group:
    """A community that uses a term, as the retire question shows it."""

    id: str
    name: str
    revision: int
    value: object  # its field's value: a list of slugs, or one slug
    #: Still has another theme when this one goes (themes need at least one).
    keeps_a_theme: bool


def current(conn: sqlite3.Connection) -> dict:
    """The taxonomy record, or empty lists on a hub that has none yet."""
    record = shared_record(conn, "taxonomy", "taxonomy")
    return record or {"id": "taxonomy", "themes": [], "neighbourhoods": [], "gifts": []}


def make_slug(label: str) -> str:
    """'Buurt & Zorg' -> 'buurt-zorg', 'Koffie in café Ĳsselzicht' -> 'koffie-in-cafe-ijsselzicht':
    lower-case ASCII letters and digits, words joined by dashes (protocol.slug)."""
    folded = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", folded.lower()))


def clean_labels(labels: dict[str, str]) -> dict[str, str]:
    """Labels as a form sent them: trimmed, in NFC, empty ones left out; Dutch required."""
    cleaned = {}
    for lang in LANGUAGES:
        value = unicodedata.normalize("NFC", (labels.get(lang) or "").strip())
        if not value:
            continue
        if len(value) > MAX_LABEL:
            raise Refused("too_long", lang)
        if _CONTROL.search(value):
            raise Refused("control", lang)
        cleaned[lang] = value
    if "nl" not in cleaned:
        raise Refused("no_dutch", "nl")
    return cleaned


def _list_of(record: dict, list_name: str) -> list[dict]:
    if list_name not in LISTS:
        raise Refused("unknown_list")
    return record[list_name]


def _index(terms: list[dict], slug: str) -> int:
    for i, term in enumerate(terms):
        if term["slug"] == slug:
            return i
    raise Refused("unknown_term")


def _kind(list_name: str, kind: str | None) -> dict:
    if list_name != "gifts":
        return {}
    if kind not in GIFT_KINDS:
        raise Refused("no_kind")
    return {"kind": kind}


def _not_taken(terms: list[dict], dutch: str) -> None:
    """One Dutch name once per list: not as a slug, nor as the name of a term whose slug
    differs (a term renamed, or given a suffix because another list had its slug)."""
    wanted = make_slug(dutch)
    if any(wanted in (t["slug"], make_slug(t["labels"]["nl"])) for t in terms):
        raise Refused("taken", "nl")


def _save(conn: sqlite3.Connection, record: dict, actor: str, action: str, slug: str) -> None:
    try:
        put_shared(conn, "taxonomy", record)  # the protocol's rules, as kiosks check them
    except ProtocolError:
        # What clean_labels let through and the protocol does not (a lone surrogate, say):
        # refused like any odd character, and the transaction is rolled back.
        raise Refused("control") from None
    audit(conn, actor, f"taxonomy: {action}", slug)


def add(
    conn: sqlite3.Connection, actor: str, list_name: str, labels: dict, kind: str | None = None
) -> str:
    """A new term at the end of its list; its slug made from the Dutch label. Returns it."""
    labels = clean_labels(labels)
    with write(conn):
        record = current(conn)
        terms = _list_of(record, list_name)
        extra = _kind(list_name, kind)
        if len(terms) >= MAX_TERMS:
            raise Refused("full")
        slug = make_slug(labels["nl"])
        if not slug:
            raise Refused("no_letters", "nl")
        _not_taken(terms, labels["nl"])
        # Kiosks look terms up by slug across the three lists (kiosk.store.terms): a theme and
        # a neighbourhood both called 'Haven' get 'haven' and 'haven-2'.
        elsewhere = {t["slug"] for name in LISTS for t in record[name]}
        base, n = slug, 2
        while slug in elsewhere:
            slug, n = f"{base}-{n}", n + 1
        terms.append({"slug": slug, "labels": labels, **extra})
        _save(conn, record, actor, f"{_TERM_NAME[list_name]} added", slug)
    return slug


def rename(
    conn: sqlite3.Connection,
    actor: str,
    list_name: str,
    slug: str,
    labels: dict,
    kind: str | None = None,
) -> bool:
    """New labels (and, for a gift, its kind); the slug stays. False when nothing changed."""
    labels = clean_labels(labels)
    with write(conn):
        record = current(conn)
        terms = _list_of(record, list_name)
        i = _index(terms, slug)
        _not_taken(terms[:i] + terms[i + 1 :], labels["nl"])
        new = {"slug": slug, "labels": labels, **_kind(list_name, kind)}
        if new == terms[i]:
            return False
        terms[i] = new
        _save(conn, record, actor, f"{_TERM_NAME[list_name]} renamed", slug)
    return True


def move(conn: sqlite3.Connection, actor: str, list_name: str, slug: str, step: int) -> bool:
    """One place up (step -1) or down (+1). False at the end of the list (nothing stored)."""
    with write(conn):
        record = current(conn)
        terms = _list_of(record, list_name)
        i = _index(terms, slug)
        j = i + step
        if step not in (-1, 1) or not 0 <= j < len(terms):
            return False
        terms[i], terms[j] = terms[j], terms[i]
        direction = "up" if step < 0 else "down"
        _save(conn, record, actor, f"{_TERM_NAME[list_name]} moved {direction}", slug)
    return True


def groups_using(conn: sqlite3.Connection, list_name: str, slug: str) -> list[Group]:
    """The communities whose record names this term, by name."""
    field = COMMUNITY_FIELD[list_name]
    if list_name == "neighbourhoods":
        where = "json_extract(data, '$.neighbourhood') = ?"
    else:
        where = f"EXISTS (SELECT 1 FROM json_each(data, '$.{field}') WHERE value = ?)"
    rows = conn.execute(
        "SELECT id, data, revision FROM shared_records WHERE entity = 'community'"
        f" AND data IS NOT NULL AND {where}",
        [slug],
    ).fetchall()
    groups = []
    for rid, data, revision in rows:
        record = json.loads(data)
        groups.append(Group(rid, record["name"], revision, record[field],
                            any(t != slug for t in record["themes"])))  # fmt: skip
    return sorted(groups, key=lambda g: g.name.casefold())


def usage(conn: sqlite3.Connection) -> dict[str, dict[str, int]]:
    """How many communities name each term, per list: one pass over the communities (the
    lists page shows a count beside every term)."""
    counts: dict[str, dict[str, int]] = {name: {} for name in LISTS}
    # Only the three fields, taken out by SQLite: not every group's stories parsed.
    rows = conn.execute(
        "SELECT json_extract(data, '$.themes'), json_extract(data, '$.neighbourhood'),"
        " json_extract(data, '$.gifts_welcome') FROM shared_records"
        " WHERE entity = 'community' AND data IS NOT NULL"
    )
    for themes, neighbourhood, gifts in rows:
        named = {"themes": json.loads(themes), "gifts": json.loads(gifts),
                 "neighbourhoods": [neighbourhood] if neighbourhood else []}  # fmt: skip
        for name, slugs in named.items():
            for slug in slugs:
                counts[name][slug] = counts[name].get(slug, 0) + 1
    return counts


def _move_in_proposals(conn: sqlite3.Connection, field: str, slug: str, into: str | None) -> int:
    """Proposals not yet decided (a group's change waiting for the desk, or the desk's waiting
    for the group) that name the retired term name ``into`` instead, or none: approved later,
    they would bring the term back. A theme list that would be left empty is taken out of the
    proposal: the group keeps the themes it has. Returns how many proposals changed."""
    changed = 0
    rows = conn.execute(
        "SELECT id, changes FROM proposals WHERE status IN ('review', 'awaiting_community')"
        " AND json_extract(changes, ?) IS NOT NULL",
        [f"$.{field}"],
    ).fetchall()
    for pid, text in rows:
        changes = json.loads(text)
        before = changes[field]
        if before != slug and not (isinstance(before, list) and slug in before):
            continue
        after = _moved(before, slug, into)
        if after == [] and field == "themes":
            del changes[field]
        else:
            changes[field] = after
        conn.execute(
            "UPDATE proposals SET changes = ? WHERE id = ?",
            [json.dumps(changes, ensure_ascii=False), pid],
        )
        changed += 1
    return changed


def _moved(value: object, slug: str, into: str | None) -> object:
    """A community's field with ``slug`` replaced by ``into`` (or taken out)."""
    if not isinstance(value, list):
        return into
    result = []
    for item in value:
        item = into if item == slug else item
        if item is not None and item not in result:
            result.append(item)
    return result


def retire(
    conn: sqlite3.Connection, actor: str, list_name: str, slug: str, into: str | None
) -> int:
    """Take a term out of its list; the groups that use it go to ``into`` (another term of the
    same list) or to none, all in one transaction: the groups first, then the list, so a kiosk
    that pulls between two pages never holds a group naming a term it lacks. A theme can go
    to none only for groups that keep another theme. Proposals still waiting are moved the
    same way. Returns how many groups moved.

    The groups' records change through the hub's edit path (a new revision, the change log)
    without changing who wrote the field: merging two terms of the town's list is not the
    reception rewriting a group's own words."""
    with write(conn):
        record = current(conn)
        terms = _list_of(record, list_name)
        i = _index(terms, slug)
        if into is not None:
            if into == slug:
                raise Refused("same_term")
            if not any(t["slug"] == into for t in terms):
                others = {t["slug"] for name in LISTS for t in record[name]}
                raise Refused("other_list" if into in others else "unknown_target")
        groups = groups_using(conn, list_name, slug)
        if into is None and list_name == "themes":
            stranded = tuple(g.name for g in groups if not g.keeps_a_theme)
            if stranded:
                raise Refused("needs_theme", names=stranded)
        field = COMMUNITY_FIELD[list_name]
        for group in groups:
            edit_community(conn, group.id, {field: _moved(group.value, slug, into)},
                           group.revision, actor)  # fmt: skip
        _move_in_proposals(conn, field, slug, into)
        del terms[i]
        action = f"{_TERM_NAME[list_name]} retired, {len(groups)} groups moved"
        _save(conn, record, actor, action + (f" into {into}" if into else ""), slug)
    return len(groups)
