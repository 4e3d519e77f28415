"""The kiosk's local store: one SQLite file (kiosk.db) in the data directory.

Screens never see SQL: they call the intention-revealing functions here. The store refuses,
untouched, a file that is not a database or that a newer Ontmoet wrote.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from kiosk import search
from kiosk.models import Community, Event, Meeting, Occurrence, Term
from kiosk.private_files import prepare_private_database
from kiosk.schema import MIGRATION_SET, apply_migrations, migration_names
from sync import recurrence


class StoreError(Exception):
    """The store cannot be used; the message says why and what to do. The file is unchanged."""


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextmanager
def transaction(conn: sqlite3.Connection):
    """All or nothing; nests as a savepoint inside a transaction already open."""
    # SQLite may already have rolled back by itself (a full disk, for one): then there is
    # nothing left to undo, and the original error is the one to report.
    if conn.in_transaction:
        conn.execute("SAVEPOINT store")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK TO store")
                conn.execute("RELEASE store")
            raise
        conn.execute("RELEASE store")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _inspect_existing(path: Path) -> list[str]:
    """Read-only checks before anything writes to an existing file; returns the names of
    the migrations it has applied."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"The kiosk database {path} cannot be opened: {exc}.") from None
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        applied: list[str] = []
        if "_sqlite_migrations" in tables:
            applied = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM _sqlite_migrations WHERE migration_set = ?",
                    [MIGRATION_SET],
                )
            ]
            known = set(migration_names())
            unknown = [name for name in applied if name not in known]
            if unknown:
                raise StoreError(
                    f"The kiosk database {path} was written by a newer version of Ontmoet "
                    f"(it has the change '{unknown[0]}', which this version does not know). "
                    "It was not changed. Update Ontmoet, or restore a backup made by this version."
                )
        return applied
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"The kiosk database {path} is damaged or is not a database ({exc}). It was not "
            "changed. Restore it from a backup, or move it aside to start with an empty store."
        ) from None
    finally:
        conn.close()


# One encoder, made once: json.dumps with options makes a new one on every call, and a first
# pull stores ten JSON columns of ten thousand communities.
_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


_COLUMNS = (
    "id",
    "name",
    "kind",
    "pitch",
    "story",
    "themes",
    "gifts_welcome",
    "neighbourhood",
    "schedule",
    "languages",
    "welcome",
    "accessibility",
    "contact",
    "join_url",
    "photo",
    "state",
    "provenance",
    "last_confirmed",
    "revision",
    "updated_at",
    "places",
    "image",
)


_JSON_COLUMNS = (
    "pitch", "story", "themes", "gifts_welcome", "schedule", "languages", "welcome",
    "accessibility", "contact", "provenance", "places",
)  # fmt: skip

# A record from the hub has no picture: the one made on this kiosk stays.
_UPDATES = [
    f"{c} = COALESCE(excluded.{c}, {c})" if c == "photo" else f"{c} = excluded.{c}"
    for c in _COLUMNS[1:]
]


