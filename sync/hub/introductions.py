"""Introductions that reach people: each side of an introduction gets an e-mail in its own
language with the reception's note and how to reach the other side (only what that side chose
to share), and on the follow-up date a one-click question "did it lead to something?".

Who gets what:
- A group: at its mailbox at the hub (kept by the desk, never shown to anyone else), in
  mail.group_language. About a visitor it gets the visitor's detail: the visitor agreed to be
  contacted by the groups they chose (desk_store.make_introduction refuses others).
- A visitor (a contact request): in the language they used at the kiosk, the group's *public*
  contact text, website and page, never its mailbox. A visitor who left a phone number gets no
  mail: the desk calls them (the number opened on request, audited).
- Two groups: each the other's public contact details. A group that published none is
  reached through the reception: the mail says so, and its Reply-To is the hub's sender (the
  reception's mailbox), whose people pass the message on to the group's private mailbox. The
  mailbox stays private until the group answers itself.
- Introductions made at a kiosk in receptionist mode (sync.hub.store): the visitors were there
  in person, anonymous, and saw the group's details on the kiosk; there is nothing to pass on
  to or about them. Only the two groups of a group-group introduction are mailed.

The mails' words are in sync.hub.introduction_mail; the answer page in
sync.hub.introduction_page. Each side is a row of introduction_parties. A sender claims a row
in a write transaction (mailed_at, follow_up_at) before it mails, as sync.hub.alerts does:
the desk's request, the hub's background loop and several hub processes never mail a side
twice. A failed send gives its claim back and is tried again later (RETRY_MINUTES, doubling,
MAX_TRIES times), and the desk sees why a side was not reached and can try again.

The follow-up link is a GET that shows the question with the answer pre-chosen and changes
nothing (mail scanners open links), and a POST that records it once. The token is random and
kept only as its SHA-256; the form carries a value bound to the link by a key of this hub
(a bare POST that never saw the page is refused), and a browser's cross-site POST is refused
by its Sec-Fetch-Site. No cookie is involved, so there is no session to ride.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import sqlite3
from datetime import UTC, datetime, timedelta

from sync.hub import desk_store, mail
from sync.hub import store as hub_store
from sync.hub.i18n import N_, supported
from sync.hub.introduction_mail import (  # noqa: F401  (ANSWERS, Post: the desk's and tests')
    ANSWERS,
    Post,
    Unreachable,
    follow_up_message,
    introduced_to,
    introduction_message,
    name_of,
    public_contact,
    visitor_detail,
)

log = logging.getLogger("ontmoet.hub")

LINK_DAYS = 60  # an answer link works this long after its follow-up mail
RETRY_MINUTES = 10  # a failed send waits this long, doubled for every failure since
MAX_TRIES = 5  # then the desk tries again by hand
#: Why a side was not mailed, as the desk reads it.
PROBLEMS = {
    "no_mailbox": N_("no e-mail address known for this group"),
    "phone": N_("left a phone number: call them"),
    "consent_ended": N_("the visitor's consent has ended"),
    "unreadable": N_("the visitor's details cannot be opened"),
    "in_person": N_("met in person at the kiosk: nothing to send"),
    "send_failed": N_("sending failed"),
}
#: Problems the desk can solve (the others are how it should be).
UNREACHABLE = ("no_mailbox", "phone", "unreadable", "send_failed")
GUESSES_PER_MINUTE = 30  # wrong answer links per address


def outcome_of(answers: list[str]) -> str:
    """The rule the answer page states: one yes from either side means it led to something;
    else a 'not yet' means not yet; only noes mean nothing."""
    if "yes" in answers:
        return "led_to_something"
    if "not_yet" in answers:
        return "not_yet"
    return "nothing" if answers else "open"


def _stamp(now: datetime) -> str:
    return now.isoformat(timespec="seconds")


# -- who the sides are ------------------------------------------------------------------------


def _side(conn: sqlite3.Connection, intro: dict, party: str) -> tuple[str, str, str | None]:
    """(role, language, problem) of one side when the introduction is recorded."""
    if party.startswith(hub_store.KIOSK_VISITOR):
        return "kiosk_visitor", "nl", "in_person"
    if intro["kind"] == "visitor_community" and party == intro["party_a"]:
        request = desk_store.contact_request(conn, party)
        if request is None:
            return "visitor", "nl", "consent_ended"
        lang = supported(request.get("language")) or "nl"
        return "visitor", lang, "phone" if request["channel"] == "phone" else None
    record = hub_store.shared_record(conn, "community", party) or {}
    problem = None if desk_store.mailbox(conn, party) else "no_mailbox"
    if intro["made_by"].startswith("kiosk ") and intro["kind"] != "community_community":
        problem = "in_person"  # the visitor saw the group's details there and then
    return "community", mail.group_language(record), problem


def plan(conn: sqlite3.Connection, rid: int | None = None) -> None:
    """The sides of introductions recorded since this hub mails them (one, or all that have
    none yet: those made at kiosks arrive with a sync)."""
    first = int(hub_store.meta(conn, "introduction_mail_from"))
    with hub_store.write(conn):
        only = " AND id = ?" if rid is not None else ""
        rows = conn.execute(
            f"SELECT * FROM introductions i WHERE id >= ?{only} AND NOT"
            " EXISTS (SELECT 1 FROM introduction_parties p WHERE p.introduction_id = i.id)",
            [first] if rid is None else [first, rid],
        )
        columns = [d[0] for d in rows.description]
        for intro in [dict(zip(columns, row, strict=True)) for row in rows.fetchall()]:
            sides = [("a", intro["party_a"]), ("b", intro["party_b"])]
            for side, party in sides[: 1 if intro["party_a"] == intro["party_b"] else 2]:
                role, lang, problem = _side(conn, intro, party)
                conn.execute(
                    "INSERT INTO introduction_parties (introduction_id, side, party, role,"
                    " language, problem) VALUES (?, ?, ?, ?, ?, ?)",
                    [intro["id"], side, party, role, lang, problem],
                )


# -- sending ----------------------------------------------------------------------------------


def introduction(conn: sqlite3.Connection, rid: int) -> dict:
    cursor = conn.execute("SELECT * FROM introductions WHERE id = ?", [rid])
    return dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))


def _rows(cursor: sqlite3.Cursor) -> list[dict]:
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _failed(conn: sqlite3.Connection, party: dict, problem: str, now: datetime,
            column: str) -> None:  # fmt: skip
    """Give a claim back: the desk sees why; a failed send is tried again later."""
    tries = party["tries"] + 1
    again = None
    if problem == "send_failed" and tries < MAX_TRIES:
        again = _stamp(now + timedelta(minutes=RETRY_MINUTES * 2 ** (tries - 1)))
    stamp, problem_column = ("mailed_at", "problem") if column == "mailed_at" else (
        "follow_up_at", "follow_up_problem")  # fmt: skip
    with hub_store.write(conn):
        conn.execute(
            f"UPDATE introduction_parties SET {stamp} = NULL, {problem_column} = ?, tries = ?,"
            " retry_after = ?, token_hash = CASE WHEN ? = 'follow_up_at' THEN NULL"
            " ELSE token_hash END WHERE introduction_id = ? AND side = ?",
            [problem, tries if problem == "send_failed" else 0, again, column,
             party["introduction_id"], party["side"]],
        )  # fmt: skip


def send_introductions(conn: sqlite3.Connection, post: Post, rid: int | None = None,
                       now: datetime | None = None) -> int:  # fmt: skip
    """Mail the sides whose introduction mail is due (of one introduction, or all); returns
    how many went. Without an SMTP server nothing is claimed: they wait (and the desk says
    why)."""
    plan(conn, rid)
    if not post.mail.configured:
        return 0
    now = now or datetime.now(UTC)
    with hub_store.write(conn):
        only = " AND introduction_id = ?" if rid is not None else ""
        claimed = _rows(conn.execute(
            "UPDATE introduction_parties SET mailed_at = ? WHERE mailed_at IS NULL"
            f" AND (problem IS NULL OR (problem = 'send_failed' AND retry_after <= ?)){only}"
            " RETURNING *",
            [_stamp(now), _stamp(now), *([] if rid is None else [rid])]))  # fmt: skip
    sent = 0
    for party in claimed:
        intro = introduction(conn, party["introduction_id"])
        try:
            mail.send(post.mail, introduction_message(conn, post, intro, party))
        except Unreachable as why:
            _failed(conn, party, str(why), now, "mailed_at")
            continue
        except (mail.MailError, ValueError) as exc:
            log.warning("introduction %s, side %s: not mailed: %s", intro["id"], party["side"], exc)
            _failed(conn, party, "send_failed", now, "mailed_at")
            continue
        with hub_store.write(conn):
            conn.execute(
                "UPDATE introduction_parties SET problem = NULL, tries = 0, retry_after = NULL"
                " WHERE introduction_id = ? AND side = ?",
                [intro["id"], party["side"]])  # fmt: skip
            hub_store.audit(conn, "hub", f"introduction mailed (side {party['side']})",
                            str(intro["id"]))  # fmt: skip
        sent += 1
    return sent


def send_follow_ups(conn: sqlite3.Connection, post: Post, now: datetime | None = None) -> int:
    """On (or after) an open introduction's follow-up date, each side that got the
    introduction mail gets the question once. Needs a public address: the links must work
    on a phone."""
    if not post.mail.configured or not post.base:
        return 0
    now = now or datetime.now(UTC)
    expires = now + timedelta(days=LINK_DAYS)
    tokens: dict[tuple[int, str], str] = {}
    with hub_store.write(conn):
        due = _rows(conn.execute(
            "SELECT p.* FROM introduction_parties p JOIN introductions i"
            " ON i.id = p.introduction_id WHERE p.mailed_at IS NOT NULL"
            " AND p.follow_up_at IS NULL AND i.outcome = 'open' AND i.follow_up_on <= ?"
            " AND (p.follow_up_problem IS NULL OR (p.follow_up_problem = 'send_failed'"
            " AND p.retry_after <= ?))",
            [now.date().isoformat(), _stamp(now)]))  # fmt: skip
        for party in due:
            token = secrets.token_urlsafe(32)
            tokens[party["introduction_id"], party["side"]] = token
            conn.execute(
                "UPDATE introduction_parties SET follow_up_at = ?, token_hash = ?,"
                " expires_at = ? WHERE introduction_id = ? AND side = ?",
                [_stamp(now), hub_store.hash_secret(token), _stamp(expires),
                 party["introduction_id"], party["side"]])  # fmt: skip
    sent = 0
    for party in due:
        intro = introduction(conn, party["introduction_id"])
        token = tokens[party["introduction_id"], party["side"]]
        try:
            mail.send(post.mail, follow_up_message(conn, post, intro, party, token, expires))
        except Unreachable as why:
            _failed(conn, party, str(why), now, "follow_up_at")
            continue
        except (mail.MailError, ValueError) as exc:
            log.warning("introduction %s, side %s: follow-up not mailed: %s", intro["id"],
                        party["side"], exc)  # fmt: skip
            _failed(conn, party, "send_failed", now, "follow_up_at")
            continue
        with hub_store.write(conn):
            conn.execute(
                "UPDATE introduction_parties SET follow_up_problem = NULL, tries = 0,"
                " retry_after = NULL WHERE introduction_id = ? AND side = ?",
                [intro["id"], party["side"]])  # fmt: skip
            hub_store.audit(conn, "hub", f"introduction follow-up mailed (side {party['side']})",
                            str(intro["id"]))  # fmt: skip
        sent += 1
    return sent


def run_safely(state) -> None:
    """For the hub's background loop: the introductions made at kiosks, failed sends whose
    time came, and the follow-ups due. A failure is logged; the next round tries again."""
    try:
        post = Post.of(state)
        send_introductions(state.hub.conn, post)
        send_follow_ups(state.hub.conn, post)
    except Exception:
        log.exception("introduction mail failed; tries again")


# -- at the desk ------------------------------------------------------------------------------


def sides(conn: sqlite3.Connection) -> dict[int, list[dict]]:
    """Every introduction's sides, by introduction id."""
    found: dict[int, list[dict]] = {}
    for party in _rows(conn.execute(
        "SELECT * FROM introduction_parties ORDER BY introduction_id, side")):  # fmt: skip
        found.setdefault(party["introduction_id"], []).append(party)
    return found


