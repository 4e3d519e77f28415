"""The public records as open data: an HSDS 3.0 tabular data package (a folder, or a .zip),
HSDS 3.0 JSON (a list of full service objects, each with its organization), or the desk's
spreadsheet. ``ontmoet-hub export`` and the desk's downloads (sync.hub.desk.opendata) both
build them here.

Only what the kiosks show leaves: the live communities (an archived or deleted one has no
data) and the lists. Visitors' records, mailboxes, accounts and the audit log are never read.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sqlite3
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path

from sync.hub import store as hub_store
from sync.hub.hsds import model, spreadsheet


class ExportError(Exception):
    """An export that cannot be written as asked; nothing was written."""


@dataclass(frozen=True)
class Snapshot:
    """What the hub publishes, read in one transaction: the communities (record, when the
    hub last changed it), the lists, the public address, and the change log's last seq."""

    communities: list[tuple[dict, str]]
    taxonomy: dict | None
    public_url: str
    seq: int
    epoch: str


def read(conn: sqlite3.Connection) -> Snapshot:
    conn.execute("BEGIN")  # one snapshot: the records and the seq they belong to
    try:
        rows = conn.execute(
            "SELECT data, updated_at FROM shared_records"
            " WHERE entity = 'community' AND data IS NOT NULL ORDER BY id"
        ).fetchall()
        taxonomy = hub_store.shared_record(conn, "taxonomy", "taxonomy")
        url = conn.execute("SELECT value FROM meta WHERE key = 'public_url'").fetchone()
        seq, epoch = hub_store.last_seq(conn), hub_store.meta(conn, "epoch")
    finally:
        conn.execute("COMMIT")
    communities = [(json.loads(data), updated_at) for data, updated_at in rows]
    return Snapshot(communities, taxonomy, url[0] if url else "", seq, epoch)


def community_count(conn: sqlite3.Connection) -> int:
    """How many communities an export holds now."""
    return conn.execute(
        "SELECT count(*) FROM shared_records WHERE entity = 'community' AND data IS NOT NULL"
    ).fetchone()[0]


def services(snapshot: Snapshot, public_url: str | None = None) -> list[dict]:
    lists = model.Lists.of(snapshot.taxonomy)
    url = snapshot.public_url if public_url is None else public_url
    return [model.service(record, updated, lists, url) for record, updated in snapshot.communities]


# -- the tabular data package -----------------------------------------------------------------


def _schema_file(name: str) -> dict:
    return json.loads(resources.files("sync.hub.hsds").joinpath("schema", name).read_text())


@lru_cache(maxsize=1)
def tables() -> list[dict]:
    """HSDS's tables (the vendored schemas), in the data package's order."""
    tabular = _schema_file("compiled/tabular.json")["properties"]
    found = [table["items"] for table in tabular.values()]
    return sorted(found, key=lambda t: t["datapackage_metadata"]["order"])


def columns(table: dict) -> list[str]:
    """A table's CSV columns: its fields that are not nested objects or arrays."""
    return [name for name, prop in table["properties"].items()
            if prop.get("type") not in ("array", "object", None)]  # fmt: skip


_FORMATS = {"uri": "uri", "email": "email", "uuid": "uuid"}


def _field(name: str, prop: dict, required: set[str]) -> dict:
    kind = prop.get("datapackage_type") or prop["type"]
    out = {"name": name, "type": kind, "description": prop.get("description", "")}
    if prop.get("format") in _FORMATS and kind == "string":
        out["format"] = _FORMATS[prop["format"]]
    if kind == "time":  # HSDS writes HH:MM; a table schema's default time is hh:mm:ss
        out["format"] = "any"
    constraints = {"required": name in required}
    if prop.get("constraints", {}).get("unique"):
        constraints["unique"] = True
    if prop.get("enum"):
        constraints["enum"] = prop["enum"]
    out["constraints"] = constraints
    return out


def datapackage(created: str) -> dict:
    """The package descriptor (Frictionless tabular data package), from the schemas."""
    resources_ = []
    for table in tables():
        required = set(table.get("required", [])) | set(table.get("tabular_required", []))
        resources_.append({
            "name": table["name"],
            "path": table["path"],
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "description": table.get("description", ""),
            "schema": {
                "fields": [_field(n, table["properties"][n], required) for n in columns(table)],
                "primaryKey": "id",
            },
        })  # fmt: skip
    return {
        "profile": "tabular-data-package",
        "name": "ontmoet-hsds",
        "title": "Ontmoet: the groups of the municipality, as HSDS 3.0",
        "created": created,
        "resources": resources_,
    }


