"""Baseline: the hub's schema as SQLite hubs have it after m001 to m014 (sync/hub/schema.py),
as sync/hub/tables.py describes it. Made with Alembic's autogenerate from those tables, then
left as generated (tests/test_tables.py compares it with both).

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "accounts",
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("disabled_at", sa.Text(), nullable=True),
        sa.Column(
            "must_change_password", sa.Integer(), server_default=sa.text("0"), nullable=False
        ),
        sa.CheckConstraint("role IN ('admin', 'receptionist', 'community_editor')"),
        sa.PrimaryKeyConstraint("username"),
        sqlite_strict=True,
    )
    op.create_table(
        "archived_communities",
        sa.Column("community_id", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("events", sa.Text(), server_default=sa.text("'[]'"), nullable=False),
        sa.Column("archived_by", sa.Text(), nullable=False),
        sa.Column("archived_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("community_id"),
        sqlite_strict=True,
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_strict=True,
    )
    op.create_table(
        "changes",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("entity", sa.Text(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=True),
        sa.Column("changed_at", sa.Text(), nullable=False),
        sa.CheckConstraint("deleted IN (0, 1)"),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("entity", "id"),
        sqlite_autoincrement=True,
        sqlite_strict=True,
    )
    op.create_table(
        "community_mailboxes",
        sa.Column("community_id", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("community_id"),
        sqlite_strict=True,
    )
    op.create_table(
        "confirm_links",
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("community_id", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
        sqlite_strict=True,
    )
    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Text(), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("kept_value", sa.Text(), nullable=False),
        sa.Column("proposed_value", sa.Text(), nullable=False),
        sa.Column("base_revision", sa.Integer(), nullable=False),
        sa.Column("hub_revision", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("edit_id", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("resolved_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sqlite_strict=True,
    )
    op.create_table(
        "contact_receipts",
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
        sqlite_strict=True,
    )
    op.create_table(
        "edit_links",
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("community_id", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("revoked_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash"),
        sqlite_strict=True,
    )
    op.create_table(
        "enrolment_codes",
        sa.Column("code_hash", sa.Text(), nullable=False),
        sa.Column("kiosk", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.Text(), nullable=False),
        sa.Column("used_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("code_hash"),
        sqlite_strict=True,
    )
    op.create_table(
        "erased_records",
        sa.Column("entity", sa.Text(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("erased_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("entity", "id"),
        sqlite_strict=True,
    )
    op.create_table(
        "event_proposals",
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("community_id", sa.Text(), nullable=False),
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("made_by", sa.Text(), nullable=False),
        sa.Column("made_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("ref"),
        sqlite_strict=True,
    )
    op.create_index("event_proposals_by_group", "event_proposals", ["community_id"], unique=False)

    op.create_table(
        "freshness_reminders",
        sa.Column("community_id", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("community_id"),
        sqlite_strict=True,
    )
    op.create_table(
        "import_fields",
        sa.Column("community_id", sa.Text(), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.Text(), nullable=False),
        sa.Column("value_hash", sa.Text(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("community_id", "field"),
        sqlite_strict=True,
    )
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("format", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("started_at", sa.Text(), nullable=False),
        sa.Column("finished_at", sa.Text(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_strict=True,
    )
    op.create_table(
        "import_sources",
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=False),
        sa.Column("community_id", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("source", "source_id"),
        sqlite_strict=True,
    )
    op.create_index("import_sources_by_community", "import_sources", ["community_id"], unique=False)

    op.create_table(
        "introductions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("party_a", sa.Text(), nullable=False),
        sa.Column("party_b", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("follow_up_on", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), server_default=sa.text("'open'"), nullable=False),
        sa.Column("made_by", sa.Text(), nullable=False),
        sa.Column("made_at", sa.Text(), nullable=False),
        sa.Column("outcome_by", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('visitor_community', 'visitor_visitor', 'community_community')"
        ),
        sa.CheckConstraint("outcome IN ('open', 'led_to_something', 'not_yet', 'nothing')"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_strict=True,
    )
    op.create_table(
        "kiosk_alerts",
        sa.Column("kiosk", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("raised_at", sa.Text(), nullable=False),
        sa.Column("mailed_at", sa.Text(), nullable=True),
        sa.Column("cleared_at", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('offline', 'outbox')"),
        sa.PrimaryKeyConstraint("kiosk", "kind"),
        sqlite_strict=True,
    )
    op.create_table(
        "kiosk_cursors",
        sa.Column("kiosk", sa.Text(), nullable=False),
        sa.Column("acked_seq", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.PrimaryKeyConstraint("kiosk"),
        sqlite_strict=True,
    )
    op.create_table(
        "kiosks",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.Text(), nullable=True),
        sa.Column("device_id", sa.Text(), nullable=True),
        sa.Column("enrolled_at", sa.Text(), nullable=False),
        sa.Column("revoked_at", sa.Text(), nullable=True),
        sa.Column("last_seen", sa.Text(), nullable=True),
        sa.Column("last_push", sa.Text(), nullable=True),
        sa.Column("last_pull", sa.Text(), nullable=True),
        sa.Column("outbox_size", sa.Integer(), nullable=True),
        sa.Column("oldest_unsent", sa.Text(), nullable=True),
        sa.Column("version", sa.Text(), nullable=True),
        sa.Column("clock_skew_seconds", sa.Integer(), nullable=True),
        sa.Column("last_alert", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
        sa.UniqueConstraint("token_hash"),
        sqlite_strict=True,
    )
    op.create_table(
        "login_throttle",
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("failures", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("locks", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("locked_until", sa.Text(), nullable=True),
        sa.Column("last_failure", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("username", "address"),
        sqlite_strict=True,
    )
    op.create_table(
        "meta",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
        sqlite_strict=True,
    )
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Text(), nullable=False),
        sa.Column("base_revision", sa.Integer(), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("made_by", sa.Text(), nullable=False),
        sa.Column("made_at", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.Text(), nullable=True),
        sa.Column("ref", sa.Text(), nullable=True),
        sa.CheckConstraint("source IN ('community', 'reception')"),
        sa.CheckConstraint("status IN ('review', 'awaiting_community', 'applied', 'declined')"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_strict=True,
    )
    op.create_index("proposals_ref", "proposals", ["ref"], unique=True)

    op.create_table(
        "pushed_ops",
        sa.Column("kiosk", sa.Text(), nullable=False),
        sa.Column("device_seq", sa.Integer(), nullable=False),
        sa.Column("op_id", sa.Text(), nullable=False),
        sa.Column("digest", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("received_at", sa.Text(), nullable=False),
        sa.CheckConstraint("status IN ('applied', 'quarantined')"),
        sa.PrimaryKeyConstraint("kiosk", "device_seq"),
        sa.UniqueConstraint("op_id"),
        sqlite_strict=True,
    )
    op.create_table(
        "request_states",
        sa.Column("entity", sa.Text(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("handled_by", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.CheckConstraint("entity IN ('help_request', 'contact_request')"),
        sa.CheckConstraint("state IN ('taken', 'closed', 'delivered_by_email', 'handed_over')"),
        sa.PrimaryKeyConstraint("entity", "id"),
        sqlite_strict=True,
    )
    op.create_table(
        "shared_records",
        sa.Column("entity", sa.Text(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=True),
        sa.Column("revision", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("field_revisions", sa.Text(), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "entity IN ('taxonomy', 'community', 'event', 'settings', 'hall_message')"
        ),
        sa.PrimaryKeyConstraint("entity", "id"),
        sqlite_strict=True,
    )
    op.create_table(
        "signups",
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("pitch", sa.Text(), nullable=False),
        sa.Column("story", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("themes", sa.Text(), nullable=False),
        sa.Column("neighbourhood", sa.Text(), nullable=True),
        sa.Column("meets_when", sa.Text(), nullable=False),
        sa.Column("meets_where", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("join_url", sa.Text(), nullable=True),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("ref"),
        sqlite_strict=True,
    )
    op.create_table(
        "take_home_lists",
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("communities", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("expires_on", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
        sqlite_strict=True,
    )
    op.create_table(
        "visitor_records",
        sa.Column("entity", sa.Text(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("kiosk", sa.Text(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("received_at", sa.Text(), nullable=False),
        sa.Column("quota_hour", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("entity", "id"),
        sqlite_strict=True,
    )
    op.create_index(
        "visitor_records_by_kiosk",
        "visitor_records",
        ["kiosk", "entity", "received_at"],
        unique=False,
    )
    op.create_index(
        "visitor_records_quota", "visitor_records", ["kiosk", "entity", "quota_hour"], unique=False
    )

    op.create_table(
        "wish_introductions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_key", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("invitation", sa.Text(), nullable=False),
        sa.Column("mailed", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Text(), server_default=sa.text("'[]'"), nullable=False),
        sa.Column("to_call", sa.Text(), server_default=sa.text("'[]'"), nullable=False),
        sa.Column("made_by", sa.Text(), nullable=False),
        sa.Column("made_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_strict=True,
    )
    op.create_table(
        "desk_sessions",
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("csrf", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("last_used", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["username"], ["accounts.username"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
        sqlite_strict=True,
    )
    op.create_table(
        "editor_communities",
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("community_id", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["username"], ["accounts.username"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("username"),
        sqlite_strict=True,
    )
    op.create_table(
        "introduction_parties",
        sa.Column("introduction_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.Text(), nullable=False),
        sa.Column("party", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("mailed_at", sa.Text(), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("tries", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("retry_after", sa.Text(), nullable=True),
        sa.Column("called_at", sa.Text(), nullable=True),
        sa.Column("follow_up_at", sa.Text(), nullable=True),
        sa.Column("follow_up_problem", sa.Text(), nullable=True),
        sa.Column("token_hash", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.Text(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.Text(), nullable=True),
        sa.CheckConstraint("answer IN ('yes', 'not_yet', 'no')"),
        sa.CheckConstraint("role IN ('visitor', 'community', 'kiosk_visitor')"),
        sa.CheckConstraint("side IN ('a', 'b')"),
        sa.ForeignKeyConstraint(["introduction_id"], ["introductions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("introduction_id", "side"),
        sa.UniqueConstraint("token_hash"),
        sqlite_strict=True,
    )
    op.create_table(
        "wish_states",
        sa.Column("wish_id", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("introduction", sa.Integer(), nullable=True),
        sa.Column("handled_by", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.CheckConstraint("state IN ('introduced', 'dismissed')"),
        sa.ForeignKeyConstraint(
            ["introduction"],
            ["wish_introductions.id"],
        ),
        sa.PrimaryKeyConstraint("wish_id"),
        sqlite_strict=True,
    )


def downgrade() -> None:
    """Never: below the baseline there is no hub, only its lost data. Restore a backup instead."""
    raise RuntimeError("the baseline of the hub's store cannot be undone; restore a backup")
