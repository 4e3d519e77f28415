"""The hub's schema, as registered migrations applied in order (sqlite-utils), like the
kiosk's: add a migration for every change, never edit one that has shipped. A store with a
migration this code does not know was written by a newer Ontmoet and is refused untouched.

m001 uses CREATE TABLE IF NOT EXISTS: hubs set up before the hub had migrations already hold
these tables.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

MIGRATION_SET = "ontmoet-hub"
MIGRATIONS: list[Callable[[Database], None]] = []


class NewerStoreError(Exception):
    """The store was written by a newer Ontmoet hub."""


class HalfRestoredError(Exception):
    """The hub's database (PostgreSQL) holds a store set aside by a restore that did not
    finish (sync.hub.restore_postgresql): no hub may serve in its place."""


def migration(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    MIGRATIONS.append(fn)
    return fn


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
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
        CREATE TABLE IF NOT EXISTS shared_records (
            entity TEXT NOT NULL CHECK (entity IN ('taxonomy', 'community', 'event')),
            id TEXT NOT NULL,
            data TEXT,                 -- NULL: deleted (a tombstone in the change log)
            revision INTEGER NOT NULL DEFAULT 1,
            field_revisions TEXT NOT NULL DEFAULT '{}',  -- {field: revision that last changed it}
            updated_at TEXT NOT NULL,
            PRIMARY KEY (entity, id)
        ) STRICT;
        CREATE TABLE IF NOT EXISTS changes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            entity TEXT NOT NULL,
            id TEXT NOT NULL,
            deleted INTEGER NOT NULL CHECK (deleted IN (0, 1)),
            data TEXT,
            changed_at TEXT NOT NULL,
            UNIQUE (entity, id)
        ) STRICT;
        CREATE TABLE IF NOT EXISTS conflicts (
            id INTEGER PRIMARY KEY,
            community_id TEXT NOT NULL,
            field TEXT NOT NULL,
            kept_value TEXT NOT NULL,
            proposed_value TEXT NOT NULL,
            base_revision INTEGER NOT NULL,
            hub_revision INTEGER NOT NULL,
            source TEXT NOT NULL,      -- who proposed the losing value: 'kiosk <name>' or 'hub'
            edit_id TEXT,
            created_at TEXT NOT NULL,
            resolved_at TEXT
        ) STRICT;
        CREATE TABLE IF NOT EXISTS kiosks (
            name TEXT PRIMARY KEY,
            token_hash TEXT UNIQUE,
            -- device_id: the kiosk's own id; another device under this name starts anew
            device_id TEXT,
            enrolled_at TEXT NOT NULL,
            revoked_at TEXT,
            last_seen TEXT,
            last_push TEXT,
            last_pull TEXT,
            outbox_size INTEGER,
            oldest_unsent TEXT,        -- when the oldest record still waiting on the kiosk was made
            version TEXT,
            clock_skew_seconds INTEGER,
            last_alert TEXT            -- e.g. a batch replayed with other content (SYNC.md rule 4)
        ) STRICT;
        CREATE TABLE IF NOT EXISTS enrolment_codes (
            code_hash TEXT PRIMARY KEY,
            kiosk TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT
        ) STRICT;
        CREATE TABLE IF NOT EXISTS accounts (
            username TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('admin', 'receptionist', 'community_editor')),
            created_at TEXT NOT NULL
        ) STRICT;
        -- Public pages find visitor records by the SHA-256 of the token in the QR code.
        CREATE TABLE IF NOT EXISTS take_home_lists (
            token_hash TEXT PRIMARY KEY,
            id TEXT NOT NULL,
            communities TEXT NOT NULL,
            language TEXT NOT NULL,
            expires_on TEXT NOT NULL
        ) STRICT;
        CREATE TABLE IF NOT EXISTS contact_receipts (
            token_hash TEXT PRIMARY KEY,
            id TEXT NOT NULL
        ) STRICT;
        -- Withdrawn contact requests: the record is gone; its id stays so that a kiosk pushing it
        -- again (after a hub restore) never brings it back.
        CREATE TABLE IF NOT EXISTS erased_records (
            entity TEXT NOT NULL,
            id TEXT NOT NULL,
            erased_at TEXT NOT NULL,
            PRIMARY KEY (entity, id)
        ) STRICT;
        CREATE TABLE IF NOT EXISTS kiosk_cursors (
            kiosk TEXT PRIMARY KEY,
            acked_seq INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE TABLE IF NOT EXISTS pushed_ops (
            kiosk TEXT NOT NULL,
            device_seq INTEGER NOT NULL,
            op_id TEXT NOT NULL UNIQUE,
            digest TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('applied', 'quarantined')),
            problem TEXT,
            payload TEXT,  -- kept for quarantined ops only, for whoever looks into them
            received_at TEXT NOT NULL,
            PRIMARY KEY (kiosk, device_seq)
        ) STRICT;
        CREATE TABLE IF NOT EXISTS visitor_records (
            entity TEXT NOT NULL,
            id TEXT NOT NULL,
            kiosk TEXT NOT NULL,
            fields TEXT NOT NULL,
            received_at TEXT NOT NULL,
            PRIMARY KEY (entity, id)
        ) STRICT;
        CREATE TABLE IF NOT EXISTS desk_sessions (
            token_hash TEXT PRIMARY KEY,
            username TEXT NOT NULL REFERENCES accounts(username) ON DELETE CASCADE,
            csrf TEXT NOT NULL,
            created_at TEXT NOT NULL,
            last_used TEXT NOT NULL
        ) STRICT;
        -- A community editor edits one community: their own.
        CREATE TABLE IF NOT EXISTS editor_communities (
            username TEXT PRIMARY KEY REFERENCES accounts(username) ON DELETE CASCADE,
            community_id TEXT NOT NULL
        ) STRICT;
        CREATE TABLE IF NOT EXISTS login_failures (
            username TEXT PRIMARY KEY,
            failures INTEGER NOT NULL,
            locked_until TEXT
        ) STRICT;
        CREATE TABLE IF NOT EXISTS request_states (
            entity TEXT NOT NULL CHECK (entity IN ('help_request', 'contact_request')),
            id TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('taken', 'closed', 'delivered_by_email',
                                                 'handed_over')),
            handled_by TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (entity, id)
        ) STRICT;
        CREATE TABLE IF NOT EXISTS community_mailboxes (
            community_id TEXT PRIMARY KEY,
            email TEXT NOT NULL
        ) STRICT;
        -- Introductions a receptionist makes: a visitor (by their contact request, never by name)
        -- and a community, two visitors who both agreed, or two communities.
        CREATE TABLE IF NOT EXISTS introductions (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('visitor_community', 'visitor_visitor',
                                               'community_community')),
            party_a TEXT NOT NULL,
            party_b TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            follow_up_on TEXT NOT NULL,
            outcome TEXT NOT NULL DEFAULT 'open' CHECK (outcome IN ('open', 'led_to_something',
                                                                    'not_yet', 'nothing')),
            made_by TEXT NOT NULL,
            made_at TEXT NOT NULL
        ) STRICT;
        CREATE TABLE IF NOT EXISTS audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL DEFAULT ''
        ) STRICT;
        CREATE TABLE IF NOT EXISTS edit_links (
            token_hash TEXT PRIMARY KEY,
            community_id TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL
        ) STRICT;
        CREATE TABLE IF NOT EXISTS proposals (
            id INTEGER PRIMARY KEY,
            community_id TEXT NOT NULL,
            base_revision INTEGER NOT NULL,
            changes TEXT NOT NULL,
            source TEXT NOT NULL CHECK (source IN ('community', 'reception')),
            status TEXT NOT NULL CHECK (status IN ('review', 'awaiting_community', 'applied',
                                                   'declined')),
            made_by TEXT NOT NULL,
            made_at TEXT NOT NULL,
            decided_by TEXT,
            decided_at TEXT
        ) STRICT
        """,
    )


