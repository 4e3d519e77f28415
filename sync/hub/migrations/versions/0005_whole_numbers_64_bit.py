"""Every whole number a BIGINT on PostgreSQL, as SQLite's INTEGER holds 64 bits: a value the
SQLite hub takes (a kiosk's clock years off, in seconds; a kiosk's device_seq) must not
overflow a region's hub. SQLite: nothing changes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHOLE_NUMBERS = {
    "accounts": ("must_change_password",),
    "audit_log": ("id",),
    "changes": ("deleted",),
    "conflicts": ("id", "base_revision", "hub_revision"),
    "erased_figures": ("count",),
    "import_fields": ("run_id",),
    "import_runs": ("id", "added", "changed", "skipped"),
    "introductions": ("id",),
    "kiosk_cursors": ("acked_seq",),
    "kiosks": ("outbox_size", "clock_skew_seconds"),
    "login_throttle": ("failures", "locks"),
    "proposals": ("id", "base_revision"),
    "pushed_ops": ("device_seq",),
    "shared_records": ("revision",),
    "wish_introductions": ("id", "mailed"),
    "introduction_parties": ("introduction_id", "tries"),
    "wish_states": ("introduction",),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in WHOLE_NUMBERS.items():
        for column in columns:
            op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.Integer())
    # The check on the changed column, made again as a new store gets it (its stored text
    # names the type of its numbers).
    op.execute(
        "ALTER TABLE changes DROP CONSTRAINT changes_deleted_check,"
        " ADD CONSTRAINT changes_deleted_check CHECK (deleted IN (0, 1))"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in WHOLE_NUMBERS.items():
        for column in columns:
            op.alter_column(table, column, type_=sa.Integer(), existing_type=sa.BigInteger())