def summary(items: list[dict]) -> dict[str, int]:
    """What the desk's introductions page counts: follow-ups due, introductions answered,
    sides the desk still has to reach."""
    return {
        "due": sum(1 for i in items if i["due"]),
        "answered": sum(1 for i in items if any(p["answer"] for p in i["sides"])),
        "unreachable": sum(1 for i in items for p in i["sides"] if p["needs_desk"]),
    }


def desk_side(party: dict, mail_configured: bool) -> dict:
    """One side as the desk's page shows it."""
    problem = party["problem"]
    return {
        **party,
        "waiting": party["mailed_at"] is None and problem is None,
        "no_server": not mail_configured and party["mailed_at"] is None and problem is None,
        "needs_desk": (problem in UNREACHABLE and not (problem == "phone" and party["called_at"]))
        or party["follow_up_problem"] in UNREACHABLE,
    }


def side_of(conn: sqlite3.Connection, rid: int, side: str) -> dict | None:
    found = _rows(conn.execute(
        "SELECT * FROM introduction_parties WHERE introduction_id = ? AND side = ?",
        [rid, side]))  # fmt: skip
    return found[0] if found else None


def retry(conn: sqlite3.Connection, post: Post, actor: str, rid: int, side: str) -> bool:
    """Try a side again now (a mailbox was set, the mail server is back); a follow-up that
    failed goes with the hub's next round (its links need the public address). False: no
    such side, or nothing of it to try again."""
    party = side_of(conn, rid, side)
    if party is None or party["role"] == "kiosk_visitor":
        return False
    if party["mailed_at"]:
        if party["follow_up_problem"] != "send_failed" or party["follow_up_at"]:
            return False
        with hub_store.write(conn):
            conn.execute(
                "UPDATE introduction_parties SET tries = 0, retry_after = ?"
                " WHERE introduction_id = ? AND side = ?",
                [hub_store.now_iso(), rid, side])  # fmt: skip
            hub_store.audit(conn, actor, f"introduction: side {side} follow-up again", str(rid))
        return True
    role, _lang, problem = _side(conn, introduction(conn, rid), party["party"])
    with hub_store.write(conn):
        conn.execute(
            "UPDATE introduction_parties SET problem = ?, tries = 0, retry_after = NULL"
            " WHERE introduction_id = ? AND side = ? AND mailed_at IS NULL",
            [problem, rid, side])  # fmt: skip
        hub_store.audit(conn, actor, f"introduction: side {side} tried again", str(rid))
    send_introductions(conn, post, rid)
    return True


