"""Watching the fleet (issue 16, item 5): /metrics in Prometheus's format after real syncs,
refused to anyone not allowed, and one alert mail per change of a kiosk (offline, outbox)
in a real SMTP server, from `ontmoet-hub maintain` and from the hub's own loop; the desk's
kiosk page shows the same."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
import requests
from desk_helpers import account, desk_web, log_in
from hub_helpers import ROOT, HubProcess, enrolled_kiosk, hub_cli, outbox_size, store_of, visit
from playwright.sync_api import Page, expect
from prometheus_client.parser import text_string_to_metric_families

from sync import client as sync_client
from sync.client import SyncClient
from sync.hub import alerts
from sync.hub import store as hub_store
from sync.hub.settings import HubSettingsError, load_settings

ADMIN = "beheer@lindewaard.example"
TOKEN = "metrics-token-for-the-tests-0123456789"

# A region's hub (issue 18): every test here on SQLite and on PostgreSQL.
pytestmark = pytest.mark.hub_engines


def _mail_env(sink) -> dict[str, str]:
    return {"ONTMOET_SMTP_HOST": "127.0.0.1", "ONTMOET_SMTP_PORT": str(sink.port),
            "ONTMOET_MAIL_FROM": "hub@lindewaard.example", "ONTMOET_ALERT_TO": ADMIN}  # fmt: skip


def scrape(hub: HubProcess, **kwargs) -> dict:
    """The hub's /metrics, parsed by prometheus_client's own parser: {name: {labels: value}}."""
    reply = requests.get(f"{hub.url}/metrics", timeout=10, **kwargs)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/plain; version=")
    samples: dict = {}
    for family in text_string_to_metric_families(reply.text):
        for sample in family.samples:
            key = tuple(sorted(sample.labels.items()))
            samples.setdefault(sample.name, {})[key] = sample.value
    return samples


def one(samples: dict, name: str, **labels) -> float:
    return samples[name][tuple(sorted(labels.items()))]


def pull_only(store) -> None:
    """The kiosk's own pull request, with what it tells about its outbox, and no push: a
    kiosk whose records wait while it still syncs (a push the hub keeps refusing)."""
    SyncClient(store)._pull(sync_client.RoundResult())


def set_kiosk(hub: HubProcess, kiosk: str, **columns: str) -> None:
    """Travel in time the store's way: the kiosk's moments moved into the past."""
    with hub.db() as conn:
        sets = ", ".join(f"{name} = ?" for name in columns)
        conn.execute(f"UPDATE kiosks SET {sets} WHERE name = ?", [*columns.values(), kiosk])
    conn.close()


def ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat(timespec="seconds")


def maintain(hub: HubProcess, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "sync.hub.cli", "maintain", "--data-dir", str(hub.data_dir)],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=60,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def mails(sink, count: int) -> list:
    """The sink's mails once there are ``count`` (the hub's own loop may be the one sending:
    waited for, briefly), and then exactly that many."""
    deadline = time.monotonic() + 15
    while len(sink.received) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(sink.received) == count, [m["Subject"] for m in sink.received]
    return list(sink.received)


@pytest.mark.hub_sqlite_only  # backs up hub.db
def test_metrics_after_real_syncs(tmp_path):
    hub = HubProcess(tmp_path / "hub").start()
    try:
        store = enrolled_kiosk(hub, tmp_path / "k1", "kiosk-hal")
        enrolled_kiosk(hub, tmp_path / "k2", "kiosk-bieb")  # enrolled, never synced
        SyncClient(store).sync_once()
        requests.get(f"{hub.url}/m/geheim-token-123456", timeout=10)  # a secret in a path
        requests.request("PROPFIND", f"{hub.url}/api/v1/pull", timeout=10)

        samples = scrape(hub)
        assert one(samples, "ontmoet_hub_kiosks_known") == 2
        assert one(samples, "ontmoet_hub_kiosks_online") == 1
        assert one(samples, "ontmoet_hub_kiosk_online", kiosk="kiosk-hal") == 1
        assert one(samples, "ontmoet_hub_kiosk_online", kiosk="kiosk-bieb") == 0
        assert 0 <= one(samples, "ontmoet_hub_kiosk_seconds_since_sync", kiosk="kiosk-hal") < 60
        assert ("kiosk", "kiosk-bieb") not in {
            k[0] for k in samples["ontmoet_hub_kiosk_seconds_since_sync"]
        }
        assert one(samples, "ontmoet_hub_kiosk_outbox_records", kiosk="kiosk-hal") == 0
        assert one(samples, "ontmoet_hub_kiosk_outbox_oldest_seconds", kiosk="kiosk-hal") == 0
        assert one(samples, "ontmoet_hub_backup_age_seconds") == float("inf")
        counted = samples["ontmoet_hub_http_requests_total"]
        pulls = one(samples, "ontmoet_hub_http_requests_total",
                    method="GET", route="/api/v1/pull", status="2xx")  # fmt: skip
        assert pulls >= 1
        assert one(samples, "ontmoet_hub_http_requests_total",
                   method="POST", route="/api/v1/enrol", status="2xx") == 2  # fmt: skip
        routes = {dict(labels)["route"] for labels in counted}
        methods = {dict(labels)["method"] for labels in counted}
        assert "PROPFIND" not in methods and "other" in methods
        assert "/m/{token}" in routes and not any("geheim" in r for r in routes)
        assert one(samples, "ontmoet_hub_http_request_duration_seconds_count",
                   method="GET", route="/api/v1/pull") == pulls  # fmt: skip
        assert one(samples, "ontmoet_hub_http_request_duration_seconds_bucket",
                   method="GET", route="/api/v1/pull", le="+Inf") == pulls  # fmt: skip

        # Records waiting on the kiosk, told with its next pull: depth and age as it says.
        communities = sorted(hub.communities())
        visit(store, "kiosk-hal", communities, n=2)
        pull_only(store)
        samples = scrape(hub)
        waiting = one(samples, "ontmoet_hub_kiosk_outbox_records", kiosk="kiosk-hal")
        assert waiting == outbox_size(store) > 0
        assert 0 <= one(samples, "ontmoet_hub_kiosk_outbox_oldest_seconds", kiosk="kiosk-hal")

        # The oldest waiting record an hour old: its age shows.
        set_kiosk(hub, "kiosk-hal", oldest_unsent=ago(60))
        samples = scrape(hub)
        age = one(samples, "ontmoet_hub_kiosk_outbox_oldest_seconds", kiosk="kiosk-hal")
        assert 3600 <= age < 3660

        hub_cli(hub.data_dir, "backup", str(tmp_path / "backup.db"))
        assert 0 <= one(scrape(hub), "ontmoet_hub_backup_age_seconds") < 60

        # A revoked kiosk leaves the figures.
        hub_cli(hub.data_dir, "revoke-kiosk", "kiosk-bieb")
        samples = scrape(hub)
        assert one(samples, "ontmoet_hub_kiosks_known") == 1
        assert ("kiosk", "kiosk-bieb") not in {k[0] for k in samples["ontmoet_hub_kiosk_online"]}

        # Not in the sync API's OpenAPI document: it is not for kiosks.
        assert "/metrics" not in requests.get(f"{hub.url}/openapi.json", timeout=10).json()["paths"]
        # Through a proxy the hub was not told to trust, the address is the proxy's: refused.
        reply = requests.get(f"{hub.url}/metrics", headers={"X-Forwarded-For": "127.0.0.1"},
                             timeout=10)  # fmt: skip
        assert reply.status_code == 403
    finally:
        hub.stop()


def test_metrics_only_for_allowed_addresses_or_the_token(tmp_path):
    """The hub behind a trusted proxy (127.0.0.1, as Caddy on the same machine): the client's
    address is the proxy's X-Forwarded-For, and only the allowed network or the token gets
    in."""
    hub = HubProcess(tmp_path / "hub").start(env={
        "ONTMOET_HUB_METRICS_FROM": "203.0.113.0/24", "ONTMOET_HUB_METRICS_TOKEN": TOKEN,
        "ONTMOET_HUB_TRUSTED_PROXIES": "127.0.0.1",
    })  # fmt: skip
    try:

        def status(**headers) -> int:
            return requests.get(f"{hub.url}/metrics", headers=headers, timeout=10).status_code

        assert status() == 403  # this machine is not in the list now
        assert status(**{"X-Forwarded-For": "198.51.100.7"}) == 403
        assert status(**{"X-Forwarded-For": "203.0.113.7"}) == 200
        assert status(Authorization="Bearer wrong-token-0123456789") == 403
        assert status(Authorization=f"Bearer {TOKEN}x") == 403
        assert status(Authorization=TOKEN) == 403  # not as a bearer token
        assert status(Authorization=f"Bearer {TOKEN}") == 200
        assert status(**{"X-Forwarded-For": "198.51.100.7"}, Authorization=f"Bearer {TOKEN}") == 200
        # A wrong token from the allowed network is still a wrong token.
        wrong = {"X-Forwarded-For": "203.0.113.7", "Authorization": "Bearer nope-nope-nope-nope"}
        assert status(**wrong) == 403
        assert requests.post(f"{hub.url}/metrics", timeout=10).status_code == 405
        # Neither a kiosk's token nor an admin's desk session is the metrics token.
        store = enrolled_kiosk(hub, tmp_path / "k", "kiosk-hal")
        assert status(Authorization=f"Bearer {store.get_state('token')}") == 403
        admin = desk_web(hub, "beheer", "admin")
        assert admin.get(f"{hub.url}/desk/kiosks").ok
        assert admin.get(f"{hub.url}/metrics", timeout=10).status_code == 403
        refused = requests.get(f"{hub.url}/metrics", timeout=10)
        assert "ontmoet_hub" not in refused.text and refused.json()["detail"]
    finally:
        hub.stop()


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("ONTMOET_HUB_METRICS_FROM", "everyone", "not an address or network"),
        ("ONTMOET_HUB_METRICS_TOKEN", "short", "at least 16"),
        ("ONTMOET_ALERT_TO", "beheer@a.example,niet-een-adres", "not a valid e-mail"),
        ("ONTMOET_ALERT_TO", "Beheer <b@a.example>", "bare address"),
        ("ONTMOET_ALERT_OFFLINE_MINUTES", "-5", "above 0"),
        ("ONTMOET_ALERT_OUTBOX_MINUTES", "een uur", "above 0"),
        ("ONTMOET_ALERT_LANGUAGE", "de", "nl en tr ar pl uk"),
    ],
    ids=["from", "token", "to-list", "to-name", "offline", "outbox", "language"],
)
def test_a_wrong_watching_setting_stops_the_hub_naming_it(variable, value, says):
    with pytest.raises(HubSettingsError) as refused:
        load_settings({variable: value})
    assert variable in str(refused.value) and says in str(refused.value)


def test_the_metrics_token_is_never_listed(tmp_path):
    env = {**os.environ, "ONTMOET_HUB_METRICS_TOKEN": TOKEN}
    listed = subprocess.run(
        [sys.executable, "-m", "sync.hub.cli", "settings"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert listed.returncode == 0 and TOKEN not in listed.stdout
    assert '"ONTMOET_HUB_METRICS_TOKEN", "value": "(set)"' in listed.stdout


def test_a_silent_kiosk_gives_one_mail_and_one_when_it_is_back(tmp_path, smtp_sink):
    env = _mail_env(smtp_sink)
    hub = HubProcess(tmp_path / "hub").start(env=env)
    try:
        store = enrolled_kiosk(hub, tmp_path / "k", "kiosk-hal")
        SyncClient(store).sync_once()
        maintain(hub, env)
        assert smtp_sink.received == []  # online: nothing to say

        set_kiosk(hub, "kiosk-hal", last_seen=ago(31))
        maintain(hub, env)
        (went,) = mails(smtp_sink, 1)
        message = message_from_bytes(went.as_bytes(), policy=policy.default)
        assert message["To"] == ADMIN and message["Subject"] == "Kiosk kiosk-hal is offline"
        assert message["Content-Language"] == "nl" or message["Content-Language"] is None
        body = message.get_body().get_content()
        assert "kiosk-hal" in body and "/desk/kiosks" in body
        maintain(hub, env)
        maintain(hub, env)
        mails(smtp_sink, 1)  # checked twice more: no second mail
        samples = scrape(hub)
        assert one(samples, "ontmoet_hub_kiosk_alert", kiosk="kiosk-hal", kind="offline") == 1
        assert one(samples, "ontmoet_hub_kiosks_online") == 0

        # Back, with what visitors left meanwhile. (A kiosk with nothing new is noted at most
        # every SEEN_EVERY seconds: this test's half hour passed in the store, not in the hub.)
        visit(store, "kiosk-hal", sorted(hub.communities()))
        SyncClient(store).sync_once()
        maintain(hub, env)
        back = mails(smtp_sink, 2)[1]
        assert back["Subject"] == "Kiosk kiosk-hal is weer online"
        maintain(hub, env)
        mails(smtp_sink, 2)
        assert one(scrape(hub), "ontmoet_hub_kiosk_alert", kiosk="kiosk-hal", kind="offline") == 0
    finally:
        hub.stop()


def test_the_hubs_own_loop_sends_the_alert(tmp_path, smtp_sink):
    """Nobody runs maintain: the hub's background loop checks when it starts and every
    CHECK_EVERY seconds."""
    env = _mail_env(smtp_sink)
    hub = HubProcess(tmp_path / "hub").start(env=env)
    try:
        store = enrolled_kiosk(hub, tmp_path / "k", "kiosk-hal")
        SyncClient(store).sync_once()
        hub.stop()
        set_kiosk(hub, "kiosk-hal", last_seen=ago(45))
        hub.start()
        (went,) = mails(smtp_sink, 1)
        assert went["Subject"] == "Kiosk kiosk-hal is offline"
    finally:
        hub.stop()


def _settings(sink, **env) -> object:
    return load_settings({**_mail_env(sink), **env})


def test_a_waiting_outbox_gives_one_mail_and_one_when_sent(tmp_path, smtp_sink):
    """The kiosk syncs, but its records wait: after ONTMOET_ALERT_OUTBOX_MINUTES one mail,
    and one when they went. The clock is moved by the check's own ``now``."""
    hub = HubProcess(tmp_path / "hub").start()
    try:
        store = enrolled_kiosk(hub, tmp_path / "k", "kiosk-hal")
        SyncClient(store).sync_once()
        visit(store, "kiosk-hal", sorted(hub.communities()))
        pull_only(store)
        settings = _settings(smtp_sink, ONTMOET_ALERT_OUTBOX_MINUTES="60",
                             ONTMOET_ALERT_OFFLINE_MINUTES="600")  # fmt: skip
        conn = store_of(hub.data_dir)
        now = datetime.now(UTC)
        assert alerts.check(conn, settings, hub.url, now + timedelta(minutes=30)) == 0
        assert alerts.check(conn, settings, hub.url, now + timedelta(minutes=61)) == 1
        assert alerts.check(conn, settings, hub.url, now + timedelta(minutes=62)) == 0
        (went,) = mails(smtp_sink, 1)
        assert went["Subject"] == "Kiosk kiosk-hal: gegevens wachten op verzenden"
        SyncClient(store).sync_once()  # the records went
        assert outbox_size(store) == 0
        assert alerts.check(conn, settings, hub.url, now + timedelta(minutes=63)) == 1
        assert alerts.check(conn, settings, hub.url, now + timedelta(minutes=64)) == 0
        assert (
            mails(smtp_sink, 2)[1]["Subject"]
            == "Kiosk kiosk-hal: de wachtende gegevens zijn verstuurd"
        )
        conn.close()
    finally:
        hub.stop()


