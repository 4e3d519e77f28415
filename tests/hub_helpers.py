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
from sync.hub.engine import database_of, record_database

#: Where the hubs of the running test keep their store: "sqlite" (hub.db in the folder) or
#: "postgresql" (a database of its own on this worker's PostgreSQL server). conftest.py's
#: ``hub_engine`` fixture sets it per test; ONTMOET_TEST_HUB_ENGINE sets the default.
ENGINE = os.environ.get("ONTMOET_TEST_HUB_ENGINE", "sqlite")

_POSTGRESQL: list[str] = []  # this worker's server, started on first use


def postgresql_url() -> str:
    """This worker's real PostgreSQL server (bench/pg_server.py), started on first use and
    stopped when the worker ends; its URL for SQLAlchemy."""
    if not _POSTGRESQL:
        from bench.pg_server import postgresql_server

        server = postgresql_server()
        _POSTGRESQL.append(server.__enter__())
        atexit.register(server.__exit__, None, None, None)
    return _POSTGRESQL[0]


def new_database(template: str | None = None) -> str:
    """A new database on the worker's server (a copy of ``template``, a database's name, if
    given); its libpq address."""
    import uuid

    import sqlalchemy as sa

    name = f"hub_{uuid.uuid4().hex[:12]}"
    server = sa.create_engine(postgresql_url(), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(
            f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else "")
        )
    server.dispose()
    url = sa.engine.make_url(postgresql_url()).set(drivername="postgresql", database=name)
    return url.render_as_string(hide_password=False)


#: Hub folders set up once per test run by the real CLI (``init``, then ``load-demo`` for the
#: demo one), copied for each hub: two processes and an argon2 hash less per hub. On
#: PostgreSQL each copy gets a copy of the prepared hub's database too.
_PREPARED: dict[tuple[str, bool], Path] = {}


def prepared_hub(demo: bool) -> Path:
    """A hub folder as ``ontmoet-hub init`` (and ``load-demo``) leave it, made on first use."""
    if (ENGINE, demo) not in _PREPARED:
        root = Path(tempfile.mkdtemp(prefix="ontmoet-prepared-hub-"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        folder = root / ("demo" if demo else "empty")
        if ENGINE == "postgresql":
            folder.mkdir(mode=0o700)
            record_database(folder, new_database())  # init makes its store there
        hub_cli(folder, "init")
        if demo:
            hub_cli(folder, "load-demo")
        _PREPARED[ENGINE, demo] = folder
    return _PREPARED[ENGINE, demo]


def copy_hub(source: Path, target: Path) -> None:
    """A copy of the hub in ``source``: its folder and, on PostgreSQL, its database."""
    shutil.copytree(source, target, dirs_exist_ok=True)
    database = database_of(source, {})
    if database:
        record_database(target, new_database(template=database.rsplit("/", 1)[1]))


def store_of(data_dir: Path):
    """A connection to the store of the hub in ``data_dir``, on whichever engine it is."""
    return hub_store.Hub(data_dir).conn


class HubProcess(hub_process.HubProcess):
    """``ontmoet-hub serve`` in a process of its own (bench/hub_process.py, forked from one
    that imported the hub already: tests/hub_fork.py), on a copy of a prepared hub folder.
    Every hub shares the prepared one's keys and epoch: no test has two hubs meet the same
    kiosk."""

    log_name = "serve.log"  # in the hub's folder; another process on it has its own

    def __init__(self, data_dir: Path, demo: bool = True) -> None:
        # Not the bench's __init__: that runs init and load-demo in two processes.
        copy_hub(prepared_hub(demo), data_dir)
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
        conn = store_of(self.data_dir)
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


def withdrawable_request(kiosk: Store, communities: list[str]) -> str:
    """A visitor's contact request at ``kiosk`` (sealed for the hub); its receipt token, with
    which the visitor withdraws it (/w/<token>)."""
    receipt = new_token()
    sealed = seal(check_contact("email", "anna@voorbeeld.nl"),
                  load_public_key(kiosk.get_state("hub_public_key")))  # fmt: skip
    record_contact_request(kiosk, new_record_id(), communities, "email", sealed, 90, receipt)
    return receipt


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