@migration
def m002_kiosk_settings(db: Database) -> None:
    _run(
        db,
        """
        -- Settings for every kiosk (the receptionist PIN's hash) travel as a shared record:
        -- the entity's CHECK must allow them. SQLite cannot change a CHECK: rebuild.
        CREATE TABLE shared_records_new (
            entity TEXT NOT NULL CHECK (entity IN ('taxonomy', 'community', 'event',
                                                   'settings')),
            id TEXT NOT NULL,
            data TEXT,
            revision INTEGER NOT NULL DEFAULT 1,
            field_revisions TEXT NOT NULL DEFAULT '{}',
            updated_at TEXT NOT NULL,
            PRIMARY KEY (entity, id)
        ) STRICT;
        INSERT INTO shared_records_new SELECT entity, id, data, revision, field_revisions,
            updated_at FROM shared_records;
        DROP TABLE shared_records;
        ALTER TABLE shared_records_new RENAME TO shared_records
        """,
    )


@migration
def m003_safe_to_go_live(db: Database) -> None:
    _run(
        db,
        """
        -- Accounts can be disabled, and a generated password must be changed at first login.
        ALTER TABLE accounts ADD COLUMN disabled_at TEXT;
        ALTER TABLE accounts ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
        -- Failed logins per account *and* address: a stranger elsewhere cannot lock a
        -- receptionist out. 'locks' grows the next lock (15 min, 30, 60, ... at most a day).
        CREATE TABLE login_throttle (
            username TEXT NOT NULL,
            address TEXT NOT NULL,
            failures INTEGER NOT NULL DEFAULT 0,
            locks INTEGER NOT NULL DEFAULT 0,
            locked_until TEXT,
            last_failure TEXT NOT NULL,
            PRIMARY KEY (username, address)
        ) STRICT;
        DROP TABLE login_failures;
        -- A new edit link for a group ends its older ones; a link can be revoked.
        ALTER TABLE edit_links ADD COLUMN revoked_at TEXT;
        -- Forms that grant rights name a proposal by an unguessable reference, not its row id.
        ALTER TABLE proposals ADD COLUMN ref TEXT;
        UPDATE proposals SET ref = lower(hex(randomblob(16)));
        CREATE UNIQUE INDEX proposals_ref ON proposals (ref);
        -- Per-kiosk quotas count a kiosk's recent records of one kind.
        CREATE INDEX visitor_records_by_kiosk ON visitor_records (kiosk, entity, received_at)
        """,
    )


