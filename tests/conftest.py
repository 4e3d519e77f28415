"""Shared fixtures. Kivy's environment is set here, before anything imports Kivy: one
offscreen window (no X server) at the kiosk's portrait panel size for the whole session."""

import gc
import os
import shutil
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

from kiosk.kivy_env import kivy_environment

PANEL = (1080, 1920)
os.environ.update(kivy_environment(PANEL, headless=True))
os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="ontmoet-kivy-home-")

import pytest  # noqa: E402

from kiosk.config import Config  # noqa: E402
from kiosk.demo import load_demo  # noqa: E402
from kiosk.store import open_store  # noqa: E402
from sync.hub import keys  # noqa: E402

#: Accounts and PINs the tests make in this process get cheap argon2 hashes (a check reads the
#: parameters from the hash); hub processes keep full strength (tests/test_hub_cli.py checks).
keys.HASH_PARAMETERS = {"time_cost": 1, "memory_cost": 8 * 1024, "parallelism": 1}

#: A GUI test starts a whole kiosk app (some 300,000 objects) and drops it. CPython's automatic
#: full collections, due each time the heap has grown by a quarter, walked the whole heap four or
#: five times per such test: half of the GUI tests' time. Here young collections come less often
#: and full ones seldom; the app's own collection once its screens are built (KioskApp.
#: build_remaining) still frees the apps stopped before it. Hub processes keep the defaults.
gc.set_threshold(20_000, 20, 100)

SCREENSHOTS = Path(__file__).resolve().parent.parent / "out" / "test-screenshots"
TODAY = date.today()


def pytest_collection_modifyitems(items):
    """Every test that drives Chromium is marked ``browser`` (pyproject.toml registers it)."""
    for item in items:
        if {"page", "browser", "context"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


class FakeClock:
    """A monotonic clock the test moves by hand: time travel instead of sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def config(tmp_path):
    return Config(data_dir=tmp_path / "data", public_url="https://ontmoet.test")


@pytest.fixture
def store(config):
    s = open_store(config.db_path)
    yield s
    s.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """The demo loaded once; each test gets its own copy of the data folder."""
    folder = tmp_path_factory.mktemp("demo-template")
    s = open_store(folder / "kiosk.db")
    load_demo(s, folder / "photos", TODAY)
    s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    return folder


@pytest.fixture
def demo_config(config, demo_template):
    shutil.copytree(demo_template, config.data_dir)
    return config


@pytest.fixture
def demo_store(demo_config):
    s = open_store(demo_config.db_path)
    yield s
    s.close()


@pytest.fixture(scope="session")
def hub_key():
    """The hub's key pair for the tests: the kiosk gets only the public half."""
    from nacl.public import PrivateKey

    return PrivateKey.generate()


@pytest.fixture
def make_kiosk(demo_config, demo_store, clock, hub_key):
    """Start the real kiosk app on the demo data, headless, with settings changed as given;
    returns its HeadlessRunner. One app per test (the window is shared)."""
    import base64

    from kiosk.app import KioskApp
    from screens.headless import HeadlessRunner

    runners = []

    def start(**settings):
        key = base64.b64encode(bytes(hub_key.public_key)).decode()
        config = replace(demo_config, **{"hub_public_key": key, **settings})
        # Frames are not drawn (software GL); a screenshot draws its own.
        runner = HeadlessRunner(KioskApp(config, demo_store, clock=clock), draw=False)
        runner.start()
        runners.append(runner)
        return runner

    yield start
    for runner in runners:
        runner.stop()


@pytest.fixture
def kiosk(make_kiosk):
    """The real kiosk app on the demo data, running headless; yields its HeadlessRunner."""
    return make_kiosk()


def community_record(name: str, **overrides) -> dict:
    """A valid community record in the store's shape."""
    import uuid

    record = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
        "name": name,
        "kind": "informal_group",
        "pitch": {"nl": f"{name}: samen doen", "en": f"{name}: doing things together"},
        "story": {"nl": "Wij komen elke week samen.", "en": "We meet every week."},
        "themes": ["eten"],
        "gifts_welcome": ["koken"],
        "neighbourhood": "centrum",
        "schedule": [{"when": {"nl": "Elke dinsdag"}, "place": "Het Anker"}],
        "languages": ["nl"],
        "welcome": {"nl": "Iedereen"},
        "accessibility": {"nl": "Drempelvrij"},
        "contact": {"nl": "Loop binnen"},
        "join_url": None,
        "state": "active",
    }
    record.update(overrides)
    return record


@pytest.fixture
def make_record():
    return community_record


@pytest.fixture
def taxonomy_store(store):
    """An empty store with a small taxonomy."""
    from kiosk.models import Term

    store.replace_taxonomies(
        [
            Term("eten", {"nl": "Samen eten", "en": "Eating together"}),
            Term("natuur", {"nl": "Tuinieren en natuur", "en": "Gardening"}),
        ],
        [
            Term("centrum", {"nl": "Centrum", "en": "Town centre"}),
            Term("esveld", {"nl": "Esveld", "en": "Esveld"}),
        ],
        [Term("koken", {"nl": "Koken", "en": "Cooking"}, "hands")],
    )
    return store


