"""Input for an import, whatever its format, as HSDS 3.0 service objects (the API's nested
JSON shape) or as the desk's spreadsheet: an HSDS 3.0 or 2.0 tabular data package (a folder
or a zip, recognised by its tables), HSDS 3.0 JSON (one service or organization, a list of
them, or an API page with ``contents``), or the spreadsheet (a .csv). The mapping onto a
community is drafts.py's; reading files safely is sources.py's.

Each object read from a table keeps where it came from in ``_at`` (file, line), so a problem
is reported with file, line and field. In JSON the "line" is the item's number in its list.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sync.hub.hsds.sources import (
    MAX_JSON_BYTES,
    Folder,
    ImportRefused,
    Table,
    Zip,
    check_size,
    read_csv,
    read_json,
)


@dataclass
class Problem:
    """Something wrong in one row: reported, and the rest imports."""

    file: str
    line: int
    field: str
    problem: str

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "field": self.field,
                "problem": self.problem}  # fmt: skip


@dataclass
class Item:
    """A service (or an organization without services), in HSDS 3.0's JSON shape."""

    kind: str  # "service" or "organization"
    data: dict
    file: str
    line: int


@dataclass
class Input:
    format: str
    items: list[Item] = field(default_factory=list)
    sheet: Table | None = None
    #: Labels of the taxonomy terms by (taxonomy name, code): {"labels": {lang: name}, ...}.
    terms: dict[tuple[str, str], dict] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: Values that the mapping has no place for, counted by table (or table.column).
    not_used: Counter = field(default_factory=Counter)


def read(path: Path) -> Input:
    """Whatever is at ``path``, read and checked against the limits (ImportRefused)."""
    if not path.exists():
        raise ImportRefused(f"{path} does not exist")
    if path.is_dir():
        return _package(Folder(path))
    check_size(path.name, path.stat().st_size)
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return _package(Zip(path))
    if suffix == ".json":
        return _json_input(path)
    if suffix in (".csv", ".txt"):
        table = read_csv(lambda: path.open("rb"), path.name, path.stat().st_size)
        return Input("spreadsheet", sheet=table)
    raise ImportRefused(f"{path.name}: give a data package (a folder or .zip), a .json or a .csv")


# -- tabular data packages ---------------------------------------------------------------------

#: Tables only HSDS 2.0 has.
V2_TABLES = ("regular_schedules.csv", "physical_addresses.csv", "services_taxonomy.csv",
             "taxonomy.csv")  # fmt: skip
#: Columns a table cannot do without, when the table is there.
REQUIRED = {
    "services.csv": ("id", "name"),
    "organizations.csv": ("id", "name"),
    "locations.csv": ("id",),
    "service_at_location.csv": ("service_id", "location_id"),
    "addresses.csv": ("location_id",),
    "physical_addresses.csv": ("location_id",),
    "attributes.csv": ("link_id",),
    "taxonomy_terms.csv": ("id", "name"),
    "taxonomy.csv": ("id", "name"),
    "services_taxonomy.csv": ("service_id", "taxonomy_id"),
    "regular_schedules.csv": ("weekday", "opens_at"),
}
#: The columns the mapping reads, per table; other values are counted as not used.
USED = {
    "organizations.csv": "id name description website url email",
    "services.csv": "id organization_id name description url email status application_process"
    " last_modified",
    "locations.csv": "id organization_id name description latitude longitude location_type",
    "addresses.csv": "id location_id address_1 address_2 city postal_code country address_type",
    "physical_addresses.csv": "id location_id address_1 address_2 city postal_code country",
    "schedules.csv": "id service_id location_id service_at_location_id freq interval byday "
    "bymonthday count until wkst dtstart valid_from opens_at closes_at description notes",
    "regular_schedules.csv": "id service_id location_id service_at_location_id weekday "
    "opens_at closes_at",
    "service_at_location.csv": "id service_id location_id",
    "languages.csv": "id service_id code name language",
    "phones.csv": "id service_id contact_id number",
    "contacts.csv": "id service_id email",
    "attributes.csv": "id link_id link_type link_entity taxonomy_term_id value",
    "taxonomy_terms.csv": "id code name description language taxonomy_id taxonomy",
    "taxonomies.csv": "id name description version uri",
    "taxonomy.csv": "id name vocabulary",
    "services_taxonomy.csv": "id service_id taxonomy_id",
    "datapackage.json": "",
}


def _package(src) -> Input:
    names = {n.lower(): n for n in src.names()}
    if "services.csv" not in names and "organizations.csv" not in names:
        raise ImportRefused(f"{src.label} has neither services.csv nor organizations.csv")
    version = "2.0" if any(t in names for t in V2_TABLES) else "3.0"
    if "datapackage.json" in names:
        check_size("datapackage.json", src.size(names["datapackage.json"]), MAX_JSON_BYTES)
    result = Input(f"HSDS {version} data package")
    tables: dict[str, Table] = {}
    for lower, name in names.items():
        if not lower.endswith(".csv"):
            continue
        label = f"{src.label}/{name}"
        table = read_csv(lambda name=name: src.open(name), label, src.size(name))
        table.require(*REQUIRED.get(lower, ()))
        tables[lower] = table
        _count_not_used(result.not_used, lower, table)
    build = _build_v2 if version == "2.0" else _build_v3
    build(tables, result)
    return result


