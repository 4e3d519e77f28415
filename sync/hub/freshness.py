"""Records stay fresh: every REMIND_DAYS a group gets an e-mail with its edit link and a
one-click "everything is still right" link; a group that has not said yes for STALE_DAYS shows
"not confirmed since ..." on the kiosks and is listed at the desk.

The reminders go out from the hub's periodic job (sync.hub.app, with the purge), at most once
per REMIND_DAYS per group (``freshness_reminders`` records when), only to groups with a
mailbox at the hub, and only from a hub with a public address (a link must work on a phone).
The confirm link is a GET that shows a button and a POST that confirms: a mail scanner that
opens every link confirms nothing. Confirming goes through proposals.confirm, the hub's
normal write path, so the kiosks get the new date with their next pull.
"""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sync.hub import mail, proposals
from sync.hub import store as hub_store
from sync.hub.i18n import choose_language, translator
from sync.hub.render import render

log = logging.getLogger("ontmoet.hub")
router = APIRouter(include_in_schema=False)

REMIND_DAYS = 182  # six months
STALE_DAYS = 365  # after a year without a yes the kiosks say so
CONFIRM_LINK_DAYS = 60


def _confirmed_on(record: dict) -> date | None:
    try:
        return date.fromisoformat(record.get("last_confirmed") or "")
    except ValueError:
        return None


def _communities(conn: sqlite3.Connection) -> list[dict]:
    return [
        json.loads(data)
        for (data,) in conn.execute(
            "SELECT data FROM shared_records WHERE entity = 'community' AND data IS NOT NULL"
        )
    ]


def unconfirmed(conn: sqlite3.Connection, today: date | None = None) -> list[dict]:
    """Groups (not ended) without a yes for STALE_DAYS, the longest silent first."""
    limit = (today or datetime.now(UTC).date()) - timedelta(days=STALE_DAYS)
    found = []
    for record in _communities(conn):
        confirmed = _confirmed_on(record)
        if record.get("state") != "ended" and (confirmed is None or confirmed < limit):
            found.append({"id": record["id"], "name": record["name"], "confirmed": confirmed})
    return sorted(found, key=lambda c: (c["confirmed"] or date.min, c["name"].casefold()))


def due(conn: sqlite3.Connection, now: datetime | None = None) -> list[tuple[dict, str]]:
    """(record, mailbox) of the groups to remind now: confirmed REMIND_DAYS ago or longer
    (or never), with a mailbox, not ended, and not reminded in the last REMIND_DAYS."""
    now = now or datetime.now(UTC)
    limit = now.date() - timedelta(days=REMIND_DAYS)
    sent_after = (now - timedelta(days=REMIND_DAYS)).isoformat(timespec="seconds")
    reminded = {
        cid for (cid,) in conn.execute(
            "SELECT community_id FROM freshness_reminders WHERE sent_at > ?", [sent_after])
    }  # fmt: skip
    mailboxes = dict(conn.execute("SELECT community_id, email FROM community_mailboxes"))
    found = []
    for record in _communities(conn):
        confirmed = _confirmed_on(record)
        if (
            record.get("state") != "ended"
            and record["id"] in mailboxes
            and record["id"] not in reminded
            and (confirmed is None or confirmed <= limit)
        ):
            found.append((record, mailboxes[record["id"]]))
    return found


def new_confirm_link(conn: sqlite3.Connection, community_id: str, now: datetime) -> str:
    token = secrets.token_urlsafe(24)
    expires = (now + timedelta(days=CONFIRM_LINK_DAYS)).isoformat(timespec="seconds")
    with hub_store.write(conn):
        conn.execute("DELETE FROM confirm_links WHERE community_id = ?", [community_id])
        conn.execute(
            "INSERT INTO confirm_links (token_hash, community_id, expires_at) VALUES (?, ?, ?)",
            [hub_store.hash_secret(token), community_id, expires],
        )
    return token


def community_for_confirm_link(conn: sqlite3.Connection, token: str) -> str | None:
    if not token or len(token) > 64:
        return None
    row = conn.execute(
        "SELECT community_id, expires_at FROM confirm_links WHERE token_hash = ?",
        [hub_store.hash_secret(token)],
    ).fetchone()
    if row is None or row[1] < datetime.now(UTC).isoformat(timespec="seconds"):
        return None
    return row[0]


