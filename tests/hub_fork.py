"""Hub processes for the tests, forked from a process that has imported the hub already.

A fresh ``python -m sync.hub.cli serve`` spends about a second of CPU importing FastAPI,
pydantic and the hub before it answers; a test run starts two hundred hubs. A fork server
(multiprocessing's, one per test process) imports them once, and each hub is a fork of it
that runs the same ``main(["serve", ...])``: a process of its own, with its own pid, signals
(kill -9 is still kill -9), environment, working folder and exit code, as before.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import types
from pathlib import Path

#: Imported once in the fork server. Missing ones are skipped there (multiprocessing's
#: rule): a hub then imports them itself, slower but the same.
PRELOAD = ["hub_fork", "sync.hub.cli", "sync.hub.app", "sync.hub.server"]

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(PRELOAD)


def _run(argv: list[str], env: dict[str, str], cwd: str, log: str) -> None:
    """In the forked process: what ``subprocess.Popen([python, -m, sync.hub.cli, *argv])``
    gave the hub (this environment and folder, no stdin, stdout discarded, stderr to ``log``),
    then its main."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.dup2(os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644), 2)
    from sync.hub.cli import main

    sys.exit(main(argv))


class ForkedHub:
    """The part of ``subprocess.Popen`` the hub's helpers use, for a forked hub."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path, log: Path) -> None:
        # Daemonic: a hub a test left running ends with the test process, never outlives it.
        self._process = _context.Process(
            target=_run, args=(argv, env, str(cwd), str(log)), daemon=True
        )
        # multiprocessing runs the parent's main script again in the child (pytest's, or a
        # script's whole body); a hub needs none of it: the child is shown an empty one.
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            self._process.start()
        finally:
            sys.modules["__main__"] = main
        self.pid = self._process.pid
        self.args = argv

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode

    def poll(self) -> int | None:
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired(self.args, timeout)
        return self._process.exitcode

    def terminate(self) -> None:
        self._process.terminate()

    def kill(self) -> None:
        self._process.kill()