def enrolled_in_store(tmp_path, *kiosks: str):
    """A hub's store (no process: the check is called directly) with kiosks enrolled as a
    kiosk's enrolment does it."""
    conn = store_of(HubProcess(tmp_path / "hub").data_dir)
    for name in kiosks:
        code = hub_store.new_enrolment_code(conn, name)
        assert hub_store.redeem_enrolment_code(conn, code, str(uuid.uuid4()))
    return conn


def test_a_mail_that_fails_is_sent_with_the_next_check(tmp_path, smtp_sink):
    from hub_helpers import free_port

    conn = enrolled_in_store(tmp_path, "kiosk-hal")
    with hub_store.write(conn):
        hub_store.note_kiosk_seen(conn, "kiosk-hal")
    later = datetime.now(UTC) + timedelta(hours=1)
    down = _settings(smtp_sink, ONTMOET_SMTP_PORT=str(free_port()))
    assert alerts.check(conn, down, "", later) == 0
    row = conn.execute("SELECT kind, mailed_at FROM kiosk_alerts").fetchall()
    assert row == [("offline", None)]  # raised, and still to be told
    assert alerts.check(conn, _settings(smtp_sink), "", later) == 1
    assert len(smtp_sink.received) == 1
    # Without addresses nothing is claimed, yet the alert is there for the desk and /metrics.
    quiet = _settings(smtp_sink, ONTMOET_ALERT_TO="")
    assert alerts.check(conn, quiet, "", later) == 0
    conn.close()


