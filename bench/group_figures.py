"""The groups' figures (sync.hub.group_figures) for a town of 2,000 groups and 100,000 visitor
records over 24 months, beside a plain count(*) over the same rows measured in the same run.

Printed: the first tally of every record (once per hub process), then the figures as the desk
computes one month of every group, as a group's edit page computes its last 12 months, and the
gifts map, each in ms and as a ratio to the count(*); then the real pages through a hub process
(median of 5, after a first request), as a ratio to the hub's health request.

    .venv/bin/python bench/group_figures.py [--postgresql]

With --postgresql the hub's store is on a throwaway PostgreSQL server (a region's hub), where
the tally is made whole for every page (there is no rowid to go on from).
"""

from __future__ import annotations

import json
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.hub_process import HubProcess  # noqa: E402
from bench.synthetic import records  # noqa: E402
from sync.hub import desk_store, group_figures, proposals  # noqa: E402
from sync.hub import store as hub_store  # noqa: E402

GROUPS = 2_000
RECORDS = 100_000
MONTHS = 24
KIOSKS = ("kiosk-hal", "kiosk-bieb", "kiosk-wijk")
OPENED_A_DAY = 150  # groups a kiosk's day counts opens for
INTRODUCTIONS = 5_000


def moment(rng: random.Random, today: date) -> datetime:
    return datetime.combine(today, datetime.min.time(), UTC) - timedelta(
        seconds=rng.randrange(MONTHS * 30 * 86400)
    )


def fill(conn, today: date) -> list[str]:
    """2,000 groups and 100,000 visitor records (kiosk_counts, interests, take-home lists,
    contact requests) plus introductions, spread over 24 months."""
    from sync.hub.cli import demo_records

    rng = random.Random(17)
    taxonomy, _demo, _events = demo_records()
    groups = [{**r, "provenance": {}, "last_confirmed": None, "revision": 1}
              for r in records(GROUPS, seed=5)]  # fmt: skip
    hub_store.load_records(conn, taxonomy, groups, [])
    ids = [g["id"] for g in groups]
    places = [t["slug"] for t in taxonomy["neighbourhoods"]]
    gifts = [t["slug"] for t in taxonomy["gifts"]]
    rows = []
    for kiosk in KIOSKS:
        for back in range(1, MONTHS * 30):
            day = (today - timedelta(days=back)).isoformat()
            opened = {g: rng.randint(1, 9) for g in rng.sample(ids, OPENED_A_DAY)}
            rows.append(("kiosk_counts", {"day": day, "opened": opened, "kiosk": kiosk,
                                          "created_at": day + "T23:59:00+00:00"}))  # fmt: skip
    rest = RECORDS - len(rows)
    for n in range(rest):
        made = moment(rng, today).isoformat(timespec="seconds")
        kind = n % 5
        if kind < 2:
            rows.append(
                (
                    "interest",
                    {
                        "themes": [],
                        "gifts": rng.sample(gifts, 2),
                        "neighbourhood": rng.choice(places),
                        "created_at": made,
                    },
                )
            )
        elif kind < 4:
            rows.append(("take_home_list", {"communities": rng.sample(ids, 3), "created_at": made}))
        else:
            rows.append(("contact_request", {"communities": rng.sample(ids, 1),
                                             "created_at": made}))  # fmt: skip
    with hub_store.write(conn):
        conn.executemany(
            "INSERT INTO visitor_records (entity, id, kiosk, fields, received_at)"
            " VALUES (?, ?, 'kiosk-hal', ?, ?)",
            [(e, str(uuid.uuid4()), json.dumps(f), f["created_at"]) for e, f in rows],
        )
        outcomes = ("open", "led_to_something", "not_yet", "nothing")
        conn.executemany(
            "INSERT INTO introductions (kind, party_a, party_b, note, follow_up_on, outcome,"
            " made_by, made_at) VALUES ('community_community', ?, ?, '', ?, ?, 'bench', ?)",
            [(*rng.sample(ids, 2), today.isoformat(), rng.choice(outcomes),
              moment(rng, today).isoformat(timespec="seconds")) for _ in range(INTRODUCTIONS)],
        )  # fmt: skip
    return ids


def best(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    if "--postgresql" in sys.argv[1:]:
        from bench.pg_server import postgresql_server

        with postgresql_server() as url:
            run(url.replace("postgresql+psycopg://", "postgresql://"))
    else:
        run("")


def run(database: str) -> None:
    today = datetime.now(UTC).date()
    month = today.strftime("%Y-%m")
    with tempfile.TemporaryDirectory(prefix="ontmoet-bench-figures-") as folder:
        hub = HubProcess(Path(folder) / "hub", database=database)
        print("store:", "PostgreSQL" if database else "SQLite")
        conn = hub.db()
        ids = fill(conn, today)
        (total,) = conn.execute("SELECT count(*) FROM visitor_records").fetchone()
        print(f"{GROUPS} groups, {total} visitor records, {INTRODUCTIONS} introductions")

        def baseline():
            conn.execute("SELECT count(*) FROM visitor_records").fetchone()
            conn.execute("SELECT count(*) FROM introductions").fetchone()

        base = best(baseline)
        print(f"baseline count(*) over the same rows: {base * 1000:.1f} ms")
        first = best(lambda: group_figures.tally(conn), runs=1)
        print(f"the first tally of all records (once per hub start): {first * 1000:.0f} ms"
              f" = {first / base:.1f} x count(*)")  # fmt: skip
        for name, fn in (
            ("desk: one month of every group", lambda: group_figures.for_month(conn, month)),
            ("group: its last 12 months", lambda: group_figures.for_group(conn, ids[0])),
            ("desk: the gifts map", lambda: group_figures.gifts_map(conn)),
        ):
            took = best(fn)
            print(f"{name}: {took * 1000:.1f} ms = {took / base:.1f} x count(*)")

        generated = desk_store.create_account(conn, "bench", "balie", "receptionist")
        password = f"eigen-{generated}-gekozen"
        desk_store.change_password(conn, "balie", generated, password)
        token = proposals.new_edit_link(conn, "bench", ids[0])
        conn.close()
        hub.start()
        try:
            web = requests.Session()
            pre = re.search(r'name="pre" value="([^"]+)"',
                            web.get(f"{hub.url}/desk/login", timeout=10).text).group(1)  # fmt: skip
            web.post(f"{hub.url}/desk/login", timeout=30,
                     data={"username": "balie", "password": password, "pre": pre})  # fmt: skip
            health = best(lambda: web.get(f"{hub.url}/api/v1/health", timeout=10))
            print(f"baseline: the hub's health request {health * 1000:.1f} ms")
            pages = (
                ("desk figures page (month, by name)", f"/desk/figures?month={month}"),
                ("desk figures page (sorted, page 3)", "/desk/figures?sort=opened&p=3"),
                ("a group's edit page", f"/edit/{token}"),
            )
            for name, path in pages:
                reply = web.get(f"{hub.url}{path}", timeout=60)
                assert reply.status_code == 200, (path, reply.status_code)
                took = best(lambda path=path: web.get(f"{hub.url}{path}", timeout=60))
                print(f"{name}: {took * 1000:.0f} ms = {took / health:.0f} x health,"
                      f" {len(reply.content) // 1024} KiB")  # fmt: skip
        finally:
            hub.stop()


if __name__ == "__main__":
    main()
