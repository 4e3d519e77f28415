"""The live queue (issue 17.2): a visitor's 'ask the reception' reaches the open queue page in a
real browser through the hub's server-sent events, with the kiosk's regular sync round an
hour away; 'I'm going' is taken by one receptionist only; the stream admits only those who
handle the queue, ends at logout and refuses a flood; without JavaScript the page still
refreshes itself and works."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime

import requests
from desk_helpers import account, desk_web, log_in
from gui_helpers import find, screen, start
from hub_helpers import enrolled_kiosk, store_of
from playwright.sync_api import Page, expect

from kiosk import navigation as nav
from kiosk.visitor_records import new_record_id, record_help_request
from screens.widgets.common import BottomBar
from sync.client import SyncClient, enrol
from sync.hub.desk import live
from sync.worker import SyncWorker

HOUR = 3600.0  # the kiosk's regular sync round, far away
BOUND = 30.0  # seconds: a bound against a hang, never a speed requirement


def wait_for(condition, bound: float = BOUND) -> bool:
    """True as soon as ``condition()`` is (asked once a turn: a condition that opens a stream
    must not be asked again after it held)."""
    deadline = time.monotonic() + bound
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def csrf_of(web: requests.Session, url: str) -> str:
    page = web.get(f"{url}/desk/queue", timeout=10).text
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def help_request(hub, tmp_path, kiosk_name: str = "kiosk-hal", n: int = 1) -> list[str]:
    """``n`` visitors at ``kiosk_name`` ask for the reception; the kiosk syncs once."""
    kiosk = enrolled_kiosk(hub, tmp_path / kiosk_name, kiosk_name)
    ids = [new_record_id() for _ in range(n)]
    for record_id in ids:
        record_help_request(kiosk, record_id, "nl", kiosk_name)
    SyncClient(kiosk).sync_once()
    kiosk.close()
    return ids


# -- (a) the proof ----------------------------------------------------------------------


def test_a_tap_at_the_kiosk_reaches_the_open_queue_through_the_stream(
    desk, make_kiosk, demo_store, page: Page, monkeypatch
):
    # The kiosk's regular round: an hour away (only the nudge of the tap can carry it).
    defaults = list(SyncWorker.__init__.__defaults__)
    defaults[1] = HOUR  # (photos_dir, interval, ...)
    monkeypatch.setattr(SyncWorker.__init__, "__defaults__", tuple(defaults))
    enrol(demo_store, desk.url, desk.code("kiosk-hal"))
    kiosk = make_kiosk(hub_url=desk.url, hub_public_key=demo_store.get_state("hub_public_key"))
    worker = kiosk.app.sync_worker
    assert wait_for(lambda: worker.status.get("next_round_in") == HOUR)
    rounds = worker.rounds

    password = account(desk, "sanne", "receptionist")
    log_in(page, desk, "sanne", password)
    expect(page).to_have_url(f"{desk.url}/desk/queue")
    expect(page.get_by_text("Niemand wacht op dit moment.")).to_be_visible()
    expect(page.get_by_text("Live", exact=True)).to_be_visible()  # the stream is open
    # Proof that the row comes through the stream, not by a reload: a mark on this page's
    # window survives only if the page is never loaded again.
    page.evaluate("window.ontmoetMark = 'still this page'")
    loads = []
    page.on("framenavigated", lambda frame: loads.append(frame.url))

    start(kiosk)
    (bar,) = find(screen(kiosk.app, nav.HOME), BottomBar)
    tapped = time.monotonic()
    kiosk.tap(bar.ids.reception_button)
    row = page.get_by_role("row", name=re.compile("kiosk-hal"))
    expect(row).to_be_visible(timeout=BOUND * 1000)
    latency = time.monotonic() - tapped
    print(f"\ntap at the kiosk to the row on the desk's open page: {latency:.2f} s")

    assert page.evaluate("window.ontmoetMark") == "still this page"
    assert loads == []
    expect(row).to_contain_text("nieuw")
    # The navigation's number went up with it; the kiosk's next regular round is still an
    # hour away: the one extra round was the tap's.
    expect(page.locator("[data-queue-count]")).to_have_text("1")
    assert worker.rounds == rounds + 1 and worker.status["next_round_in"] == HOUR


# -- (b) two receptionists, one request -------------------------------------------------------


def test_two_receptionists_one_request_one_goes_the_other_hears_who(desk, tmp_path):
    (request_id,) = help_request(desk, tmp_path)
    sanne, ahmed = desk_web(desk, "sanne"), desk_web(desk, "ahmed")
    tokens = {"sanne": csrf_of(sanne, desk.url), "ahmed": csrf_of(ahmed, desk.url)}
    both = threading.Barrier(2)
    replies: dict[str, requests.Response] = {}

    def take(name: str, web: requests.Session) -> None:
        both.wait()  # the two clicks at the same moment
        replies[name] = web.post(f"{desk.url}/desk/queue/{request_id}", timeout=30,
                                 data={"csrf": tokens[name], "action": "taken"},
                                 allow_redirects=False)  # fmt: skip

    threads = [threading.Thread(target=take, args=(n, w)) for n, w in
               (("sanne", sanne), ("ahmed", ahmed))]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(BOUND)
    statuses = sorted(reply.status_code for reply in replies.values())
    assert statuses == [303, 409]
    (winner,) = [n for n, r in replies.items() if r.status_code == 303]
    (loser,) = [n for n, r in replies.items() if r.status_code == 409]
    assert f"{winner} is al onderweg." in replies[loser].text
    conn = store_of(desk.data_dir)
    state = conn.execute("SELECT state, handled_by FROM request_states WHERE id = ?",
                         [request_id]).fetchall()  # fmt: skip
    assert state == [("taken", winner)]
    takes = conn.execute("SELECT actor FROM audit_log WHERE action = 'help request: taken'")
    assert [r[0] for r in takes] == [winner]

    # Taking again changes nothing; the winner clicking twice is no error.
    webs = {"sanne": sanne, "ahmed": ahmed}
    again = webs[loser].post(f"{desk.url}/desk/queue/{request_id}", timeout=10,
                             data={"csrf": tokens[loser], "action": "taken"})  # fmt: skip
    assert again.status_code == 409 and f"{winner} is al onderweg." in again.text
    twice = webs[winner].post(f"{desk.url}/desk/queue/{request_id}", timeout=10,
                              data={"csrf": tokens[winner], "action": "taken"},
                              allow_redirects=False)  # fmt: skip
    assert twice.status_code == 303
    # Closing stays possible, for either of them; then taking says it is closed.
    done = webs[loser].post(f"{desk.url}/desk/queue/{request_id}", timeout=10,
                            data={"csrf": tokens[loser], "action": "closed"},
                            allow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    late = webs[winner].post(f"{desk.url}/desk/queue/{request_id}", timeout=10,
                             data={"csrf": tokens[winner], "action": "taken"})  # fmt: skip
    assert late.status_code == 409 and f"{loser} heeft dit verzoek al afgesloten." in late.text
    assert conn.execute("SELECT state, handled_by FROM request_states WHERE id = ?",
                        [request_id]).fetchall() == [("closed", loser)]  # fmt: skip
    # Someone else's or a made-up id: a clear message, nothing stored.
    gone = sanne.post(f"{desk.url}/desk/queue/no-such-request", timeout=10,
                      data={"csrf": tokens["sanne"], "action": "taken"})  # fmt: skip
    assert gone.status_code == 409 and "niet meer in de wachtrij" in gone.text
    assert conn.execute("SELECT count(*) FROM request_states").fetchone()[0] == 1
    # Without the session's token nothing is taken.
    (other,) = help_request(desk, tmp_path, "kiosk-bieb")
    forged = ahmed.post(f"{desk.url}/desk/queue/{other}", timeout=10,
                        data={"csrf": tokens["sanne"], "action": "taken"})  # fmt: skip
    assert forged.status_code == 403
    assert conn.execute("SELECT count(*) FROM request_states").fetchone()[0] == 1
    conn.close()


def test_the_loser_sees_who_went_in_the_browser(desk, tmp_path, page: Page):
    (request_id,) = help_request(desk, tmp_path)
    password = account(desk, "sanne", "receptionist")
    log_in(page, desk, "sanne", password)
    row = page.get_by_role("row", name=re.compile("kiosk-hal"))
    expect(row).to_be_visible()
    # Ahmed, at the other screen, is quicker.
    ahmed = desk_web(desk, "ahmed")
    ahmed.post(f"{desk.url}/desk/queue/{request_id}", timeout=10,
               data={"csrf": csrf_of(ahmed, desk.url), "action": "taken"})  # fmt: skip
    page.evaluate("window.ontmoetMark = 1")
    # Sanne's page follows the stream: the button goes away, Ahmed's name appears.
    expect(row).to_contain_text("onderweg (ahmed)", timeout=BOUND * 1000)
    assert page.evaluate("window.ontmoetMark") == 1
    expect(row.get_by_role("button", name="Ik ga")).to_have_count(0)


#: The browser's notifications and sound, recorded: a notification per call, a tone per
#: oscillator started (headless Chromium shows neither).
RECORDER = """
window.shown = []; window.tones = 0;
window.Notification = class {
  constructor(title, options) { window.shown.push([title, options.body, options.tag]); }
  static get permission() { return window.allowed || "default"; }
  static requestPermission() { window.allowed = "granted"; return Promise.resolve("granted"); }
};
const Real = window.AudioContext;
window.AudioContext = class extends Real {
  createOscillator() {
    const osc = super.createOscillator(); const start = osc.start.bind(osc);
    osc.start = (t) => { window.tones += 1; start(t); }; return osc;
  }
};
"""


def test_sound_notifications_and_the_number_on_another_page(desk, tmp_path, page: Page):
    page.add_init_script(RECORDER)
    password = account(desk, "sanne", "receptionist")
    log_in(page, desk, "sanne", password)
    expect(page.get_by_text("Live", exact=True)).to_be_visible()
    # The receptionist turns the sound on and asks for notifications.
    page.get_by_label("Geluid bij een nieuw verzoek").check()
    page.get_by_role("button", name="Meldingen tonen").click()
    expect(page.get_by_text("Meldingen staan aan.")).to_be_visible()
    # The sound is remembered on the next page (this browser).
    page.reload()
    expect(page.get_by_label("Geluid bij een nieuw verzoek")).to_be_checked()
    # She works on the contacts page; the queue's number in the navigation follows, and a
    # new request is heard and shown there too, in her language, once.
    page.evaluate("window.allowed = 'granted'")
    page.get_by_role("link", name="Contactverzoeken").click()
    page.evaluate("window.allowed = 'granted'; window.ontmoetMark = 1")
    page.mouse.click(5, 400)  # a click on the page: the browser lets it make sound
    count = page.locator("[data-queue-count]")
    expect(count).to_be_hidden()
    help_request(desk, tmp_path)
    expect(count).to_have_text("1", timeout=BOUND * 1000)
    page.wait_for_function("() => window.shown.length > 0", timeout=BOUND * 1000)
    shown = page.evaluate("window.shown")
    assert [(title, body) for title, body, _tag in shown] == [
        ("Ontmoet · Receptie", "Iemand bij kiosk kiosk-hal wil graag hulp.")
    ]
    assert page.evaluate("window.tones") == 2  # the two notes of one tone
    assert page.evaluate("window.ontmoetMark") == 1


# -- (c) the stream: who may open it, how it ends, a flood ------------------------------------


def events_of(reply: requests.Response):
    """The stream's events as (name, data) pairs, comments and the retry line left out."""
    name, data = None, None
    for line in reply.iter_lines(decode_unicode=True):
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data = line[6:]
        elif line == "" and name:
            yield name, data
            name, data = None, None