def reminder_message(settings: mail.MailSettings, to: str, record: dict, edit_url: str,
                     confirm_url: str) -> EmailMessage:  # fmt: skip
    """The reminder, in the group's language."""
    lang = mail.group_language(record)
    _ = translator(lang)
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = mail.valid_mailbox(to)
    message["Subject"] = _("Is {community} still right on the kiosk?").format(
        community=record["name"]
    )
    lines = [
        _("Dear {community},").format(community=record["name"]),
        "",
        _("Your group is on the Ontmoet kiosk in the town hall. Is everything still right?"),
        "",
        _("Everything is still right: one click is enough."),
        confirm_url,
        "",
        _("Something changed? Change it yourself here:"),
        edit_url,
        "",
        _("Kind regards,"),
        _("the reception of the town hall"),
    ]
    message.set_content("\n".join(lines) + "\n")
    message["Content-Language"] = lang
    return message


def send_reminders(conn: sqlite3.Connection, settings: mail.MailSettings, public_url: str,
                   now: datetime | None = None) -> int:  # fmt: skip
    """Send the reminders that are due; returns how many were sent. A group whose mail could
    not be sent is tried again at the next run (its reminder is recorded only once sent)."""
    if not settings.configured or not public_url:
        return 0
    now = now or datetime.now(UTC)
    sent = 0
    for record, mailbox in due(conn, now):
        try:  # checked before a new link ends the group's current one
            mailbox = mail.valid_mailbox(mailbox)
        except ValueError as exc:
            log.warning("freshness reminder for %s not sent: %s", record["id"], exc)
            continue
        lang = mail.group_language(record)
        edit = proposals.new_edit_link(conn, "freshness reminder", record["id"])
        confirm = new_confirm_link(conn, record["id"], now)
        base = public_url.rstrip("/")
        try:
            message = reminder_message(settings, mailbox, record, f"{base}/edit/{edit}?lang={lang}",
                                       f"{base}/confirm/{confirm}?lang={lang}")  # fmt: skip
            mail.send(settings, message)
        except (mail.MailError, ValueError) as exc:
            log.warning("freshness reminder for %s not sent: %s", record["id"], exc)
            continue
        with hub_store.write(conn):
            conn.execute(
                "INSERT INTO freshness_reminders (community_id, sent_at) VALUES (?, ?)"
                " ON CONFLICT (community_id) DO UPDATE SET sent_at = excluded.sent_at",
                [record["id"], now.isoformat(timespec="seconds")],
            )
            hub_store.audit(conn, "freshness reminder", "reminder sent", record["id"])
        sent += 1
    return sent


# -- the confirm page -----------------------------------------------------------------------


def _page(request: Request, record: dict | None, status: int = 200, **context) -> Response:
    confirmed = _confirmed_on(record) if record else None  # shown as '29 oktober 2025'
    return render(request, "confirm.html", choose_language(request), status=status,
                  headers={"Cache-Control": "no-store"}, c=record, confirmed=confirmed,
                  **context)  # fmt: skip


def _record(request: Request, token: str) -> tuple[sqlite3.Connection, dict | None]:
    conn = request.app.state.hub.conn
    community_id = community_for_confirm_link(conn, token)
    record = hub_store.shared_record(conn, "community", community_id) if community_id else None
    return conn, record


@router.get("/confirm/{token}", response_class=HTMLResponse)
def confirm_page(request: Request, token: str, done: str = "") -> Response:
    """Shows the button; changes nothing (mail scanners open links)."""
    _conn, record = _record(request, token)
    if record is None:
        return _page(request, None, status=404)
    return _page(request, record, done=done == "1")


@router.post("/confirm/{token}", response_class=HTMLResponse)
def confirm(request: Request, token: str) -> Response:
    conn, record = _record(request, token)
    if record is None:
        return _page(request, None, status=404)
    proposals.confirm(conn, record["id"], f"community {record['name'][:40]}")
    lang = choose_language(request)
    return RedirectResponse(f"/confirm/{token}?done=1&lang={lang}", status_code=303)