class Store:
    """An open kiosk.db. Use :func:`open_store`."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def close(self) -> None:
        self.conn.close()

    # -- sync state ------------------------------------------------------------------------

    def get_state(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM sync_state WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_state(self, key: str, value: str) -> None:
        with transaction(self.conn):
            self.conn.execute(
                "INSERT INTO sync_state (key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value],
            )

    # -- taxonomies ------------------------------------------------------------------------

    def replace_taxonomies(
        self, themes: Sequence[Term], neighbourhoods: Sequence[Term], gifts: Sequence[Term]
    ) -> None:
        with transaction(self.conn):
            for table, terms in (("themes", themes), ("neighbourhoods", neighbourhoods)):
                self.conn.execute(f"DELETE FROM {table}")
                self.conn.executemany(
                    f"INSERT INTO {table} (slug, labels, position) VALUES (?, ?, ?)",
                    [(t.slug, _json(t.labels), i) for i, t in enumerate(terms)],
                )
            self.conn.execute("DELETE FROM gifts")
            self.conn.executemany(
                "INSERT INTO gifts (slug, kind, labels, position) VALUES (?, ?, ?, ?)",
                [(g.slug, g.kind, _json(g.labels), i) for i, g in enumerate(gifts)],
            )
            # The index holds theme and neighbourhood labels: new labels, new index.
            if self.community_count():
                self.rebuild_search_index()

    def terms(self) -> dict[str, Term]:
        """Every theme, gift and neighbourhood by slug (slugs are unique across the three)."""
        return {t.slug: t for t in (*self.themes(), *self.gifts(), *self.neighbourhoods())}

    def _terms(self, table: str) -> list[Term]:
        kind = "kind" if table == "gifts" else "NULL"
        rows = self.conn.execute(f"SELECT slug, labels, {kind} FROM {table} ORDER BY position")
        return [Term(slug, json.loads(labels), k) for slug, labels, k in rows]

    def themes(self) -> list[Term]:
        return self._terms("themes")

    def neighbourhoods(self) -> list[Term]:
        return self._terms("neighbourhoods")

    def gifts(self) -> list[Term]:
        return self._terms("gifts")

    def _labels_by_slug(self) -> dict[str, list[str]]:
        return {t.slug: list(t.labels.values()) for t in (*self.themes(), *self.neighbourhoods())}

    # -- communities -----------------------------------------------------------------------

    def upsert_communities(self, records: Iterable[dict]) -> int:
        """Insert or replace community records (dicts shaped like the table) in one transaction,
        with their filter and search indexes."""
        labels = self._labels_by_slug()
        now = utcnow()
        upsert = (
            f"INSERT INTO communities ({', '.join(_COLUMNS)}) VALUES"
            f" ({', '.join('?' * len(_COLUMNS))}) ON CONFLICT(id) DO UPDATE SET "
            + ", ".join(_UPDATES)
            + " RETURNING num"
        )
        # What each community's index rows will hold (the last, should a batch hold one twice).
        indexed: dict[str, tuple[int, dict, tuple[str, str, str]]] = {}
        count = 0
        with transaction(self.conn):
            # Rows numbered above this are new in this batch: they have no index rows yet.
            (known,) = self.conn.execute("SELECT coalesce(max(num), 0) FROM communities").fetchone()
            for r in records:
                cid = r["id"]
                # An upsert, not INSERT OR REPLACE: a replace deletes the row first, and the
                # delete would cascade to the community's events.
                (num,) = self.conn.execute(
                    upsert,
                    [
                        cid,
                        r["name"],
                        r["kind"],
                        _json(r["pitch"]),
                        _json(r["story"]),
                        _json(list(r["themes"])),
                        _json(list(r["gifts_welcome"])),
                        r.get("neighbourhood"),
                        _json(list(r["schedule"])),
                        _json(list(r["languages"])),
                        _json(r["welcome"]),
                        _json(r["accessibility"]),
                        _json(r["contact"]),
                        r.get("join_url"),
                        r.get("photo"),
                        r["state"],
                        _json(r.get("provenance", {})),
                        r.get("last_confirmed"),
                        r.get("revision", 1),
                        now,
                        _json(list(r.get("places") or [])),
                        # The photo's hash and size, as the hub sent it: the photo sync
                        # reads it; kept as JSON text, untouched here.
                        _json(r["image"]) if r.get("image") else None,
                    ],
                ).fetchone()
                indexed[cid] = (num, r, search.index_texts(r, labels))
                count += 1
            # The indexes of the whole batch at once: one statement each, not one per record
            # (a first pull writes ten thousand).
            old = [(cid, num) for cid, (num, _r, _t) in indexed.items() if num <= known]
            self.conn.executemany(
                "DELETE FROM community_words WHERE rowid = ?", [(n,) for _c, n in old]
            )
            self.conn.executemany(
                "DELETE FROM community_trigrams WHERE rowid = ?", [(n,) for _c, n in old]
            )
            self.conn.executemany(
                "DELETE FROM community_themes WHERE community_id = ?", [(c,) for c, _n in old]
            )
            self.conn.executemany(
                "DELETE FROM community_gifts WHERE community_id = ?", [(c,) for c, _n in old]
            )
            themes = [
                (c, t) for c, (_n, r, _t) in indexed.items() for t in dict.fromkeys(r["themes"])
            ]
            gifts = [
                (c, g)
                for c, (_n, r, _t) in indexed.items()
                for g in dict.fromkeys(r["gifts_welcome"])
            ]
            words = [(n, c, name, body) for c, (n, _r, (name, body, _t)) in indexed.items()]
            trigrams = [(n, c, text) for c, (n, _r, (_a, _b, text)) in indexed.items()]
            self.conn.executemany(
                "INSERT INTO community_themes (community_id, theme) VALUES (?, ?)", themes
            )
            self.conn.executemany(
                "INSERT INTO community_gifts (community_id, gift) VALUES (?, ?)", gifts
            )
            self._insert_index(words, trigrams)
        return count

    def _insert_index(self, words: list[tuple], trigrams: list[tuple]) -> None:
        self.conn.executemany(
            "INSERT INTO community_words (rowid, community_id, name, body) VALUES (?, ?, ?, ?)",
            words,
        )
        self.conn.executemany(
            "INSERT INTO community_trigrams (rowid, community_id, text) VALUES (?, ?, ?)",
            trigrams,
        )

    def _index(self, num: int, cid: str, record: dict, labels: dict[str, list[str]]) -> None:
        name, body, trigrams = search.index_texts(record, labels)
        self._insert_index([(num, cid, name, body)], [(num, cid, trigrams)])

    def rebuild_search_index(self) -> None:
        """Index every community anew (after a migration, or to repair the index)."""
        labels = self._labels_by_slug()
        with transaction(self.conn):
            self.conn.execute("DELETE FROM community_words")
            self.conn.execute("DELETE FROM community_trigrams")
            cursor = self.conn.execute(
                "SELECT num, id, name, pitch, story, themes, neighbourhood FROM communities"
            )
            for num, cid, name, pitch, story, themes, hood in cursor.fetchall():
                record = {
                    "name": name,
                    "pitch": json.loads(pitch),
                    "story": json.loads(story),
                    "themes": json.loads(themes),
                    "neighbourhood": hood,
                }
                self._index(num, cid, record, labels)

    def community_record(self, community_id: str) -> dict | None:
        """A community as the wire protocol shapes it (no picture, no local timestamps)."""
        cursor = self.conn.execute("SELECT * FROM communities WHERE id = ?", [community_id])
        row = cursor.fetchone()
        if row is None:
            return None
        data = dict(zip([d[0] for d in cursor.description], row, strict=True))
        for name in _JSON_COLUMNS:
            data[name] = json.loads(data[name])
        data["image"] = json.loads(data["image"]) if data["image"] else None
        for local in ("num", "photo", "updated_at"):
            del data[local]
        return data

    def delete_community(self, community_id: str) -> bool:
        """Remove a community with its index rows and events (a tombstone from the hub)."""
        with transaction(self.conn):
            row = self.conn.execute(
                "SELECT num FROM communities WHERE id = ?", [community_id]
            ).fetchone()
            if row is None:
                return False
            self.conn.execute("DELETE FROM community_words WHERE rowid = ?", [row[0]])
            self.conn.execute("DELETE FROM community_trigrams WHERE rowid = ?", [row[0]])
            self.conn.execute("DELETE FROM events WHERE community_id = ?", [community_id])
            self.conn.execute("DELETE FROM communities WHERE id = ?", [community_id])
        return True

    def communities_without_photo(self, limit: int) -> list[tuple[str, str]]:
        return self.conn.execute(
            "SELECT id, name FROM communities WHERE photo IS NULL LIMIT ?", [limit]
        ).fetchall()

    def set_photo(self, community_id: str, photo: str) -> None:
        with transaction(self.conn):
            self.conn.execute(
                "UPDATE communities SET photo = ? WHERE id = ?", [photo, community_id]
            )

    # -- the groups' own photos (kiosk.photos fetches them) -----------------------------

    def communities_missing_image(self, limit: int) -> list[tuple[str, dict]]:
        """Communities whose photo from the hub (``image``) is not the one shown yet."""
        rows = self.conn.execute(
            "SELECT id, image FROM communities WHERE image IS NOT NULL"
            " AND coalesce(photo, '') != json_extract(image, '$.sha256') || '.jpg'"
            " ORDER BY num LIMIT ?",
            [limit],
        ).fetchall()
        return [(cid, json.loads(image)) for cid, image in rows]

    def forget_removed_photos(self) -> int:
        """A group that took its photo away shows its generated picture again (made anew,
        as for a community that never had one)."""
        with transaction(self.conn):
            return self.conn.execute(
                "UPDATE communities SET photo = NULL WHERE image IS NULL"
                " AND photo GLOB '" + "[0-9a-f]" * 64 + ".jpg'"
            ).rowcount

    def photos_in_use(self) -> set[str]:
        return {r[0] for r in self.conn.execute(
            "SELECT DISTINCT photo FROM communities WHERE photo IS NOT NULL")}  # fmt: skip

    def community_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM communities").fetchone()[0]

    def community(self, community_id: str) -> Community | None:
        found = self.communities([community_id])
        return found[0] if found else None

    def communities(self, ids: Sequence[str]) -> list[Community]:
        """The communities with these ids, in the order of ``ids`` (unknown ids are skipped)."""
        by_id: dict[str, Community] = {}
        for start in range(0, len(ids), 500):  # stay below SQLite's parameter limit
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            cursor = self.conn.execute(f"SELECT * FROM communities WHERE id IN ({marks})", chunk)
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                community = _community_from_row(dict(zip(columns, row, strict=True)))
                by_id[community.id] = community
        return [by_id[i] for i in ids if i in by_id]

    def community_ids(
        self,
        theme: str | None = None,
        neighbourhood: str | None = None,
        include_ended: bool = False,
    ) -> list[str]:
        """Ids of the communities in a theme and/or neighbourhood, unordered."""
        sql, params = "SELECT c.id FROM communities c WHERE 1", []
        if theme:
            sql += " AND c.id IN (SELECT community_id FROM community_themes WHERE theme = ?)"
            params.append(theme)
        if neighbourhood:
            sql += " AND c.neighbourhood = ?"
            params.append(neighbourhood)
        if not include_ended:
            sql += " AND c.state != 'ended'"
        return [row[0] for row in self.conn.execute(sql, params)]

    # -- events ----------------------------------------------------------------------------

    def replace_events(self, events: Iterable[Event]) -> None:
        with transaction(self.conn):
            self.conn.execute("DELETE FROM events")
            self.upsert_events(events)

    def upsert_events(self, events: Iterable[Event]) -> None:
        """Store events as they are; a series also keeps when its last occurrence ends, so
        that a window's query finds a series that began long ago (and not one that ended)."""
        with transaction(self.conn):
            self.conn.executemany(
                "INSERT OR REPLACE INTO events (id, community_id, title, starts_at, ends_at,"
                " place, in_hall, rrule, series_ends_at, description)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        e.id,
                        e.community_id,
                        _json(e.title),
                        e.starts_at.isoformat(),
                        e.ends_at.isoformat(),
                        e.place,
                        int(e.in_hall),
                        e.rrule,
                        self._series_end(e),
                        None if e.description is None else _json(e.description),
                    )
                    for e in events
                ],
            )

    @staticmethod
    def _series_end(event: Event) -> str | None:
        """When the last occurrence ends (None: a series without an end; an event has one)."""
        length = event.ends_at - event.starts_at
        try:
            end = recurrence.series_end(event.rrule, event.starts_at, length)
        except (ValueError, TypeError):  # checked before it came here; never stop a pull
            end = event.ends_at
        return None if end is None else end.isoformat()

    def events_between(self, start: datetime, end: datetime) -> list[Occurrence]:
        """The occurrences that have not ended by ``start`` and begin before ``end``, in time
        order. An event of the town hall (no community) is shown; one of a community this
        kiosk does not have (yet, or any more) is not."""
        rows = self.conn.execute(
            "SELECT id, community_id, title, starts_at, ends_at, place, in_hall, rrule,"
            " description FROM events WHERE starts_at < ?"
            " AND (series_ends_at IS NULL OR series_ends_at >= ?)"
            " AND (community_id IS NULL OR community_id IN (SELECT id FROM communities))",
            [end.isoformat(), start.isoformat()],
        )
        found = []
        for eid, cid, title, s, e, place, hall, rule, description in rows:
            event = Event(eid, cid, json.loads(title), datetime.fromisoformat(s),
                          datetime.fromisoformat(e), place, bool(hall), rule,
                          None if description is None else json.loads(description))  # fmt: skip
            length = event.ends_at - event.starts_at
            # From one length before the window: an occurrence under way at ``start`` counts.
            try:
                moments = list(recurrence.occurrences(rule, event.starts_at, start - length, end))
            except (ValueError, TypeError):  # checked before it came here; show the first
                moments = list(recurrence.occurrences(None, event.starts_at, start - length, end))
            found += [Occurrence(event, m, m + length) for m in moments if m + length >= start]
        found.sort(key=lambda o: (o.starts_at, o.event.id))
        return found

    # -- search ----------------------------------------------------------------------------

    def search(
        self, query: str, seed: str, theme: str | None = None, neighbourhood: str | None = None
    ) -> list[str]:
        return search.search(self.conn, query, seed, theme=theme, neighbourhood=neighbourhood)