def test_the_stream_is_for_those_who_handle_the_queue(desk):
    url = f"{desk.url}/desk/queue/events"
    nobody = requests.get(url, timeout=10, allow_redirects=False)
    assert nobody.status_code == 303 and nobody.headers["location"] == "/desk/login"
    editor = desk_web(desk, "rob", "community_editor", community=sorted(desk.communities())[0])
    assert editor.get(url, timeout=10, allow_redirects=False).status_code == 403
    assert editor.get(f"{desk.url}/desk/queue/rows", timeout=10).status_code == 403
    assert requests.get(f"{desk.url}/desk/queue/rows", timeout=10,
                        allow_redirects=False).status_code == 303  # fmt: skip
    # A logged-out session's cookie opens nothing any more.
    sanne = desk_web(desk, "sanne")
    cookie = sanne.cookies.get("ontmoet_desk")
    sanne.post(f"{desk.url}/desk/logout", timeout=10)
    stale = requests.get(url, timeout=10, allow_redirects=False,
                         cookies={"ontmoet_desk": cookie})  # fmt: skip
    assert stale.status_code == 303
    # An admin may.
    admin = desk_web(desk, "anna", "admin")
    with admin.get(url, timeout=10, stream=True) as reply:
        assert reply.status_code == 200
        assert reply.headers["content-type"].startswith("text/event-stream")
        assert reply.headers["cache-control"] == "no-store"
        assert reply.headers["x-accel-buffering"] == "no"
        name, data = next(events_of(reply))
        assert name == "queue" and '"waiting":0' in data


