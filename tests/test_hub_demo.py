"""The README's hub demo: './tasks hub-demo' sets up a hub and two kiosks that share data."""

from __future__ import annotations

import os
import subprocess

import pytest
from hub_helpers import ROOT, free_port, hub_cli

from kiosk.store import open_store
from sync.hub.cli import demo_records


def run_demo(folder, port) -> subprocess.CompletedProcess:
    env = {**os.environ, "ONTMOET_DEMO_DIR": str(folder), "ONTMOET_DEMO_PORT": str(port)}
    return subprocess.run(
        [str(ROOT / "tasks"), "hub-demo", "--no-windows"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.mark.slow  # './tasks hub-demo' itself: a hub, two kiosks, enrolments, syncs
def test_hub_demo_gives_two_kiosks_that_share_the_hub(tmp_path):
    port = free_port()
    first = run_demo(tmp_path, port)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("Enrolled at") == 2
    stores = [open_store(tmp_path / k / "kiosk.db") for k in ("kiosk-a", "kiosk-b")]
    demo = len(demo_records()[1])  # derived: the demo may grow
    assert [s.community_count() for s in stores] == [demo, demo]
    assert all(s.get_state("hub_public_key") for s in stores)
    # A change at the hub reaches both on the next run (which enrols nobody again).
    (cid,) = stores[0].conn.execute("SELECT id FROM communities LIMIT 1").fetchone()
    hub_cli(tmp_path / "hub", "edit-community", cid, "state=resting")
    second = run_demo(tmp_path, port)
    assert second.returncode == 0, second.stderr
    assert "Enrolled at" not in second.stdout
    assert [s.community(cid).state for s in stores] == ["resting", "resting"]