def _count_not_used(counter: Counter, name: str, table: Table) -> None:
    used = USED.get(name)
    if used is None:  # funding, cost options, programs...: a whole table not used
        if table.rows:
            counter[name.removesuffix(".csv")] += len(table.rows)
        return
    keep = set(used.split()) | {"attributes", "metadata"}
    for i, column in enumerate(table.columns):
        if column and column not in keep:
            filled = sum(1 for _line, cells in table.rows if i < len(cells) and cells[i].strip())
            if filled:
                counter[f"{name.removesuffix('.csv')}.{column}"] += filled


def _rows(tables: dict[str, Table], name: str) -> list[dict]:
    table = tables.get(name)
    if table is None:
        return []
    rows = []
    for line, record in table.records():
        record["_at"] = (table.file, line)
        rows.append(record)
    return rows


def _by(rows: list[dict], key: str) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        if row.get(key):
            grouped[row[key]].append(row)
    return grouped


def _assemble(tables, result: Input, schedules: list[dict], addresses: list[dict],
              attributes: list[dict], organization_rows: list[dict] | None = None,
              language_rows: list[dict] | None = None) -> None:  # fmt: skip
    """Services (and organizations without one) nested as HSDS 3.0's JSON has them."""
    if organization_rows is None:
        organization_rows = _rows(tables, "organizations.csv")
    if language_rows is None:
        language_rows = _rows(tables, "languages.csv")
    organizations = {o["id"]: o for o in organization_rows}
    services = _rows(tables, "services.csv")
    locations = {loc["id"]: loc for loc in _rows(tables, "locations.csv")}
    addresses_of = _by(addresses, "location_id")
    for loc in locations.values():
        loc["addresses"] = addresses_of.get(loc["id"], [])
    at_locations = _by(_rows(tables, "service_at_location.csv"), "service_id")
    phones = _rows(tables, "phones.csv")
    contacts_of = _by(_rows(tables, "contacts.csv"), "service_id")
    phones_of_contact = _by(phones, "contact_id")
    attributes_of = _by(attributes, "link_id")
    schedules_of = _by(schedules, "service_id")
    schedules_at = _by(schedules, "service_at_location_id")
    schedules_of_location = _by(schedules, "location_id")
    for sched in schedules:
        sched["attributes"] = attributes_of.get(sched.get("id") or "", [])
    languages_of = _by(language_rows, "service_id")
    phones_of = _by(phones, "service_id")
    for service in services:
        sid = service["id"]
        service["organization"] = organizations.get(service.get("organization_id") or "")
        links = []
        for link in at_locations.get(sid, []):
            location = locations.get(link["location_id"])
            if location is None:
                result.problems.append(Problem(*link["_at"], "location_id",
                                               "names a location that is not there"))  # fmt: skip
                continue
            own = [
                s for s in schedules_at.get(link.get("id") or "", []) if s.get("service_id") != sid
            ]  # the service's own list has those
            own += [
                s
                for s in schedules_of_location.get(location["id"], [])
                if not s.get("service_id") and not s.get("service_at_location_id")
            ]
            links.append({**link, "location": location, "schedules": own})
        service["service_at_locations"] = links
        service["schedules"] = schedules_of.get(sid, [])
        service["languages"] = languages_of.get(sid, [])
        service["phones"] = phones_of.get(sid, [])
        service["contacts"] = [{**c, "phones": phones_of_contact.get(c.get("id") or "", [])}
                               for c in contacts_of.get(sid, [])]  # fmt: skip
        service["attributes"] = attributes_of.get(sid, [])
        result.items.append(Item("service", service, *service["_at"]))
    with_services = {s.get("organization_id") for s in services}
    for org in organizations.values():
        if org["id"] not in with_services:
            org["attributes"] = attributes_of.get(org["id"], [])
            result.items.append(Item("organization", org, *org["_at"]))


def _build_v3(tables: dict[str, Table], result: Input) -> None:
    taxonomies = {t["id"]: t.get("name", "") for t in _rows(tables, "taxonomies.csv")}
    terms = {}
    for term in _rows(tables, "taxonomy_terms.csv"):
        term["taxonomy"] = taxonomies.get(term.get("taxonomy_id") or "") or term.get("taxonomy")
        terms[term["id"]] = term
        key = (term["taxonomy"] or "", term.get("code") or term["name"])
        known = result.terms.setdefault(key, {"labels": {}, "description": ""})
        lang = (term.get("language") or "nl").lower()[:2]
        known["labels"].setdefault(lang, term["name"])
        if lang == "nl" or not known["description"]:
            known["description"] = term.get("description") or known["description"]
    attributes = _rows(tables, "attributes.csv")
    for attribute in attributes:
        attribute["taxonomy_term"] = terms.get(attribute.get("taxonomy_term_id") or "")
    _assemble(tables, result, _rows(tables, "schedules.csv"), _rows(tables, "addresses.csv"),
              attributes)  # fmt: skip


