"""A real hub process on 127.0.0.1 (``ontmoet-hub serve`` in a subprocess), for the tests and
the benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import requests

from sync.hub import store as hub_store

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def hub_cli(data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "sync.hub.cli", *args, "--data-dir", str(data_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"ontmoet-hub {args} failed: {result.stderr}")
    return result


class HubProcess:
    """``ontmoet-hub serve`` in a subprocess, set up with ``init`` and ``load-demo``."""

    def __init__(self, data_dir: Path, demo: bool = True, database: str = "") -> None:
        """``database``: a PostgreSQL address for the store (empty: SQLite in the folder)."""
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        if database:
            from sync.hub.engine import record_database

            data_dir.mkdir(parents=True, mode=0o700)
            record_database(data_dir, database)
        hub_cli(data_dir, "init")
        if demo:
            hub_cli(data_dir, "load-demo")

    def start(self, env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> HubProcess:
        """Serve; ``env``: extra environment (the SMTP server, say); ``args``: for serve. A
        restart without them serves as the last start did."""
        if env is None and not args:
            env, args = getattr(self, "_last", (None, ()))
        self._last = (env, args)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sync.hub.cli", "serve", "--data-dir", str(self.data_dir),
             "--port", str(self.port), "--log-level", "info", *args],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=open(self.data_dir / "serve.log", "ab"),  # noqa: SIM115
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError((self.data_dir / "serve.log").read_text())
            try:
                if requests.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.05)
        raise AssertionError("the hub did not start within 30 s")

    def kill(self) -> None:
        """kill -9: no goodbye, no flush."""
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def code(self, kiosk: str) -> str:
        out = hub_cli(self.data_dir, "enrol-kiosk", kiosk).stdout
        return out.splitlines()[0].rsplit(" ", 1)[1]

    def db(self) -> sqlite3.Connection:
        """A new connection to this hub's store, on whichever engine it is (close it)."""
        return hub_store.Hub(self.data_dir).conn

    def records(self, entity: str | None = None) -> list[tuple[str, str]]:
        with self.db() as conn:
            sql = "SELECT entity, id FROM visitor_records"
            rows = conn.execute(sql + (" WHERE entity = ?" if entity else ""),
                                [entity] if entity else []).fetchall()  # fmt: skip
        conn.close()
        return rows

    def communities(self) -> dict[str, int]:
        conn = self.db()
        rows = conn.execute(
            "SELECT id, revision FROM shared_records WHERE entity = 'community'"
            " AND data IS NOT NULL"
        ).fetchall()
        conn.close()
        return dict(rows)
