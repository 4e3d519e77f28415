"""What the reception desk keeps at the hub: accounts and their sessions, failed logins, the
state of each request a receptionist handles, where each community receives e-mail, and an
audit log (who did what; never a visitor's details).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sync.hub import keys
from sync.hub.store import audit, erase_contact_request, hash_secret, now_iso, write
from sync.protocol import INTRODUCTION_KINDS

ROLES = ("admin", "receptionist", "community_editor")
SESSION_IDLE = timedelta(minutes=60)  # a desk left alone logs out
SESSION_MAX = timedelta(hours=12)  # and no session outlives a working day
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)


# -- accounts, logins, sessions ---------------------------------------------------------------


@dataclass(frozen=True)
class DeskSession:
    username: str
    role: str
    csrf: str


class LoginRefused(Exception):
    """Wrong name or password, or locked: the message is what the person at the desk reads."""


def create_account(
    conn: sqlite3.Connection, actor: str, username: str, role: str, community: str = ""
) -> str:
    """A new account with a generated password, returned once. A community editor belongs to
    one community, and sees and edits only that one."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if (
        role == "community_editor"
        and not conn.execute(
            "SELECT 1 FROM shared_records WHERE entity = 'community' AND id = ?"
            " AND data IS NOT NULL",
            [community],
        ).fetchone()
    ):
        raise ValueError("a community editor needs the community they edit")
    if not (2 <= len(username) <= 64) or not username.replace("-", "").replace(".", "").isalnum():
        raise ValueError("a name of 2 to 64 letters, digits, dots or dashes")
    password = keys.generate_password()
    with write(conn):
        if conn.execute("SELECT 1 FROM accounts WHERE username = ?", [username]).fetchone():
            raise ValueError(f"there is already an account '{username}'")
        conn.execute(
            "INSERT INTO accounts (username, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
            [username, keys.hash_password(password), role, now_iso()],
        )
        if role == "community_editor":
            conn.execute(
                "INSERT INTO editor_communities (username, community_id) VALUES (?, ?)",
                [username, community],
            )
        audit(conn, actor, "create account", f"{username} ({role})")
    return password


def editor_community(conn: sqlite3.Connection, username: str) -> str | None:
    row = conn.execute(
        "SELECT community_id FROM editor_communities WHERE username = ?", [username]
    ).fetchone()
    return row[0] if row else None


def accounts(conn: sqlite3.Connection) -> list[dict]:
    rows = conn.execute("SELECT username, role, created_at FROM accounts ORDER BY username")
    return [{"username": u, "role": r, "created_at": c} for u, r, c in rows]


def log_in(conn: sqlite3.Connection, username: str, password: str) -> tuple[str, DeskSession]:
    """A new session (its token, once) for a right name and password. After MAX_FAILURES
    wrong passwords the account is locked for LOCKOUT, whoever tries."""
    now = datetime.now(UTC)
    with write(conn):
        locked = conn.execute(
            "SELECT locked_until FROM login_failures WHERE username = ?", [username]
        ).fetchone()
    if locked and locked[0] and locked[0] > now.isoformat():
        raise LoginRefused("locked")
    row = conn.execute(
        "SELECT password_hash, role FROM accounts WHERE username = ?", [username]
    ).fetchone()
    # Verify even for an unknown name, so the answer takes as long either way.
    stored = row[0] if row else keys.hash_password(secrets.token_hex(8))
    if not keys.verify_password(stored, password) or row is None:
        with write(conn):
            failures = conn.execute(
                "INSERT INTO login_failures (username, failures) VALUES (?, 1)"
                " ON CONFLICT (username) DO UPDATE SET failures = failures + 1"
                " RETURNING failures",
                [username],
            ).fetchone()[0]
            if failures >= MAX_FAILURES:
                conn.execute(
                    "UPDATE login_failures SET failures = 0, locked_until = ? WHERE username = ?",
                    [(now + LOCKOUT).isoformat(), username],
                )
                audit(conn, username, "locked after failed logins")
        raise LoginRefused("wrong")
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with write(conn):
        conn.execute("DELETE FROM login_failures WHERE username = ?", [username])
        conn.execute(
            "INSERT INTO desk_sessions (token_hash, username, csrf, created_at, last_used)"
            " VALUES (?, ?, ?, ?, ?)",
            [hash_secret(token), username, csrf, now.isoformat(), now.isoformat()],
        )
        audit(conn, username, "log in")
    return token, DeskSession(username, row[1], csrf)


