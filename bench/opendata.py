"""Import of N generated services (an HSDS 3.0 data package, default 10,000) into an empty
hub, and a full export, each as a ratio to a baseline measured in the same run on the same
machine: the import against the store's own bulk load of the same communities
(store.load_records: the protocol's checks and the change log, nothing more), the export
against reading the public records it is made from (export.read).

    .venv/bin/python -m bench.opendata [N]
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

from bench.hub_process import hub_cli
from bench.synthetic import records
from sync.hub import store as hub_store
from sync.hub import taxonomy
from sync.hub.hsds import export, importer, readers


def _timed(action) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def _hub(folder: Path, demo: bool) -> Path:
    hub_cli(folder, "init")
    if demo:
        hub_cli(folder, "load-demo")
    return folder


def _with_lists(folder: Path, lists: dict) -> Path:
    conn = hub_store.connect(_hub(folder, demo=False) / "hub.db")
    with hub_store.write(conn):
        hub_store.put_shared(conn, "taxonomy", lists)
    conn.close()
    return folder


def main(n: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="ontmoet-opendata-bench-"))
    source = hub_store.connect(_hub(root / "source", demo=True) / "hub.db")
    made = [{**r, "provenance": {}, "last_confirmed": None} for r in records(n)]
    hub_store.load_records(source, None, made, [])
    lists = taxonomy.current(source)
    snapshot = export.read(source)
    total = len(snapshot.communities)
    package = root / "package"
    read_s, _ = _timed(lambda: export.read(source))
    export_s, _ = _timed(lambda: export.export(export.read(source), "hsds", package))
    rows = {p.name: p.read_bytes().count(b"\n") - 1 for p in package.glob("*.csv")}
    size = sum(p.stat().st_size for p in package.iterdir()) / 1e6

    baseline = hub_store.connect(_with_lists(root / "baseline", lists) / "hub.db")
    stored = [record for record, _updated in snapshot.communities]
    load_s, _ = _timed(lambda: hub_store.load_records(baseline, None, stored, []))

    target = hub_store.connect(_hub(root / "target", demo=False) / "hub.db")
    read_in_s, found = _timed(lambda: readers.read(package))
    dry_s, _ = _timed(lambda: importer.run(target, package, dry_run=True, out=io.StringIO()))
    import_s, plan = _timed(lambda: importer.run(target, package, out=io.StringIO()))
    again_s, again = _timed(lambda: importer.run(target, package, out=io.StringIO()))

    print(f"HSDS 3.0 data package of {total} communities: {size:.1f} MB,"
          f" {rows['attributes.csv']} attributes, {rows['schedules.csv']} schedules")  # fmt: skip
    print(f"added {plan.count('add')}, re-import skipped {again.count('skip')}")
    print(f"{'':44}{'seconds':>9}{'ratio':>8}")
    print(f"{'baseline: store.load_records (same records)':44}{load_s:9.2f}{1:8.2f}")
    for what, seconds in (("read the package (CSV, limits)", read_in_s),
                          ("import --dry-run (read + plan)", dry_s),
                          ("import (read + plan + one transaction)", import_s),
                          ("import again (nothing changed)", again_s)):  # fmt: skip
        print(f"{what:44}{seconds:9.2f}{seconds / load_s:8.2f}")
    print(f"{'baseline: export.read (the public records)':44}{read_s:9.2f}{1:8.2f}")
    print(f"{'export: full data package (folder)':44}{export_s:9.2f}{export_s / read_s:8.2f}")
    del found


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
