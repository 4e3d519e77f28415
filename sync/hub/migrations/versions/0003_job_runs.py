"""The hub's periodic jobs, claimed once per period (m016_job_runs on SQLite).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("due_at", sa.Text(), nullable=False),
        sa.Column("last_by", sa.Text(), nullable=True),
        sa.Column("last_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
        sqlite_strict=True,
    )


def downgrade() -> None:
    op.drop_table("job_runs")
