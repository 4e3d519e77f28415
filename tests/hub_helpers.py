"""A real hub process on 127.0.0.1 for the tests, and kiosks that sync with it."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import requests
from hub_fork import ForkedHub

from bench import hub_process
from bench.hub_process import ROOT, free_port, hub_cli  # noqa: F401  (for the tests)
from kiosk import outbox
from kiosk.contact import check_contact, load_public_key, seal
from kiosk.store import Store, open_store
from kiosk.visitor_records import (
    new_record_id,
    new_token,
    record_contact_request,
    record_interest,
    record_take_home_list,
)
from sync.client import enrol
from sync.hub import store as hub_store

#: Hub folders set up once per test run by the real CLI (``init``, then ``load-demo`` for the
#: demo one), copied for each hub: two processes and an argon2 hash less per hub.
_PREPARED: dict[bool, Path] = {}


def prepared_hub(demo: bool) -> Path:
    """A hub folder as ``ontmoet-hub init`` (and ``load-demo``) leave it, made on first use."""
    if demo not in _PREPARED:
        root = Path(tempfile.mkdtemp(prefix="ontmoet-prepared-hub-"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        folder = root / ("demo" if demo else "empty")
        hub_cli(folder, "init")
        if demo:
            hub_cli(folder, "load-demo")
        _PREPARED[demo] = folder
    return _PREPARED[demo]


class HubProcess(hub_process.HubProcess):
    """``ontmoet-hub serve`` in a process of its own (bench/hub_process.py, forked from one
    that imported the hub already: tests/hub_fork.py), on a copy of a prepared hub folder.
    Every hub shares the prepared one's keys and epoch: no test has two hubs meet the same
    kiosk."""

    log_name = "serve.log"  # in the hub's folder; another process on it has its own

    def __init__(self, data_dir: Path, demo: bool = True) -> None:
        # Not the bench's __init__: that runs init and load-demo in two processes.
        shutil.copytree(prepared_hub(demo), data_dir, dirs_exist_ok=True)
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def another_process(self) -> HubProcess:
        """A second hub process on this one's folder (one store, one set of keys), on its own
        port and with its own log: several hub processes on one store."""
        other = HubProcess.__new__(HubProcess)
        other.data_dir, other.port, other.process = self.data_dir, free_port(), None
        other.url = f"http://127.0.0.1:{other.port}"
        other.log_name = f"serve-{other.port}.log"
        return other

    def start(self, env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> HubProcess:
        """Serve; ``env``: extra environment (the SMTP server, say); ``args``: for serve. A
        restart without them serves as the last start did."""
        if env is None and not args:
            env, args = getattr(self, "_last", (None, ()))
        self._last = (env, args)
        log = self.data_dir / self.log_name
        argv = ["serve", "--data-dir", str(self.data_dir), "--port", str(self.port),
                "--log-level", "info", *args]  # fmt: skip
        self.process = ForkedHub(argv, {**os.environ, **(env or {})}, ROOT, log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(log.read_text())
            try:
                if requests.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.02)
        raise AssertionError("the hub did not start within 30 s")

    def code(self, kiosk: str) -> str:
        """A one-time enrolment code, made as ``ontmoet-hub enrol-kiosk`` makes it (whose
        output tests/test_hub_cli.py checks), without a process."""
        conn = hub_store.connect(self.data_dir / "hub.db")
        try:
            return hub_store.new_enrolment_code(conn, kiosk)
        finally:
            conn.close()


def enrolled_kiosk(hub: HubProcess, folder: Path, name: str) -> Store:
    """A kiosk store (empty: everything comes from the hub) enrolled at ``hub``."""
    store = open_store(folder / "kiosk.db")
    enrol(store, hub.url, hub.code(name))
    return store


def kiosk_communities(store: Store) -> dict[str, int]:
    return dict(store.conn.execute("SELECT id, revision FROM communities").fetchall())


def visit(store: Store, kiosk: str, communities: list[str], n: int = 1) -> list[str]:
    """``n`` visitors' worth of records: an interest, a contact request, a take-home list."""
    key = load_public_key(store.get_state("hub_public_key"))
    ids = []
    for i in range(n):
        interest, contact, take_home = new_record_id(), new_record_id(), new_record_id()
        record_interest(store, interest, ["natuur"], ["koken"], None, "nl", kiosk)
        sealed = seal(check_contact("email", f"bezoeker{i}@voorbeeld.nl"), key)
        record_contact_request(store, contact, communities[:2], "email", sealed, 90, new_token())
        record_take_home_list(store, take_home, new_token(), communities[:3], "nl", date.today())
        ids += [interest, contact, take_home]
    return ids


def outbox_size(store: Store) -> int:
    return outbox.size(store)


@contextmanager
def running_smtp_sink():
    """A real SMTP server on 127.0.0.1 that keeps what it receives (``.received``)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Keep(Message):
        def handle_message(self, message):
            received.append(message)

    controller = Controller(Keep(), hostname="127.0.0.1", port=free_port())
    controller.start()
    controller.received = received
    try:
        yield controller
    finally:
        controller.stop()
