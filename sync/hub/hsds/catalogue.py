"""The read API's objects, built once and kept: every service, organization, taxonomy and
term, with what the filters look at. A request compares the change log's last seq with the
one the catalogue was built at; a community changed since then is rebuilt alone, a change of
the lists or of the public address rebuilds everything. So 10,000 communities are built once,
not per request.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sync.hub import store as hub_store
from sync.hub.hsds import export, model


@dataclass
class Entry:
    """One community's objects and what the filters need of them."""

    service: dict
    summary: dict
    organization: dict
    words: str
    term_ids: frozenset[str]
    taxonomy_ids: frozenset[str]
    modified: datetime


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class View:
    """The catalogue as one request sees it."""

    seq: int
    epoch: str
    public_url: str  # where the logos point
    entries: dict[str, Entry]  # by service id
    by_organization: dict[str, str]  # organization id -> service id
    order: list[str]  # service ids, in community id order
    taxonomies: list[dict]
    terms: list[dict]
    term_by_id: dict[str, dict]

    def dutch_term(self, term_id: str) -> str | None:
        """The id that services' attributes name for a term given in any language."""
        term = self.term_by_id.get(term_id)
        if term is None:
            return None
        name = next(k for k, v in model.TAXONOMIES.items() if v == term["taxonomy"])
        return model.term_id(name, term["code"])


@dataclass
class Catalogue:
    seq: int = -1
    epoch: str = ""
    public_url: str = ""
    lists: model.Lists = field(default_factory=model.Lists)
    entries: dict[str, Entry] = field(default_factory=dict)  # by service id
    by_organization: dict[str, str] = field(default_factory=dict)  # org id -> service id
    order: list[str] = field(default_factory=list)  # service ids, in community id order
    taxonomies: list[dict] = field(default_factory=list)
    terms: list[dict] = field(default_factory=list)
    term_by_id: dict[str, dict] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def current(self, conn: sqlite3.Connection, public_url: str) -> View:
        """Up to date with the hub (one short read when nothing changed). The view's dicts
        are never changed afterwards (an update makes new ones), so a request can read its
        view while another request updates the catalogue."""
        with self._lock:
            seq, epoch = hub_store.last_seq(conn), hub_store.meta(conn, "epoch")
            if (seq, epoch, public_url) != (self.seq, self.epoch, public_url):
                self._update(conn, seq, epoch, public_url)
            return View(self.seq, self.epoch, self.public_url, self.entries,
                        self.by_organization, self.order, self.taxonomies, self.terms,
                        self.term_by_id)  # fmt: skip

    def _update(self, conn: sqlite3.Connection, seq: int, epoch: str, public_url: str) -> None:
        changed = self._changed_communities(conn, epoch, public_url)
        if changed is None:
            self._rebuild(export.read(conn), public_url)
            return
        self.entries, self.by_organization = dict(self.entries), dict(self.by_organization)
        for cid in changed:
            row = conn.execute(
                "SELECT data, updated_at FROM shared_records"
                " WHERE entity = 'community' AND id = ? AND data IS NOT NULL",
                [cid],
            ).fetchone()
            self._drop(cid)
            if row:
                self._add(json.loads(row[0]), row[1])
        self.order = [model.service_id(cid) for cid in sorted(self.by_organization)]
        self.seq = seq

    def _changed_communities(self, conn, epoch: str, public_url: str) -> list[str] | None:
        """The communities changed since the catalogue's seq; None when all must be rebuilt
        (never built, another epoch or address, the lists changed, or the log was trimmed
        past the catalogue's seq, so a deletion might be missed)."""
        if self.seq < 0 or epoch != self.epoch or public_url != self.public_url:
            return None
        if int(hub_store.meta(conn, "horizon")) > self.seq:
            return None
        rows = conn.execute(
            "SELECT entity, id FROM changes WHERE seq > ? AND entity IN ('community', 'taxonomy')",
            [self.seq],
        ).fetchall()
        if any(entity == "taxonomy" for entity, _ in rows):
            return None
        return [rid for _, rid in rows]

    def _rebuild(self, snapshot: export.Snapshot, public_url: str) -> None:
        self.lists = model.Lists.of(snapshot.taxonomy)
        self.public_url, self.epoch = public_url, snapshot.epoch
        self.entries, self.by_organization = {}, {}
        self.taxonomies = model.taxonomies()
        self.terms = model.taxonomy_terms(self.lists)
        self.term_by_id = {term["id"]: term for term in self.terms}
        for record, updated in snapshot.communities:
            self._add(record, updated)
        self.order = [model.service_id(cid) for cid in sorted(self.by_organization)]
        self.seq = snapshot.seq

    def _add(self, record: dict, updated: str) -> None:
        full = model.service(record, updated, self.lists, self.public_url)
        term_ids = {a["taxonomy_term_id"] for a in full.get("attributes", [])}
        term_ids |= {a["taxonomy_term_id"] for s in full.get("schedules", [])
                     for a in s.get("attributes", [])}  # fmt: skip
        taxonomy_ids = {self.term_by_id[t]["taxonomy_id"] for t in term_ids if t in self.term_by_id}
        self.entries[full["id"]] = Entry(
            full, model.summary(full), full["organization"], model.search_text(record),
            frozenset(term_ids), frozenset(taxonomy_ids), _moment(updated),
        )  # fmt: skip
        self.by_organization[record["id"]] = full["id"]

    def _drop(self, cid: str) -> None:
        sid = self.by_organization.pop(cid, None)
        if sid:
            self.entries.pop(sid, None)
