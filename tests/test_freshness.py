"""Records stay fresh (issue 14, item 6): every six months a group gets its edit link and a
one-click "everything is still right"; a year without a yes shows on the kiosk and at the
desk. The reminder's clock is injected (no sleeping, no waiting for months)."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, date, datetime, timedelta

import requests
from babel.dates import format_date
from gui_helpers import screen, start
from hub_helpers import HubProcess, copy_hub, enrolled_kiosk, prepared_hub, store_of
from test_signup import csrf, desk_session

from kiosk import navigation as nav
from sync.client import SyncClient
from sync.hub import freshness, mail
from sync.hub import store as hub_store

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
SENDER = "receptie@lindewaard.example"


def hub_store_at(folder):
    copy_hub(prepared_hub(True), folder)
    conn = store_of(folder)
    hub_store.create_schema(conn)  # this code's migrations, as a serving hub applies them
    return conn


def a_group(conn) -> dict:
    (data,) = conn.execute(
        "SELECT data FROM shared_records WHERE entity = 'community' AND data IS NOT NULL"
        " ORDER BY id LIMIT 1"
    ).fetchone()
    return json.loads(data)


def confirmed_on(conn, group: dict, day: date, mailbox: str | None = "groep@voorbeeld.nl"):
    with hub_store.write(conn):
        record = hub_store.shared_record(conn, "community", group["id"])
        hub_store.put_shared(conn, "community", {**record, "last_confirmed": day.isoformat()})
        if mailbox:
            conn.execute(
                "INSERT INTO community_mailboxes (community_id, email) VALUES (?, ?)"
                " ON CONFLICT (community_id) DO UPDATE SET email = excluded.email",
                [group["id"], mailbox],
            )


def settings_for(sink) -> mail.MailSettings:
    return mail.MailSettings(host="127.0.0.1", port=sink.port, sender=SENDER, tls="none")


def mails_to(sink, address: str) -> list:
    return [m for m in sink.received if m["To"] == address]


def test_the_six_month_reminder_is_sent_once_and_again_after_six_months(tmp_path, smtp_sink):
    conn = hub_store_at(tmp_path / "hub")
    group = a_group(conn)
    confirmed_on(conn, group, (T0 - timedelta(days=200)).date())
    settings = settings_for(smtp_sink)
    public = "https://ontmoet.lindewaard.example"

    for now, expected in (
        (T0, 1),  # confirmed 200 days ago: reminded
        (T0 + timedelta(hours=1), 1),  # the next run of the job: not again
        (T0 + timedelta(days=90), 1),  # three months on: not again
        (T0 + timedelta(days=183), 2),  # six months on, still no yes: reminded again
    ):
        freshness.send_reminders(conn, settings, public, now=now)
        assert len(mails_to(smtp_sink, "groep@voorbeeld.nl")) == expected, now
    sent_at = conn.execute(
        "SELECT sent_at FROM freshness_reminders WHERE community_id = ?", [group["id"]]
    ).fetchone()[0]
    assert sent_at == (T0 + timedelta(days=183)).isoformat(timespec="seconds")

    message = mails_to(smtp_sink, "groep@voorbeeld.nl")[0]
    body = message.get_payload(decode=True).decode()
    assert message["Content-Language"] == "nl" and group["name"] in message["Subject"]
    assert re.search(rf"{public}/edit/\S+\?lang=nl", body)
    assert re.search(rf"{public}/confirm/\S+\?lang=nl", body)


def test_no_reminder_for_a_group_that_confirmed_lately_or_has_no_mailbox(tmp_path, smtp_sink):
    conn = hub_store_at(tmp_path / "hub")
    group = a_group(conn)
    confirmed_on(conn, group, (T0 - timedelta(days=30)).date())
    settings = settings_for(smtp_sink)
    assert freshness.send_reminders(conn, settings, "https://o.example", now=T0) == 0
    confirmed_on(conn, group, (T0 - timedelta(days=400)).date(), mailbox=None)
    conn.execute("DELETE FROM community_mailboxes")
    assert freshness.send_reminders(conn, settings, "https://o.example", now=T0) == 0
    # Without a public address a link would not open on a phone: nothing is sent.
    confirmed_on(conn, group, (T0 - timedelta(days=400)).date())
    assert freshness.send_reminders(conn, settings, "", now=T0) == 0
    assert smtp_sink.received == []


def test_the_hub_job_mails_the_reminder_and_the_confirm_link_reaches_a_kiosk(tmp_path, smtp_sink):
    hub = HubProcess(tmp_path / "hub")
    conn = store_of(hub.data_dir)
    hub_store.create_schema(conn)
    group = a_group(conn)
    long_ago = date.today() - timedelta(days=200)
    confirmed_on(conn, group, long_ago)
    conn.close()
    hub.start(env={"ONTMOET_SMTP_HOST": "127.0.0.1", "ONTMOET_SMTP_PORT": str(smtp_sink.port),
                   "ONTMOET_MAIL_FROM": SENDER, "ONTMOET_HUB_PUBLIC_URL": hub.url})  # fmt: skip
    try:
        deadline = time.monotonic() + 30  # the job's first run is at start: waits for the mail
        while not mails_to(smtp_sink, "groep@voorbeeld.nl") and time.monotonic() < deadline:
            time.sleep(0.1)
        (message,) = mails_to(smtp_sink, "groep@voorbeeld.nl")
        body = message.get_payload(decode=True).decode()
        edit = re.search(r"http://\S+/edit/\S+", body).group(0)
        confirm = re.search(r"http://\S+/confirm/\S+", body).group(0)
        assert group["name"] in requests.get(edit, timeout=10).text

        # Opening the link (a mail scanner does) changes nothing; the button does.
        page = requests.get(confirm, timeout=10)
        assert page.status_code == 200 and '<form method="post">' in page.text
        assert hub_record(hub, group)["last_confirmed"] == long_ago.isoformat()
        done = requests.post(confirm.split("?")[0], timeout=10)
        assert done.status_code == 200 and 'class="notice"' in done.text
        assert hub_record(hub, group)["last_confirmed"] == date.today().isoformat()

        kiosk = enrolled_kiosk(hub, tmp_path / "k", "kiosk-hal")
        SyncClient(kiosk).sync_once()
        (on_kiosk,) = kiosk.conn.execute(
            "SELECT last_confirmed FROM communities WHERE id = ?", [group["id"]]
        ).fetchone()
        assert on_kiosk == date.today().isoformat()
    finally:
        hub.stop()


def test_a_confirm_link_that_is_unknown_expired_or_huge_confirms_nothing(hub):
    conn = store_of(hub.data_dir)
    group = a_group(conn)
    confirmed_on(conn, group, date(2025, 1, 1))
    token = freshness.new_confirm_link(conn, group["id"], datetime.now(UTC) - timedelta(days=61))
    for bad in (token, "x" * 40, "x" * 5000):
        assert requests.get(f"{hub.url}/confirm/{bad}", timeout=10).status_code == 404
        assert requests.post(f"{hub.url}/confirm/{bad}", timeout=10).status_code == 404
    assert hub_record(hub, group)["last_confirmed"] == "2025-01-01"


def test_a_group_at_13_months_shows_not_confirmed_since_on_the_kiosk(make_kiosk, demo_store):
    (old, recent) = [r[0] for r in demo_store.conn.execute("SELECT id FROM communities LIMIT 2")]
    thirteen_months = date.today() - timedelta(days=395)
    eleven_months = date.today() - timedelta(days=335)
    with demo_store.conn:
        for rid, day in ((old, thirteen_months), (recent, eleven_months)):
            demo_store.conn.execute(
                "UPDATE communities SET last_confirmed = ? WHERE id = ?", [day.isoformat(), rid]
            )
    kiosk = make_kiosk()
    app = kiosk.app
    start(kiosk)
    app.open_community(old)
    shown = screen(app, nav.COMMUNITY).provenance
    month = format_date(thirteen_months, "MMMM y", locale="nl")  # 'november 2025'
    assert f"Niet bevestigd door de groep sinds {month}." in shown
    app.open_community(recent)
    shown = screen(app, nav.COMMUNITY).provenance
    assert "Niet bevestigd" not in shown
    assert format_date(eleven_months, "d MMMM y", locale="nl") in shown


def test_the_desk_lists_the_groups_silent_for_a_year(desk):
    conn = store_of(desk.data_dir)
    group = a_group(conn)
    confirmed_on(conn, group, date.today() - timedelta(days=395))
    web = desk_session(desk, "sanne", "receptionist")
    page = web.get(f"{desk.url}/desk/signups", timeout=10).text
    listed = re.search(r'<ul class="plain" id="unconfirmed">(.*?)</ul>', page, re.S).group(1)
    assert group["name"] in listed and "niet bevestigd sinds" in listed
    assert csrf(web, f"{desk.url}/desk/signups")  # a working page with its forms


def hub_record(hub, group: dict) -> dict:
    conn = store_of(hub.data_dir)
    try:
        return hub_store.shared_record(conn, "community", group["id"])
    finally:
        conn.close()
