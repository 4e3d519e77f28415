"""Alembic's environment for the hub's store: run in-process by sync/hub/database.py, on the
connection it is handed (no alembic.ini, no URL here)."""

from alembic import context

from sync.hub.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things: later revisions copy a table instead (batch mode).
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