# -- HSDS 2.0 ----------------------------------------------------------------------------------

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: Weekday names as 2.0 data holds them (English and Dutch); numbers count from 1 = Monday
#: (ISO 8601).
_DAY_NAMES = {
    name: code
    for code, names in zip(_WEEKDAYS, (
        "monday mon ma maandag", "tuesday tue tu di dinsdag", "wednesday wed we wo woensdag",
        "thursday thu th do donderdag", "friday fri fr vr vrijdag",
        "saturday sat sa za zaterdag", "sunday sun su zo zondag"), strict=True)
    for name in names.split()
}  # fmt: skip


def weekday(value: str) -> str | None:
    value = value.strip().lower()
    if value.isdigit() and 1 <= int(value) <= 7:
        return _WEEKDAYS[int(value) - 1]
    return _DAY_NAMES.get(value)


def _build_v2(tables: dict[str, Table], result: Input) -> None:
    """2.0's tables in 3.0's shape: a weekly rule per service, place and time (the weekdays
    with the same hours together), addresses from physical_addresses, terms from
    services_taxonomy and taxonomy."""
    organizations = _rows(tables, "organizations.csv")
    for org in organizations:
        org.setdefault("website", org.get("url", ""))
    grouped: dict[tuple, dict] = {}
    for row in _rows(tables, "regular_schedules.csv"):
        day = weekday(row.get("weekday", ""))
        if day is None:
            problem = "is not a weekday (1 = Monday ... 7 = Sunday)"
            result.problems.append(Problem(*row["_at"], "weekday", problem))
            continue
        key = tuple(row.get(k, "") for k in ("service_id", "location_id",
                    "service_at_location_id", "opens_at", "closes_at"))  # fmt: skip
        sched = grouped.setdefault(key, {**row, "freq": "WEEKLY", "byday": ""})
        if day not in sched["byday"].split(","):
            sched["byday"] = ",".join(filter(None, [*sched["byday"].split(","), day]))
    schedules = list(grouped.values())
    for sched in schedules:  # Monday first, as a person reads them
        sched["byday"] = ",".join(sorted(sched["byday"].split(","), key=_WEEKDAYS.index))
    addresses = _rows(tables, "physical_addresses.csv")
    taxonomy = {t["id"]: t for t in _rows(tables, "taxonomy.csv")}
    attributes = []
    for link in _rows(tables, "services_taxonomy.csv"):
        term = taxonomy.get(link["taxonomy_id"])
        if term is None:
            result.problems.append(Problem(*link["_at"], "taxonomy_id",
                                           "names a term that is not in taxonomy.csv"))  # fmt: skip
            continue
        attributes.append({"link_id": link["service_id"], "link_type": "classification",
                           "taxonomy_term": {"id": term["id"], "name": term["name"],
                                             "code": term["id"],
                                             "taxonomy": term.get("vocabulary", "")}})  # fmt: skip
    languages = _rows(tables, "languages.csv")
    for language in languages:
        language.setdefault("name", language.get("language", ""))
    _assemble(tables, result, schedules, addresses, attributes, organizations, languages)


# -- JSON --------------------------------------------------------------------------------------

_SERVICE_KEYS = {"status", "organization", "organization_id", "service_at_locations", "schedules",
                 "application_process"}  # fmt: skip


def _json_input(path: Path) -> Input:
    data = read_json(path)
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        objects = data["contents"]  # a page of the API
    elif isinstance(data, list):
        objects = data
    elif isinstance(data, dict):
        objects = [data]
    else:
        raise ImportRefused(f"{path.name} holds neither a service, an organization nor a list")
    result = Input("HSDS 3.0 JSON")
    for number, obj in enumerate(objects, 1):
        if not isinstance(obj, dict) or not obj.get("id"):
            result.problems.append(Problem(path.name, number, "id",
                                           "is not an object with an id"))  # fmt: skip
            continue
        at = (path.name, number)
        if _SERVICE_KEYS & set(obj) and "services" not in obj:
            result.items.append(Item("service", {**obj, "_at": at}, *at))
            continue
        services = obj.get("services") or []
        organization = {k: v for k, v in obj.items() if k != "services"}
        for service in services:
            if isinstance(service, dict) and service.get("id"):
                nested = {**service, "_at": at, "organization": organization}
                result.items.append(Item("service", nested, *at))
        if not services:
            result.items.append(Item("organization", {**obj, "_at": at}, *at))
    for item in result.items:
        _count_json_not_used(result.not_used, item.data)
    return result


#: JSON keys with something the mapping reads (the rest counts as not used).
_JSON_USED = set(USED["services.csv"].split()) | {
    "_at", "organization", "service_at_locations", "schedules", "languages", "phones",
    "contacts", "attributes", "last_modified", "website", "logo", "metadata",
}  # fmt: skip


def _count_json_not_used(counter: Counter, data: dict) -> None:
    for key, value in data.items():
        if key not in _JSON_USED and value not in (None, "", [], {}):
            counter[f"services.{key}"] += 1


def json_value(value: Any) -> str:
    """A JSON scalar as text (HSDS JSON has numbers where CSV has text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()
