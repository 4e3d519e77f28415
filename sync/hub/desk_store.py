"""What the reception desk keeps at the hub: accounts and their sessions, failed logins, the
state of each request a receptionist handles, where each community receives e-mail, and an
audit log (who did what; never a visitor's details).
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sync.hub import keys, ledger
from sync.hub.store import (
    audit,
    checkpoint_after_erasure,
    erase_contact_request,
    hash_secret,
    keep_figures_of,
    now_iso,
    write,
)
from sync.hub.web import purge_rate_hits
from sync.protocol import INTRODUCTION_KINDS

ROLES = ("admin", "receptionist", "community_editor")
SESSION_IDLE = timedelta(minutes=60)  # a desk left alone logs out
SESSION_MAX = timedelta(hours=12)  # and no session outlives a working day
MAX_FAILURES = 5  # wrong passwords per account and address before that address waits
LOCKOUT = timedelta(minutes=15)  # the first wait; it doubles for each lock within a day
MAX_LOCKOUT = timedelta(days=1)
FAILURE_MEMORY = timedelta(hours=1)  # failures older than this are forgotten


# -- accounts, logins, sessions ---------------------------------------------------------------


@dataclass(frozen=True)
class DeskSession:
    username: str
    role: str
    csrf: str
    must_change_password: bool = False


class LoginRefused(Exception):
    """Wrong name or password, or locked: the message is what the person at the desk reads."""


def create_account(
    conn: sqlite3.Connection, actor: str, username: str, role: str, community: str = ""
) -> str:
    """A new account with a generated password, returned once and to be changed at the first
    login. A community editor belongs to one community, and sees and edits only that one."""
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
            "INSERT INTO accounts (username, password_hash, role, created_at,"
            " must_change_password) VALUES (?, ?, ?, ?, 1)",
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
    rows = conn.execute(
        "SELECT a.username, a.role, a.created_at, a.disabled_at, a.must_change_password,"
        " (SELECT count(*) FROM desk_sessions s WHERE s.username = a.username),"
        " (SELECT max(locked_until) FROM login_throttle t WHERE t.username = a.username)"
        " FROM accounts a ORDER BY a.username"
    )
    now = datetime.now(UTC).isoformat()
    return [
        {"username": u, "role": r, "created_at": c, "disabled_at": d, "must_change": bool(m),
         "sessions": n, "locked_somewhere": bool(lock and lock > now)}
        for u, r, c, d, m, n, lock in rows
    ]  # fmt: skip


# Unknown names are checked against this hash, so that they cost what known ones do and a
# login's time does not tell which names exist.
_dummy: list[str] = []
_dummy_lock = threading.Lock()


def _dummy_hash() -> str:
    with _dummy_lock:
        if not _dummy:
            _dummy.append(keys.hash_password(secrets.token_hex(16)))
        return _dummy[0]


def address_key(address: str) -> str:
    """The address failures are counted by: an IPv6 client by its /64 network (one
    household's or server's, whose 2^64 addresses are all its own), an IPv4 one as it is."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def _take_attempt(conn: sqlite3.Connection, username: str, address: str, now: datetime) -> None:
    """Count this attempt as a failure *before* the password is checked, in one write: a
    burst of parallel guesses cannot all slip in before the lock (the count is refunded on
    success). Failures are counted per account and address, so a stranger cannot lock a
    receptionist out at her own desk."""
    with write(conn):
        row = conn.execute(
            "SELECT failures, locks, locked_until, last_failure FROM login_throttle"
            " WHERE username = ? AND address = ?",
            [username, address],
        ).fetchone()
        failures, locks, locked_until, last = row or (0, 0, None, now.isoformat())
        if locked_until and locked_until > now.isoformat():
            raise LoginRefused("locked")
        since = now - datetime.fromisoformat(last)
        if since > FAILURE_MEMORY:
            failures = 0  # a few typos spread over days lock nobody out
        if since > timedelta(days=1):
            locks = 0
        if failures >= MAX_FAILURES:  # guesses in flight already fill the allowance
            raise LoginRefused("locked")
        conn.execute(
            "INSERT INTO login_throttle (username, address, failures, locks, last_failure)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (username, address) DO UPDATE SET"
            " failures = excluded.failures, locks = excluded.locks,"
            " last_failure = excluded.last_failure",
            [username, address, failures + 1, locks, now.isoformat()],
        )