def _community_from_row(row: dict) -> Community:
    loads = json.loads
    return Community(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        pitch=loads(row["pitch"]),
        story=loads(row["story"]),
        themes=tuple(loads(row["themes"])),
        gifts_welcome=tuple(loads(row["gifts_welcome"])),
        neighbourhood=row["neighbourhood"],
        schedule=tuple(Meeting.from_record(m) for m in loads(row["schedule"])),
        languages=tuple(loads(row["languages"])),
        welcome=loads(row["welcome"]),
        accessibility=loads(row["accessibility"]),
        contact=loads(row["contact"]),
        join_url=row["join_url"],
        photo=row["photo"],
        state=row["state"],
        provenance=loads(row["provenance"]),
        last_confirmed=date.fromisoformat(row["last_confirmed"]) if row["last_confirmed"] else None,
        revision=row["revision"],
    )


def open_store(path: Path) -> Store:
    """Open (creating or migrating as needed) the kiosk database at ``path``.

    Raises StoreError, leaving the file as it was, when it is damaged, unreadable or newer.
    """
    path = Path(path)
    applied: list[str] = []
    if path.exists():
        applied = _inspect_existing(path)
    try:
        prepare_private_database(path)  # token, PIN hash, sealed details: 0600 in 0700
    except OSError as exc:
        raise StoreError(f"The data folder {path.parent} cannot be created: {exc}.") from None
    try:
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("PRAGMA journal_mode = WAL")
        # FULL: a transaction reported committed survives a power cut (NORMAL may lose it).
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        if set(migration_names()) - set(applied):
            apply_migrations(conn)
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"The kiosk database {path} cannot be used ({exc}). Restore it from a backup, "
            "or move it aside to start with an empty store."
        ) from None
    return Store(conn)
