"""Open data at 10,000 communities: the full exports (HSDS data package as a folder and a zip,
HSDS JSON, the spreadsheet) and the /hsds/ read API on a real hub process (the first request
builds the objects, later ones use them; one changed community rebuilds only itself).

    .venv/bin/python -m bench.hsds [N]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import requests

from bench.hub_process import HubProcess
from bench.synthetic import records
from sync.hub import store as hub_store
from sync.hub.hsds import export


def _timed(what: str, action) -> object:
    started = time.perf_counter()
    result = action()
    print(f"{what:<52} {(time.perf_counter() - started) * 1000:8.0f} ms")
    return result


def _fill(data_dir: Path, n: int) -> None:
    conn = hub_store.connect(data_dir / "hub.db")
    try:
        made = [{**r, "provenance": {"name": "community"}, "last_confirmed": None}
                for r in records(n)]  # fmt: skip
        hub_store.load_records(conn, None, made, [])
    finally:
        conn.close()


def main(n: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="ontmoet-hsds-bench-"))
    hub = HubProcess(folder / "hub")  # init and the demo (64 groups and the lists)
    _timed(f"load {n} generated communities", lambda: _fill(hub.data_dir, n))
    conn = hub_store.connect(hub.data_dir / "hub.db")
    snapshot = _timed("read the public records", lambda: export.read(conn))
    print(f"communities: {len(snapshot.communities)}")
    _timed("export: data package folder", lambda: export.export(snapshot, "hsds", folder / "p"))
    _timed("export: data package zip", lambda: export.export(snapshot, "hsds", folder / "p.zip"))
    _timed("export: HSDS JSON", lambda: export.export(snapshot, "json", folder / "p.json"))
    _timed("export: spreadsheet", lambda: export.export(snapshot, "csv", folder / "p.csv"))
    for name in ("p.zip", "p.json", "p.csv"):
        print(f"{name:<52} {(folder / name).stat().st_size / 1e6:8.1f} MB")
    hub.start()
    try:
        url = f"{hub.url}/hsds/services"

        def get(**params) -> requests.Response:
            return requests.get(url, params=params, timeout=120)

        _timed("API: first /hsds/services (builds the objects)", get)
        reply = _timed("API: /hsds/services again", get)
        _timed("API: page 100 of 100 items", lambda: get(page=100, per_page=100))
        _timed("API: search two words", lambda: get(search="moes tuin"))
        tag = reply.headers["etag"]
        _timed("API: If-None-Match (304)", lambda: requests.get(
            url, headers={"If-None-Match": tag}, timeout=60))  # fmt: skip
        one = snapshot.communities[0][0]
        with hub_store.write(conn):
            hub_store.put_shared(conn, "community", {**one, "name": one["name"] + " (nieuw)"})
        _timed("API: after one change (rebuilds that one)", get)
    finally:
        hub.stop()
        conn.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