def phone_number(conn: sqlite3.Connection, post: Post, actor: str, rid: int, side: str,
                 lang: str) -> dict | None:  # fmt: skip
    """A visitor's phone number, opened for the receptionist who calls them (audited), with
    what to tell them; None when this side is no visitor with a number (any more)."""
    party = side_of(conn, rid, side)
    if party is None or party["role"] != "visitor" or party["problem"] != "phone":
        return None
    try:
        request, channel, value = visitor_detail(conn, post, party["party"])
    except Unreachable:
        return None
    if channel != "phone":
        return None
    with hub_store.write(conn):
        hub_store.audit(conn, actor, "introduction: visitor's number opened", str(rid))
    intro = introduction(conn, rid)
    other = intro["party_b"]
    return {"number": value, "language": supported(request.get("language")), "intro": intro,
            "group": name_of(conn, other),
            "reach": public_contact(conn, post, other, lang)}  # fmt: skip


def called(conn: sqlite3.Connection, actor: str, rid: int, side: str) -> bool:
    with hub_store.write(conn):
        done = conn.execute(
            "UPDATE introduction_parties SET called_at = ? WHERE introduction_id = ?"
            " AND side = ? AND role = 'visitor' AND problem = 'phone'",
            [hub_store.now_iso(), rid, side]).rowcount  # fmt: skip
        if done:
            hub_store.audit(conn, actor, f"introduction: side {side} called", str(rid))
    return bool(done)