@pytest.fixture
def english():
    """Messages in English for the test, Dutch (the kiosk's default) again after it."""
    from kiosk import i18n

    i18n.set_language("en")
    yield
    i18n.set_language("nl")


#: The sync tests make hundreds of visitors a second; the per-kiosk quotas (which
#: tests/test_attacks.py checks at their real size) would quarantine them.
LOAD_TEST_QUOTAS = {"ONTMOET_HUB_QUOTA_FACTOR": "100"}


@pytest.fixture
def hub(tmp_path):
    """A real hub process on 127.0.0.1 with the demo, for one test."""
    from hub_helpers import HubProcess

    process = HubProcess(tmp_path / "hub").start(env=LOAD_TEST_QUOTAS)
    yield process
    process.stop()


@pytest.fixture(scope="session")
def postgresql_url():
    """A real PostgreSQL server (Debian's package) for this test worker, started on first use;
    its URL for SQLAlchemy. The same server holds the stores of hubs on PostgreSQL."""
    from hub_helpers import postgresql_url as server_url

    return server_url()


def pytest_generate_tests(metafunc):
    """A module marked ``hub_engines`` runs each of its tests with the hub's store on SQLite
    and again on PostgreSQL (issue 18)."""
    if (
        metafunc.definition.get_closest_marker("hub_engines")
        and "hub_engine" in metafunc.fixturenames
    ):
        metafunc.parametrize("hub_engine", ["sqlite", "postgresql"], indirect=True)


_DEFAULT_ENGINE = os.environ.get("ONTMOET_TEST_HUB_ENGINE", "sqlite")


def pytest_runtest_setup(item):
    """Which engine this test's hubs keep their store in (tests/hub_helpers.py ENGINE), set
    before any of its fixtures, module-scoped ones too: SQLite for a test about the SQLite
    file (``hub_sqlite_only``), each engine in turn in a module marked ``hub_engines``, else
    ONTMOET_TEST_HUB_ENGINE's (SQLite by default)."""
    import hub_helpers

    params = getattr(getattr(item, "callspec", None), "params", {})
    if item.get_closest_marker("hub_sqlite_only"):
        hub_helpers.ENGINE = "sqlite"
    else:
        hub_helpers.ENGINE = params.get("hub_engine", _DEFAULT_ENGINE)


@pytest.fixture(autouse=True)
def hub_engine(request):
    """The engine pytest_runtest_setup chose for this test's hubs (a parameter in a module
    marked ``hub_engines``)."""
    import hub_helpers

    return hub_helpers.ENGINE


@pytest.fixture
def empty_postgresql(postgresql_url):
    """A new, empty database on the worker's PostgreSQL server for one test; its URL."""
    import uuid

    import sqlalchemy as sa

    name = f"test_{uuid.uuid4().hex[:12]}"
    server = sa.create_engine(postgresql_url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    yield sa.engine.make_url(postgresql_url).set(database=name).render_as_string(False)
    with server.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
    server.dispose()


@pytest.fixture(scope="module")
def module_hub(tmp_path_factory):
    """A real hub process with the demo, shared by the tests of one module."""
    from hub_helpers import HubProcess

    process = HubProcess(tmp_path_factory.mktemp("hub")).start(env=LOAD_TEST_QUOTAS)
    yield process
    process.stop()


@pytest.fixture(scope="module")
def module_kiosk(module_hub, tmp_path_factory, request):
    """A kiosk store enrolled at ``module_hub`` and synced once."""
    from hub_helpers import enrolled_kiosk

    from sync.client import SyncClient

    name = "kiosk-" + request.module.__name__.rsplit("_", 1)[-1]
    store = enrolled_kiosk(module_hub, tmp_path_factory.mktemp("kiosk"), name)
    SyncClient(store).sync_once()
    return store


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Playwright drives Debian's chromium (no browser is ever downloaded; STYLE.md)."""
    return {
        "executable_path": "/usr/bin/chromium",
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }  # fmt: skip


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A browser at a Dutch town hall: the hub's pages follow its Accept-Language (nl-NL)."""
    return {**browser_context_args, "locale": "nl-NL"}


@pytest.fixture
def smtp_sink():
    """A real SMTP server for one test."""
    from hub_helpers import running_smtp_sink

    with running_smtp_sink() as sink:
        yield sink


@pytest.fixture
def desk(tmp_path, smtp_sink):
    from hub_helpers import HubProcess

    hub = HubProcess(tmp_path / "hub")
    hub.start(env={"ONTMOET_SMTP_HOST": "127.0.0.1", "ONTMOET_SMTP_PORT": str(smtp_sink.port),
                   "ONTMOET_MAIL_FROM": "receptie@lindewaard.example"})  # fmt: skip
    yield hub
    hub.stop()
