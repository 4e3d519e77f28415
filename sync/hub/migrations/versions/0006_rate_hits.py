"""Failed logins and enrolments per address, counted for all hub processes together
(m017_rate_hits on SQLite).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_hits",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("at", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sqlite_strict=True,
    )
    op.create_index("rate_hits_by_key", "rate_hits", ["name", "key", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("rate_hits_by_key", table_name="rate_hits")
    op.drop_table("rate_hits")