def test_the_stream_tells_what_changed_in_the_database(desk, tmp_path):
    """Changes are seen in the database, whoever made them (here another connection, as a
    second hub process would): a new request, one taken, a follow-up that became due."""
    sanne = desk_web(desk, "sanne")
    with sanne.get(f"{desk.url}/desk/queue/events", timeout=BOUND, stream=True) as reply:
        seen = events_of(reply)
        assert next(seen) == ("queue", '{"waiting":0,"taken":0,"due":0}')
        (request_id,) = help_request(desk, tmp_path)
        assert next(seen) == ("queue", '{"waiting":1,"taken":0,"due":0}')
        sanne.post(f"{desk.url}/desk/queue/{request_id}", timeout=10,
                   data={"csrf": csrf_of(sanne, desk.url), "action": "taken"})  # fmt: skip
        assert next(seen) == ("queue", '{"waiting":0,"taken":1,"due":0}')
        conn = store_of(desk.data_dir)
        today = datetime.now(UTC).date().isoformat()
        with conn:
            conn.execute(
                "INSERT INTO introductions (kind, party_a, party_b, follow_up_on, made_by,"
                " made_at) VALUES ('community_community', 'a', 'b', ?, 'sanne', ?)",
                [today, datetime.now(UTC).isoformat()],
            )
        conn.close()
        assert next(seen) == ("queue", '{"waiting":0,"taken":1,"due":1}')