def session_for(conn: sqlite3.Connection, token: str | None) -> DeskSession | None:
    """The session behind a cookie, if it is still valid (idle and absolute limits)."""
    if not token or len(token) > 100:
        return None
    now = datetime.now(UTC)
    row = conn.execute(
        "SELECT s.username, a.role, s.csrf, s.created_at, s.last_used FROM desk_sessions s"
        " JOIN accounts a ON a.username = s.username WHERE s.token_hash = ?",
        [hash_secret(token)],
    ).fetchone()
    if row is None:
        return None
    created, last_used = datetime.fromisoformat(row[3]), datetime.fromisoformat(row[4])
    if now - last_used > SESSION_IDLE or now - created > SESSION_MAX:
        with write(conn):
            conn.execute("DELETE FROM desk_sessions WHERE token_hash = ?", [hash_secret(token)])
        return None
    if now - last_used > timedelta(minutes=1):  # a write a minute at most, not per request
        with write(conn):
            conn.execute(
                "UPDATE desk_sessions SET last_used = ? WHERE token_hash = ?",
                [now.isoformat(), hash_secret(token)],
            )
    return DeskSession(row[0], row[1], row[2])


def log_out(conn: sqlite3.Connection, token: str, username: str) -> None:
    with write(conn):
        conn.execute("DELETE FROM desk_sessions WHERE token_hash = ?", [hash_secret(token)])
        audit(conn, username, "log out")


# -- requests from the kiosks -----------------------------------------------------------------


def help_queue(conn: sqlite3.Connection) -> list[dict]:
    """'Ask the reception' requests not closed yet, oldest first."""
    rows = conn.execute(
        "SELECT v.id, v.kiosk, json_extract(v.fields, '$.language'),"
        " json_extract(v.fields, '$.created_at'), v.received_at, s.state, s.handled_by"
        " FROM visitor_records v LEFT JOIN request_states s"
        " ON s.entity = 'help_request' AND s.id = v.id"
        " WHERE v.entity = 'help_request' AND coalesce(s.state, 'new') != 'closed'"
        " ORDER BY v.received_at, v.id"
    )
    return [
        {"id": i, "kiosk": k, "language": lang, "asked_at": asked, "received_at": received,
         "state": state or "new", "handled_by": by}
        for i, k, lang, asked, received, state, by in rows
    ]  # fmt: skip


def set_state(
    conn: sqlite3.Connection, entity: str, record_id: str, state: str, actor: str
) -> bool:
    with write(conn):
        exists = conn.execute(
            "SELECT 1 FROM visitor_records WHERE entity = ? AND id = ?", [entity, record_id]
        ).fetchone()
        if not exists:
            return False
        conn.execute(
            "INSERT INTO request_states (entity, id, state, handled_by, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (entity, id) DO UPDATE SET"
            " state = excluded.state, handled_by = excluded.handled_by,"
            " updated_at = excluded.updated_at",
            [entity, record_id, state, actor, now_iso()],
        )
        audit(conn, actor, f"{entity.replace('_', ' ')}: {state.replace('_', ' ')}", record_id)
    return True


def contact_requests(conn: sqlite3.Connection) -> list[dict]:
    rows = conn.execute(
        "SELECT v.id, v.fields, v.received_at, s.state, s.handled_by FROM visitor_records v"
        " LEFT JOIN request_states s ON s.entity = 'contact_request' AND s.id = v.id"
        " WHERE v.entity = 'contact_request' ORDER BY v.received_at DESC, v.id"
    )
    result = []
    for rid, fields, received, state, by in rows:
        data = json.loads(fields)
        result.append(
            {"id": rid, "communities": data["communities"], "channel": data["channel"],
             "expires_on": data["expires_on"], "received_at": received,
             "state": state or "new", "handled_by": by}
        )  # fmt: skip
    return result


def contact_request(conn: sqlite3.Connection, record_id: str) -> dict | None:
    row = conn.execute(
        "SELECT fields FROM visitor_records WHERE entity = 'contact_request' AND id = ?",
        [record_id],
    ).fetchone()
    return {"id": record_id, **json.loads(row[0])} if row else None


def purge_expired(conn: sqlite3.Connection, today: date | None = None) -> int:
    """Erase contact requests whose chosen period has ended: the sealed details and the
    request go, and only the bare id stays (a kiosk pushing it again cannot bring it back).
    Runs on a schedule in the hub, whether anybody is logged in or not."""
    today_text = (today or datetime.now(UTC).date()).isoformat()
    with write(conn):
        expired = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM visitor_records WHERE entity = 'contact_request'"
                " AND json_extract(fields, '$.expires_on') < ?",
                [today_text],
            )
        ]
        for rid in expired:
            erase_contact_request(conn, rid)
            audit(conn, "hub", "contact request erased: period ended", rid)
    return len(expired)


def mailbox(conn: sqlite3.Connection, community_id: str) -> str | None:
    row = conn.execute(
        "SELECT email FROM community_mailboxes WHERE community_id = ?", [community_id]
    ).fetchone()
    return row[0] if row else None


