"""SQLite's json_extract and json_each on PostgreSQL, so the hub's queries are one text for
both engines (sync/hub/engine.py says why). SQLite has them built in: nothing to do there.

Both read the hub's JSON text columns. A path is SQLite's '$' or '$.a.b' (the hub uses no
array indexes in paths). json_extract gives text, as SQLite does for strings; numbers and
booleans come back as their JSON text (the hub compares strings and tests for NULL only).
json_each gives (key, value) for the members of an object or the elements of an array, as
text; a scalar or a missing path gives no rows.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PATH = "string_to_array(substr(path, 3), '.')"  # '$.a.b' -> {a,b}; '$' -> {}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE FUNCTION json_extract(doc text, path text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT doc::jsonb #>> {_PATH} $$
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION json_each(doc text, path text DEFAULT '$')
        RETURNS TABLE (key text, value text)
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$
            WITH d AS (SELECT doc::jsonb #> {_PATH} AS j)
            SELECT o.key, o.value FROM d, jsonb_each_text(
                CASE WHEN jsonb_typeof(d.j) = 'object' THEN d.j ELSE '{{}}'::jsonb END) AS o
            UNION ALL
            SELECT (a.n - 1)::text, a.value FROM d, jsonb_array_elements_text(
                CASE WHEN jsonb_typeof(d.j) = 'array' THEN d.j ELSE '[]'::jsonb END)
                WITH ORDINALITY AS a(value, n)
        $$
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION json_each(text, text)")
    op.execute("DROP FUNCTION json_extract(text, text)")
