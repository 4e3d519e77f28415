"""The local store's schema, as registered migrations applied in order (sqlite-utils).

Add a migration for every change; never edit one that has shipped. A database that has a
migration this code does not know was written by a newer Ontmoet and is refused untouched.

sqlite-utils (and what it imports: click, dateutil, pluggy; about 60 ms) is loaded only when a
migration is pending, so an up-to-date kiosk starts without it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

MIGRATION_SET = "ontmoet-kiosk"
MIGRATIONS: list[Callable[[Database], None]] = []  # in the order they are applied


def migration(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    MIGRATIONS.append(fn)
    return fn


def migration_names() -> list[str]:
    return [fn.__name__ for fn in MIGRATIONS]


def apply_migrations(conn: sqlite3.Connection, stop_before: str | None = None) -> None:
    """Apply the pending migrations, each in its own transaction (sqlite-utils)."""
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    migrations = Migrations(MIGRATION_SET)
    for fn in MIGRATIONS:
        migrations()(fn)
    migrations.apply(Database(conn), stop_before=stop_before)


def _run(db: Database, statements: str) -> None:
    # One statement at a time: executescript() would commit the migration's transaction.
    for statement in statements.split(";\n"):
        if statement.strip():
            db.execute(statement)


@migration
def m001_initial(db: Database) -> None:
    _run(
        db,
        """
        -- A community's record, in its own words. Localised texts are JSON {lang: text};
        -- lists are JSON arrays; provenance is JSON {field: 'community' | 'reception'}.
        -- num: a stable integer key, the rowid of the community's search index rows.
        CREATE TABLE communities (
            num INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('informal_group', 'cooperative', 'club',
                                               'foundation', 'network', 'pop_up')),
            pitch TEXT NOT NULL,
            story TEXT NOT NULL,
            themes TEXT NOT NULL,
            gifts_welcome TEXT NOT NULL,
            neighbourhood TEXT,
            schedule TEXT NOT NULL,
            languages TEXT NOT NULL,
            welcome TEXT NOT NULL,
            accessibility TEXT NOT NULL,
            contact TEXT NOT NULL,
            join_url TEXT,
            photo TEXT,
            state TEXT NOT NULL CHECK (state IN ('active', 'seasonal', 'resting',
                                                 'seeking_organiser', 'ended')),
            provenance TEXT NOT NULL,
            last_confirmed TEXT,
            revision INTEGER NOT NULL DEFAULT 1,
            updated_at TEXT NOT NULL
        ) STRICT;
        -- Derived from communities.themes / gifts_welcome for fast filtering; written in the
        -- same transaction as the community.
        CREATE TABLE community_themes (
            community_id TEXT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
            theme TEXT NOT NULL,
            PRIMARY KEY (community_id, theme)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX community_themes_by_theme ON community_themes(theme, community_id);
        CREATE TABLE community_gifts (
            community_id TEXT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
            gift TEXT NOT NULL,
            PRIMARY KEY (community_id, gift)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX community_gifts_by_gift ON community_gifts(gift, community_id);
        CREATE INDEX communities_by_neighbourhood ON communities(neighbourhood);

        CREATE TABLE themes (
            slug TEXT PRIMARY KEY, labels TEXT NOT NULL, position INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE neighbourhoods (
            slug TEXT PRIMARY KEY, labels TEXT NOT NULL, position INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE gifts (
            slug TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('head', 'hands', 'heart')),
            labels TEXT NOT NULL,
            position INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE events (
            id TEXT PRIMARY KEY,
            community_id TEXT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
            title TEXT NOT NULL,
            starts_at TEXT NOT NULL,
            ends_at TEXT NOT NULL,
            place TEXT NOT NULL,
            in_hall INTEGER NOT NULL CHECK (in_hall IN (0, 1))
        ) STRICT;
        CREATE INDEX events_by_start ON events(starts_at)
        """,
    )


@migration
def m002_visitor_records(db: Database) -> None:
    _run(
        db,
        """
        -- Visitor records: insert-only, anonymous, and each goes into the outbox in the same
        -- transaction that creates it.
        CREATE TABLE interests (
            id TEXT PRIMARY KEY,
            themes TEXT NOT NULL,
            gifts TEXT NOT NULL,
            neighbourhood TEXT,
            language TEXT NOT NULL,
            kiosk TEXT NOT NULL,
            created_at TEXT NOT NULL
        ) STRICT;
        -- Contact details never appear in plain text: only the payload sealed with the hub's
        -- public key, which this kiosk cannot open.
        CREATE TABLE contact_requests (
            id TEXT PRIMARY KEY,
            communities TEXT NOT NULL,
            channel TEXT NOT NULL CHECK (channel IN ('email', 'phone')),
            sealed_payload BLOB NOT NULL,
            consent_version TEXT NOT NULL,
            expires_on TEXT NOT NULL,
            created_at TEXT NOT NULL
        ) STRICT;
        CREATE TABLE introductions (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('visitor_community', 'visitor_visitor',
                                               'community_community')),
            party_a TEXT NOT NULL,
            party_b TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            follow_up_on TEXT,
            state TEXT NOT NULL DEFAULT 'made',
            created_at TEXT NOT NULL
        ) STRICT;

        -- device_seq is this kiosk's own sequence: AUTOINCREMENT never reuses a number, even
        -- after acknowledged rows are deleted.
        CREATE TABLE outbox (
            device_seq INTEGER PRIMARY KEY AUTOINCREMENT,
            op_id TEXT NOT NULL UNIQUE,
            entity TEXT NOT NULL,
            record_id TEXT NOT NULL,
            fields TEXT NOT NULL,
            base_revision INTEGER,
            created_at TEXT NOT NULL
        ) STRICT;
        CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT
        """,
    )


@migration
def m003_search(db: Database) -> None:
    _run(
        db,
        """
        -- Search: words (diacritics folded, prefix queries) and trigrams of folded text
        -- (substrings inside Dutch compounds, and typo candidates). Their rowid is
        -- communities.num, so a community's index rows are found without a scan.
        CREATE VIRTUAL TABLE community_words USING fts5(
            community_id UNINDEXED, name, body, tokenize = 'unicode61 remove_diacritics 2',
            prefix = '1 2 3'
        );
        CREATE VIRTUAL TABLE community_trigrams USING fts5(
            community_id UNINDEXED, text, tokenize = 'trigram'
        )
        """,
    )
    # Index what an older database already holds.
    from kiosk.store import Store

    Store(db.conn).rebuild_search_index()


@migration
def m004_visitor_journeys(db: Database) -> None:
    _run(
        db,
        """
        -- 'Ask the reception': someone at the kiosk would like a receptionist to come over.
        CREATE TABLE help_requests (
            id TEXT PRIMARY KEY,
            kiosk TEXT NOT NULL,
            language TEXT NOT NULL,
            created_at TEXT NOT NULL
        ) STRICT;
        -- A visitor's take-home list: the communities they kept, behind an unguessable token
        -- (the QR code points to /m/<token> on the hub). No personal data.
        -- Tokens are kept as their SHA-256 only: the token itself is in the QR code and
        -- nowhere on the kiosk, so a stolen kiosk opens no visitor's page.
        CREATE TABLE take_home_lists (
            id TEXT PRIMARY KEY,
            token_hash TEXT NOT NULL UNIQUE,
            communities TEXT NOT NULL,
            language TEXT NOT NULL,
            expires_on TEXT NOT NULL,
            created_at TEXT NOT NULL
        ) STRICT;
        -- The visitor's receipt: /w/<token> shows and withdraws the consent from home.
        ALTER TABLE contact_requests ADD COLUMN receipt_token_hash TEXT
        """,
    )


@migration
def m005_sync(db: Database) -> None:
    _run(
        db,
        """
        -- Acknowledged outbox rows, kept for a while: after the hub is restored from an
        -- older backup it asks for them again (SYNC.md rule 11).
        CREATE TABLE outbox_archive (
            device_seq INTEGER PRIMARY KEY,
            op_id TEXT NOT NULL UNIQUE,
            entity TEXT NOT NULL,
            record_id TEXT NOT NULL,
            fields TEXT NOT NULL,
            base_revision INTEGER,
            created_at TEXT NOT NULL,
            acked_at TEXT NOT NULL
        ) STRICT;
        -- During a pull from zero: what the hub has sent, so that what it no longer has can
        -- be removed when the pull completes (a kill -9 halfway keeps this list).
        CREATE TABLE pull_seen (
            entity TEXT NOT NULL,
            id TEXT NOT NULL,
            PRIMARY KEY (entity, id)
        ) STRICT, WITHOUT ROWID;
        -- Edits of a community's record made at this kiosk, each sent with its base revision.
        CREATE TABLE community_edits (
            id TEXT PRIMARY KEY,
            community_id TEXT NOT NULL,
            base_revision INTEGER NOT NULL,
            changes TEXT NOT NULL,
            created_at TEXT NOT NULL
        ) STRICT;
        -- Events without a foreign key: the hub's change log may send an event before the
        -- community it belongs to (the community changed later); orphans are not shown.
        CREATE TABLE events_new (
            id TEXT PRIMARY KEY,
            community_id TEXT NOT NULL,
            title TEXT NOT NULL,
            starts_at TEXT NOT NULL,
            ends_at TEXT NOT NULL,
            place TEXT NOT NULL,
            in_hall INTEGER NOT NULL CHECK (in_hall IN (0, 1))
        ) STRICT;
        INSERT INTO events_new SELECT id, community_id, title, starts_at, ends_at, place, in_hall
            FROM events;
        DROP TABLE events;
        ALTER TABLE events_new RENAME TO events;
        CREATE INDEX events_by_start ON events(starts_at);
        CREATE INDEX events_by_community ON events(community_id)
        """,
    )


@migration
def m006_introductions(db: Database) -> None:
    _run(
        db,
        """
        -- Introductions a receptionist made on the spot (receptionist mode). A visitor is
        -- never named: the kind says a visitor at this kiosk took part. m001's table of the
        -- same name was never written to (nothing made introductions before): replaced.
        DROP TABLE introductions;
        CREATE TABLE introductions (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('visitor_community', 'visitor_visitor',
                                               'community_community')),
            communities TEXT NOT NULL,
            note TEXT NOT NULL,
            follow_up_weeks INTEGER NOT NULL,
            created_at TEXT NOT NULL
        ) STRICT
        """,
    )


@migration
def m007_one_outbox(db: Database) -> None:
    # The visitor records were written twice: into a table each, which nothing ever read,
    # and into the outbox, which is what reaches the hub. The outbox is now their only copy
    # (kiosk.outbox): the tables go, and queued ops, which live in the outbox, stay as they
    # are. Freed pages are overwritten (sealed contact payloads were among them); SQLite as
    # Debian ships it does so already, others are asked to for these drops only.
    (secure,) = db.execute("PRAGMA secure_delete").fetchone()
    db.execute("PRAGMA secure_delete = ON")
    _run(
        db,
        """
        DROP TABLE interests;
        DROP TABLE contact_requests;
        DROP TABLE introductions;
        DROP TABLE help_requests;
        DROP TABLE take_home_lists;
        -- One op per record: a double tap or a retry with the same id queues nothing twice
        -- (before, the records' own primary keys saw to that).
        CREATE UNIQUE INDEX outbox_by_record ON outbox(entity, record_id);
        -- Acknowledged records count too: kiosk.outbox.add looks here before queueing.
        CREATE INDEX outbox_archive_by_record ON outbox_archive(entity, record_id)
        """,
    )
    db.execute(f"PRAGMA secure_delete = {int(secure)}")


@migration
def m008_search_folded(db: Database) -> None:
    # The search index now holds folded text (kiosk.search.fold: Turkish ı as i, the marks
    # of every script stripped, as the query is), and its trigram text no longer the labels.
    from kiosk.store import Store

    Store(db.conn).rebuild_search_index()


@migration
def m009_town_content(db: Database) -> None:
    _run(
        db,
        """
        -- Where a community can be found (addresses, an optional map position) and its photo
        -- (the hub's JPEG by hash: sync fetches the file into the photos folder).
        ALTER TABLE communities ADD COLUMN places TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE communities ADD COLUMN image TEXT;
        -- Events of the hall itself have no community; repeating events have a rule and the
        -- end of their last occurrence (NULL: the series has no end), so a window's query
        -- finds a series that began long ago.
        CREATE TABLE events_new (
            id TEXT PRIMARY KEY,
            community_id TEXT,
            title TEXT NOT NULL,
            starts_at TEXT NOT NULL,
            ends_at TEXT NOT NULL,
            place TEXT NOT NULL,
            in_hall INTEGER NOT NULL CHECK (in_hall IN (0, 1)),
            rrule TEXT,
            series_ends_at TEXT,
            description TEXT
        ) STRICT;
        INSERT INTO events_new (id, community_id, title, starts_at, ends_at, place, in_hall,
                                series_ends_at)
            SELECT id, community_id, title, starts_at, ends_at, place, in_hall, ends_at
            FROM events;
        DROP TABLE events;
        ALTER TABLE events_new RENAME TO events;
        CREATE INDEX events_by_start ON events(starts_at);
        CREATE INDEX events_by_series_end ON events(series_ends_at);
        CREATE INDEX events_by_community ON events(community_id)
        """,
    )


@migration
def m010_community_opens(db: Database) -> None:
    _run(
        db,
        """
        -- How often each community's page was opened, per local day (kiosk.counts): only
        -- numbers, never a visit or a time. A finished day leaves as one kiosk_counts record
        -- and its rows go in the same transaction.
        CREATE TABLE community_opens (
            day TEXT NOT NULL,
            community_id TEXT NOT NULL,
            n INTEGER NOT NULL CHECK (n >= 1),
            PRIMARY KEY (day, community_id)
        ) STRICT, WITHOUT ROWID
        """,
    )


@migration
def m011_hall_messages(db: Database) -> None:
    _run(
        db,
        """
        -- The hall's messages from the desk (kiosk.hall_messages), as the hub sends them.
        CREATE TABLE hall_messages (id TEXT PRIMARY KEY, data TEXT NOT NULL) STRICT;
        -- The hub sent no hall messages to this kiosk's older version, and its cursor has
        -- passed them: pull once more from zero, so the ones already planned arrive too.
        UPDATE sync_state SET value = '0' WHERE key = 'pull_cursor'
        """,
    )