@migration
def m004_quota_hours(db: Database) -> None:
    _run(
        db,
        """
        -- The hour (UTC) a record counts in for its kiosk's quota: the hour it says it was
        -- made, or the hour it arrived when that claim is far off (a kiosk can say anything).
        ALTER TABLE visitor_records ADD COLUMN quota_hour TEXT;
        CREATE INDEX visitor_records_quota ON visitor_records (kiosk, entity, quota_hour)
        """,
    )


@migration
def m005_signups(db: Database) -> None:
    _run(
        db,
        """
        -- Groups that signed themselves up on the public page, waiting for the desk. The
        -- e-mail address is for the desk only (never in a shared record). A declined sign-up
        -- is deleted: the audit log keeps its ref, the decision and the reason's code.
        CREATE TABLE signups (
            ref TEXT PRIMARY KEY,          -- unguessable: names the sign-up in desk forms
            name TEXT NOT NULL,
            pitch TEXT NOT NULL,
            story TEXT NOT NULL DEFAULT '',
            themes TEXT NOT NULL,          -- JSON list of theme slugs
            neighbourhood TEXT,
            meets_when TEXT NOT NULL,
            meets_where TEXT NOT NULL,
            email TEXT NOT NULL,
            join_url TEXT,
            language TEXT NOT NULL,        -- the page's language: the group's mails use it
            created_at TEXT NOT NULL
        ) STRICT;
        -- The key that signs the sign-up form's token (a form fetched from this hub lately).
        INSERT OR IGNORE INTO meta (key, value)
            VALUES ('signup_form_key', lower(hex(randomblob(32))))
        """,
    )


