"""What the desk's browser tests share: accounts, and logging in as a person does."""

from __future__ import annotations

import re

import requests
from hub_helpers import store_of
from playwright.sync_api import Page


def account(hub, name: str, role: str, community: str = "", first: bool = False) -> str:
    """An account made the way an admin makes one (in the hub's store), its password: the
    generated one with ``first`` (to be changed at the first login), otherwise one that its
    owner has already chosen instead."""
    from sync.hub import desk_store

    conn = store_of(hub.data_dir)
    try:
        generated = desk_store.create_account(conn, "test", name, role, community)
        if first:
            return generated
        chosen = f"eigen-{generated}-gekozen"
        desk_store.change_password(conn, name, generated, chosen)
        return chosen
    finally:
        conn.close()


def desk_web(hub, name: str, role: str = "receptionist", community: str = "") -> requests.Session:
    """A new account of ``role``, logged in at the desk as a browser is (the login form's
    value and the session cookie, which requests keeps)."""
    password = account(hub, name, role, community)
    web = requests.Session()
    pre = re.search(r'name="pre" value="([^"]+)"',
                    web.get(f"{hub.url}/desk/login", timeout=10).text).group(1)  # fmt: skip
    reply = web.post(f"{hub.url}/desk/login", timeout=30, allow_redirects=False,
                     data={"username": name, "password": password, "pre": pre})  # fmt: skip
    assert reply.status_code == 303
    return web


def log_in(page: Page, hub, name: str, password: str) -> None:
    page.goto(f"{hub.url}/desk/login")
    page.get_by_label("Naam").fill(name)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