def set_mailbox(conn: sqlite3.Connection, actor: str, community_id: str, email: str) -> None:
    with write(conn):
        conn.execute(
            "INSERT INTO community_mailboxes (community_id, email) VALUES (?, ?)"
            " ON CONFLICT (community_id) DO UPDATE SET email = excluded.email",
            [community_id, email],
        )
        audit(conn, actor, "set a community's mailbox", community_id)


def audit_entries(conn: sqlite3.Connection, limit: int = 200) -> list[dict]:
    rows = conn.execute(
        "SELECT at, actor, action, target FROM audit_log ORDER BY id DESC LIMIT ?", [limit]
    )
    return [{"at": a, "actor": b, "action": c, "target": d} for a, b, c, d in rows]


# -- introductions ----------------------------------------------------------------------------

OUTCOMES = ("open", "led_to_something", "not_yet", "nothing")


class IntroductionRefused(ValueError):
    """Why this introduction cannot be made; the desk shows the message."""


def make_introduction(
    conn: sqlite3.Connection, actor: str, kind: str, party_a: str, party_b: str, note: str,
    weeks: int,
) -> int:  # fmt: skip
    if kind not in INTRODUCTION_KINDS:
        raise IntroductionRefused("unknown kind")
    if party_a == party_b:
        raise IntroductionRefused("same")
    if not 1 <= weeks <= 26 or len(note) > 1000:
        raise IntroductionRefused("form")
    visitors = {"visitor_community": [party_a], "visitor_visitor": [party_a, party_b],
                "community_community": []}[kind]  # fmt: skip
    communities = {"visitor_community": [party_b], "visitor_visitor": [],
                   "community_community": [party_a, party_b]}[kind]  # fmt: skip
    if kind == "visitor_visitor":
        # Both must agree to meet each other, there and then: that happens at a kiosk in
        # receptionist mode. The consent of a contact request covers being contacted by the
        # communities a visitor chose, not by another visitor.
        raise IntroductionRefused("visitor_consent")
    for visitor in visitors:
        if contact_request(conn, visitor) is None:
            raise IntroductionRefused("unknown visitor")
    for community in communities:
        if not conn.execute(
            "SELECT 1 FROM shared_records WHERE entity = 'community' AND id = ?"
            " AND data IS NOT NULL",
            [community],
        ).fetchone():
            raise IntroductionRefused("unknown community")
    follow_up = (datetime.now(UTC).date() + timedelta(weeks=weeks)).isoformat()
    with write(conn):
        rid = conn.execute(
            "INSERT INTO introductions (kind, party_a, party_b, note, follow_up_on, made_by,"
            " made_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [kind, party_a, party_b, note.strip(), follow_up, actor, now_iso()],
        ).lastrowid
        audit(conn, actor, f"introduction made ({kind.replace('_', '-')})", str(rid))
    return rid


def introductions(conn: sqlite3.Connection) -> list[dict]:
    cursor = conn.execute(
        "SELECT * FROM introductions ORDER BY outcome != 'open', follow_up_on, id"
    )
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor]


def follow_up(conn: sqlite3.Connection, actor: str, rid: int, outcome: str) -> None:
    if outcome not in OUTCOMES:
        raise IntroductionRefused("form")
    with write(conn):
        conn.execute("UPDATE introductions SET outcome = ? WHERE id = ?", [outcome, rid])
        audit(conn, actor, f"introduction followed up: {outcome.replace('_', ' ')}", str(rid))


# -- figures ----------------------------------------------------------------------------------

SUPPRESS_BELOW = 5  # a count this small could point at a person: shown as "fewer than 5"


def figures(conn: sqlite3.Connection) -> dict[str, list[tuple[str, int | None]]]:
    """Anonymous counts; any count below SUPPRESS_BELOW is None (shown as 'fewer than 5')."""

    def shown(rows) -> list[tuple[str, int | None]]:
        return [(key, n if n >= SUPPRESS_BELOW else None) for key, n in rows]

    return {
        "themes": shown(conn.execute(
            "SELECT t.value, count(*) FROM visitor_records v,"
            " json_each(json_extract(v.fields, '$.themes')) t WHERE v.entity = 'interest'"
            " GROUP BY t.value ORDER BY count(*) DESC, t.value")),
        "neighbourhoods": shown(conn.execute(
            "SELECT coalesce(json_extract(fields, '$.neighbourhood'), '-'), count(*)"
            " FROM visitor_records WHERE entity = 'interest' GROUP BY 1 ORDER BY 2 DESC, 1")),
        "introductions": shown(conn.execute(
            "SELECT kind, count(*) FROM introductions GROUP BY kind ORDER BY kind")),
        "handled": shown(conn.execute(
            "SELECT state, count(*) FROM request_states GROUP BY state ORDER BY state")),
        "assisted": shown(conn.execute(
            "SELECT entity, count(*) FROM visitor_records"
            " WHERE json_extract(fields, '$.assisted') = 1 GROUP BY entity ORDER BY entity")),
    }  # fmt: skip