@migration
def m006_freshness(db: Database) -> None:
    _run(
        db,
        """
        -- When a group was last sent its "is everything still right?" mail: at most once in
        -- six months.
        CREATE TABLE freshness_reminders (
            community_id TEXT PRIMARY KEY,
            sent_at TEXT NOT NULL
        ) STRICT;
        -- The one-click "everything is still right" links in those mails (only the hash).
        CREATE TABLE confirm_links (
            token_hash TEXT PRIMARY KEY,
            community_id TEXT NOT NULL,
            expires_at TEXT NOT NULL
        ) STRICT
        """,
    )


@migration
def m007_archived_communities(db: Database) -> None:
    _run(
        db,
        """
        -- A community archived at the desk: gone from the kiosks (a tombstone in the change
        -- log), kept here with its events so that the desk can bring it back as it was.
        CREATE TABLE archived_communities (
            community_id TEXT PRIMARY KEY,
            data TEXT NOT NULL,
            events TEXT NOT NULL DEFAULT '[]',
            archived_by TEXT NOT NULL,
            archived_at TEXT NOT NULL
        ) STRICT
        """,
    )


@migration
def m008_event_proposals(db: Database) -> None:
    _run(
        db,
        """
        -- Events a group proposed through its edit link, waiting for the desk's review (the
        -- record as it would be stored, checked). Approved or declined, the row goes; the
        -- audit log keeps the decision.
        CREATE TABLE event_proposals (
            ref TEXT PRIMARY KEY,          -- unguessable: names the proposal in desk forms
            community_id TEXT NOT NULL,
            event_id TEXT NOT NULL,
            data TEXT NOT NULL,
            made_by TEXT NOT NULL,
            made_at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX event_proposals_by_group ON event_proposals (community_id)
        """,
    )


@migration
def m009_imports(db: Database) -> None:
    _run(
        db,
        """
        -- Each import (ontmoet-hub import): its source, when, what it did, and its report for
        -- the desk (unknown terms, bad rows with file, line and field; JSON).
        CREATE TABLE import_runs (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            format TEXT NOT NULL,
            actor TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT NOT NULL,
            added INTEGER NOT NULL,
            changed INTEGER NOT NULL,
            skipped INTEGER NOT NULL,
            report TEXT NOT NULL
        ) STRICT;
        -- Which community a source's record became: a re-import updates it, never a new one.
        CREATE TABLE import_sources (
            source TEXT NOT NULL,
            source_id TEXT NOT NULL,
            community_id TEXT NOT NULL,
            PRIMARY KEY (source, source_id)
        ) STRICT;
        CREATE INDEX import_sources_by_community ON import_sources (community_id);
        -- Per field of a community: the import that last brought it, and the hash of the
        -- value the source had then (a field the source did not change is left alone).
        CREATE TABLE import_fields (
            community_id TEXT NOT NULL,
            field TEXT NOT NULL,
            source TEXT NOT NULL,
            source_id TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            value_hash TEXT NOT NULL,
            run_id INTEGER NOT NULL,
            PRIMARY KEY (community_id, field)
        ) STRICT
        """,
    )


@migration
def m010_fleet_alerts(db: Database) -> None:
    _run(
        db,
        """
        -- A kiosk's alert while it lasts (sync.hub.alerts): one row per kiosk and kind, so each
        -- change is mailed once. mailed_at: the admins were told (or a sender claimed it);
        -- cleared_at: the kiosk is back and the "back" mail is still to go.
        CREATE TABLE kiosk_alerts (
            kiosk TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('offline', 'outbox')),
            raised_at TEXT NOT NULL,
            mailed_at TEXT,
            cleared_at TEXT,
            PRIMARY KEY (kiosk, kind)
        ) STRICT
        """,
    )


