"""The public pages the kiosk's QR codes point to, served by a real hub, with records that a
real kiosk pushed."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
import requests
from hub_helpers import enrolled_kiosk

from kiosk.contact import check_contact, load_public_key, seal
from kiosk.qr import community_url
from kiosk.visitor_records import (
    new_record_id,
    new_token,
    record_contact_request,
    record_take_home_list,
)
from sync.client import SyncClient


@pytest.fixture(scope="module")
def hub(module_hub):
    return module_hub


@pytest.fixture(scope="module")
def kiosk(module_kiosk):
    return module_kiosk


def get(hub, path: str, **headers) -> requests.Response:
    return requests.get(hub.url + path, headers=headers, timeout=10)


def test_the_community_page_in_dutch_and_english(hub, kiosk):
    community = kiosk.community(sorted(hub.communities())[0])
    # The kiosk's QR code points exactly here, in the kiosk's language.
    url = community_url(community, kiosk.get_state("public_url"), "nl")
    assert url == f"{hub.url}/c/{community.id}?lang=nl"
    dutch = requests.get(url, timeout=10)
    assert dutch.status_code == 200 and '<html lang="nl" dir="ltr">' in dutch.text
    assert community.name.replace("&", "&amp;").replace("'", "&#39;") in dutch.text
    assert "Wanneer en waar" in dutch.text or not community.schedule
    english = get(hub, f"/c/{community.id}", **{"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en" dir="ltr">' in english.text and "Who is welcome" in english.text
    assert "Wie is welkom" in get(hub, f"/c/{community.id}?lang=nl").text
    assert 'name="viewport"' in dutch.text  # made for a phone


def test_a_text_only_in_dutch_says_so_in_english(hub, kiosk):
    conn = hub.db()
    (cid,) = conn.execute(
        "SELECT id FROM shared_records WHERE entity = 'community' AND data IS NOT NULL"
        " AND json_extract(data, '$.story.en') IS NULL LIMIT 1"
    ).fetchone() or (None,)
    conn.close()
    if cid is None:
        from hub_helpers import hub_cli

        cid = sorted(hub.communities())[1]
        hub_cli(hub.data_dir, "edit-community", cid, 'story={"nl": "Alleen in het Nederlands."}')
    page = get(hub, f"/c/{cid}?lang=en").text
    assert "In Dutch:" in page and 'lang="nl"' in page


def test_the_take_home_list_shows_the_kept_communities_until_it_expires(hub, kiosk):
    kept = sorted(hub.communities())[:3]
    token, old_token = new_token(), new_token()
    record_take_home_list(kiosk, new_record_id(), token, kept, "en")
    record_take_home_list(
        kiosk, new_record_id(), old_token, kept, "nl", today=date.today() - timedelta(days=200)
    )
    SyncClient(kiosk).sync_once()
    page = get(hub, f"/m/{token}")
    assert page.status_code == 200 and "Your list" in page.text  # in the visitor's language
    assert page.headers["Cache-Control"] == "no-store"
    for cid in kept:
        assert f'href="/c/{cid}?lang=en"' in page.text
    expired = get(hub, f"/m/{old_token}")
    assert expired.status_code == 410 and "verlopen" in expired.text
    assert get(hub, f"/m/{new_token()}").status_code == 404


def test_the_consent_page_shows_what_is_stored_and_withdrawing_erases_it(hub, tmp_path):
    kiosk = enrolled_kiosk(hub, tmp_path, "kiosk-consent")
    key = load_public_key(kiosk.get_state("hub_public_key"))
    chosen = sorted(hub.communities())[:2]
    receipt, record = new_token(), new_record_id()
    sealed = seal(check_contact("email", "jös@bücher.de"), key)
    record_contact_request(kiosk, record, chosen, "email", sealed, 90, receipt)
    SyncClient(kiosk).sync_once()
    page = get(hub, f"/w/{receipt}?lang=en")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "j•••@b•••.de" in page.text  # masked: the full address is never on the page
    assert "jös@bücher.de" not in page.text
    names = [kiosk.community(c).name for c in chosen]
    assert all(n.replace("'", "&#39;").replace("&", "&amp;") in page.text or n in page.text
               for n in names)  # fmt: skip
    action = re.search(r'<form method="post" action="([^"]*)"', page.text).group(1)
    assert action == "?lang=en"
    assert requests.post(f"{hub.url}/w/{receipt}", data={}, timeout=10).status_code == 400
    done = requests.post(f"{hub.url}/w/{receipt}?lang=en", data={"confirm": "yes"}, timeout=10)
    assert done.status_code == 200 and "erased" in done.text
    assert all(i != record for _e, i in hub.records("contact_request"))
    assert "Nothing is stored" in get(hub, f"/w/{receipt}?lang=en").text
    # A kiosk that pushes the same request again (after a hub restore, say) cannot bring it
    # back: the same record under a new operation is acknowledged and not stored.
    (fields,) = kiosk.conn.execute(
        "SELECT fields FROM outbox_archive WHERE record_id = ?", [record]
    ).fetchone()
    acked = int(kiosk.get_state("acked_seq"))
    again = {
        "version": 1,
        "device_seq": acked + 1,
        "op_id": new_record_id(),
        "entity": "contact_request",
        "record_id": record,
        "fields": json.loads(fields),
    }
    reply = requests.post(
        f"{hub.url}/api/v1/push", json={"ops": [again]}, timeout=10,
        headers={"Authorization": f"Bearer {kiosk.get_state('token')}"},
    )  # fmt: skip
    assert reply.status_code == 200 and reply.json()["applied"] == 1
    assert all(i != record for _e, i in hub.records("contact_request"))


def test_an_event_as_a_calendar_file(hub, kiosk):
    from icalendar import Calendar

    (event_id, community_id, title) = kiosk.conn.execute(
        "SELECT id, community_id, title FROM events LIMIT 1"
    ).fetchone()
    reply = get(hub, f"/e/{event_id}.ics")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(reply.content).walk("VEVENT")

    assert str(event["summary"]) == json.loads(title)["nl"]
    assert str(event["url"]).endswith(f"/c/{community_id}")


def test_pages_send_no_referrer_and_allow_no_scripts(hub, kiosk):
    page = get(hub, f"/c/{sorted(hub.communities())[0]}")
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "<script" not in page.text and "set-cookie" not in page.headers


def test_tokens_never_reach_the_log(hub, kiosk):
    token = new_token()
    get(hub, f"/m/{token}")
    get(hub, f"/w/{token}")
    log = (hub.data_dir / "serve.log").read_text()
    assert token not in log
    assert "GET /m/… 404" in log and "GET /w/… 404" in log  # the requests are logged


def test_every_stylesheet_a_page_links_is_served(hub):
    import re as regex

    for path in ("/desk/login", f"/c/{sorted(hub.communities())[0]}"):
        page = get(hub, path).text
        for sheet in regex.findall(r'<link rel="stylesheet" href="([^"]+)"', page):
            reply = get(hub, sheet)
            assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/css")
    assert get(hub, "/static/../hub.db").status_code == 404
    assert get(hub, "/static/nothing.css").status_code == 404
