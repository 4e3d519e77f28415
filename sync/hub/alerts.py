"""Watching the fleet: which kiosks are offline or have records waiting too long, and one
e-mail to the admins (ONTMOET_ALERT_TO) when that changes: one when it starts, one when the
kiosk is back. /metrics (sync.hub.metrics) and the desk's kiosk page read the same view.

A kiosk counts as offline when it has not synced for ONTMOET_ALERT_OFFLINE_MINUTES; its outbox
has waited too long when the oldest record it last reported is older than
ONTMOET_ALERT_OUTBOX_MINUTES. A kiosk enrolled but never synced is not yet in service and
raises nothing; a revoked one neither.

"Exactly one mail per change" rests on the store, not on the process: an alert is a row in
kiosk_alerts, and a sender claims a row in a write transaction before it mails. So the hub's
background loop and `ontmoet-hub maintain` (a timer, or an admin at the console) may both check
— also several hub processes on one store — and each change is still mailed once. A mail that
could not be sent gives its claim back and goes with the next check.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from sync.hub import mail
from sync.hub import store as hub_store
from sync.hub.i18n import N_, translator
from sync.hub.settings import HubSettings

log = logging.getLogger("ontmoet.hub")

CHECK_EVERY = 60  # seconds between two checks in the hub's background loop
OFFLINE, OUTBOX = "offline", "outbox"


@dataclass(frozen=True)
class KioskView:
    """One kiosk as the fleet's watchers see it, at one moment."""

    name: str
    revoked: bool
    last_seen: datetime | None
    online: bool
    silent_seconds: float | None  # since the last sync; None: never synced
    outbox_size: int | None  # as the kiosk last said; None: it never said
    oldest_unsent: datetime | None
    outbox_age_seconds: float | None  # the oldest waiting record's age; None: nothing waits
    alerts: dict[str, dict]  # kind -> its kiosk_alerts row (raised_at, mailed_at, cleared_at)
    row: dict  # the kiosks table's row, for what the desk shows besides

    @property
    def in_service(self) -> bool:
        return not self.revoked and self.last_seen is not None


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def fleet(
    conn: sqlite3.Connection, settings: HubSettings, now: datetime | None = None
) -> list[KioskView]:
    """Every enrolled kiosk, by name."""
    now = now or datetime.now(UTC)
    limit = timedelta(minutes=settings.alert_offline_minutes)
    alerts: dict[str, dict[str, dict]] = {}
    for kiosk, kind, raised, mailed, cleared in conn.execute(
        "SELECT kiosk, kind, raised_at, mailed_at, cleared_at FROM kiosk_alerts"
    ):
        alerts.setdefault(kiosk, {})[kind] = {
            "raised_at": raised, "mailed_at": mailed, "cleared_at": cleared,
        }  # fmt: skip
    views = []
    for row in hub_store.kiosks(conn):
        seen = _moment(row["last_seen"])
        oldest = _moment(row["oldest_unsent"])
        revoked = bool(row["revoked_at"])
        views.append(
            KioskView(
                name=row["name"],
                revoked=revoked,
                last_seen=seen,
                online=not revoked and seen is not None and now - seen < limit,
                silent_seconds=max(0.0, (now - seen).total_seconds()) if seen else None,
                outbox_size=row["outbox_size"],
                oldest_unsent=oldest,
                outbox_age_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else None,
                alerts=alerts.get(row["name"], {}),
                row=row,
            )
        )
    return views


def _problems(view: KioskView, settings: HubSettings) -> set[str]:
    if not view.in_service:
        return set()
    problems = set() if view.online else {OFFLINE}
    age = view.outbox_age_seconds
    if view.outbox_size and age is not None and age > settings.alert_outbox_minutes * 60:
        problems.add(OUTBOX)
    return problems


def _update(conn: sqlite3.Connection, settings: HubSettings, now: datetime) -> None:
    """Raise the alerts that began, clear those that ended, in one write transaction."""
    stamp = now.isoformat(timespec="seconds")
    with hub_store.write(conn):
        views = {view.name: view for view in fleet(conn, settings, now)}
        # Alerts of kiosks no longer enrolled, or revoked: nobody needs to hear they are back.
        for kiosk, kind in conn.execute("SELECT kiosk, kind FROM kiosk_alerts").fetchall():
            if kiosk not in views or not views[kiosk].in_service:
                conn.execute("DELETE FROM kiosk_alerts WHERE kiosk = ? AND kind = ?", [kiosk, kind])
        for view in views.values():
            problems = _problems(view, settings)
            # What an offline kiosk last said of its outbox is old news: its outbox alert
            # neither begins (the offline mail says enough) nor ends (nothing was sent).
            kinds = (OFFLINE, OUTBOX) if view.online else (OFFLINE,)
            for kind in kinds:
                alert = view.alerts.get(kind)
                if kind in problems and alert is None:
                    conn.execute(
                        "INSERT INTO kiosk_alerts (kiosk, kind, raised_at) VALUES (?, ?, ?)",
                        [view.name, kind, stamp],
                    )
                elif kind in problems and alert["cleared_at"]:
                    # Back and gone again before the "back" mail went: the first alert goes on.
                    conn.execute(
                        "UPDATE kiosk_alerts SET cleared_at = NULL WHERE kiosk = ? AND kind = ?",
                        [view.name, kind],
                    )
                elif kind not in problems and alert and not alert["cleared_at"]:
                    if alert["mailed_at"]:
                        conn.execute(
                            "UPDATE kiosk_alerts SET cleared_at = ? WHERE kiosk = ? AND kind = ?",
                            [stamp, view.name, kind],
                        )
                    else:  # nobody was told it began: nobody needs to hear it ended
                        conn.execute(
                            "DELETE FROM kiosk_alerts WHERE kiosk = ? AND kind = ?",
                            [view.name, kind],
                        )


