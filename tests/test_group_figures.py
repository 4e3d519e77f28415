"""Figures that belong to the groups (sync.hub.group_figures): from records a real kiosk
pushed to a real hub, each group sees its own figures per month on its edit page, the desk
sees every group's and the gifts map; every count under 5 is 'fewer than 5', everywhere."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
import requests
from desk_helpers import desk_web
from hub_helpers import HubProcess, enrolled_kiosk, kiosk_communities, store_of

from kiosk import counts
from kiosk.contact import check_contact, load_public_key, seal
from kiosk.visitor_records import (
    new_record_id,
    new_token,
    record_contact_request,
    record_interest,
    record_introduction,
    record_take_home_list,
    record_wish,
)
from sync.client import SyncClient
from sync.hub import desk_store, group_figures
from sync.hub import store as hub_store
from sync.hub.group_figures import HIDDEN, shown

KIOSK = "kiosk-figures"
TODAY = date.today()
THIS_MONTH = TODAY.strftime("%Y-%m")
LAST_MONTH = (TODAY.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


# -- the rules, without a hub -----------------------------------------------------------------


def test_a_count_of_4_is_fewer_than_5_and_5_is_shown():
    four = dict.fromkeys(group_figures.FIGURES, 4)
    five = dict.fromkeys(group_figures.FIGURES, 5)
    assert shown(four) == dict.fromkeys(group_figures.FIGURES, None)
    # 5 introductions, all with an outcome of 5? Not possible; but each count alone: shown.
    assert shown({**five, "introduced": 15}) == {**five, "introduced": 15}
    assert shown(None) == dict.fromkeys(group_figures.FIGURES, None)


def test_introductions_are_not_shown_when_they_would_give_away_a_small_outcome():
    raw = dict.fromkeys(group_figures.FIGURES, 0)
    # 7 introductions, 7 led to something: 'not yet' and 'nothing' are hidden as fewer
    # than 5, but 7 - 7 would say they are 0.
    hidden = shown({**raw, "introduced": 7, "led_to_something": 7})
    assert hidden["introduced"] == HIDDEN and hidden["led_to_something"] == 7
    assert hidden["not_yet"] is None and hidden["nothing"] is None
    # 12 introductions, 7 led to something: 5 or more are open or small: no one can tell.
    assert shown({**raw, "introduced": 12, "led_to_something": 7})["introduced"] == 12
    # All outcomes shown (none hidden): the introductions are shown whatever the rest.
    all_shown = {**raw, "introduced": 15, "led_to_something": 5, "not_yet": 5, "nothing": 5}
    assert shown(all_shown)["introduced"] == 15


def test_months_back_crosses_the_year():
    assert group_figures.months_back(3, date(2026, 2, 14)) == ["2026-02", "2026-01", "2025-12"]


# -- from a kiosk, through a hub --------------------------------------------------------------


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    """A hub, and a kiosk that pushed a month and a half of records about three groups:
    A with 5 of everything, B with 4 (fewer than 5), C introduced to A; D has nothing."""
    hub = HubProcess(tmp_path_factory.mktemp("hub")).start(env={"ONTMOET_HUB_QUOTA_FACTOR": "100"})
    store = enrolled_kiosk(hub, tmp_path_factory.mktemp("kiosk"), KIOSK)
    SyncClient(store).sync_once()
    a, b, c, d = sorted(kiosk_communities(store))[:4]
    first = TODAY.replace(day=1)
    # Pages opened: A 3 + 2 on two days of this month, 7 last month; B 4 this month.
    for day, group, n in ((first, a, 3), (first + timedelta(days=1), a, 2),
                          (first - timedelta(days=3), a, 7), (first, b, 4)):  # fmt: skip
        for _ in range(n):
            counts.record_open(store, group, day)
    assert counts.flush_finished_days(store, KIOSK, first + timedelta(days=2)) == 3
    key = load_public_key(store.get_state("hub_public_key"))

    def contact(groups, wish=None):
        sealed = seal(check_contact("email", "bezoeker@voorbeeld.nl"), key)
        record_contact_request(store, new_record_id(), groups, "email", sealed, 90, new_token(),
                               wish=wish)  # fmt: skip

    for groups in ([a, b], [a, b], [a, b], [a, b], [a]):
        record_take_home_list(store, new_record_id(), new_token(), groups, "nl")
        contact(groups)
    # A request about a wish names no group: it counts for nobody.
    wish = new_record_id()
    record_wish(store, wish, None, "een naaiclub", [], None, "search", "nl", KIOSK)
    contact([], wish=wish)
    # Introduced in receptionist mode: B to a visitor, 5 times.
    for _ in range(5):
        record_introduction(store, new_record_id(), "visitor_community", [b], "", 4, KIOSK)
    # The gifts map: 5 visitors in one neighbourhood offer gift g1, 4 offer g2.
    place = store.neighbourhoods()[0].slug
    g1, g2 = [t.slug for t in store.gifts()][:2]
    for gifts in [[g1, g2]] * 4 + [[g1]]:
        record_interest(store, new_record_id(), ["natuur"], gifts, place, "nl", KIOSK)
    SyncClient(store).sync_once()
    assert store.conn.execute("SELECT count(*) FROM outbox").fetchone() == (0,)

    # At the desk: A and C introduced 10 times; 5 led to something, 1 not yet, 4 open.
    conn = store_of(hub.data_dir)
    made = [desk_store.make_introduction(conn, "test", "community_community", a, c, "", 4)
            for _ in range(10)]  # fmt: skip
    for rid, outcome in zip(made, ["led_to_something"] * 5 + ["not_yet"], strict=False):
        desk_store.follow_up(conn, "test", rid, outcome)
    links = {k: proposals_link(conn, g) for k, g in zip("abcd", (a, b, c, d), strict=True)}
    conn.close()
    yield {"hub": hub, "store": store, "a": a, "b": b, "c": c, "d": d, "links": links,
           "place": place, "g1": g1, "g2": g2}  # fmt: skip
    store.close()
    hub.stop()


def proposals_link(conn, community_id: str) -> str:
    from sync.hub import proposals

    return proposals.new_edit_link(conn, "test", community_id)


def group_page(town, group: str, lang: str = "en") -> dict[str, dict[str, str]]:
    """The figures on a group's edit page: {month label: {figure: what is shown}}."""
    reply = requests.get(f"{town['hub'].url}/edit/{town['links'][group]}?lang={lang}",
                         timeout=10)  # fmt: skip
    assert reply.status_code == 200
    section = reply.text.split('class="group-figures"', 1)[1].split("</section>", 1)[0]
    months = {}
    for month, block in re.findall(r"<h3>(.*?)</h3>\s*<dl[^>]*>(.*?)</dl>", section, re.S):
        months[month] = dict(re.findall(r'data-figure="(\w+)".*?<dd>(.*?)</dd>', block, re.S))
    return months


