"""A real hub process on 127.0.0.1 for the tests, and kiosks that sync with it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bench.hub_process import ROOT, HubProcess, free_port, hub_cli  # noqa: F401  (for the tests)
from kiosk import outbox
from kiosk.contact import check_contact, load_public_key, seal
from kiosk.store import Store, open_store
from kiosk.visitor_records import (
    new_record_id,
    new_token,
    record_contact_request,
    record_interest,
    record_take_home_list,
)
from sync.client import enrol


def enrolled_kiosk(hub: HubProcess, folder: Path, name: str) -> Store:
    """A kiosk store (empty: everything comes from the hub) enrolled at ``hub``."""
    store = open_store(folder / "kiosk.db")
    enrol(store, hub.url, hub.code(name))
    return store


def kiosk_communities(store: Store) -> dict[str, int]:
    return dict(store.conn.execute("SELECT id, revision FROM communities").fetchall())


def visit(store: Store, kiosk: str, communities: list[str], n: int = 1) -> list[str]:
    """``n`` visitors' worth of records: an interest, a contact request, a take-home list."""
    key = load_public_key(store.get_state("hub_public_key"))
    ids = []
    for i in range(n):
        interest, contact, take_home = new_record_id(), new_record_id(), new_record_id()
        record_interest(store, interest, ["natuur"], ["koken"], None, "nl", kiosk)
        sealed = seal(check_contact("email", f"bezoeker{i}@voorbeeld.nl"), key)
        record_contact_request(store, contact, communities[:2], "email", sealed, 90, new_token())
        record_take_home_list(store, take_home, new_token(), communities[:3], "nl", date.today())
        ids += [interest, contact, take_home]
    return ids


def outbox_size(store: Store) -> int:
    return outbox.size(store)