SUBJECTS = {
    (OFFLINE, True): N_("Kiosk {kiosk} is offline"),
    (OFFLINE, False): N_("Kiosk {kiosk} is back online"),
    (OUTBOX, True): N_("Kiosk {kiosk}: records are waiting to be sent"),
    (OUTBOX, False): N_("Kiosk {kiosk}: its waiting records were sent"),
}


def alert_message(
    settings: HubSettings, to: str, kiosk: str, kind: str, began: bool,
    view: KioskView | None, desk_url: str,
) -> EmailMessage:  # fmt: skip
    """The mail to one admin about one change of one kiosk, in ONTMOET_ALERT_LANGUAGE."""
    from babel.dates import format_datetime

    lang = settings.alert_language
    _ = translator(lang)

    def when(moment: datetime | None) -> str:
        try:
            return format_datetime(moment.astimezone(settings.zone), "short", locale=lang)
        except (AttributeError, OverflowError, ValueError):  # none, or a moment of year 1
            return "?"

    seen = when(view.last_seen if view else None)
    if kind == OFFLINE and began:
        lines = [_("Kiosk {kiosk} has not synced since {moment}.").format(kiosk=kiosk,
                                                                          moment=seen),
                 _("Visitors can still use it. What they leave waits on the kiosk."),
                 _("Check its power and its network.")]  # fmt: skip
    elif kind == OFFLINE:
        lines = [_("Kiosk {kiosk} synced again at {moment}.").format(kiosk=kiosk, moment=seen)]
    elif began:
        oldest = when(view.oldest_unsent if view else None)
        lines = [_("A record on kiosk {kiosk} has been waiting since {moment}.").format(
                     kiosk=kiosk, moment=oldest),
                 _("The kiosk syncs, but it cannot send everything.")]  # fmt: skip
    else:
        lines = [_("Kiosk {kiosk} sent its waiting records.").format(kiosk=kiosk)]
    message = EmailMessage()
    message["From"] = settings.mail.sender
    message["To"] = to
    message["Subject"] = _(SUBJECTS[(kind, began)]).format(kiosk=kiosk)
    lines += ["", _("The kiosk page at the desk: {url}").format(url=desk_url), "",
              _("The Ontmoet hub sends this mail once for each change.")]  # fmt: skip
    message.set_content("\n".join(lines) + "\n")
    message["Content-Language"] = lang
    return message


def _claim(conn: sqlite3.Connection, now: datetime) -> list[tuple[str, str, bool, tuple]]:
    """The changes still to be mailed, claimed by this sender: (kiosk, kind, began, row).
    Raised alerts are marked mailed, ended ones deleted, before a mail goes; a failed mail
    gives its claim back (_give_back)."""
    stamp = now.isoformat(timespec="seconds")
    with hub_store.write(conn):
        began = conn.execute(
            "UPDATE kiosk_alerts SET mailed_at = ? WHERE mailed_at IS NULL AND cleared_at IS NULL"
            " RETURNING kiosk, kind, raised_at, mailed_at, cleared_at",
            [stamp],
        ).fetchall()
        ended = conn.execute(
            "DELETE FROM kiosk_alerts WHERE cleared_at IS NOT NULL"
            " RETURNING kiosk, kind, raised_at, mailed_at, cleared_at"
        ).fetchall()
    return [(r[0], r[1], True, r) for r in began] + [(r[0], r[1], False, r) for r in ended]


def _give_back(conn: sqlite3.Connection, began: bool, row: tuple) -> None:
    with hub_store.write(conn):
        if began:
            conn.execute(
                "UPDATE kiosk_alerts SET mailed_at = NULL WHERE kiosk = ? AND kind = ?", row[:2]
            )
        else:  # unless a new alert of that kind began meanwhile, which then goes on
            conn.execute(
                "INSERT INTO kiosk_alerts (kiosk, kind, raised_at, mailed_at,"
                " cleared_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                row,
            )


def check(
    conn: sqlite3.Connection, settings: HubSettings, public_url: str, now: datetime | None = None
) -> int:
    """Update the alerts, and mail each change not mailed yet to every address in
    ONTMOET_ALERT_TO. Returns the number of mails sent. Without addresses or an SMTP server
    the alerts still show at the desk and in /metrics, and nothing is claimed."""
    now = now or datetime.now(UTC)
    desk_url = f"{public_url.rstrip('/')}/desk/kiosks"
    _update(conn, settings, now)
    if not (settings.alert_to and settings.mail.configured):
        return 0
    views = {view.name: view for view in fleet(conn, settings, now)}
    sent = 0
    for kiosk, kind, began, row in _claim(conn, now):
        delivered = 0
        for to in settings.alert_to:
            message = alert_message(settings, to, kiosk, kind, began, views.get(kiosk), desk_url)
            try:
                mail.send(settings.mail, message)
                delivered += 1
            except mail.MailError as exc:
                log.warning("alert mail about kiosk %s to %s failed: %s", kiosk, to, exc)
        if delivered:
            sent += delivered
        else:  # nobody heard: tried again with the next check
            _give_back(conn, began, row)
    return sent


def check_safely(conn: sqlite3.Connection, settings: HubSettings, public_url: str) -> None:
    """For the background loop: a failure is logged and the next round tries again."""
    try:
        check(conn, settings, public_url)
    except Exception:
        log.exception("the kiosk alert check failed; tries again")
