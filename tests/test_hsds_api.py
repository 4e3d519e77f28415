"""The HSDS read API under /hsds/ (docs/open-data.md, "Read API") on a real hub process, and
the desk's open-data page: every reply valid by its endpoint's schema, paging bounded,
filters cumulative, ETag and 304, CORS for GET, nothing planted in any reply."""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
import requests
from desk_helpers import account, desk_web
from hsds_helpers import (
    assert_nothing_planted,
    conn_of,
    live_communities,
    page_validator,
    plant,
    problems,
)
from hub_helpers import copy_hub, store_of

from sync.hub import store as hub_store
from sync.hub.hsds import model, spreadsheet

#: Each list endpoint and the schema of its items (HSDA's openapi.json names them).
LISTS = {
    "services": "compiled/service_list.json",
    "organizations": "compiled/organization_list.json",
    "taxonomies": "taxonomy.json",
    "taxonomy_terms": "taxonomy_term.json",
}
#: Each single endpoint and the schema of its reply.
SINGLE = {
    "services": "compiled/service_with_definitions.json",
    "organizations": "organization.json",
    "taxonomies": "taxonomy.json",
    "taxonomy_terms": "taxonomy_term.json",
}


@pytest.fixture(scope="module")
def planted(module_hub, module_kiosk):
    return plant(module_hub, module_kiosk)


def get(hub, path: str, **params) -> requests.Response:
    return requests.get(f"{hub.url}/hsds{path}", params=params, timeout=30)


def every_item(hub, endpoint: str, per_page: int = 100, **params) -> list[dict]:
    """All items of a list, page by page, each page checked as an HSDA page."""
    items, page = [], 1
    while True:
        reply = get(hub, f"/{endpoint}", page=page, per_page=per_page, **params)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert page_validator().is_valid(body), body
        assert body["page_number"] == page and body["size"] == len(body["contents"])
        items += body["contents"]
        if body["last_page"]:
            assert len(items) == body["total_items"]
            return items
        page += 1


def test_the_root_says_version_profile_and_openapi(module_hub):
    body = get(module_hub, "/").json()
    assert body["version"] == "3.0"
    assert body["profile"].startswith("https://")
    assert requests.get(body["openapi_url"], timeout=10).status_code == 200


