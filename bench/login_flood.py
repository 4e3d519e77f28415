"""A kiosk's pull while strangers flood the desk's login (issue 11): the pull's time during
40 parallel logins as a ratio to the same pull on the idle hub, measured in the same run, and
the hub's memory (resident set, and its peak) before and after.

Before issue 11 every login ran its argon2 check (64 MiB, most of a core) at once: kiosk
pulls took up to 14 s and the hub grew by 0.8 GB. Now at most two checks run at once.
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.hub_process import HubProcess  # noqa: E402
from kiosk.store import open_store  # noqa: E402
from sync.client import enrol  # noqa: E402

LOGINS = 40
ROUNDS = 3  # waves of LOGINS parallel logins


def memory_mb(pid: int) -> tuple[float, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
    peak = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
    return rss, peak


def pull_ms(hub: HubProcess, token: str) -> float:
    started = time.perf_counter()
    reply = requests.get(f"{hub.url}/api/v1/pull?since=0&limit=50", timeout=120,
                         headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    reply.raise_for_status()
    return (time.perf_counter() - started) * 1000


def login(hub: HubProcess, i: int) -> int:
    """A wrong login from its own address (through the trusted local proxy, as a botnet's
    would arrive): no rate limit per address stops it before the password check."""
    web = requests.Session()
    web.headers["X-Forwarded-For"] = f"198.51.{i // 250}.{i % 250 + 1}"
    form = web.get(f"{hub.url}/desk/login", timeout=120)
    pre = re.search(r'name="pre" value="([^"]+)"', form.text).group(1)
    return web.post(f"{hub.url}/desk/login", timeout=120, allow_redirects=False,
                    data={"username": f"naam{i}", "password": "geraden", "pre": pre}
                    ).status_code  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        hub = HubProcess(Path(folder) / "hub").start(
            env={"ONTMOET_HUB_TRUSTED_PROXIES": "127.0.0.1"}
        )
        try:
            kiosk = open_store(Path(folder) / "kiosk.db")
            enrol(kiosk, hub.url, hub.code("kiosk-bench"))
            token = kiosk.get_state("token")
            idle = [pull_ms(hub, token) for _ in range(20)]
            before = memory_mb(hub.process.pid)
            codes: list[int] = []
            busy: list[float] = []
            for wave in range(ROUNDS):
                threads = [
                    threading.Thread(target=lambda n=wave * 100 + i: codes.append(login(hub, n)))
                    for i in range(LOGINS)
                ]
                for thread in threads:
                    thread.start()
                while any(t.is_alive() for t in threads):
                    busy.append(pull_ms(hub, token))
                for thread in threads:
                    thread.join()
            after = memory_mb(hub.process.pid)
        finally:
            hub.stop()
    base = statistics.median(idle)
    busy.sort()
    p95 = busy[int(len(busy) * 0.95) - 1] if busy else float("nan")
    print(f"login flood: {ROUNDS} waves of {LOGINS} parallel logins, answers "
          f"{ {c: codes.count(c) for c in sorted(set(codes))} }")  # fmt: skip
    print(f"  kiosk pull, idle hub (baseline): median {base:.1f} ms")
    print(
        f"  kiosk pull during the flood: median {statistics.median(busy):.1f} ms "
        f"({statistics.median(busy) / base:.1f}x), p95 {p95:.1f} ms ({p95 / base:.1f}x), "
        f"max {busy[-1]:.1f} ms ({busy[-1] / base:.1f}x), {len(busy)} pulls"
    )
    print(
        f"  hub memory: {before[0]:.0f} MB before, {after[0]:.0f} MB after, "
        f"peak {after[1]:.0f} MB (+{after[1] - before[0]:.0f} MB)"
    )


if __name__ == "__main__":
    main()