def label(month: str) -> str:
    return group_figures.month_label(month, "en")


def test_a_group_sees_its_own_figures_per_month(town):
    fewer = "fewer than 5"
    a = group_page(town, "a")
    assert a[label(THIS_MONTH)] == {
        "opened": "5", "kept": "5", "asked": "5", "introduced": "10",
        "led_to_something": "5", "not_yet": fewer, "nothing": fewer,
    }  # fmt: skip
    assert a[label(LAST_MONTH)]["opened"] == "7"
    assert set(a[label(LAST_MONTH)].values()) == {"7", fewer}
    b = group_page(town, "b")
    assert b == {label(THIS_MONTH): {
        "opened": fewer, "kept": fewer, "asked": fewer, "introduced": "5",
        "led_to_something": fewer, "not_yet": fewer, "nothing": fewer,
    }}  # fmt: skip
    assert group_page(town, "c")[label(THIS_MONTH)]["introduced"] == "10"


def test_a_group_never_sees_another_groups_figures(town):
    # D has nothing; A's, B's and C's figures are on the hub, and D's page shows none.
    reply = requests.get(f"{town['hub'].url}/edit/{town['links']['d']}?lang=en", timeout=10)
    assert "Nothing to show yet" in reply.text and "data-figure" not in reply.text
    assert group_page(town, "d") == {}
    # A link that is no group's shows no figures at all.
    reply = requests.get(f"{town['hub'].url}/edit/{'x' * 22}?lang=en", timeout=10)
    assert reply.status_code == 404 and "data-figure" not in reply.text
    # B's page has B's numbers only: nothing of A's 10 introductions or 7 opened.
    b = group_page(town, "b")
    assert "10" not in str(b) and "7" not in str(b)


