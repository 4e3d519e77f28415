"""What the desk's browser tests share: accounts, and logging in as a person does."""

from __future__ import annotations

from playwright.sync_api import Page


def account(hub, name: str, role: str, community: str = "") -> str:
    """An account made the way an admin makes one (in the hub's store), its password."""
    from sync.hub import desk_store
    from sync.hub import store as hub_store

    conn = hub_store.connect(hub.data_dir / "hub.db")
    try:
        return desk_store.create_account(conn, "test", name, role, community)
    finally:
        conn.close()


def log_in(page: Page, hub, name: str, password: str) -> None:
    page.goto(f"{hub.url}/desk/login")
    page.get_by_label("Naam").fill(name)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
