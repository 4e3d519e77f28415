"""A real PostgreSQL server for the tests: Debian's package (./tasks test installs it), a
throwaway cluster in a temporary folder on a free port, stopped and removed afterwards.

PostgreSQL refuses to run as root, and CI runs as root: then the cluster belongs to the
``postgres`` user the Debian package made, and its programs run under ``runuser``. A developer
who is not root runs them as themselves. Nothing here touches the machine's own clusters
(pg_ctlcluster, /var/lib/postgresql): the cluster lives and dies with the test session."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.hub_process import free_port


def _newest_bin() -> Path:
    """The newest PostgreSQL the machine has (Debian 12: 15); the hub needs 15 or later."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    return Path(found[-1]) if found else Path("/usr/lib/postgresql/15/bin")


BIN = _newest_bin()
USER = "ontmoet"  # the cluster's superuser; the tests connect as it, over TCP on 127.0.0.1


def _as_owner(command: list[str], owner: str | None, **kwargs) -> subprocess.CompletedProcess:
    if owner:
        command = ["runuser", "-u", owner, "--", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, **kwargs)


@contextmanager
def postgresql_server(durable: bool = False) -> Iterator[str]:
    """Start a cluster; yield its URL (``postgresql+psycopg://ontmoet@127.0.0.1:PORT/ontmoet``)."""
    if not (BIN / "initdb").exists():
        raise AssertionError("PostgreSQL is not installed: './tasks test' installs it (postgresql)")
    owner = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="ontmoet-pg-"))
    data = root / "data"
    if owner:
        entry = pwd.getpwnam(owner)
        os.chown(root, entry.pw_uid, entry.pw_gid)
        os.chmod(root, 0o700)
    port = free_port()
    try:
        made = _as_owner([str(BIN / "initdb"), "-D", str(data), "-U", USER, "-A", "trust",
                          "-E", "UTF8", "--locale", "C.UTF-8", "--no-sync"], owner)  # fmt: skip
        assert made.returncode == 0, made.stderr
        # Durability is not what the tests are about: fsync off makes a commit cheap there.
        # A benchmark that compares engines asks for a durable server, as SQLite's FULL is.
        cheap = "" if durable else "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        options = (f"-c listen_addresses=127.0.0.1 -c port={port} "
                   f"-c unix_socket_directories={root} " + cheap +
                   # hub processes hold a session per worker thread, tests hold several hubs
                   "-c max_connections=500")  # fmt: skip
        started = _as_owner([str(BIN / "pg_ctl"), "-D", str(data), "-o", options, "-w",
                             "-l", str(root / "server.log"), "start"], owner)  # fmt: skip
        assert started.returncode == 0, started.stderr + _log(root)
        created = _as_owner([str(BIN / "createdb"), "-h", "127.0.0.1", "-p",
                             str(port), "-U", USER, "ontmoet"], owner)  # fmt: skip
        assert created.returncode == 0, created.stderr
        yield f"postgresql+psycopg://{USER}@127.0.0.1:{port}/ontmoet"
    finally:
        if (data / "postmaster.pid").exists():
            _as_owner([str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], owner)
        shutil.rmtree(root, ignore_errors=True)


def _log(root: Path) -> str:
    log = root / "server.log"
    return log.read_text() if log.exists() else ""