@migration
def m011_introduction_mail(db: Database) -> None:
    _run(
        db,
        """
        -- Each side of an introduction, as the hub reaches it (sync.hub.introductions): its
        -- introduction mail, why it did not go, the follow-up question and the answer. No
        -- address is kept here: a group's is its mailbox, a visitor's stays sealed in their
        -- contact request (and is gone with it).
        CREATE TABLE introduction_parties (
            introduction_id INTEGER NOT NULL REFERENCES introductions(id) ON DELETE CASCADE,
            side TEXT NOT NULL CHECK (side IN ('a', 'b')),
            party TEXT NOT NULL,           -- as in introductions: request id, group id, kiosk:
            role TEXT NOT NULL CHECK (role IN ('visitor', 'community', 'kiosk_visitor')),
            language TEXT NOT NULL,        -- of this side's mails and answer page
            mailed_at TEXT,                -- the introduction mail went (claimed by a sender)
            problem TEXT,                  -- why it did not go; NULL: none (or not yet tried)
            tries INTEGER NOT NULL DEFAULT 0,  -- failed sends of the mail now due
            retry_after TEXT,              -- a failed send is tried again from then on
            called_at TEXT,                -- a visitor with a phone number: the desk called
            follow_up_at TEXT,             -- the follow-up question went (claimed)
            follow_up_problem TEXT,
            token_hash TEXT UNIQUE,        -- SHA-256 of the answer link's token, never the token
            expires_at TEXT,               -- the answer link works until then
            answer TEXT CHECK (answer IN ('yes', 'not_yet', 'no')),
            answered_at TEXT,
            PRIMARY KEY (introduction_id, side)
        ) STRICT;
        -- 'desk': the outcome was set by hand; later answers are shown beside it, not over it.
        ALTER TABLE introductions ADD COLUMN outcome_by TEXT;
        -- Introductions recorded before this hub mailed anybody are never mailed now.
        INSERT OR IGNORE INTO meta (key, value)
            SELECT 'introduction_mail_from', CAST(coalesce(max(id), 0) + 1 AS TEXT)
            FROM introductions;
        -- The key that binds an answer page's form to its link (sync.hub.introductions).
        INSERT OR IGNORE INTO meta (key, value)
            VALUES ('answer_form_key', lower(hex(randomblob(32))))
        """,
    )


@migration
def m014_hall_messages(db: Database) -> None:
    _run(
        db,
        """
        -- The hall's messages from the desk (sync.hub.hall_messages) travel as a shared
        -- record: the entity's CHECK must allow them. SQLite cannot change a CHECK: rebuild.
        CREATE TABLE shared_records_new (
            entity TEXT NOT NULL CHECK (entity IN ('taxonomy', 'community', 'event',
                                                   'settings', 'hall_message')),
            id TEXT NOT NULL,
            data TEXT,
            revision INTEGER NOT NULL DEFAULT 1,
            field_revisions TEXT NOT NULL DEFAULT '{}',
            updated_at TEXT NOT NULL,
            PRIMARY KEY (entity, id)
        ) STRICT;
        INSERT INTO shared_records_new SELECT entity, id, data, revision, field_revisions,
            updated_at FROM shared_records;
        DROP TABLE shared_records;
        ALTER TABLE shared_records_new RENAME TO shared_records
        """,
    )


@migration
def m012_wishes(db: Database) -> None:
    _run(
        db,
        """
        -- 'Count me in' (sync.hub.wishes): an introduction of the people behind a group of
        -- wishes. No address here: the ids of the contact requests to call, nothing more.
        CREATE TABLE wish_introductions (
            id INTEGER PRIMARY KEY,
            group_key TEXT NOT NULL,
            label TEXT NOT NULL,
            invitation TEXT NOT NULL,
            mailed INTEGER NOT NULL,
            failed TEXT NOT NULL DEFAULT '[]',   -- why mails did not go (JSON list)
            to_call TEXT NOT NULL DEFAULT '[]',  -- contact request ids with a phone number
            made_by TEXT NOT NULL,
            made_at TEXT NOT NULL
        ) STRICT;
        -- What the desk did with a wish; a wish without a row is still unmet.
        CREATE TABLE wish_states (
            wish_id TEXT PRIMARY KEY,
            state TEXT NOT NULL CHECK (state IN ('introduced', 'dismissed')),
            introduction INTEGER REFERENCES wish_introductions(id),
            handled_by TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) STRICT
        """,
    )


