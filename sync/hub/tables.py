"""The hub's whole schema as SQLAlchemy Core tables: what Alembic's revisions
(sync/hub/migrations/versions/) create on PostgreSQL, and the same schema SQLite hubs reach
through the migrations of sync/hub/schema.py.
tests/test_tables.py holds the two against each other, table by table, so neither drifts.

Made from a hub migrated to m014 with sqlacodegen (--generator tables), then edited: every
table STRICT on SQLite as the migrations make them, the change log's seq a BIGINT on
PostgreSQL, and the foreign keys' ON DELETE CASCADE that the generator left out. Timestamps
stay ISO 8601 text, as the hub writes and compares them on both engines.

A schema change from now on: a migration in sync/hub/schema.py for SQLite, an Alembic
revision for PostgreSQL, and the table here; the test fails until all three agree.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData()


#: SQLite's INTEGER holds 64 bits; so does every whole number on PostgreSQL (BIGINT), or a
#: value SQLite takes (a kiosk's clock years off, in seconds) would overflow there (0005).
WHOLE = BigInteger().with_variant(Integer(), "sqlite")


def _table(name: str, *items, **options) -> Table:
    """A table of the hub: STRICT on SQLite (typed columns), as the migrations make them."""
    return Table(name, metadata, *items, sqlite_strict=True, **options)


accounts = _table(
    "accounts",
    Column("username", Text, primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("disabled_at", Text),
    Column("must_change_password", WHOLE, nullable=False, server_default=text("0")),
    CheckConstraint("role IN ('admin', 'receptionist', 'community_editor')"),
)

archived_communities = _table(
    "archived_communities",
    Column("community_id", Text, primary_key=True),
    Column("data", Text, nullable=False),
    Column("events", Text, nullable=False, server_default=text("'[]'")),
    Column("archived_by", Text, nullable=False),
    Column("archived_at", Text, nullable=False),
)

audit_log = _table(
    "audit_log",
    Column("id", WHOLE, primary_key=True),
    Column("at", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("target", Text, nullable=False, server_default=text("''")),
)

changes = _table(
    "changes",
    # BIGINT on PostgreSQL; on SQLite INTEGER PRIMARY KEY AUTOINCREMENT: a seq is never used
    # twice, not even after the newest row is deleted (sync/hub/change_log.py).
    Column("seq", WHOLE, primary_key=True),
    Column("entity", Text, nullable=False),
    Column("id", Text, nullable=False),
    Column("deleted", WHOLE, nullable=False),
    Column("data", Text),
    Column("changed_at", Text, nullable=False),
    CheckConstraint("deleted IN (0, 1)"),
    UniqueConstraint("entity", "id"),
    sqlite_autoincrement=True,
)

community_mailboxes = _table(
    "community_mailboxes",
    Column("community_id", Text, primary_key=True),
    Column("email", Text, nullable=False),
)

confirm_links = _table(
    "confirm_links",
    Column("token_hash", Text, primary_key=True),
    Column("community_id", Text, nullable=False),
    Column("expires_at", Text, nullable=False),
)

conflicts = _table(
    "conflicts",
    Column("id", WHOLE, primary_key=True),
    Column("community_id", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("kept_value", Text, nullable=False),
    Column("proposed_value", Text, nullable=False),
    Column("base_revision", WHOLE, nullable=False),
    Column("hub_revision", WHOLE, nullable=False),
    Column("source", Text, nullable=False),
    Column("edit_id", Text),
    Column("created_at", Text, nullable=False),
    Column("resolved_at", Text),
)

contact_receipts = _table(
    "contact_receipts",
    Column("token_hash", Text, primary_key=True),
    Column("id", Text, nullable=False),
)

edit_links = _table(
    "edit_links",
    Column("token_hash", Text, primary_key=True),
    Column("community_id", Text, nullable=False),
    Column("expires_at", Text, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("revoked_at", Text),
)

erased_figures = _table(
    "erased_figures",
    Column("month", Text, primary_key=True),
    Column("community_id", Text, primary_key=True),
    Column("figure", Text, primary_key=True),
    Column("count", WHOLE, nullable=False),
    CheckConstraint("figure IN ('kept', 'asked')"),
)

enrolment_codes = _table(
    "enrolment_codes",
    Column("code_hash", Text, primary_key=True),
    Column("kiosk", Text, nullable=False),
    Column("expires_at", Text, nullable=False),
    Column("used_at", Text),
)

erased_records = _table(
    "erased_records",
    Column("entity", Text, primary_key=True),
    Column("id", Text, primary_key=True),
    Column("erased_at", Text, nullable=False),
)

event_proposals = _table(
    "event_proposals",
    Column("ref", Text, primary_key=True),
    Column("community_id", Text, nullable=False),
    Column("event_id", Text, nullable=False),
    Column("data", Text, nullable=False),
    Column("made_by", Text, nullable=False),
    Column("made_at", Text, nullable=False),
    Index("event_proposals_by_group", "community_id"),
)

freshness_reminders = _table(
    "freshness_reminders",
    Column("community_id", Text, primary_key=True),
    Column("sent_at", Text, nullable=False),
)

import_fields = _table(
    "import_fields",
    Column("community_id", Text, primary_key=True),
    Column("field", Text, primary_key=True),
    Column("source", Text, nullable=False),
    Column("source_id", Text, nullable=False),
    Column("imported_at", Text, nullable=False),
    Column("value_hash", Text, nullable=False),
    Column("run_id", WHOLE, nullable=False),
)

import_runs = _table(
    "import_runs",
    Column("id", WHOLE, primary_key=True),
    Column("source", Text, nullable=False),
    Column("format", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("started_at", Text, nullable=False),
    Column("finished_at", Text, nullable=False),
    Column("added", WHOLE, nullable=False),
    Column("changed", WHOLE, nullable=False),
    Column("skipped", WHOLE, nullable=False),
    Column("report", Text, nullable=False),
)

import_sources = _table(
    "import_sources",
    Column("source", Text, primary_key=True),
    Column("source_id", Text, primary_key=True),
    Column("community_id", Text, nullable=False),
    Index("import_sources_by_community", "community_id"),
)

introductions = _table(
    "introductions",
    Column("id", WHOLE, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("party_a", Text, nullable=False),
    Column("party_b", Text, nullable=False),
    Column("note", Text, nullable=False, server_default=text("''")),
    Column("follow_up_on", Text, nullable=False),
    Column("outcome", Text, nullable=False, server_default=text("'open'")),
    Column("made_by", Text, nullable=False),
    Column("made_at", Text, nullable=False),
    Column("outcome_by", Text),
    CheckConstraint("kind IN ('visitor_community', 'visitor_visitor', 'community_community')"),
    CheckConstraint("outcome IN ('open', 'led_to_something', 'not_yet', 'nothing')"),
)

rate_hits = _table(
    "rate_hits",
    Column("name", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("at", WHOLE, nullable=False),
    Index("rate_hits_by_key", "name", "key", "at"),
)

photo_files = _table(
    "photo_files",
    Column("sha256", Text, primary_key=True),
    Column("jpeg", LargeBinary, nullable=False),
    Column("saved_at", WHOLE, nullable=False),
)

job_runs = _table(
    "job_runs",
    Column("name", Text, primary_key=True),
    Column("due_at", Text, nullable=False),
    Column("last_by", Text),
    Column("last_at", Text),
)

kiosk_alerts = _table(
    "kiosk_alerts",
    Column("kiosk", Text, primary_key=True),
    Column("kind", Text, primary_key=True),
    Column("raised_at", Text, nullable=False),
    Column("mailed_at", Text),
    Column("cleared_at", Text),
    CheckConstraint("kind IN ('offline', 'outbox')"),
)

kiosk_cursors = _table(
    "kiosk_cursors",
    Column("kiosk", Text, primary_key=True),
    Column("acked_seq", WHOLE, nullable=False, server_default=text("0")),
)

kiosks = _table(
    "kiosks",
    Column("name", Text, primary_key=True),
    Column("token_hash", Text, unique=True),
    Column("device_id", Text),
    Column("enrolled_at", Text, nullable=False),
    Column("revoked_at", Text),
    Column("last_seen", Text),
    Column("last_push", Text),
    Column("last_pull", Text),
    Column("outbox_size", WHOLE),
    Column("oldest_unsent", Text),
    Column("version", Text),
    Column("clock_skew_seconds", WHOLE),
    Column("last_alert", Text),
)

login_throttle = _table(
    "login_throttle",
    Column("username", Text, primary_key=True),
    Column("address", Text, primary_key=True),
    Column("failures", WHOLE, nullable=False, server_default=text("0")),
    Column("locks", WHOLE, nullable=False, server_default=text("0")),
    Column("locked_until", Text),
    Column("last_failure", Text, nullable=False),
)

meta = _table("meta", Column("key", Text, primary_key=True), Column("value", Text, nullable=False))

proposals = _table(
    "proposals",
    Column("id", WHOLE, primary_key=True),
    Column("community_id", Text, nullable=False),
    Column("base_revision", WHOLE, nullable=False),
    Column("changes", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("made_by", Text, nullable=False),
    Column("made_at", Text, nullable=False),
    Column("decided_by", Text),
    Column("decided_at", Text),
    Column("ref", Text),
    CheckConstraint("source IN ('community', 'reception')"),
    CheckConstraint("status IN ('review', 'awaiting_community', 'applied', 'declined')"),
    Index("proposals_ref", "ref", unique=True),
)

pushed_ops = _table(
    "pushed_ops",
    Column("kiosk", Text, primary_key=True),
    Column("device_seq", WHOLE, primary_key=True),
    Column("op_id", Text, nullable=False, unique=True),
    Column("digest", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("problem", Text),
    Column("payload", Text),
    Column("received_at", Text, nullable=False),
    CheckConstraint("status IN ('applied', 'quarantined')"),
)

request_states = _table(
    "request_states",
    Column("entity", Text, primary_key=True),
    Column("id", Text, primary_key=True),
    Column("state", Text, nullable=False),
    Column("handled_by", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    CheckConstraint("entity IN ('help_request', 'contact_request')"),
    CheckConstraint("state IN ('taken', 'closed', 'delivered_by_email', 'handed_over')"),
)

shared_records = _table(
    "shared_records",
    Column("entity", Text, primary_key=True),
    Column("id", Text, primary_key=True),
    Column("data", Text),
    Column("revision", WHOLE, nullable=False, server_default=text("1")),
    Column("field_revisions", Text, nullable=False, server_default=text("'{}'")),
    Column("updated_at", Text, nullable=False),
    CheckConstraint("entity IN ('taxonomy', 'community', 'event', 'settings', 'hall_message')"),
)

signups = _table(
    "signups",
    Column("ref", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("pitch", Text, nullable=False),
    Column("story", Text, nullable=False, server_default=text("''")),
    Column("themes", Text, nullable=False),
    Column("neighbourhood", Text),
    Column("meets_when", Text, nullable=False),
    Column("meets_where", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("join_url", Text),
    Column("language", Text, nullable=False),
    Column("created_at", Text, nullable=False),
)

take_home_lists = _table(
    "take_home_lists",
    Column("token_hash", Text, primary_key=True),
    Column("id", Text, nullable=False),
    Column("communities", Text, nullable=False),
    Column("language", Text, nullable=False),
    Column("expires_on", Text, nullable=False),
)

visitor_records = _table(
    "visitor_records",
    Column("entity", Text, primary_key=True),
    Column("id", Text, primary_key=True),
    Column("kiosk", Text, nullable=False),
    Column("fields", Text, nullable=False),
    Column("received_at", Text, nullable=False),
    Column("quota_hour", Text),
    Index("visitor_records_by_kiosk", "kiosk", "entity", "received_at"),
    Index("visitor_records_quota", "kiosk", "entity", "quota_hour"),
)

wish_introductions = _table(
    "wish_introductions",
    Column("id", WHOLE, primary_key=True),
    Column("group_key", Text, nullable=False),
    Column("label", Text, nullable=False),
    Column("invitation", Text, nullable=False),
    Column("mailed", WHOLE, nullable=False),
    Column("failed", Text, nullable=False, server_default=text("'[]'")),
    Column("to_call", Text, nullable=False, server_default=text("'[]'")),
    Column("made_by", Text, nullable=False),
    Column("made_at", Text, nullable=False),
)

desk_sessions = _table(
    "desk_sessions",
    Column("token_hash", Text, primary_key=True),
    Column("username", ForeignKey("accounts.username", ondelete="CASCADE"), nullable=False),
    Column("csrf", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("last_used", Text, nullable=False),
)

editor_communities = _table(
    "editor_communities",
    Column("username", ForeignKey("accounts.username", ondelete="CASCADE"), primary_key=True),
    Column("community_id", Text, nullable=False),
)

introduction_parties = _table(
    "introduction_parties",
    Column("introduction_id", ForeignKey("introductions.id", ondelete="CASCADE"), primary_key=True),
    Column("side", Text, primary_key=True),
    Column("party", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("language", Text, nullable=False),
    Column("mailed_at", Text),
    Column("problem", Text),
    Column("tries", WHOLE, nullable=False, server_default=text("0")),
    Column("retry_after", Text),
    Column("called_at", Text),
    Column("follow_up_at", Text),
    Column("follow_up_problem", Text),
    Column("token_hash", Text, unique=True),
    Column("expires_at", Text),
    Column("answer", Text),
    Column("answered_at", Text),
    CheckConstraint("answer IN ('yes', 'not_yet', 'no')"),
    CheckConstraint("role IN ('visitor', 'community', 'kiosk_visitor')"),
    CheckConstraint("side IN ('a', 'b')"),
)

wish_states = _table(
    "wish_states",
    Column("wish_id", Text, primary_key=True),
    Column("state", Text, nullable=False),
    Column("introduction", ForeignKey("wish_introductions.id")),
    Column("handled_by", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    CheckConstraint("state IN ('introduced', 'dismissed')"),
)
