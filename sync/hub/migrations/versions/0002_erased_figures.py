"""The groups' figures of erased records (m015_erased_figures on SQLite).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erased_figures",
        sa.Column("month", sa.Text(), nullable=False),
        sa.Column("community_id", sa.Text(), nullable=False),
        sa.Column("figure", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("figure IN ('kept', 'asked')"),
        sa.PrimaryKeyConstraint("month", "community_id", "figure"),
        sqlite_strict=True,
    )


def downgrade() -> None:
    op.drop_table("erased_figures")