@migration
def m015_erased_figures(db: Database) -> None:
    _run(
        db,
        """
        -- The groups' figures of records that were erased (an expired take-home list, a
        -- contact request whose period ended or whose consent was withdrawn): counted here
        -- when the record goes, so a month's figures do not shrink (sync.hub.group_figures).
        -- Counts per month and group only: nothing of the visitor.
        CREATE TABLE erased_figures (
            month TEXT NOT NULL,         -- 'YYYY-MM' the record was made in
            community_id TEXT NOT NULL,
            figure TEXT NOT NULL CHECK (figure IN ('kept', 'asked')),
            count INTEGER NOT NULL,
            PRIMARY KEY (month, community_id, figure)
        ) STRICT
        """,
    )


@migration
def m016_job_runs(db: Database) -> None:
    _run(
        db,
        """
        -- The hub's periodic jobs (sync.hub.jobs): each run is claimed here first, so with
        -- several hub processes on one store a job runs once per period, not once per process.
        CREATE TABLE job_runs (
            name TEXT PRIMARY KEY,
            due_at TEXT NOT NULL,        -- ISO 8601 UTC: the next run may be claimed from then
            last_by TEXT,                -- the process that claimed the last run (host:pid)
            last_at TEXT
        ) STRICT
        """,
    )


@migration
def m017_rate_hits(db: Database) -> None:
    _run(
        db,
        """
        -- Failed logins and enrolments per client address, counted in the store so that the
        -- limits hold for all hub processes together (sync.hub.web.SharedRateLimit); a hub on
        -- SQLite with one process counts in memory and leaves this empty.
        CREATE TABLE rate_hits (
            name TEXT NOT NULL,          -- which limit: login, enrol
            key TEXT NOT NULL,           -- whose attempts: a client address's key
            at INTEGER NOT NULL          -- when: milliseconds since 1970 (UTC)
        ) STRICT;
        CREATE INDEX rate_hits_by_key ON rate_hits (name, key, at)
        """,
    )


@migration
def m018_photo_files(db: Database) -> None:
    _run(
        db,
        """
        -- The groups' photos in the store, for a hub on PostgreSQL whose processes run on
        -- several machines (sync.hub.photos): each keeps its photos/ folder as a cache of
        -- this table. A hub on SQLite keeps its photos as files only and leaves this empty.
        CREATE TABLE photo_files (
            sha256 TEXT PRIMARY KEY,     -- the JPEG's SHA-256 (hex): its name everywhere
            jpeg BLOB NOT NULL,
            saved_at INTEGER NOT NULL    -- seconds since 1970 (UTC): the sweep's grace
        ) STRICT
        """,
    )


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the hub's store up to date (outside any open transaction), and give a new store
    its epoch."""
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    known = {fn.__name__ for fn in MIGRATIONS}
    has_log = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE name = '_sqlite_migrations'"
    ).fetchone()
    if has_log:
        applied = {
            r[0]
            for r in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET]
            )
        }
        newer = sorted(applied - known)
        if newer:
            raise NewerStoreError(
                f"the hub's store was written by a newer Ontmoet (it has '{newer[0]}'); "
                "it was not changed: update Ontmoet"
            )
    migrations = Migrations(MIGRATION_SET)
    for fn in MIGRATIONS:
        migrations()(fn)
    migrations.apply(Database(conn))
    conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('epoch', ?)", [str(uuid.uuid4())])
    conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('horizon', '0')")
