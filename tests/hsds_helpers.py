"""What the open-data tests share: the vendored HSDS 3.0 schemas as validators, a CSV row read
back as an object, and a hub with things planted in it that must never leave (a visitor's
contact request, interest and take-home list, a group's mailbox, an archived group) and one
group with everything the mapping has to handle (rules, places, a phone number)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date
from functools import cache
from pathlib import Path

import jsonschema_rs
from hub_helpers import store_of

from kiosk.contact import check_contact, load_public_key, seal
from kiosk.store import Store
from kiosk.visitor_records import (
    new_record_id,
    new_token,
    record_contact_request,
    record_interest,
    record_take_home_list,
)
from sync.client import SyncClient
from sync.hub import archive, desk_store
from sync.hub import store as hub_store

SCHEMAS = Path(__file__).resolve().parent.parent / "sync" / "hub" / "hsds" / "schema"
BASE = "https://hsds.invalid/schema/"  # where relative $refs resolve: the vendored files


def _retrieve(uri: str) -> dict:
    assert uri.startswith(BASE), uri  # never a download
    return json.loads((SCHEMAS / uri.removeprefix(BASE)).read_text())


@cache
def validator(name: str) -> jsonschema_rs.Validator:
    """A validator for one of the vendored schemas (``service.json``,
    ``compiled/service_list.json``), formats (uuid, email, uri) checked too."""
    schema = json.loads((SCHEMAS / name).read_text())
    return jsonschema_rs.validator_for(schema, validate_formats=True, retriever=_retrieve,
                                       base_uri=BASE + name)  # fmt: skip


def problems(name: str, instance: object) -> list[str]:
    return [f"{e.instance_path}: {e.message}" for e in validator(name).iter_errors(instance)]


@cache
def page_validator() -> jsonschema_rs.Validator:
    """HSDA's Page (openapi.json's components), with its contents required."""
    page = json.loads((SCHEMAS / "openapi.json").read_text())["components"]["schemas"]["Page"]
    schema = {**page, "required": [*page["properties"], "contents"]}
    schema["properties"] = {**page["properties"], "contents": {"type": "array"}}
    return jsonschema_rs.validator_for(schema)


def table_schemas() -> dict[str, dict]:
    """HSDS's tables by CSV file name (the vendored compiled/tabular.json)."""
    tabular = json.loads((SCHEMAS / "compiled" / "tabular.json").read_text())["properties"]
    return {t["items"]["path"]: t["items"] for t in tabular.values()}


def _typed(prop: dict, text: str) -> object:
    if prop.get("type") == "number":
        number = float(text)
        return int(number) if number.is_integer() and "." not in text else number
    if prop.get("type") == "integer":
        return int(text)
    if prop.get("type") == "boolean":
        return text.lower() == "true"
    return text


def csv_objects(path_name: str, data: bytes) -> tuple[list[str], list[dict]]:
    """A table's CSV: its header, and each row as an object (numbers as numbers; empty cells
    left out, except in required columns: CSV cannot tell an empty text from none, and
    docs/open-data.md exports an unknown ``state_province`` as empty), ready to validate
    against the table's own schema."""
    table = table_schemas()[path_name]
    required = set(table.get("required", []))
    reader = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
    objects = [{name: _typed(table["properties"][name], value)
                for name, value in row.items() if value != "" or name in required}
               for row in reader]  # fmt: skip
    return list(reader.fieldnames or []), objects


# -- the hub ----------------------------------------------------------------------------------


def conn_of(hub) -> sqlite3.Connection:
    return store_of(hub.data_dir)


def live_communities(hub) -> dict[str, dict]:
    """The communities the kiosks show (by id), read from the hub's store."""
    conn = conn_of(hub)
    try:
        rows = conn.execute(
            "SELECT id, data FROM shared_records WHERE entity = 'community' AND data IS NOT NULL"
        ).fetchall()
    finally:
        conn.close()
    return {rid: json.loads(data) for rid, data in rows}


RICH = {
    "contact": {"nl": "Bel 06 12345678 of mail naar info@rijkegroep.example",
                "en": "Call 06 12345678 or mail info@rijkegroep.example"},
    "state": "resting",
    "schedule": [
        {"when": {"nl": "Elke dinsdag", "en": "Every Tuesday"}, "rrule": "FREQ=WEEKLY;BYDAY=TU",
         "place": "Buurthuis De Linde, Lindelaan 1, 1234 AB Lindewaard",
         "starts_on": "2026-01-06", "opens": "10:00", "closes": "12:00"},
        {"rrule": "FREQ=DAILY", "place": "Buurthuis De Linde, Lindelaan 1, 1234 AB Lindewaard",
         "starts_on": "2026-01-01", "opens": "09:00"},
        {"rrule": "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=21", "place": "Het park",
         "starts_on": "2026-06-21", "opens": "18:00"},
        {"rrule": "FREQ=MONTHLY;BYDAY=-1FR;COUNT=10", "place": "Het park",
         "starts_on": "2026-01-30", "opens": "19:00", "closes": "21:00"},
    ],
    "places": [{"name": "Dorpshuis", "address": "Kerkstraat 3, 5678 CD Esveld",
                "latitude": 52.1, "longitude": 5.2}],
}  # fmt: skip


def plant(hub, kiosk: Store) -> dict:
    """Plant what must never leave, and one rich group. Returns the planted strings (under
    ``secret``) and the ids of the rich and the archived group."""
    communities = sorted(live_communities(hub))
    rich_id, archived_id = communities[0], communities[1]
    key = load_public_key(kiosk.get_state("hub_public_key"))
    interest, contact, take_home = new_record_id(), new_record_id(), new_record_id()
    receipt, take_home_token = new_token(), new_token()
    email = "geplant.bezoeker@voorbeeld.nl"
    name = kiosk.get_state("kiosk_name")
    record_interest(kiosk, interest, ["natuur"], ["koken"], None, "nl", name)
    sealed = seal(check_contact("email", email), key)
    record_contact_request(kiosk, contact, communities[2:4], "email", sealed, 90, receipt)
    record_take_home_list(kiosk, take_home, take_home_token, communities[2:5], "nl", date.today())
    SyncClient(kiosk).sync_once()
    mailbox = "geplant-postvak@groep.example"
    archived_name = "Geplant Gearchiveerd Koor"
    conn = conn_of(hub)
    try:
        desk_store.set_mailbox(conn, "test", rich_id, mailbox)
        with hub_store.write(conn):
            rich = hub_store.shared_record(conn, "community", rich_id)
            hub_store.put_shared(conn, "community", {**rich, **RICH})
            gone = hub_store.shared_record(conn, "community", archived_id)
            hub_store.put_shared(conn, "community", {**gone, "name": archived_name})
        archive.archive_community(conn, "test", archived_id)
        stored = {r[0] for r in conn.execute("SELECT id FROM visitor_records")}
    finally:
        conn.close()
    assert {interest, contact, take_home} <= stored, "the visitor's records reached the hub"
    secret = [email, mailbox, archived_name, receipt, take_home_token, interest, contact,
              take_home, archived_id]  # fmt: skip
    return {"secret": secret, "rich": rich_id, "archived": archived_id}


def assert_nothing_planted(data: bytes, planted: dict, where: str) -> None:
    for text in planted["secret"]:
        assert text.encode() not in data, f"{text!r} left the hub in {where}"