def test_the_stream_ends_at_logout(desk):
    sanne = desk_web(desk, "sanne")
    with sanne.get(f"{desk.url}/desk/queue/events", timeout=BOUND, stream=True) as reply:
        seen = events_of(reply)
        assert next(seen)[0] == "queue"
        requests.post(f"{desk.url}/desk/logout", timeout=10,
                      cookies={"ontmoet_desk": sanne.cookies.get("ontmoet_desk")})  # fmt: skip
        # Within a session check (seconds), the stream says so and ends.
        assert next(seen) == ("end", "{}")
        assert list(seen) == []


def test_the_stream_ends_when_an_admin_disables_the_account(desk):
    from sync.hub import desk_store

    sanne = desk_web(desk, "sanne")
    with sanne.get(f"{desk.url}/desk/queue/events", timeout=BOUND, stream=True) as reply:
        seen = events_of(reply)
        assert next(seen)[0] == "queue"
        conn = store_of(desk.data_dir)
        desk_store.set_disabled(conn, "anna", "sanne", True)
        conn.close()
        assert next(seen) == ("end", "{}")
        assert list(seen) == []


def test_a_flood_of_streams_is_refused_with_429(desk):
    sanne = desk_web(desk, "sanne")
    url = f"{desk.url}/desk/queue/events"
    held = []
    try:
        for _ in range(live.PER_SESSION):
            reply = sanne.get(url, timeout=BOUND, stream=True)
            assert reply.status_code == 200
            seen = events_of(reply)  # kept: a dropped reader lets go of the connection
            next(seen)  # the stream runs: its slot is taken
            held.append((reply, seen))
        with sanne.get(url, timeout=BOUND, stream=True) as extra:
            assert extra.status_code == 429 and extra.headers["retry-after"] == "30"
        # Another receptionist is not hindered by Sanne's tabs.
        ahmed = desk_web(desk, "ahmed")
        with ahmed.get(url, timeout=BOUND, stream=True) as other:
            assert other.status_code == 200
        # A tab closed gives its slot back.
        held.pop()[0].close()

        def one_more() -> bool:
            with sanne.get(url, timeout=BOUND, stream=True) as reply:
                return reply.status_code == 200

        assert wait_for(one_more)
    finally:
        for reply, _seen in held:
            reply.close()