def test_revoked_and_never_synced_kiosks_raise_nothing(tmp_path, smtp_sink):
    conn = enrolled_in_store(tmp_path, "kiosk-nieuw", "kiosk-weg")  # kiosk-nieuw: never synced
    with hub_store.write(conn):
        hub_store.note_kiosk_seen(conn, "kiosk-weg")
    settings = _settings(smtp_sink)
    later = datetime.now(UTC) + timedelta(hours=2)
    assert alerts.check(conn, settings, "", later) == 1  # kiosk-weg is offline
    hub_store.revoke_kiosk(conn, "kiosk-weg")
    # Revoked: its alert ends without a "back" mail, and nothing more comes.
    assert alerts.check(conn, settings, "", later) == 0
    assert conn.execute("SELECT count(*) FROM kiosk_alerts").fetchone() == (0,)
    assert [m["Subject"] for m in smtp_sink.received] == ["Kiosk kiosk-weg is offline"]
    conn.close()


def test_the_kiosk_page_shows_the_fleet_per_role(tmp_path, smtp_sink, page: Page):
    env = _mail_env(smtp_sink)
    hub = HubProcess(tmp_path / "hub").start(env=env)
    try:
        store = enrolled_kiosk(hub, tmp_path / "k1", "kiosk-hal")
        SyncClient(store).sync_once()
        quiet = enrolled_kiosk(hub, tmp_path / "k2", "kiosk-bieb")
        SyncClient(quiet).sync_once()
        visit(store, "kiosk-hal", sorted(hub.communities()))
        pull_only(store)
        set_kiosk(hub, "kiosk-bieb", last_seen="2026-12-03T08:15:00+00:00")
        set_kiosk(hub, "kiosk-hal", oldest_unsent=ago(125))
        maintain(hub, env)
        mails(smtp_sink, 2)

        anonymous = requests.get(f"{hub.url}/desk/kiosks", timeout=10, allow_redirects=False)
        assert anonymous.status_code == 303 and anonymous.headers["location"] == "/desk/login"
        receptionist = account(hub, "sanne", "receptionist")
        log_in(page, hub, "sanne", receptionist)
        assert page.goto(f"{hub.url}/desk/kiosks").status == 403
        page.context.clear_cookies()

        admin = account(hub, "beheer", "admin")
        log_in(page, hub, "beheer", admin)
        assert page.goto(f"{hub.url}/desk/kiosks").status == 200
        bieb = page.get_by_role("row").filter(has_text="kiosk-bieb")
        expect(bieb).to_contain_text("offline sinds 03-12-2026 09:15")
        expect(bieb).to_contain_text("Te lang offline · mail verstuurd")
        hal = page.get_by_role("row").filter(has_text="kiosk-hal")
        expect(hal).to_contain_text("online")
        expect(hal).to_contain_text("wacht 2 uur")
        expect(hal).to_contain_text("Gegevens wachten te lang · mail verstuurd")
        expect(
            page.get_by_text("Meldingen per mail gaan naar beheer@lindewaard.example.")
        ).to_be_visible()
        # In each of the six languages (the wait in the page's own words, Arabic too).
        for lang, offline, waiting in (("en", "offline since", "waiting 2 hours"),
                                       ("tr", "tarihinden beri çevrimdışı", "2 saat bekliyor"),
                                       ("ar", "غير متصل منذ", "ينتظر"),
                                       ("pl", "offline od", "czeka 2 godziny"),
                                       ("uk", "офлайн з", "чекає 2 години")):  # fmt: skip
            assert page.goto(f"{hub.url}/desk/kiosks?lang={lang}").status == 200
            expect(page.get_by_role("row").filter(has_text="kiosk-bieb")).to_contain_text(offline)
            expect(page.get_by_role("row").filter(has_text="kiosk-hal")).to_contain_text(waiting)
    finally:
        hub.stop()