@pytest.mark.parametrize("endpoint", sorted(LISTS))
def test_every_list_item_and_single_reply_validates(module_hub, planted, endpoint):
    items = every_item(module_hub, endpoint)
    assert items
    for item in items:
        assert not problems(LISTS[endpoint], item), item
        if endpoint in ("services", "organizations"):
            assert not [v for v in item.values() if isinstance(v, list)]  # list items: flat
    for item in items[:: max(1, len(items) // 20)]:  # a spread of single replies
        reply = get(module_hub, f"/{endpoint}/{item['id']}")
        assert reply.status_code == 200
        assert not problems(SINGLE[endpoint], reply.json()), reply.json()


def test_services_and_organizations_are_the_live_groups(module_hub, planted):
    live = live_communities(module_hub)
    services = every_item(module_hub, "services", per_page=7)
    assert {s["organization_id"] for s in services} == set(live)
    assert {s["id"] for s in services} == {model.service_id(cid) for cid in live}
    assert {o["id"] for o in every_item(module_hub, "organizations")} == set(live)
    assert get(module_hub, f"/organizations/{planted['archived']}").status_code == 404
    full = get(module_hub, f"/services/{model.service_id(planted['rich'])}").json()
    assert full["status"] == "temporarily closed" and len(full["schedules"]) == 4
    organization = get(module_hub, f"/organizations/{planted['rich']}").json()
    assert [s["id"] for s in organization["services"]] == [full["id"]]


def test_nothing_planted_is_in_any_reply(module_hub, planted):
    bodies = [get(module_hub, "/").content]
    for endpoint in LISTS:
        for page in range(1, 200):
            reply = get(module_hub, f"/{endpoint}", page=page, per_page=100)
            bodies.append(reply.content)
            if reply.json()["last_page"]:
                break
    for cid in live_communities(module_hub):
        bodies.append(get(module_hub, f"/services/{model.service_id(cid)}").content)
        bodies.append(get(module_hub, f"/organizations/{cid}").content)
    for secret in planted["secret"]:
        bodies.append(get(module_hub, "/services", search=secret).content)
    for number, body in enumerate(bodies):
        assert_nothing_planted(body, planted, f"reply {number}")


@pytest.mark.parametrize("params", [{"per_page": "0"}, {"per_page": "101"}, {"per_page": "x"},
                                    {"page": "0"}, {"page": "-1"}, {"page": "1.5"}],
                         ids=["per_page-0", "per_page-101", "per_page-x", "page-0", "page-neg",
                              "page-fraction"])  # fmt: skip
def test_page_bounds_are_a_422_naming_the_parameter(module_hub, params):
    for endpoint in LISTS:
        reply = get(module_hub, f"/{endpoint}", **params)
        assert reply.status_code == 422, (endpoint, params)
        assert next(iter(params)) in reply.json()["detail"]
        assert reply.headers["access-control-allow-origin"] == "*"


def test_page_size_defaults_to_50_and_a_page_past_the_end_is_empty(module_hub):
    body = get(module_hub, "/taxonomy_terms").json()
    assert body["size"] == min(50, body["total_items"])
    last = body["total_pages"]
    past = get(module_hub, "/taxonomy_terms", page=last + 1).json()
    assert past["contents"] == [] and past["empty"] and past["last_page"]
    full = get(module_hub, "/taxonomy_terms", per_page=100).json()
    assert full["size"] == min(100, full["total_items"])


@pytest.mark.parametrize(("param", "value"), [
    ("taxonomy_term_id", "not-a-value"), ("taxonomy_id", "1234"), ("organization_id", "x"),
    ("modified_after", "not-a-value"), ("modified_after", "0.5"),  # not seconds since 1970
    ("modified_after", "2026-13-45T00:00:00Z"), ("search", "x" * 201),
], ids=["term", "taxonomy", "organization", "after-text", "after-number", "after-no-day",
        "search-long"])  # fmt: skip
def test_a_bad_filter_value_is_a_422_naming_it(module_hub, param, value):
    for endpoint in ("services", "organizations"):
        reply = get(module_hub, f"/{endpoint}", **{param: value})
        assert reply.status_code == 422 and param in reply.json()["detail"], reply.text
        assert reply.headers["access-control-allow-origin"] == "*"


def test_a_bad_id_is_422_and_an_unknown_id_404_on_every_single_endpoint(module_hub):
    for endpoint in SINGLE:
        assert get(module_hub, f"/{endpoint}/123").status_code == 422
        reply = get(module_hub, f"/{endpoint}/{uuid.uuid4()}")
        assert reply.status_code == 404, endpoint
        assert reply.headers["access-control-allow-origin"] == "*"


def test_search_finds_words_in_any_text_ignoring_case_and_accents(module_hub, planted):
    live = live_communities(module_hub)
    name = live[planted["rich"]]["name"]
    found = every_item(module_hub, "services", search=name.upper())
    assert model.service_id(planted["rich"]) in {s["id"] for s in found}
    in_english = every_item(module_hub, "services", search="CALL 06 12345678")
    assert [s["organization_id"] for s in in_english] == [planted["rich"]]
    accents = [c for c in live.values() if "é" in c["name"] or "ë" in c["name"]]
    if accents:  # the demo has "Taalcafé": cafe finds it
        plain = accents[0]["name"].replace("é", "e").replace("ë", "e")
        assert accents[0]["id"] in {s["organization_id"] for s in
                                    every_item(module_hub, "services", search=plain)}  # fmt: skip
    assert every_item(module_hub, "services", search="zzzqqq-nergens") == []


def test_taxonomy_term_filter_takes_any_language_of_a_term(module_hub, planted):
    live = live_communities(module_hub)
    theme = live[planted["rich"]]["themes"][0]
    expected = {cid for cid, c in live.items() if theme in c["themes"]}
    for lang in ("nl", "en", "ar"):
        term = model.term_id("themes", theme, lang)
        found = every_item(module_hub, "services", taxonomy_term_id=term)
        assert {s["organization_id"] for s in found} == expected, lang
    unknown = every_item(module_hub, "services", taxonomy_term_id=str(uuid.uuid4()))
    assert unknown == []


def test_taxonomy_and_organization_filters_are_cumulative(module_hub, planted):
    live = live_communities(module_hub)
    with_place = {cid for cid, c in live.items() if c.get("neighbourhood")}
    found = every_item(module_hub, "services", taxonomy_id=model.taxonomy_id("neighbourhoods"))
    assert {s["organization_id"] for s in found} == with_place
    rich = planted["rich"]
    one = every_item(module_hub, "organizations", organization_id=rich)
    assert [o["id"] for o in one] == [rich]
    other_theme = next(t for c in live.values() for t in c["themes"]
                       if t not in live[rich]["themes"])  # fmt: skip
    both = every_item(module_hub, "services", organization_id=rich,
                      taxonomy_term_id=model.term_id("themes", other_theme))  # fmt: skip
    assert both == []
    terms = every_item(module_hub, "taxonomy_terms", taxonomy_id=model.taxonomy_id("gifts"))
    assert terms and {t["taxonomy"] for t in terms} == {"ontmoet-gifts"}
    heart = every_item(module_hub, "taxonomy_terms", taxonomy_id=model.taxonomy_id("gifts"),
                       search="heart")  # fmt: skip
    assert heart and all(t["description"] == "heart" for t in heart)


def test_modified_after_and_etag_follow_a_change(module_hub, planted):
    live = live_communities(module_hub)
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert every_item(module_hub, "services", modified_after=future) == []
    assert len(every_item(module_hub, "services", modified_after="2000-01-01T00:00:00Z")) == len(
        live
    )
    first = get(module_hub, "/services", per_page=5)
    tag = first.headers["etag"]
    again = requests.get(f"{module_hub.url}/hsds/services", params={"per_page": 5},
                         headers={"If-None-Match": tag}, timeout=10)  # fmt: skip
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    other_query = requests.get(f"{module_hub.url}/hsds/services", params={"per_page": 6},
                               headers={"If-None-Match": tag}, timeout=10)  # fmt: skip
    assert other_query.status_code == 200
    # The hub notes moments to the second, and the planted group may have been written this
    # very second: the change starts in a second later than every earlier write.
    latest = max(
        datetime.fromisoformat(s["last_modified"]) for s in every_item(module_hub, "services")
    )
    while datetime.now(UTC).replace(microsecond=0) <= latest:
        time.sleep(0.05)
    before = datetime.now(UTC).replace(microsecond=0)
    changed = sorted(live)[-1]
    conn = conn_of(module_hub)
    try:
        with hub_store.write(conn):
            record = hub_store.shared_record(conn, "community", changed)
            hub_store.put_shared(conn, "community", {**record, "name": "Nieuw Gewijzigd Koor"})
    finally:
        conn.close()
    after_change = requests.get(f"{module_hub.url}/hsds/services", params={"per_page": 5},
                                headers={"If-None-Match": tag}, timeout=10)  # fmt: skip
    assert after_change.status_code == 200 and after_change.headers["etag"] != tag
    recent = every_item(module_hub, "services", modified_after=before.isoformat())
    assert [s["organization_id"] for s in recent] == [changed]
    assert recent[0]["name"] == "Nieuw Gewijzigd Koor"  # rebuilt, not the cached one


def test_cors_for_get_and_its_preflight_and_never_a_cookie(module_hub):
    reply = get(module_hub, "/services", per_page=1)
    assert reply.headers["access-control-allow-origin"] == "*"
    assert "etag" in reply.headers["access-control-expose-headers"].lower()
    assert "set-cookie" not in reply.headers
    preflight = requests.options(f"{module_hub.url}/hsds/services", timeout=10, headers={
        "Origin": "https://elders.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match"})  # fmt: skip
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-methods"] == "GET"
    assert "if-none-match" in preflight.headers["access-control-allow-headers"].lower()
    for method in ("post", "put", "delete"):
        refused = requests.request(method, f"{module_hub.url}/hsds/services", timeout=10)
        assert refused.status_code == 405, method
    for path in ("/", "/services", "/taxonomies", "/taxonomy_terms", "/organizations"):
        assert "set-cookie" not in get(module_hub, path).headers


def test_the_api_is_in_the_openapi_document_with_bounded_pages(module_hub):
    document = requests.get(f"{module_hub.url}/openapi.json", timeout=10).json()
    for path in ("/hsds/", "/hsds/services", "/hsds/services/{id}", "/hsds/organizations",
                 "/hsds/organizations/{id}", "/hsds/taxonomies", "/hsds/taxonomies/{id}",
                 "/hsds/taxonomy_terms", "/hsds/taxonomy_terms/{id}"):  # fmt: skip
        assert set(document["paths"][path]) == {"get"}, path
    parameters = {p["name"]: p for p in document["paths"]["/hsds/services"]["get"]["parameters"]}
    assert parameters["per_page"]["schema"]["maximum"] == 100
    assert parameters["per_page"]["schema"]["minimum"] == 1
    assert {"search", "taxonomy_term_id", "taxonomy_id", "organization_id",
            "modified_after"} <= set(parameters)  # fmt: skip
    responses = document["paths"]["/hsds/services"]["get"]["responses"]
    assert {"200", "304", "422"} <= set(responses)


# -- the desk's page --------------------------------------------------------------------------


DESK_PATHS = ("/desk/opendata", "/desk/opendata/hsds.zip", "/desk/opendata/hsds.json",
              "/desk/opendata/groups.csv", "/desk/opendata/template.csv")  # fmt: skip


def test_the_desk_page_is_for_admins_only(module_hub, planted):
    anonymous = requests.Session()
    for path in DESK_PATHS:
        reply = anonymous.get(f"{module_hub.url}{path}", allow_redirects=False, timeout=10)
        assert reply.status_code == 303 and reply.headers["location"] == "/desk/login", path
    receptionist = desk_web(module_hub, "rita", "receptionist")
    editor = desk_web(module_hub, "erik", "community_editor", planted["rich"])
    for web in (receptionist, editor):
        for path in DESK_PATHS:
            reply = web.get(f"{module_hub.url}{path}", allow_redirects=False, timeout=10)
            assert reply.status_code == 403, path
            assert b"PK" not in reply.content[:2] and "\ufeff" not in reply.text[:1]
    nav = receptionist.get(f"{module_hub.url}/desk/queue", timeout=10).text
    assert "/desk/opendata" not in nav


def test_an_admin_downloads_each_export(module_hub, planted):
    admin = desk_web(module_hub, "anna", "admin")
    page = admin.get(f"{module_hub.url}/desk/opendata", timeout=10)
    assert page.status_code == 200
    for path in DESK_PATHS[1:]:
        assert f'href="{path}"' in page.text
    assert 'href="/desk/imports"' in page.text
    assert 'href="/desk/opendata"' in admin.get(f"{module_hub.url}/desk/queue", timeout=10).text
    live = live_communities(module_hub)
    replies = {path: admin.get(f"{module_hub.url}{path}", timeout=60) for path in DESK_PATHS[1:]}
    for path, reply in replies.items():
        assert reply.status_code == 200, path
        assert reply.headers["content-disposition"].startswith("attachment; filename=")
        assert_nothing_planted(reply.content, planted, path)
    with zipfile.ZipFile(io.BytesIO(replies["/desk/opendata/hsds.zip"].content)) as archive:
        assert "datapackage.json" in archive.namelist()
        services = archive.read("services.csv").decode()
        assert len(list(csv.DictReader(io.StringIO(services)))) == len(live)
        for name in archive.namelist():
            assert_nothing_planted(archive.read(name), planted, f"desk zip/{name}")
    services = json.loads(replies["/desk/opendata/hsds.json"].content)
    assert {s["organization_id"] for s in services} == set(live)
    for service in services:
        assert not problems("compiled/service_with_definitions.json", service)
    sheet = replies["/desk/opendata/groups.csv"].content.decode("utf-8-sig")
    assert {row["id"] for row in csv.DictReader(io.StringIO(sheet))} == set(live)
    assert replies["/desk/opendata/template.csv"].content == spreadsheet.template()
    for name in ("other.zip", "..%2F..%2Fhub.db", "%2e%2e%2fhub.db", "x" * 4000, "hsds.zip%00"):
        unknown = admin.get(f"{module_hub.url}/desk/opendata/{name}", timeout=10)
        assert unknown.status_code == 404, name
        assert b"SQLite" not in unknown.content


def test_malformed_and_oversized_queries_are_refused_without_a_server_error(module_hub):
    for query in (
        "per_page=50&per_page=x",
        "page=" + "9" * 400,
        "search=%00%ff%fe",
        "taxonomy_term_id=" + "a" * 5000,
        "modified_after=9999-99-99T99:99:99Z",
    ):
        reply = requests.get(f"{module_hub.url}/hsds/services?{query}", timeout=10)
        assert reply.status_code in (200, 422), (query, reply.status_code)
        assert reply.headers["access-control-allow-origin"] == "*"


def test_a_groups_photo_is_its_organizations_logo_at_the_hubs_address(module_hub, planted):
    with_logo = [o for o in every_item(module_hub, "organizations") if o.get("logo")]
    assert with_logo
    logo = with_logo[0]["logo"]
    assert logo.startswith(f"{module_hub.url}/photos/") and logo.endswith(".jpg")
    photo = requests.get(logo, timeout=10)
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"


def test_the_catalogue_is_built_once_and_a_change_rebuilds_only_that_group(tmp_path):

    from hub_helpers import prepared_hub

    from sync.hub.hsds.catalogue import Catalogue

    copy_hub(prepared_hub(True), tmp_path / "hub")
    conn = store_of(tmp_path / "hub")
    try:
        catalogue = Catalogue()
        first = catalogue.current(conn, "https://ontmoet.example")
        again = catalogue.current(conn, "https://ontmoet.example")
        assert again.entries is first.entries  # nothing changed: nothing built
        changed = sorted(first.by_organization)[0]
        with hub_store.write(conn):
            record = hub_store.shared_record(conn, "community", changed)
            hub_store.put_shared(conn, "community", {**record, "name": "Anders Genoemd"})
        after = catalogue.current(conn, "https://ontmoet.example")
        sid = model.service_id(changed)
        assert after.entries[sid].service["name"] == "Anders Genoemd"
        assert first.entries[sid].service["name"] != "Anders Genoemd"  # the old view stays
        same = [s for s in after.entries if s != sid and after.entries[s] is first.entries[s]]
        assert len(same) == len(first.entries) - 1  # the others were not rebuilt
        with hub_store.write(conn):
            lists = hub_store.shared_record(conn, "taxonomy", "taxonomy")
            theme = lists["themes"][0]
            theme["labels"] = {**theme["labels"], "nl": "Hernoemd Thema"}
            hub_store.put_shared(conn, "taxonomy", lists)
        renamed = catalogue.current(conn, "https://ontmoet.example")
        term = renamed.term_by_id[model.term_id("themes", theme["slug"])]
        assert term["name"] == "Hernoemd Thema"  # the lists changed: everything rebuilt
        with hub_store.write(conn):
            hub_store.delete_shared(conn, "community", changed)
        gone = catalogue.current(conn, "https://ontmoet.example")
        assert sid not in gone.entries and changed not in gone.by_organization
        assert len(gone.order) == len(first.order) - 1
    finally:
        conn.close()


def test_an_admin_downloads_the_package_in_a_real_browser(module_hub, planted, page, tmp_path):
    from desk_helpers import log_in

    password = account(module_hub, "bea", "admin")
    log_in(page, module_hub, "bea", password)
    page.goto(f"{module_hub.url}/desk/opendata")
    page.get_by_role("navigation").get_by_role("link", name="Open data").wait_for()
    with page.expect_download() as started:
        page.get_by_role("link", name="Datapakket (HSDS, .zip)").click()
    download = started.value
    assert download.suggested_filename.startswith("ontmoet-hsds-")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    with zipfile.ZipFile(target) as archive:
        assert "datapackage.json" in archive.namelist()
        for name in archive.namelist():
            assert_nothing_planted(archive.read(name), planted, f"browser zip/{name}")
    with page.expect_download() as started:
        page.get_by_role("link", name="Lege spreadsheet (.csv)").click()
    started.value.save_as(tmp_path / "template.csv")
    assert (tmp_path / "template.csv").read_bytes() == spreadsheet.template()