def test_a_page_refused_a_stream_still_follows_the_queue(desk, tmp_path, page: Page):
    """Too many tabs open: the page says it is not live and fetches the rows every 5 s."""
    password = account(desk, "sanne", "receptionist")
    log_in(page, desk, "sanne", password)
    expect(page.get_by_text("Live", exact=True)).to_be_visible()
    (cookie,) = [c["value"] for c in page.context.cookies() if c["name"] == "ontmoet_desk"]
    page.goto("about:blank")  # the page's stream ends
    held = []

    def another_tab() -> bool:
        reply = requests.get(f"{desk.url}/desk/queue/events", timeout=BOUND, stream=True,
                             cookies={"ontmoet_desk": cookie})  # fmt: skip
        if reply.status_code != 200:  # the page's slot is not given back yet
            reply.close()
            return False
        seen = events_of(reply)
        next(seen)
        held.append((reply, seen))
        return True

    try:
        for _ in range(live.PER_SESSION):
            assert wait_for(another_tab)
        page.goto(f"{desk.url}/desk/queue")
        expect(page.get_by_text("Niet live: de lijst ververst elke 5 seconden.")).to_be_visible()
        page.evaluate("window.ontmoetMark = 1")
        help_request(desk, tmp_path)
        expect(page.get_by_role("row", name=re.compile("kiosk-hal"))).to_be_visible(
            timeout=BOUND * 1000
        )
        assert page.evaluate("window.ontmoetMark") == 1
    finally:
        for reply, _seen in held:
            reply.close()


def test_slots_bound_each_session_and_the_total():
    slots = live.Slots(per_session=2, total=3)
    assert slots.take("a") and slots.take("a") and not slots.take("a")
    assert slots.full("a") and not slots.full("b")
    assert slots.take("b") and not slots.take("c")  # three in all
    slots.give_back("a")
    assert slots.take("c") and not slots.take("b")


# -- (d) without JavaScript -------------------------------------------------------------------


def test_without_javascript_the_queue_refreshes_itself_and_works(
    desk, tmp_path, browser, browser_context_args
):
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = context.new_page()
    try:
        password = account(desk, "sanne", "receptionist")
        log_in(page, desk, "sanne", password)
        expect(page.get_by_text("Niemand wacht op dit moment.")).to_be_visible()
        expect(page.locator("#live-controls")).to_be_hidden()  # no controls that cannot work
        help_request(desk, tmp_path)
        row = page.get_by_role("row", name=re.compile("kiosk-hal"))
        expect(row).to_be_visible(timeout=15_000)  # the page reloaded itself (5 s)
        expect(page.get_by_role("link", name=re.compile("Wachtrij"))).to_contain_text("1")
        # Someone else goes first: this page, still showing the button, hears who.
        ahmed = desk_web(desk, "ahmed")
        request_id = re.search(r'action="/desk/queue/([^"]+)"', page.content()).group(1)
        ahmed.post(f"{desk.url}/desk/queue/{request_id}", timeout=10,
                   data={"csrf": csrf_of(ahmed, desk.url), "action": "taken"})  # fmt: skip
        row.get_by_role("button", name="Ik ga").click()
        expect(page.get_by_role("alert")).to_have_text("ahmed is al onderweg.")
        # ... and the refresh from there goes back to the queue, not to the form's address.
        expect(page).to_have_url(f"{desk.url}/desk/queue", timeout=15_000)
        row.get_by_role("button", name="Afgerond").click()
        expect(page.get_by_text("Niemand wacht op dit moment.")).to_be_visible()
    finally:
        context.close()