def test_an_offline_kiosk_gets_no_outbox_mail_besides(tmp_path, smtp_sink):
    """What an offline kiosk last said of its outbox is old: one mail (offline), not two; and
    an outbox alert raised before it went quiet neither ends nor repeats while it is away."""
    conn = enrolled_in_store(tmp_path, "kiosk-hal")
    now = datetime.now(UTC)
    with hub_store.write(conn):
        hub_store.note_kiosk_seen(conn, "kiosk-hal", outbox_size=4,
                                  oldest_unsent=(now - timedelta(hours=2)).isoformat())  # fmt: skip
    settings = _settings(smtp_sink)
    assert alerts.check(conn, settings, "", now) == 1  # online, records waiting too long
    assert alerts.check(conn, settings, "", now + timedelta(hours=1)) == 1  # now offline too
    assert alerts.check(conn, settings, "", now + timedelta(hours=2)) == 0
    subjects = [m["Subject"] for m in smtp_sink.received]
    assert subjects == ["Kiosk kiosk-hal: gegevens wachten op verzenden",
                        "Kiosk kiosk-hal is offline"]  # fmt: skip
    kinds = conn.execute("SELECT kind, cleared_at FROM kiosk_alerts ORDER BY kind").fetchall()
    assert kinds == [("offline", None), ("outbox", None)]
    conn.close()


def test_checks_at_the_same_moment_mail_once(tmp_path, smtp_sink):
    """Several checkers on one store (the hub's loop, maintain, more hub processes), each
    with its own connection, at once: one mail."""
    import threading

    conn = enrolled_in_store(tmp_path, "kiosk-hal")
    with hub_store.write(conn):
        hub_store.note_kiosk_seen(conn, "kiosk-hal")
    settings, later = _settings(smtp_sink), datetime.now(UTC) + timedelta(hours=1)
    start, sent = threading.Barrier(4), []

    def checker() -> None:
        own = store_of(tmp_path / "hub")
        start.wait()
        sent.append(alerts.check(own, settings, "", later))
        own.close()

    threads = [threading.Thread(target=checker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(sent) == [0, 0, 0, 1]
    assert len(smtp_sink.received) == 1
    conn.close()
