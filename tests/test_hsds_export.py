"""The open-data export (``ontmoet-hub export``, docs/open-data.md): every file valid HSDS 3.0
by the vendored schemas, every live group in it and nothing else, no visitor's or group's
private data, written all or nothing."""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from pathlib import Path

import pytest
from hsds_helpers import (
    RICH,
    SCHEMAS,
    assert_nothing_planted,
    csv_objects,
    live_communities,
    plant,
    problems,
    table_schemas,
)

from sync.hub import cli
from sync.hub.hsds import model, spreadsheet


@pytest.fixture(scope="module")
def planted(module_hub, module_kiosk):
    return plant(module_hub, module_kiosk)


def run_export(hub, fmt: str, path: Path, capsys) -> tuple[int, str, str]:
    code = cli.main(["export", "--data-dir", str(hub.data_dir), "--format", fmt, str(path)])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def package(module_hub, planted, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("export") / "package"
    code = cli.main(["export", "--data-dir", str(module_hub.data_dir), "--format", "hsds",
                     str(folder)])  # fmt: skip
    assert code == 0
    return folder


def rows_of(package: Path, name: str) -> list[dict]:
    return csv_objects(name, (package / name).read_bytes())[1]


def test_the_package_has_every_hsds_table_and_a_descriptor_made_from_the_schemas(package):
    descriptor = json.loads((package / "datapackage.json").read_text())
    assert descriptor["profile"] == "tabular-data-package"
    tables = table_schemas()
    assert {r["path"] for r in descriptor["resources"]} == set(tables)
    for resource in descriptor["resources"]:
        assert resource["profile"] == "tabular-data-resource"
        table = tables[resource["path"]]
        fields = [f["name"] for f in resource["schema"]["fields"]]
        header, _ = csv_objects(resource["path"], (package / resource["path"]).read_bytes())
        assert header == fields, resource["path"]
        required = {f["name"] for f in resource["schema"]["fields"] if f["constraints"]["required"]}
        assert required == set(table["required"]) | set(table.get("tabular_required", []))
    assert sorted(p.name for p in package.iterdir()) == sorted(["datapackage.json", *tables])


def test_every_row_of_every_csv_validates_against_its_tables_schema(package):
    for name, table in table_schemas().items():
        schema_file = SCHEMAS / f"{table['name']}.json"
        assert schema_file.exists(), name
        for line, row in enumerate(rows_of(package, name), start=2):
            assert not problems(f"{table['name']}.json", row), (name, line, row)
            missing = [c for c in table.get("tabular_required", []) if not row.get(c)]
            assert not missing, f"{name} line {line}: tabular_required {missing} empty"


def test_every_reference_between_the_tables_points_at_a_row(package):
    ids = {name: {row["id"] for row in rows_of(package, f"{name}.csv")}
           for name in ("organizations", "services", "locations", "taxonomy_terms",
                        "taxonomies", "schedules")}  # fmt: skip
    for row in rows_of(package, "services.csv"):
        assert row["organization_id"] in ids["organizations"]
    for row in rows_of(package, "service_at_location.csv"):
        assert row["service_id"] in ids["services"] and row["location_id"] in ids["locations"]
    for row in rows_of(package, "attributes.csv"):
        assert row["taxonomy_term_id"] in ids["taxonomy_terms"], row
        target = "services" if row["link_entity"] == "service" else "schedules"
        assert row["link_id"] in ids[target], row
    for row in rows_of(package, "taxonomy_terms.csv"):
        assert row["taxonomy_id"] in ids["taxonomies"]
    for name in ("schedules.csv", "languages.csv", "phones.csv"):
        for row in rows_of(package, name):
            assert row["service_id"] in ids["services"], (name, row)


def test_every_live_group_is_one_organization_and_one_service_and_no_other(
    package, module_hub, planted
):
    live = live_communities(module_hub)
    organizations = {row["id"] for row in rows_of(package, "organizations.csv")}
    services = {row["id"] for row in rows_of(package, "services.csv")}
    assert organizations == set(live)
    assert services == {model.service_id(cid) for cid in live}
    assert planted["archived"] not in organizations


def test_no_visitor_record_mailbox_or_archived_group_is_in_any_file(package, planted):
    for path in package.iterdir():
        assert_nothing_planted(path.read_bytes(), planted, path.name)


def test_the_rich_group_maps_as_the_docs_say(package, planted):
    rich, sid = planted["rich"], model.service_id(planted["rich"])
    (service,) = [r for r in rows_of(package, "services.csv") if r["id"] == sid]
    assert service["status"] == "temporarily closed"  # resting
    assert service["email"] == "info@rijkegroep.example"
    (phone,) = [r for r in rows_of(package, "phones.csv") if r["service_id"] == sid]
    assert phone["number"] == "+31 6 12345678"
    schedules = sorted((r for r in rows_of(package, "schedules.csv") if r["service_id"] == sid),
                       key=lambda r: r.get("dtstart", ""))  # fmt: skip
    by_start = {r["dtstart"]: r for r in schedules}
    weekly = by_start["2026-01-06"]
    assert (weekly["freq"], weekly["byday"], weekly["opens_at"], weekly["closes_at"]) == (
        "WEEKLY", "TU", "10:00", "12:00")  # fmt: skip
    assert weekly["description"] == "Elke dinsdag"
    daily = by_start["2026-01-01"]
    assert (daily["freq"], daily["byday"]) == ("WEEKLY", "MO,TU,WE,TH,FR,SA,SU")
    assert "freq" not in by_start["2026-06-21"]  # YEARLY: HSDS cannot say it
    monthly = by_start["2026-01-30"]
    assert (monthly["freq"], monthly["byday"], monthly["count"]) == ("MONTHLY", "-1FR", 10)
    attributes = rows_of(package, "attributes.csv")
    rules = {r["value"] for r in attributes if r["link_type"] == "ontmoet:rrule"
             and r["link_id"] in {s["id"] for s in schedules}}  # fmt: skip
    assert rules == {m["rrule"] for m in RICH["schedule"]}
    own = {r["link_type"]: r["value"] for r in attributes if r["link_id"] == sid}
    assert own["ontmoet:state"] == "resting"
    assert own["ontmoet:contact:en"].startswith("Call 06")
    when = {r["value"] for r in attributes if r["link_type"] == "ontmoet:when:en"
            and r["link_id"] == weekly["id"]}  # fmt: skip
    assert when == {"Every Tuesday"}
    addresses = {r["postal_code"]: r for r in rows_of(package, "addresses.csv")}
    assert addresses["5678 CD"]["city"] == "Esveld"
    assert addresses["5678 CD"]["address_1"] == "Kerkstraat 3"
    assert addresses["1234 AB"]["address_1"] == "Buurthuis De Linde, Lindelaan 1"
    located = {r["name"]: r for r in rows_of(package, "locations.csv")}
    assert (located["Dorpshuis"]["latitude"], located["Dorpshuis"]["longitude"]) == (52.1, 5.2)
    assert located["Het park"]["description"] == "Het park"  # no postcode: the text kept
    assert rich in {r["id"] for r in rows_of(package, "organizations.csv")}


def test_themes_are_classifications_by_the_dutch_terms_in_every_language(package, module_hub):
    live = live_communities(module_hub)
    terms = {r["id"]: r for r in rows_of(package, "taxonomy_terms.csv")}
    by_service = {}
    for row in rows_of(package, "attributes.csv"):
        if row["link_type"] == "classification" and terms[row["taxonomy_term_id"]]["taxonomy"] \
                == "ontmoet-themes":  # fmt: skip
            by_service.setdefault(row["link_id"], set()).add(terms[row["taxonomy_term_id"]]["code"])
    for cid, record in live.items():
        assert by_service[model.service_id(cid)] == set(record["themes"])
    languages = {t["language"] for t in terms.values() if t["taxonomy"] == "ontmoet-themes"}
    assert languages == {"nl", "en", "tr", "ar", "pl", "uk"}


def test_the_zip_holds_the_same_package(module_hub, planted, package, tmp_path, capsys):
    code, out, _ = run_export(module_hub, "hsds", tmp_path / "open.zip", capsys)
    assert code == 0 and "open.zip" in out
    with zipfile.ZipFile(tmp_path / "open.zip") as archive:
        names = archive.namelist()
        assert sorted(names) == sorted(p.name for p in package.iterdir())
        for name in names:
            data = archive.read(name)
            assert_nothing_planted(data, planted, f"open.zip/{name}")
            if name != "datapackage.json":  # its 'created' differs
                assert data == (package / name).read_bytes(), name


def test_the_json_export_is_a_list_of_valid_full_services(module_hub, planted, tmp_path, capsys):
    code, _, _ = run_export(module_hub, "json", tmp_path / "open.json", capsys)
    assert code == 0
    data = (tmp_path / "open.json").read_bytes()
    assert_nothing_planted(data, planted, "open.json")
    services = json.loads(data)
    assert len(services) == len(live_communities(module_hub))
    for service in services:
        assert not problems("compiled/service_with_definitions.json", service), service["name"]
        assert not problems("service.json", service), service["name"]
        assert service["organization"]["id"] == service["organization_id"]
    rich = next(s for s in services if s["organization_id"] == planted["rich"])
    assert {len(rich["schedules"]), len(rich["service_at_locations"])} == {4, 3}


def test_the_spreadsheet_is_one_row_per_group_with_a_bom(module_hub, planted, tmp_path, capsys):
    code, _, _ = run_export(module_hub, "csv", tmp_path / "groups.csv", capsys)
    assert code == 0
    data = (tmp_path / "groups.csv").read_bytes()
    assert data.startswith("\ufeff".encode())
    assert_nothing_planted(data, planted, "groups.csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    live = live_communities(module_hub)
    assert {r["id"] for r in rows} == set(live)
    assert list(rows[0]) == list(spreadsheet.COLUMNS)
    rich = next(r for r in rows if r["id"] == planted["rich"])
    assert rich["place"].splitlines()[0] == "Buurthuis De Linde, Lindelaan 1, 1234 AB Lindewaard"
    assert rich["when_en"].splitlines()[0] == "Every Tuesday"
    assert rich["themes"].split("; ") == live[planted["rich"]]["themes"]


def test_the_template_is_a_header_and_one_example_row():
    data = spreadsheet.template()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(spreadsheet.COLUMNS) and len(rows) == 2
    example = dict(zip(rows[0], rows[1], strict=True))
    assert example["name"] and example["themes"] and example["pitch_nl"] and not example["id"]


def test_a_folder_with_files_in_it_is_refused_and_left_alone(module_hub, tmp_path, capsys):
    folder = tmp_path / "full"
    folder.mkdir()
    (folder / "mine.txt").write_text("keep me")
    code, _, err = run_export(module_hub, "hsds", folder, capsys)
    assert code == 2
    assert "not an empty folder" in err and "nothing was written" in err
    assert [p.name for p in folder.iterdir()] == ["mine.txt"]
    assert (folder / "mine.txt").read_text() == "keep me"


def test_an_empty_folder_is_filled_and_no_temporary_file_stays(module_hub, tmp_path, capsys):
    folder = tmp_path / "empty"
    folder.mkdir()
    assert run_export(module_hub, "hsds", folder, capsys)[0] == 0
    assert (folder / "datapackage.json").exists()
    assert run_export(module_hub, "csv", tmp_path / "g.csv", capsys)[0] == 0
    assert run_export(module_hub, "csv", tmp_path / "g.csv", capsys)[0] == 0  # replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "g.csv"]


def test_a_missing_folder_or_a_folder_for_a_file_is_a_clear_error(module_hub, tmp_path, capsys):
    code, _, err = run_export(module_hub, "json", tmp_path / "nowhere" / "x.json", capsys)
    assert code == 2 and "does not exist" in err
    code, _, err = run_export(module_hub, "csv", tmp_path, capsys)
    assert code == 2 and "is a folder" in err
    assert list(tmp_path.iterdir()) == []


def test_a_second_export_gives_the_same_ids(module_hub, planted, package, tmp_path, capsys):
    assert run_export(module_hub, "hsds", tmp_path / "again", capsys)[0] == 0
    for name in table_schemas():
        assert (tmp_path / "again" / name).read_bytes() == (package / name).read_bytes(), name


def test_ids_are_the_uuid5_the_docs_promise():
    community = "7b04bad0-dea2-5a42-aed8-fee34c6a4b0b"
    assert model.service_id(community) == str(uuid.uuid5(uuid.UUID(community), "service"))
    assert model.location_id(community, "Het park") == str(
        uuid.uuid5(uuid.UUID(community), "location:Het park")
    )
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, "https://ontmoet.nl/hsds")
    assert model.taxonomy_id("themes") == str(uuid.uuid5(namespace, "ontmoet-themes"))
    assert model.term_id("themes", "eten") == str(uuid.uuid5(namespace, "ontmoet-themes:eten"))
    assert model.term_id("themes", "eten", "en") == str(
        uuid.uuid5(namespace, "ontmoet-themes:eten:en")
    )


def test_every_state_and_kind_has_its_hsds_word():
    from sync.protocol import COMMUNITY_KINDS, LIFECYCLE_STATES

    assert set(model.STATUS) == set(LIFECYCLE_STATES)
    assert set(model.kind_labels()) == set(COMMUNITY_KINDS)
    assert all(len(labels) == 6 and all(labels.values()) for labels in model.kind_labels().values())
