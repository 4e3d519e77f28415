"""Issue 11's attacks on the hub, replayed against a real `ontmoet-hub serve`: an outsider, a
visitor at a kiosk, a stolen kiosk, a community editor and a receptionist overstepping their
role. Each test failed before its fix (see the CHANGELOG)."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from desk_helpers import account
from hub_helpers import HubProcess, enrolled_kiosk, hub_cli, store_of

from kiosk.visitor_records import (
    new_record_id,
    new_token,
    record_contact_request,
    record_help_request,
)
from sync import protocol
from sync.client import SyncClient
from sync.hub import desk_store, proposals

# -- helpers ------------------------------------------------------------------------------------


def desk_login(hub, name: str, password: str, headers: dict | None = None) -> requests.Response:
    """Log in as a browser does (the login form's CSRF value and cookie); the response to the
    post, not followed; the session keeps the cookies."""
    web = requests.Session()
    web.headers.update(headers or {})
    form = web.get(f"{hub.url}/desk/login", timeout=10)
    pre = re.search(r'name="pre" value="([^"]+)"', form.text).group(1)
    reply = web.post(f"{hub.url}/desk/login", timeout=30, allow_redirects=False,
                     data={"username": name, "password": password, "pre": pre})  # fmt: skip
    reply.web = web
    return reply


def csrf_of(web: requests.Session, url: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', web.get(url, timeout=10).text).group(1)


def conn_of(hub) -> sqlite3.Connection:
    return store_of(hub.data_dir)


def audit_actions(hub) -> list[str]:
    conn = conn_of(hub)
    try:
        return [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]
    finally:
        conn.close()


def push(hub, kiosk_store, ops: list[dict]) -> requests.Response:
    return requests.post(
        f"{hub.url}/api/v1/push", json={"ops": ops}, timeout=10,
        headers={"Authorization": f"Bearer {kiosk_store.get_state('token')}"},
    )  # fmt: skip


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One hub for the tests that do not change how it is served."""
    hub = HubProcess(tmp_path_factory.mktemp("hub")).start()
    yield hub
    hub.stop()


# -- 1. a kiosk token must not rewrite communities ---------------------------------------------


def test_a_stolen_kiosk_token_cannot_change_a_community(served, tmp_path):
    kiosk = enrolled_kiosk(served, tmp_path / "k", "kiosk-stolen")
    target = sorted(served.communities())[0]
    before = requests.get(f"{served.url}/c/{target}", timeout=10).text
    rid = str(uuid.uuid4())
    op = {
        "version": protocol.PROTOCOL_VERSION, "device_seq": 1, "op_id": str(uuid.uuid4()),
        "entity": "community_edit", "record_id": rid,
        "fields": {"id": rid, "community": target, "base_revision": 1, "kiosk": "kiosk-stolen",
                   "changes": {"join_url": "https://evil.example/phish"},
                   "created_at": "2026-11-29T10:00:00+00:00"},
    }  # fmt: skip
    reply = push(served, kiosk, [op])
    assert reply.status_code == 200, reply.text
    assert reply.json()["applied"] == 0 and len(reply.json()["quarantined"]) == 1
    after = requests.get(f"{served.url}/c/{target}", timeout=10).text
    assert "evil.example" not in after and after == before
    assert served.communities()[target] == 1  # not a new revision either
    assert any("quarantined" in a and "community's record" in a for a in audit_actions(served))
    (listed,) = [
        k
        for k in map(json.loads, hub_cli(served.data_dir, "kiosks").stdout.splitlines())
        if k["name"] == "kiosk-stolen"
    ]
    assert "quarantined" in listed["last_alert"]  # the desk sees it with the kiosk


# -- 2. access and accounts ---------------------------------------------------------------------


def test_an_edit_link_decides_only_its_own_groups_proposals(served):
    a, b = sorted(served.communities())[:2]
    conn = conn_of(served)
    try:
        token_a = proposals.new_edit_link(conn, "test", a)
        # The reception proposes a change to what group B wrote: it waits for B's yes.
        proposals.propose(conn, b, {"pitch": {"nl": "Door een ander bedacht."}}, "reception", "x")
        (waiting,) = proposals.pending(conn, "awaiting_community", b)
    finally:
        conn.close()
    for guess in (waiting["ref"], str(waiting["id"]), "1" * 30):
        reply = requests.post(f"{served.url}/edit/{token_a}", timeout=10,
                              data={"proposal": guess, "answer": "yes"})  # fmt: skip
        assert reply.status_code == 404, guess
    conn = conn_of(served)
    try:
        assert [p["ref"] for p in proposals.pending(conn, "awaiting_community", b)] == [
            waiting["ref"]
        ]
        assert re.fullmatch(r"[0-9a-f]{32}", waiting["ref"])  # not a guessable sequence
    finally:
        conn.close()


def test_parallel_wrong_passwords_are_checked_at_most_five_times(tmp_path):
    served = HubProcess(tmp_path / "hub", demo=False).start()
    account(served, "pieter", "receptionist")
    with ThreadPoolExecutor(24) as pool:
        codes = list(pool.map(lambda _: desk_login(served, "pieter", "raden").status_code,
                              range(24)))  # fmt: skip
    served.stop()
    assert "Traceback" not in (served.data_dir / "serve.log").read_text()
    assert codes.count(401) <= desk_store.MAX_FAILURES, codes  # the rest never got checked
    assert set(codes) <= {401, 429, 503}, codes


def test_unknown_names_cost_what_known_ones_do(tmp_path, monkeypatch):
    """The same work for an unknown name as for a known one: one password check, no hash
    made per attempt (time is not measured here: the work is counted)."""
    hub = HubProcess(tmp_path / "hub", demo=False)
    conn = conn_of(hub)
    account(hub, "sanne", "receptionist")
    work: list[str] = []
    from sync.hub import keys

    real_verify, real_hash = keys.verify_password, keys.hash_password
    monkeypatch.setattr(
        keys, "verify_password", lambda *a: work.append("verify") or real_verify(*a)
    )
    monkeypatch.setattr(keys, "hash_password", lambda *a: work.append("hash") or real_hash(*a))
    costs = {}
    for name in ("sanne", "niemand", "sanne", "niemand2"):
        work.clear()
        with pytest.raises(desk_store.LoginRefused):
            desk_store.log_in(conn, name, "fout", "198.51.100.1")
        costs.setdefault(name.rstrip("2"), []).append(tuple(work))
    conn.close()
    assert costs["sanne"] == [("verify",), ("verify",)]
    assert costs["niemand"][-1] == ("verify",)  # the dummy hash is made once, then reused


def test_password_checks_are_bounded_under_a_login_flood(tmp_path, monkeypatch):
    """Forty parallel logins: at most LOGIN_CHECKS password checks at once (each is 64 MiB
    and most of a core); the others wait without a thread, or are asked to come back."""
    from sync.hub import app as hub_app
    from sync.hub import keys

    hub = HubProcess(tmp_path / "hub", demo=False)
    account(hub, "sanne", "receptionist")
    running, most = [0], [0]
    lock = threading.Lock()
    real_verify = keys.verify_password

    def counted(*args):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            time.sleep(0.05)
            return real_verify(*args)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(keys, "verify_password", counted)
    # The hub in this process (uvicorn on a thread), so that its password checks are counted.
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(hub_app.create_app(hub.data_dir), host="127.0.0.1",
                                           port=hub.port, log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.02)
        with ThreadPoolExecutor(40) as pool:
            codes = list(pool.map(lambda i: desk_login(hub, f"naam{i}", "x").status_code,
                                  range(40)))  # fmt: skip
    finally:
        server.should_exit = True
        thread.join(10)
    assert most[0] <= hub_app.LOGIN_CHECKS, most
    assert set(codes) <= {401, 429, 503} and codes.count(401) >= 2, codes


def test_a_stranger_cannot_lock_a_receptionist_out(tmp_path):
    """Behind a trusted proxy (nginx's X-Forwarded-For, appended to what the client sent):
    five wrong passwords lock that address out of the account, not her at her own desk; a
    forged X-Forwarded-For from the stranger does not move the lock to her address."""
    hub = HubProcess(tmp_path / "hub").start(env={"ONTMOET_HUB_TRUSTED_PROXIES": "127.0.0.1"})
    try:
        password = account(hub, "sanne", "receptionist")
        stranger = {"X-Forwarded-For": "192.0.2.66, 203.0.113.7"}  # the first part is forged
        for _ in range(desk_store.MAX_FAILURES):
            assert desk_login(hub, "sanne", "raden", stranger).status_code == 401
        assert desk_login(hub, "sanne", password, stranger).status_code == 429  # locked
        desk = {"X-Forwarded-For": "198.51.100.2"}
        assert desk_login(hub, "sanne", password, desk).status_code == 303
        assert any("203.0.113.7" in a and "locked" in a for a in audit_actions(hub))
    finally:
        hub.stop()


def test_without_a_trusted_proxy_forwarded_for_is_ignored(tmp_path):
    """No proxy is trusted by default: a client cannot dodge the lock by inventing addresses."""
    served = HubProcess(tmp_path / "hub", demo=False).start()
    password = account(served, "karin", "receptionist")
    for i in range(desk_store.MAX_FAILURES):
        assert desk_login(served, "karin", "raden", {"X-Forwarded-For": f"10.9.9.{i}"}
                          ).status_code == 401  # fmt: skip
    assert desk_login(served, "karin", password, {"X-Forwarded-For": "10.9.9.99"}
                      ).status_code == 429  # fmt: skip
    served.stop()


def test_a_first_password_must_be_changed_and_admins_manage_accounts(served):
    admin = account(served, "beheer", "admin")
    first = account(served, "nieuw", "receptionist", first=True)
    login = desk_login(served, "nieuw", first)
    web = login.web
    assert web.get(f"{served.url}/desk/queue", timeout=10, allow_redirects=False
                   ).headers["location"] == "/desk/password"  # fmt: skip
    csrf = csrf_of(web, f"{served.url}/desk/password")
    too_short = web.post(f"{served.url}/desk/password", timeout=30, data={
        "csrf": csrf, "current": first, "new": "kort", "repeat": "kort"})  # fmt: skip
    assert too_short.status_code == 400 and "minstens 12 tekens" in too_short.text
    chosen = "een-eigen-lang-wachtwoord"
    done = web.post(f"{served.url}/desk/password", timeout=30, data={
        "csrf": csrf, "current": first, "new": chosen, "repeat": chosen})  # fmt: skip
    assert done.status_code == 200 and web.get(f"{served.url}/desk/queue", timeout=10).ok
    assert desk_login(served, "nieuw", first).status_code == 401  # the first one is gone
    # The admin: disable (her sessions end at once), enable, reset, log out everywhere.
    boss = desk_login(served, "beheer", admin).web
    csrf = csrf_of(boss, f"{served.url}/desk/accounts")
    other = desk_login(served, "nieuw", chosen).web
    assert other.get(f"{served.url}/desk/queue", timeout=10).ok

    def act(action: str, name: str = "nieuw") -> requests.Response:
        return boss.post(f"{served.url}/desk/accounts/{name}", timeout=30,
                         data={"csrf": csrf, "action": action})  # fmt: skip

    assert act("disable").status_code == 200
    assert other.get(f"{served.url}/desk/queue", timeout=10, allow_redirects=False
                     ).headers["location"] == "/desk/login"  # fmt: skip
    refused = desk_login(served, "nieuw", chosen)
    assert refused.status_code == 403 and "staat uit" in refused.text
    assert act("enable").status_code == 200
    again = desk_login(served, "nieuw", chosen).web
    assert act("end-sessions").status_code == 200
    assert again.get(f"{served.url}/desk/queue", timeout=10, allow_redirects=False
                     ).headers["location"] == "/desk/login"  # fmt: skip
    reset = act("reset-password")
    new_password = re.search(r"<code>([^<]+)</code>", reset.text).group(1)
    assert desk_login(served, "nieuw", chosen).status_code == 401
    assert desk_login(served, "nieuw", new_password).status_code == 303
    assert act("disable", "beheer").status_code == 400  # not oneself
    # A receptionist manages no accounts; a foreign CSRF token changes nothing.
    clerk = desk_login(served, "nieuw", new_password).web
    clerk_csrf = csrf_of(clerk, f"{served.url}/desk/password")
    refused = clerk.post(f"{served.url}/desk/accounts/beheer", timeout=10, allow_redirects=False,
                         data={"csrf": clerk_csrf, "action": "disable"})  # fmt: skip
    assert refused.status_code in (303, 403)
    assert (
        boss.post(
            f"{served.url}/desk/accounts/nieuw",
            timeout=10,
            data={"csrf": "vreemd", "action": "disable"},
        ).status_code
        == 403
    )
    assert "account disabled" in audit_actions(served)
    # The same from the console, for a desk where nobody can log in any more.
    hub_cli(served.data_dir, "account", "disable", "nieuw")
    assert desk_login(served, "nieuw", new_password).status_code == 403
    listed = hub_cli(served.data_dir, "account", "list").stdout
    assert '"disabled_at": null' not in listed.split("nieuw")[1].split("\n")[0]


def test_logout_ends_the_server_session_for_a_replayed_cookie(served):
    password = account(served, "lotte", "receptionist")
    web = desk_login(served, "lotte", password).web
    stolen = web.cookies.get("ontmoet_desk")
    web.post(f"{served.url}/desk/logout", timeout=10, data={})  # even without the form's token
    replay = requests.get(f"{served.url}/desk/queue", timeout=10, allow_redirects=False,
                          cookies={"ontmoet_desk": stolen})  # fmt: skip
    assert replay.headers["location"] == "/desk/login"


# -- 3. behind a proxy: cookies, HSTS, links --------------------------------------------------


def test_an_https_public_address_makes_cookies_secure_and_links_its_own(tmp_path):
    hub = HubProcess(tmp_path / "hub").start(
        args=("--public-url", "https://ontmoet.lindewaard.example")
    )
    try:
        page = requests.get(f"{hub.url}/desk/login", timeout=10)
        assert "Secure" in page.headers["set-cookie"]
        assert page.headers["strict-transport-security"].startswith("max-age=")
        forged = requests.get(f"{hub.url}/desk/login", timeout=10,
                              headers={"Host": "evil.example"})  # fmt: skip
        assert forged.status_code == 400
        # Links are made from the public address, whatever Host the request named.
        event = json.loads(
            hub.db().execute("SELECT data FROM shared_records WHERE entity = 'event'"
                             " AND json_extract(data, '$.community_id') IS NOT NULL"
                             ).fetchone()[0]
        )  # fmt: skip
        ics = requests.get(f"{hub.url}/e/{event['id']}.ics", timeout=10).text
        assert "https://ontmoet.lindewaard.example/c/" in ics.replace("\r\n ", "")
        code = hub.code("kiosk-x")
        enrolled = requests.post(f"{hub.url}/api/v1/enrol", timeout=10,
                                 json={"code": code, "device": str(uuid.uuid4())})  # fmt: skip
        assert enrolled.json()["public_url"] == "https://ontmoet.lindewaard.example"
    finally:
        hub.stop()


def test_a_hub_for_other_machines_needs_its_public_address(tmp_path):
    hub = HubProcess(tmp_path / "hub", demo=False)
    refused = hub_cli(hub.data_dir, "serve", "--host", "0.0.0.0", "--port", "1", check=False)
    assert refused.returncode != 0 and "--public-url" in refused.stderr
    refused = hub_cli(hub.data_dir, "serve", "--trusted-proxies", "nginx", check=False)
    assert refused.returncode != 0 and "not an address" in refused.stderr


# -- 4. data that should be gone --------------------------------------------------------------


def test_edit_links_are_not_logged_and_end_when_replaced_or_revoked(served):
    target = sorted(served.communities())[2]
    conn = conn_of(served)
    try:
        first = proposals.new_edit_link(conn, "test", target)
        assert requests.get(f"{served.url}/edit/{first}", timeout=10).status_code == 200
        second = proposals.new_edit_link(conn, "test", target)
        assert requests.get(f"{served.url}/edit/{first}", timeout=10).status_code == 404
        assert requests.get(f"{served.url}/edit/{second}", timeout=10).status_code == 200
        proposals.revoke_edit_links(conn, "test", target)
        assert requests.get(f"{served.url}/edit/{second}", timeout=10).status_code == 404
    finally:
        conn.close()
    log = (served.data_dir / "serve.log").read_text()
    assert "/edit/…" in log and first not in log and second not in log


# -- 5. robustness ----------------------------------------------------------------------------


def test_damaged_sealed_details_and_huge_numbers_give_a_clear_answer(served, tmp_path):
    kiosk = enrolled_kiosk(served, tmp_path / "k", "kiosk-damaged")
    SyncClient(kiosk).sync_once()
    group = sorted(served.communities())[0]
    receipt, rid = new_token(), new_record_id()
    garbage = bytes(protocol.SEALED_PAYLOAD_BYTES)  # a sealed box of the right size: zeros
    record_contact_request(kiosk, rid, [group], "email", garbage, 90, receipt)
    SyncClient(kiosk).sync_once()
    consent = requests.get(f"{served.url}/w/{receipt}", timeout=10)
    assert consent.status_code == 200  # and the visitor can still withdraw it
    assert requests.post(f"{served.url}/w/{receipt}", data={"confirm": "yes"},
                         timeout=10).status_code == 200  # fmt: skip
    rid2, receipt2 = new_record_id(), new_token()
    record_contact_request(kiosk, rid2, [group], "email", garbage, 90, receipt2)
    SyncClient(kiosk).sync_once()
    password = account(served, "dirk", "receptionist")
    web = desk_login(served, "dirk", password).web
    page = web.get(f"{served.url}/desk/contacts/{rid2}", timeout=10)
    assert page.status_code == 422 and "beschadigd" in page.text
    csrf = csrf_of(web, f"{served.url}/desk/introductions")
    huge = web.post(
        f"{served.url}/desk/introductions",
        timeout=10,
        data={"csrf": csrf, "introduction": "9" * 30, "outcome": "nothing"},
    )
    assert 400 <= huge.status_code < 500
    review = web.post(
        f"{served.url}/desk/review",
        timeout=10,
        allow_redirects=False,
        data={"csrf": csrf, "proposal": "9" * 30, "answer": "approve"},
    )
    assert review.status_code == 303  # nothing to decide, and no server error


def test_half_open_connections_are_cut_and_the_hub_keeps_serving(tmp_path):
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    hub = HubProcess(tmp_path / "hub", demo=False).start(env={"ONTMOET_HUB_HEADER_TIMEOUT": "2"})
    sockets = []
    try:
        for i in range(1100):
            s = socket.create_connection(("127.0.0.1", hub.port), timeout=30)
            if i % 2:
                s.sendall(b"GET /desk/login HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
            sockets.append(s)
        assert requests.get(f"{hub.url}/api/v1/health", timeout=30).status_code == 200
        for s in sockets[:50] + sockets[-50:]:  # the hub hangs up (the deadline is 2 s here)
            assert s.recv(1) == b""
        assert hub.process.poll() is None
        assert "Too many open files" not in (hub.data_dir / "serve.log").read_text()
    finally:
        for s in sockets:
            s.close()
        hub.stop()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_flood_of_help_requests_is_capped_and_closed_at_once(served, tmp_path):
    from sync.hub.store import QUOTAS_PER_HOUR

    kiosk = enrolled_kiosk(served, tmp_path / "k", "kiosk-flood")
    for _ in range(200):
        record_help_request(kiosk, new_record_id(), "nl", "kiosk-flood")
    SyncClient(kiosk).sync_once()
    applied = [r for r in served.records("help_request")]
    conn = conn_of(served)
    try:
        from_flood = conn.execute(
            "SELECT count(*) FROM visitor_records WHERE kiosk = 'kiosk-flood'"
        ).fetchone()[0]
        quarantined = conn.execute(
            "SELECT count(*) FROM pushed_ops WHERE kiosk = 'kiosk-flood' AND status = 'quarantined'"
        ).fetchone()[0]
    finally:
        conn.close()
    # Made within seconds: one hour's quota (two, when those seconds straddle an hour).
    quota = QUOTAS_PER_HOUR["help_request"]
    assert quota <= from_flood <= 2 * quota and quarantined == 200 - from_flood
    assert applied  # the queue still has them, for a person to close
    password = account(served, "wim", "receptionist")
    web = desk_login(served, "wim", password).web
    queue = web.get(f"{served.url}/desk/queue", timeout=10)
    assert len(queue.content) < 200_000
    csrf = csrf_of(web, f"{served.url}/desk/queue")
    web.post(f"{served.url}/desk/queue", timeout=10, data={"csrf": csrf, "kiosk": "kiosk-flood"})
    assert "kiosk-flood" not in web.get(f"{served.url}/desk/queue", timeout=10).text


# -- the new routes, attacked -------------------------------------------------------------------

NEW_FORMS = {
    "/desk/accounts/sanne": {"action": "disable"},
    "/desk/password": {"current": "x", "new": "y" * 12, "repeat": "y" * 12},
    "/desk/queue": {"kiosk": "kiosk-hal"},
    "/desk/communities": {"community": "?", "action": "revoke"},
}


def test_the_new_forms_need_a_session_the_role_and_the_csrf_token(served):
    community = sorted(served.communities())[0]
    editor = desk_login(served, "redactie", account(served, "redactie", "community_editor",
                                                    community=community)).web  # fmt: skip
    clerk = desk_login(served, "balie", account(served, "balie", "receptionist")).web
    csrf = csrf_of(clerk, f"{served.url}/desk/queue")
    for path, form in NEW_FORMS.items():
        url = served.url + path
        nobody = requests.post(url, data=form, timeout=10, allow_redirects=False)
        assert nobody.headers.get("location") == "/desk/login", path
        foreign = clerk.post(url, data={**form, "csrf": "niet-de-mijne"}, timeout=10,
                             allow_redirects=False)  # fmt: skip
        assert foreign.status_code == 403, path
        huge = clerk.post(url, data={**{k: "x" * 100_000 for k in form}, "csrf": csrf},
                          timeout=10, allow_redirects=False)  # fmt: skip
        assert 300 <= huge.status_code < 500, (path, huge.status_code)
    for path in ("/desk/accounts/sanne", "/desk/queue", "/desk/communities"):
        csrf_editor = csrf_of(editor, f"{served.url}/desk/")
        refused = editor.post(served.url + path, data={**NEW_FORMS[path], "csrf": csrf_editor},
                              timeout=10, allow_redirects=False)  # fmt: skip
        assert refused.status_code == 403, path
    admin_only = clerk.post(f"{served.url}/desk/accounts/sanne", timeout=10,
                            data={"csrf": csrf, "action": "disable"})  # fmt: skip
    assert admin_only.status_code == 403
    boss = desk_login(served, "baas", account(served, "baas", "admin")).web
    boss_csrf = csrf_of(boss, f"{served.url}/desk/accounts")
    unknown = boss.post(f"{served.url}/desk/accounts/{'x' * 300}", timeout=10,
                        data={"csrf": boss_csrf, "action": "disable"})  # fmt: skip
    assert unknown.status_code == 400 and "bestaat niet" in unknown.text


# -- found by attacking the hardened hub (a second round) --------------------------------------


def _help_ops(kiosk_name: str, first_seq: int, created: list[str]) -> list[dict]:
    ops = []
    for i, moment in enumerate(created):
        rid = str(uuid.uuid4())
        ops.append({
            "version": protocol.PROTOCOL_VERSION, "device_seq": first_seq + i,
            "op_id": str(uuid.uuid4()), "entity": "help_request", "record_id": rid,
            "fields": {"id": rid, "kiosk": kiosk_name, "language": "nl", "created_at": moment},
        })  # fmt: skip
    return ops


def test_a_kiosk_cannot_break_the_kiosks_page_with_a_moment_out_of_range(served, tmp_path):
    kiosk = enrolled_kiosk(served, tmp_path / "k", "kiosk-eeuw")
    headers = {"Authorization": f"Bearer {kiosk.get_state('token')}"}
    for moment in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2026-W48-7"):
        for header in ("X-Ontmoet-Oldest-Unsent", "X-Ontmoet-Clock"):
            reply = requests.get(f"{served.url}/api/v1/pull", timeout=10,
                                 headers={**headers, header: moment})  # fmt: skip
            assert reply.status_code == 400, (header, moment)
    conn = conn_of(served)  # and what an older hub let in is shown, not a 500
    with conn:
        conn.execute(
            "UPDATE kiosks SET oldest_unsent = '0001-01-01T00:00:00+14:00' WHERE name = ?",
            ["kiosk-eeuw"],
        )
    conn.close()
    boss = desk_login(served, "eeuw", account(served, "eeuw", "admin")).web
    page = boss.get(f"{served.url}/desk/kiosks", timeout=10)
    assert page.status_code == 200 and "0001-01-01" in page.text


def test_the_password_page_counts_wrong_passwords_like_the_login(served):
    password = account(served, "raadsel", "community_editor",
                       community=sorted(served.communities())[3])  # fmt: skip
    web = desk_login(served, "raadsel", password).web
    csrf = csrf_of(web, f"{served.url}/desk/password")
    new = "een-heel-nieuw-wachtwoord"
    codes = [
        web.post(
            f"{served.url}/desk/password",
            timeout=30,
            data={"csrf": csrf, "current": f"gok-{i}", "new": new, "repeat": new},
        ).status_code  # fmt: skip
        for i in range(desk_store.MAX_FAILURES + 1)
    ]
    assert codes == [400] * desk_store.MAX_FAILURES + [429]
    locked = web.post(
        f"{served.url}/desk/password",
        timeout=30,
        data={"csrf": csrf, "current": password, "new": new, "repeat": new},
    )
    assert locked.status_code == 429  # even the right one, for now


@pytest.mark.hub_sqlite_only  # a backup and restore of hub.db
def test_a_restore_keeps_revocations_logouts_and_editors(tmp_path):
    hub = HubProcess(tmp_path / "hub").start()
    try:
        group = sorted(hub.communities())[0]
        conn = conn_of(hub)
        link = proposals.new_edit_link(conn, "test", group)
        conn.close()
        clerk = desk_login(hub, "anouk", account(hub, "anouk", "receptionist")).web
        hub_cli(hub.data_dir, "backup", str(tmp_path / "backup.db"))
        conn = conn_of(hub)
        proposals.revoke_edit_links(conn, "test", group)
        desk_store.end_sessions(conn, "test", "anouk")
        conn.close()
        editor = account(hub, "groep", "community_editor", community=group)
        hub_cli(hub.data_dir, "restore", str(tmp_path / "backup.db"))
        assert requests.get(f"{hub.url}/edit/{link}", timeout=10).status_code == 404
        stale = clerk.get(f"{hub.url}/desk/queue", timeout=10, allow_redirects=False)
        assert stale.headers["location"] == "/desk/login"
        home = desk_login(hub, "groep", editor).web.get(f"{hub.url}/desk/", timeout=10)
        name = json.loads(hub.db().execute(
            "SELECT data FROM shared_records WHERE entity = 'community' AND id = ?", [group]
        ).fetchone()[0])["name"]  # fmt: skip
        assert name in home.text  # the editor still edits their own group
    finally:
        hub.stop()


def test_half_a_body_and_then_silence_is_cut_off(tmp_path):
    hub = HubProcess(tmp_path / "hub", demo=False).start(env={"ONTMOET_HUB_HEADER_TIMEOUT": "1"})
    try:
        slow = socket.create_connection(("127.0.0.1", hub.port), timeout=30)
        slow.sendall(
            b"POST /desk/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
            b"application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nuser"
        )
        reply = b""
        while chunk := slow.recv(4096):  # the hub answers or hangs up: it never waits for ever
            reply += chunk
        slow.close()
        assert not reply.startswith(b"HTTP/1.1 2")
        assert requests.get(f"{hub.url}/api/v1/health", timeout=10).status_code == 200
    finally:
        hub.stop()


def test_invented_moments_do_not_spread_a_flood_over_more_hours(served, tmp_path):
    from sync.hub.store import QUOTAS_PER_HOUR

    kiosk = enrolled_kiosk(served, tmp_path / "k", "kiosk-tijd")
    far = ["9999-12-31T23:59:59-14:00", "2026-01-01T00:00:00+00:00", "1970-01-01T00:00:00Z"]
    hours = [f"2031-0{m}-01T0{h}:00:00+00:00" for m in range(1, 10) for h in range(10)]
    created = [far[i % 3] for i in range(60)] + hours[:40]
    reply = push(served, kiosk, _help_ops("kiosk-tijd", 1, created))
    assert reply.status_code == 200
    # Far from the moment they arrived, they all count in the hour of arrival: one quota.
    quota = QUOTAS_PER_HOUR["help_request"]
    assert quota <= reply.json()["applied"] <= 2 * quota
    odd = push(served, kiosk, _help_ops("kiosk-tijd", 101, ["2026-W48-7T16:00:00+00:00",
                                                            "20261129T164028+0000"]))  # fmt: skip
    assert odd.json()["applied"] == 0 and len(odd.json()["quarantined"]) == 2


def test_a_kiosk_does_not_decide_how_long_the_hub_keeps_a_visitors_data(served, tmp_path):
    from datetime import date, timedelta

    kiosk = enrolled_kiosk(served, tmp_path / "k", "kiosk-eeuwig")
    group = sorted(served.communities())[0]
    rid, token = str(uuid.uuid4()), new_token()
    import hashlib

    fields = {"id": rid, "token_hash": hashlib.sha256(token.encode()).hexdigest(),
              "communities": [group], "language": "nl", "expires_on": "9999-12-31",
              "created_at": "2026-11-29T10:00:00+00:00"}  # fmt: skip
    op = {"version": protocol.PROTOCOL_VERSION, "device_seq": 1, "op_id": str(uuid.uuid4()),
          "entity": "take_home_list", "record_id": rid, "fields": fields}  # fmt: skip
    assert push(served, kiosk, [op]).json()["applied"] == 1
    (kept,) = hub_store_rows(served, "SELECT expires_on FROM take_home_lists WHERE id = ?", rid)
    assert kept <= (date.today() + timedelta(days=91)).isoformat()


def hub_store_rows(hub, sql: str, *params) -> list:
    conn = conn_of(hub)
    try:
        return [r[0] for r in conn.execute(sql, params)]
    finally:
        conn.close()


def test_failures_from_one_ipv6_network_count_together(tmp_path):
    hub = HubProcess(tmp_path / "hub", demo=False)
    conn = conn_of(hub)
    password = account(hub, "bas", "receptionist")
    assert desk_store.address_key("2001:db8:1:2::9") == desk_store.address_key("2001:db8:1:2::ff")
    assert desk_store.address_key("2001:db8:1:3::9") != desk_store.address_key("2001:db8:1:2::9")
    assert desk_store.address_key("::ffff:192.0.2.7") == "192.0.2.7"
    for i in range(desk_store.MAX_FAILURES):
        with pytest.raises(desk_store.LoginRefused, match="wrong"):
            desk_store.log_in(conn, "bas", "raden", f"2001:db8:1:2::{i + 1:x}")
    with pytest.raises(desk_store.LoginRefused, match="locked"):
        desk_store.log_in(conn, "bas", password, "2001:db8:1:2::abcd")
    assert desk_store.log_in(conn, "bas", password, "2001:db8:9::1")[1].username == "bas"
    conn.close()