def set_outcome(conn: sqlite3.Connection, actor: str, rid: int, outcome: str) -> None:
    """The desk sets the outcome by hand, and from then on the answers no longer change it;
    'open' gives it back to the answers."""
    desk_store.follow_up(conn, actor, rid, outcome)
    with hub_store.write(conn):
        conn.execute("UPDATE introductions SET outcome_by = ? WHERE id = ?",
                     [None if outcome == "open" else "desk", rid])  # fmt: skip
        if outcome == "open":
            _outcome_from_answers(conn, rid)


def _outcome_from_answers(conn: sqlite3.Connection, rid: int) -> None:
    """Inside a write transaction: the outcome the answers give, unless the desk set one."""
    answers = [a for (a,) in conn.execute(
        "SELECT answer FROM introduction_parties WHERE introduction_id = ?"
        " AND answer IS NOT NULL", [rid])]  # fmt: skip
    conn.execute(
        "UPDATE introductions SET outcome = ? WHERE id = ? AND outcome_by IS NULL",
        [outcome_of(answers), rid],
    )


# -- the answer -------------------------------------------------------------------------------


def link_party(conn: sqlite3.Connection, token: str) -> dict | None:
    """The side an answer link belongs to (expired or not), or None."""
    if not token or len(token) > 64:
        return None
    found = _rows(conn.execute("SELECT * FROM introduction_parties WHERE token_hash = ?",
                               [hub_store.hash_secret(token)]))  # fmt: skip
    return found[0] if found else None