def _attempt_failed(conn: sqlite3.Connection, username: str, address: str, now: datetime) -> None:
    """A wrong password: after MAX_FAILURES, this address waits LOCKOUT, doubled for every
    lock within a day (at most MAX_LOCKOUT), and the admins see it in the audit log."""
    with write(conn):
        failures, locks, locked_until = conn.execute(
            "SELECT failures, locks, locked_until FROM login_throttle"
            " WHERE username = ? AND address = ?",
            [username, address],
        ).fetchone()
        if failures >= MAX_FAILURES and not (locked_until and locked_until > now.isoformat()):
            wait = min(LOCKOUT * 2**locks, MAX_LOCKOUT)
            conn.execute(
                "UPDATE login_throttle SET failures = 0, locks = locks + 1, locked_until = ?"
                " WHERE username = ? AND address = ?",
                [(now + wait).isoformat(), username, address],
            )
            audit(conn, "hub", f"login locked for {int(wait.total_seconds() // 60)} minutes"
                  f" after {MAX_FAILURES} wrong passwords from {address}", username)  # fmt: skip


def log_in(
    conn: sqlite3.Connection, username: str, password: str, address: str = "?"
) -> tuple[str, DeskSession]:
    """A new session (its token, once) for a right name and password from ``address``."""
    now, address = datetime.now(UTC), address_key(address)
    _take_attempt(conn, username, address, now)
    row = conn.execute(
        "SELECT password_hash, role, disabled_at, must_change_password FROM accounts"
        " WHERE username = ?",
        [username],
    ).fetchone()
    right = keys.verify_password(row[0] if row else _dummy_hash(), password) and bool(row)
    if not right:
        _attempt_failed(conn, username, address, now)
        raise LoginRefused("wrong")
    with write(conn):
        conn.execute(
            "DELETE FROM login_throttle WHERE username = ? AND address = ?", [username, address]
        )
        if row[2]:  # told only to whoever knows the password
            audit(conn, username, "log in refused: account disabled")
    if row[2]:
        raise LoginRefused("disabled")
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with write(conn):
        conn.execute(
            "INSERT INTO desk_sessions (token_hash, username, csrf, created_at, last_used)"
            " VALUES (?, ?, ?, ?, ?)",
            [hash_secret(token), username, csrf, now.isoformat(), now.isoformat()],
        )
        audit(conn, username, "log in")
    return token, DeskSession(username, row[1], csrf, bool(row[3]))