def _flat(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if not isinstance(v, (list, dict))}


def rows(snapshot: Snapshot) -> dict[str, list[dict]]:
    """Each table's rows (by table name); the nested parts of a service become rows of
    their own tables, linked by id."""
    out: dict[str, list[dict]] = {table["name"]: [] for table in tables()}
    for full in services(snapshot):
        out["organization"].append(_flat(full["organization"]))
        out["service"].append(_flat(full))
        out["phone"] += full.get("phones", [])
        out["language"] += full.get("languages", [])
        out["attribute"] += full.get("attributes", [])
        for schedule in full.get("schedules", []):
            out["schedule"].append(_flat(schedule))
            out["attribute"] += schedule.get("attributes", [])
        for link in full.get("service_at_locations", []):
            out["service_at_location"].append(_flat(link))
            out["location"].append(_flat(link["location"]))
            out["address"] += link["location"].get("addresses", [])
    out["taxonomy"] = model.taxonomies()
    out["taxonomy_term"] = model.taxonomy_terms(model.Lists.of(snapshot.taxonomy))
    return out


def _csv(table: dict, table_rows: list[dict]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=columns(table), lineterminator="\r\n",
                            extrasaction="ignore")  # fmt: skip
    writer.writeheader()
    writer.writerows(table_rows)
    return buffer.getvalue().encode("utf-8")


def package_files(snapshot: Snapshot) -> dict[str, bytes]:
    """The data package's files by name: datapackage.json and one CSV per table."""
    created = datetime.now(UTC).isoformat(timespec="seconds")
    files = {"datapackage.json": json.dumps(datapackage(created), ensure_ascii=False,
                                            indent=2).encode()}  # fmt: skip
    all_rows = rows(snapshot)
    for table in tables():
        files[table["path"]] = _csv(table, all_rows[table["name"]])
    return files


def zip_bytes(snapshot: Snapshot) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in package_files(snapshot).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def json_bytes(snapshot: Snapshot) -> bytes:
    return json.dumps(services(snapshot), ensure_ascii=False, indent=1).encode()


def csv_bytes(snapshot: Snapshot) -> bytes:
    buffer = io.StringIO(newline="")
    spreadsheet.write((record for record, _ in snapshot.communities), buffer)
    return buffer.getvalue().encode("utf-8")


# -- writing, all or nothing ------------------------------------------------------------------


def _write_file(path: Path, data: bytes) -> None:
    """Into a temporary file beside ``path``, then renamed: never half a file."""
    if path.is_dir():
        raise ExportError(f"{path} is a folder: give a file name")
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)  # open data: readable by anyone who may read the folder
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _write_folder(path: Path, files: dict[str, bytes]) -> None:
    """Into a temporary folder beside ``path``, then renamed onto it (a new or an empty
    folder). A folder with files in it is not touched."""
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise ExportError(
            f"{path} already exists and is not an empty folder; nothing was written."
            " Choose a new folder, or PATH.zip"
        )
    temp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        for name, data in files.items():
            (temp / name).write_bytes(data)
        os.chmod(temp, 0o755)
        os.replace(temp, path)  # rename(2) replaces an empty folder in one step
    except BaseException:
        for child in temp.iterdir() if temp.exists() else []:
            child.unlink()
        if temp.exists():
            temp.rmdir()
        raise


def export(snapshot: Snapshot, fmt: str, path: Path) -> str:
    """Write ``fmt`` to ``path``; returns what was written, in one line."""
    if not path.parent.is_dir():
        raise ExportError(f"the folder {path.parent} does not exist")
    count = len(snapshot.communities)
    if fmt == "hsds" and path.suffix.lower() == ".zip":
        _write_file(path, zip_bytes(snapshot))
        what = "an HSDS 3.0 data package (zip)"
    elif fmt == "hsds":
        _write_folder(path, package_files(snapshot))
        what = "an HSDS 3.0 data package"
    elif fmt == "json":
        _write_file(path, json_bytes(snapshot))
        what = "HSDS 3.0 JSON"
    elif fmt == "csv":
        _write_file(path, csv_bytes(snapshot))
        what = "the spreadsheet"
    else:
        raise ExportError(f"unknown format {fmt!r}: hsds, json or csv")
    return f"Wrote {what} of {count} communities to {path}"


def cli(args: argparse.Namespace, conn: sqlite3.Connection) -> int:
    try:
        print(export(read(conn), args.format, Path(args.path)))
    except ExportError as exc:
        print(f"ontmoet-hub: {exc}", file=sys.stderr)
        return 2
    return 0