def expired(party: dict, now: datetime | None = None) -> bool:
    return party["expires_at"] < _stamp(now or datetime.now(UTC))


def record_answer(conn: sqlite3.Connection, token: str, answer: str,
                  now: datetime | None = None) -> str:  # fmt: skip
    """Record a side's answer once: 'recorded', 'already', 'expired' or 'unknown'."""
    if answer not in ANSWERS:
        return "unknown"
    now = now or datetime.now(UTC)
    with hub_store.write(conn):
        row = conn.execute(
            "UPDATE introduction_parties SET answer = ?, answered_at = ? WHERE token_hash = ?"
            " AND answer IS NULL AND expires_at >= ? RETURNING introduction_id, side",
            [answer, _stamp(now), hub_store.hash_secret(token), _stamp(now)],
        ).fetchone()
        if row:
            _outcome_from_answers(conn, row[0])
            hub_store.audit(conn, f"side {row[1]}", f"introduction answered: "
                            f"{answer.replace('_', ' ')}", str(row[0]))  # fmt: skip
            return "recorded"
    party = link_party(conn, token)
    if party is None:
        return "unknown"
    return "already" if party["answer"] else "expired"


def form_check(conn: sqlite3.Connection, token: str) -> str:
    """The value an answer page's form carries: bound to its link by this hub's key."""
    key = hub_store.meta(conn, "answer_form_key").encode()
    return hmac.new(key, hub_store.hash_secret(token).encode(), hashlib.sha256).hexdigest()[:32]