@pytest.mark.parametrize("lang", ["nl", "en", "tr", "ar", "pl", "uk"])
def test_the_figures_speak_the_groups_language(town, lang):
    from sync.hub.i18n import translator

    _ = translator(lang)
    reply = requests.get(f"{town['hub'].url}/edit/{town['links']['a']}?lang={lang}", timeout=10)
    assert _("How people found you") in reply.text
    assert _("fewer than 5") in reply.text
    assert group_figures.month_label(THIS_MONTH, lang) in reply.text
    assert ('dir="rtl"' in reply.text) == (lang == "ar")


def desk_rows(html: str) -> dict[str, list[str]]:
    table = html.split('class="figures group-figures"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for name, cells in re.findall(r'<tr><th scope="row" dir="auto">(.*?)</th>(.*?)</tr>',
                                  table, re.S):  # fmt: skip
        rows[name] = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", cells, re.S)
        ]
    return rows


def names(town) -> dict[str, str]:
    return {key: town["store"].community(town[key]).name for key in ("a", "b", "c", "d")}


def test_the_desk_sees_every_groups_figures_and_the_gifts_map(town):
    web = desk_web(town["hub"], "balie-cijfers", "receptionist")
    reply = web.get(f"{town['hub'].url}/desk/figures?month={THIS_MONTH}&lang=en", timeout=10)
    assert reply.status_code == 200
    rows, fewer = desk_rows(reply.text), "fewer than 5"
    n = names(town)
    assert rows[n["a"]] == ["5", "5", "5", "10", "5", fewer, fewer]
    assert rows[n["b"]] == [fewer, fewer, fewer, "5", fewer, fewer, fewer]
    assert rows[n["c"]] == [fewer, fewer, fewer, "10", "5", fewer, fewer]
    assert n["d"] not in rows
    # Last month: only A's 7 opened pages.
    reply = web.get(f"{town['hub'].url}/desk/figures?month={LAST_MONTH}&lang=en", timeout=10)
    assert desk_rows(reply.text) == {n["a"]: ["7"] + [fewer] * 6}
    # Sorted by a figure: the largest first.
    reply = web.get(f"{town['hub'].url}/desk/figures?sort=introduced&lang=en", timeout=10)
    assert list(desk_rows(reply.text))[:2] == sorted([n["a"], n["c"]], key=str.casefold)
    reply = web.get(f"{town['hub'].url}/desk/figures?sort=opened&lang=en", timeout=10)
    assert list(desk_rows(reply.text))[0] == n["a"]

    # The gifts map: 5 offer g1 (a shaded cell), 4 offer g2 (fewer than 5, unshaded).
    grid = reply.text.split('class="gifts-map"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r'<td class="shade-(\d)">(.*?)</td>', grid, re.S)
    assert [(shade, re.sub(r"<[^>]+>", "", text)) for shade, text in cells] == [
        ("4", "5"),
        ("0", fewer),
    ]
    gift_labels = {t.slug: t.label("en") for t in town["store"].gifts()}
    assert gift_labels[town["g1"]] in grid and gift_labels[town["g2"]] in grid
    # The anonymous figures that were there before are still there.
    assert "Interests by theme" in reply.text


def test_odd_questions_get_the_usual_page(town):
    web = desk_web(town["hub"], "balie-vreemd", "receptionist")
    for query in ("month=2019-01", "month=<script>", "sort=drop table", "p=abc", "p=0",
                  "p=99999999999", "p=²", "p=١", "month=" + "9" * 50):  # fmt: skip
        reply = web.get(f"{town['hub'].url}/desk/figures?{query}&lang=en", timeout=10)
        assert reply.status_code == 200, query
        assert "<script>" not in reply.text.split("<main", 1)[1]
        assert names(town)["a"] in reply.text  # the current month, page 1


def test_only_the_reception_and_admins_see_the_desk_figures(town):
    hub = town["hub"]
    editor = desk_web(hub, "redacteur-cijfers", "community_editor", community=town["a"])
    reply = editor.get(f"{hub.url}/desk/figures", timeout=10, allow_redirects=False)
    assert reply.status_code == 403 and names(town)["b"] not in reply.text
    nobody = requests.get(f"{hub.url}/desk/figures", timeout=10, allow_redirects=False)
    assert nobody.status_code in (302, 303) and "/desk/login" in nobody.headers["location"]
    admin = desk_web(hub, "beheer-cijfers", "admin")
    assert admin.get(f"{hub.url}/desk/figures", timeout=10).status_code == 200


def test_the_desk_pages_through_many_groups(tmp_path):
    """Past 100 groups in a month the table is paged, in the order asked for."""
    from bench.synthetic import records
    from sync.hub.cli import demo_records

    hub = HubProcess(tmp_path / "hub").start()
    try:
        taxonomy, _demo, _events = demo_records()
        groups = [{**r, "provenance": {}, "last_confirmed": None, "revision": 1}
                  for r in records(230, seed=3)]  # fmt: skip
        conn = store_of(hub.data_dir)
        hub_store.load_records(conn, taxonomy, groups, [])
        conn.close()
        store = enrolled_kiosk(hub, tmp_path / "kiosk", KIOSK)
        yesterday = TODAY - timedelta(days=1)
        store.conn.executemany(
            "INSERT INTO community_opens (day, community_id, n) VALUES (?, ?, ?)",
            [(yesterday.isoformat(), g["id"], 5 + i) for i, g in enumerate(groups)],
        )
        counts.flush_finished_days(store, KIOSK, TODAY)
        SyncClient(store).sync_once()
        store.close()
        web = desk_web(hub, "balie-pagina", "receptionist")
        month = yesterday.strftime("%Y-%m")
        seen = []
        for page in (1, 2, 3):
            reply = web.get(f"{hub.url}/desk/figures?month={month}&sort=opened&p={page}",
                            timeout=10)  # fmt: skip
            rows = desk_rows(reply.text)
            assert len(rows) == (100 if page < 3 else 30)
            seen += [int(cells[0]) for cells in rows.values()]
        assert seen == sorted((5 + i for i in range(230)), reverse=True)
    finally:
        hub.stop()


def test_the_tally_follows_new_and_erased_records(tmp_path):
    """The figures are tallied as records arrive; a record that goes (an erased request,
    an expired list) leaves the figures, even when a new one takes its rowid."""
    from sync.hub.schema import migrate

    conn = hub_store.connect(tmp_path / "hub.db")
    migrate(conn)
    group = "0c6f6b8e-2f7c-4c1e-9d0a-6b1f3f0c2a11"

    def add(rid: str, entity: str = "take_home_list") -> None:
        fields = f'{{"communities": ["{group}"], "created_at": "{THIS_MONTH}-01T10:00:00+00:00"}}'
        conn.execute(
            "INSERT INTO visitor_records (entity, id, kiosk, fields, received_at)"
            " VALUES (?, ?, 'k', ?, '2026-01-01')",
            [entity, rid, fields],
        )

    def kept() -> int:
        found = group_figures.counts(conn, [THIS_MONTH], group)
        return found.get((THIS_MONTH, group), {}).get("kept", 0)

    for n in range(4):
        add(f"list-{n}")
    assert kept() == 4
    add("list-4")
    assert kept() == 5
    conn.execute("DELETE FROM visitor_records WHERE id = 'list-0'")
    assert kept() == 4
    # The newest row goes and a new one takes its rowid: still counted right.
    conn.execute("DELETE FROM visitor_records WHERE id = 'list-4'")
    add("request-0", "contact_request")
    add("request-1", "contact_request")
    assert kept() == 3
    assert group_figures.counts(conn, [THIS_MONTH], group)[(THIS_MONTH, group)]["asked"] == 2
    conn.close()


def test_the_sync_worker_sends_yesterdays_counts_in_its_round(town, tmp_path):
    """The flush runs where the kiosk syncs: at the start of each round, on the worker's
    thread, under the name the kiosk enrolled with."""
    from sync.worker import SyncWorker

    store = enrolled_kiosk(town["hub"], tmp_path, "kiosk-worker")
    counts.record_open(store, town["d"], TODAY - timedelta(days=1))
    counts.record_open(store, town["d"], TODAY)
    worker = SyncWorker(tmp_path / "kiosk.db")
    worker._round(store, requests.Session())
    assert worker.failures == 0
    assert store.conn.execute("SELECT count(*) FROM outbox").fetchone() == (0,)
    assert counts.today_counts(store) == {town["d"]: 1}  # today's stays until it is over
    conn = store_of(town["hub"].data_dir)
    (fields,) = conn.execute(
        "SELECT fields FROM visitor_records WHERE entity = 'kiosk_counts' AND kiosk = ?",
        ["kiosk-worker"],
    ).fetchone()
    conn.close()
    assert json.loads(fields)["opened"] == {town["d"]: 1}
    store.close()


def test_a_months_figures_stay_when_its_records_are_erased(tmp_path):
    """Lists past their day and requests whose period ended (the purge) or whose consent was
    withdrawn are erased; the groups' figures of their month stay as they were, and a
    restore from a backup made before the erasure keeps them too."""
    from sync.hub.schema import migrate

    conn = hub_store.connect(tmp_path / "hub.db")
    migrate(conn)
    group, other = "0c6f6b8e-2f7c-4c1e-9d0a-6b1f3f0c2a11", "5d1e0c7a-3b2f-4e6d-8a9c-1f0e2d3c4b5a"
    made = f"{LAST_MONTH}-03T10:00:00+00:00"
    gone = (TODAY - timedelta(days=1)).isoformat()

    def add(rid: str, entity: str, communities: list[str], expires_on: str) -> None:
        fields = json.dumps({"communities": communities, "created_at": made,
                             "expires_on": expires_on})  # fmt: skip
        conn.execute(
            "INSERT INTO visitor_records (entity, id, kiosk, fields, received_at)"
            " VALUES (?, ?, 'k', ?, ?)",
            [entity, rid, fields, made],
        )

    for n in range(6):
        add(f"list-{n}", "take_home_list", [group, group, other], gone)  # a group named twice
        add(f"request-{n}", "contact_request", [group], gone if n < 3 else "2099-01-01")

    def figures() -> dict:
        found = group_figures.counts(conn, [LAST_MONTH])
        return {cid: (f["kept"], f["asked"]) for (_m, cid), f in found.items()}

    before = figures()
    assert before == {group: (6, 6), other: (6, 0)}
    backup = tmp_path / "backup.db"
    conn.execute("VACUUM INTO ?", [str(backup)])
    assert desk_store.purge_expired(conn) == 3  # three requests ended; six lists went
    hub_store.withdraw_contact_request(conn, "request-3")
    live = conn.execute("SELECT entity, count(*) FROM visitor_records GROUP BY entity")
    assert dict(live.fetchall()) == {"contact_request": 2}  # the records really went
    assert figures() == before
    # A backup from before the erasures comes back: erased again, counted once, not twice.
    restored = hub_store.connect(backup)
    hub_store.carry_over_on_restore(conn, restored)
    found = group_figures.counts(restored, [LAST_MONTH])
    assert {cid: (f["kept"], f["asked"]) for (_m, cid), f in found.items()} == {
        group: (6, 6), other: (6, 0)
    }  # fmt: skip
    restored.close()
    conn.close()