def session_for(conn: sqlite3.Connection, token: str | None) -> DeskSession | None:
    """The session behind a cookie, if it is still valid (idle and absolute limits) and its
    account is not disabled."""
    if not token or len(token) > 100:
        return None
    now = datetime.now(UTC)
    row = conn.execute(
        "SELECT s.username, a.role, s.csrf, s.created_at, s.last_used, a.must_change_password"
        " FROM desk_sessions s JOIN accounts a ON a.username = s.username"
        " WHERE s.token_hash = ? AND a.disabled_at IS NULL",
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
    return DeskSession(row[0], row[1], row[2], bool(row[5]))


def log_out(conn: sqlite3.Connection, token: str, username: str) -> None:
    with write(conn):
        conn.execute("DELETE FROM desk_sessions WHERE token_hash = ?", [hash_secret(token)])
        audit(conn, username, "log out")


# -- managing accounts ------------------------------------------------------------------------

MIN_PASSWORD = 12


#: Why an account change cannot be made, in English for the console; the desk shows its own
#: words for each code.
ACCOUNT_REFUSALS = {
    "no_account": "there is no such account",
    "self_disable": "you cannot disable your own account",
    "self_reset": "change your own password with your current one",
    "too_short": f"a password needs at least {MIN_PASSWORD} characters",
    "too_long": "a password has at most 256 characters",
    "has_name": "a password must not contain the account's name",
    "wrong_current": "the current password is not right",
    "same": "choose a password other than the current one",
    "locked": "too many wrong passwords from this address: wait, then try again",
}


class AccountRefused(ValueError):
    """An account change that cannot be made; ``code`` says why (ACCOUNT_REFUSALS)."""

    def __init__(self, code: str) -> None:
        super().__init__(ACCOUNT_REFUSALS[code])
        self.code = code


def _account_exists(conn: sqlite3.Connection, username: str) -> None:
    if not conn.execute("SELECT 1 FROM accounts WHERE username = ?", [username]).fetchone():
        raise AccountRefused("no_account")


def end_sessions(conn: sqlite3.Connection, actor: str, username: str, keep: str = "") -> int:
    """Log ``username`` out everywhere (but the session with token ``keep``)."""
    with write(conn):
        _account_exists(conn, username)
        ended = conn.execute(
            "DELETE FROM desk_sessions WHERE username = ? AND token_hash != ?",
            [username, hash_secret(keep) if keep else ""],
        ).rowcount
        audit(conn, actor, f"ended {ended} sessions", username)
    return ended


def set_disabled(conn: sqlite3.Connection, actor: str, username: str, disabled: bool) -> None:
    """Disable (and log out everywhere) or enable an account. Nobody disables themselves:
    a desk must not lose its last admin by a slip."""
    if disabled and username == actor:
        raise AccountRefused("self_disable")
    with write(conn):
        _account_exists(conn, username)
        conn.execute(
            "UPDATE accounts SET disabled_at = ? WHERE username = ?",
            [now_iso() if disabled else None, username],
        )
        if disabled:
            conn.execute("DELETE FROM desk_sessions WHERE username = ?", [username])
        audit(conn, actor, "account disabled" if disabled else "account enabled", username)


def reset_password(conn: sqlite3.Connection, actor: str, username: str) -> str:
    """A new generated password, shown once, to be changed at the next login; every session
    of the account ends, and its login locks are lifted."""
    password = keys.generate_password()
    hashed = keys.hash_password(password)
    with write(conn):
        _account_exists(conn, username)
        conn.execute(
            "UPDATE accounts SET password_hash = ?, must_change_password = 1 WHERE username = ?",
            [hashed, username],
        )
        conn.execute("DELETE FROM desk_sessions WHERE username = ?", [username])
        conn.execute("DELETE FROM login_throttle WHERE username = ?", [username])
        audit(conn, actor, "password reset", username)
    return password


def password_problem(username: str, new: str) -> str | None:
    """Why ``new`` will not do as a password (a code of ACCOUNT_REFUSALS), or None."""
    if len(new) < MIN_PASSWORD:
        return "too_short"
    if len(new) > 256:
        return "too_long"
    if username.casefold() in new.casefold():
        return "has_name"
    return None


def change_password(
    conn: sqlite3.Connection, username: str, current: str, new: str, keep: str = "",
    address: str = "?",
) -> None:  # fmt: skip
    """Change one's own password (the current one is asked again); every other session of the
    account ends. A wrong current password counts like a wrong login, from ``address``: a
    stolen cookie is no way around the login's locks."""
    problem = password_problem(username, new)
    if problem:
        raise AccountRefused(problem)
    now, address = datetime.now(UTC), address_key(address)
    try:
        _take_attempt(conn, username, address, now)
    except LoginRefused:
        raise AccountRefused("locked") from None
    row = conn.execute(
        "SELECT password_hash FROM accounts WHERE username = ?", [username]
    ).fetchone()
    if row is None or not keys.verify_password(row[0], current):
        _attempt_failed(conn, username, address, now)
        raise AccountRefused("wrong_current")
    if current == new:
        raise AccountRefused("same")
    hashed = keys.hash_password(new)
    with write(conn):
        conn.execute(
            "DELETE FROM login_throttle WHERE username = ? AND address = ?", [username, address]
        )
        conn.execute(
            "UPDATE accounts SET password_hash = ?, must_change_password = 0 WHERE username = ?",
            [hashed, username],
        )
        conn.execute(
            "DELETE FROM desk_sessions WHERE username = ? AND token_hash != ?",
            [username, hash_secret(keep) if keep else ""],
        )
        audit(conn, username, "password changed")


# -- requests from the kiosks -----------------------------------------------------------------


def help_queue(conn: sqlite3.Connection, limit: int = -1) -> list[dict]:
    """'Ask the reception' requests not closed yet, oldest first (at most ``limit``)."""
    rows = conn.execute(
        "SELECT v.id, v.kiosk, json_extract(v.fields, '$.language'),"
        " json_extract(v.fields, '$.created_at'), v.received_at, s.state, s.handled_by"
        " FROM visitor_records v LEFT JOIN request_states s"
        " ON s.entity = 'help_request' AND s.id = v.id"
        " WHERE v.entity = 'help_request' AND coalesce(s.state, 'new') != 'closed'"
        " ORDER BY v.received_at, v.id LIMIT ?",
        [limit],
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


def close_help_requests(conn: sqlite3.Connection, actor: str, kiosk: str) -> int:
    """Close every open 'ask the reception' request from ``kiosk`` at once; one audit line."""
    with write(conn):
        closed = conn.execute(
            "INSERT INTO request_states (entity, id, state, handled_by, updated_at)"
            " SELECT 'help_request', v.id, 'closed', ?, ? FROM visitor_records v"
            " WHERE v.entity = 'help_request' AND v.kiosk = ?"
            " ON CONFLICT (entity, id) DO UPDATE SET state = 'closed',"
            " handled_by = excluded.handled_by, updated_at = excluded.updated_at"
            " WHERE request_states.state != 'closed'",
            [actor, now_iso(), kiosk],
        ).rowcount
        audit(conn, actor, f"help requests closed: {closed}", kiosk)
    return closed


def take_help_request(conn: sqlite3.Connection, record_id: str, actor: str) -> dict | None:
    """'I'm going': only a request nobody took yet is taken, in one conditional write, so
    two receptionists (or two hub processes) never both walk to the same visitor. Returns
    None when ``actor`` has it now, else who has it: {"state", "handled_by"} ("gone" when
    the request no longer exists)."""
    with write(conn):
        taken = conn.execute(
            "INSERT INTO request_states (entity, id, state, handled_by, updated_at)"
            " SELECT 'help_request', id, 'taken', ?, ? FROM visitor_records"
            " WHERE entity = 'help_request' AND id = ?"
            " ON CONFLICT (entity, id) DO NOTHING",
            [actor, now_iso(), record_id],
        ).rowcount
        if taken:
            audit(conn, actor, "help request: taken", record_id)
            return None
        row = conn.execute(
            "SELECT s.state, s.handled_by FROM visitor_records v LEFT JOIN request_states s"
            " ON s.entity = v.entity AND s.id = v.id"
            " WHERE v.entity = 'help_request' AND v.id = ?",
            [record_id],
        ).fetchone()
    if row is None or row[0] is None:
        return {"state": "gone", "handled_by": ""}
    if row == ("taken", actor):
        return None  # a second click of the same person
    return {"state": row[0], "handled_by": row[1]}


def waiting_count(conn: sqlite3.Connection) -> int:
    """'Ask the reception' requests nobody took or closed yet (the navigation's number)."""
    return conn.execute(
        "SELECT count(*) FROM visitor_records v WHERE v.entity = 'help_request' AND NOT EXISTS"
        " (SELECT 1 FROM request_states s WHERE s.entity = 'help_request' AND s.id = v.id)"
    ).fetchone()[0]


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
             "wish": data.get("wish"), "expires_on": data["expires_on"], "received_at": received,
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
    Quarantined payloads past their days go too. Runs on a schedule in the hub, whether
    anybody is logged in or not; each run also retries the WAL checkpoint that an earlier
    erasure could not finish, so erased details leave hub.db-wal within one run."""
    today_text = (today or datetime.now(UTC).date()).isoformat()
    with write(conn):
        ledger.expire_quarantined_payloads(conn, datetime.now(UTC))
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
        # Take-home lists past their day: their page already says 'gone'; now the rows go.
        lists = conn.execute(
            "DELETE FROM take_home_lists WHERE expires_on < ?", [today_text]
        ).rowcount
        gone = conn.execute(
            "DELETE FROM visitor_records WHERE entity = 'take_home_list'"
            " AND json_extract(fields, '$.expires_on') < ? RETURNING fields",
            [today_text],
        ).fetchall()
        for (fields,) in gone:  # what this DELETE removed, so each list counts once
            keep_figures_of(conn, "take_home_list", fields)
        if lists:
            audit(conn, "hub", f"take-home lists erased: {lists} past their day")
        purge_rate_hits(conn)  # failed logins and enrolments of other days (several processes)
    checkpoint_after_erasure(conn)
    return len(expired)


def parties(conn: sqlite3.Connection) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(visitors, communities) as (id, label): a visitor only as 'kiosk, date' of their
    contact request, never by name; communities by name, in alphabetical order."""
    rows = conn.execute(
        "SELECT id, kiosk, substr(received_at, 1, 10) FROM visitor_records"
        " WHERE entity = 'contact_request' ORDER BY received_at DESC"
    ).fetchall()
    visitors = [(rid, f"{kiosk}, {day}") for rid, kiosk, day in rows]
    communities = [
        (rid, json.loads(data)["name"])
        for rid, data in conn.execute(
            "SELECT id, data FROM shared_records WHERE entity = 'community' AND data IS NOT NULL"
        )
    ]
    return visitors, sorted(communities, key=lambda c: c[1].casefold())


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
        request = contact_request(conn, visitor)
        if request is None:
            raise IntroductionRefused("unknown visitor")
        # The visitor consented to be contacted by the groups they chose, and no others.
        if any(c not in request["communities"] for c in communities):
            raise IntroductionRefused("not_chosen")
    for community in communities:
        if not conn.execute(
            "SELECT 1 FROM shared_records WHERE entity = 'community' AND id = ?"
            " AND data IS NOT NULL",
            [community],
        ).fetchone():
            raise IntroductionRefused("unknown community")
    follow_up = (datetime.now(UTC).date() + timedelta(weeks=weeks)).isoformat()
    with write(conn):
        (rid,) = conn.execute(
            "INSERT INTO introductions (kind, party_a, party_b, note, follow_up_on, made_by,"
            " made_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [kind, party_a, party_b, note.strip(), follow_up, actor, now_iso()],
        ).fetchone()
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

    from sync.hub import group_figures  # the visitor records' counts, tallied as they arrive

    tallied = group_figures.anonymous_counts(conn)
    return {
        "themes": shown(tallied["themes"]),
        "neighbourhoods": shown(tallied["neighbourhoods"]),
        "introductions": shown(conn.execute(
            "SELECT kind, count(*) FROM introductions GROUP BY kind ORDER BY kind")),
        "handled": shown(conn.execute(
            "SELECT state, count(*) FROM request_states GROUP BY state ORDER BY state")),
        "assisted": shown(sorted(tallied["assisted"])),
    }  # fmt: skip
