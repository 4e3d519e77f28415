"""'Count me in' at the hub: the wishes visitors left at a kiosk when a search or the talents
journey found (too) little, grouped as seeds for new groups, and the introduction of the
people behind a group of wishes who left contact details.

A wish arrives as a generic visitor record (entity 'wish'); a visitor who wants to hear more
sends a contact request naming the wish (sealed details, erased after their chosen period
like every contact request). Wishes are grouped by theme, and those with only words by their
words folded as the kiosk's search folds them (case, diacritics, Turkish I/ı): 'Işık' and
'ışık' are one wish. What the desk did with a wish (introduced, dismissed) is in wish_states;
an introduction's invitation and who is to be called are in wish_introductions (ids only).

An introduction sends each person with an e-mail address one mail of their own, in the
language they used at the kiosk: nobody's address is in anyone else's mail. People who left
a phone number are listed for the receptionist to call (their detail opens on the contact
request's own page, audited there).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage

from kiosk.search import words as folded_words
from sync import protocol
from sync.hub import desk_store, keys, mail, taxonomy
from sync.hub.engine import on_postgresql
from sync.hub.i18n import supported, translator
from sync.hub.store import now_iso, write

#: People with contact details a group of wishes needs before the desk can introduce them.
INTRODUCE_AT = 3
INVITATION_MAX = 2000  # characters the receptionist may write
SHOWN_WISHES = 200  # wishes on a group's page at most: a flood must not make it megabytes
READ_AT_MOST = 5000  # unmet wishes read for the overview (a year of a busy hall)


def normalised(words: str) -> str:
    """A wish's words as they are compared: folded like the search's, one space between."""
    return " ".join(folded_words(words or ""))


def group_key(fields: dict) -> str:
    """Wishes with a theme are grouped by it; wishes with only words by their words."""
    if fields.get("theme"):
        return f"theme:{fields['theme']}"
    return f"words:{normalised(fields.get('words') or '')}"


def _labels(conn: sqlite3.Connection, list_name: str, lang: str) -> dict[str, str]:
    terms = taxonomy.current(conn).get(list_name) or []
    return {
        t["slug"]: t["labels"].get(lang) or t["labels"].get("nl") or t["slug"]
        for t in terms
        if isinstance(t, dict) and "slug" in t and isinstance(t.get("labels"), dict)
    }


@dataclass
class WishGroup:
    key: str
    label: str  # the theme's label in the desk's language, or the words as first typed
    theme: str | None
    wishes: list[dict] = field(default_factory=list)  # newest first
    words: list[str] = field(default_factory=list)  # distinct words typed with it
    languages: list[str] = field(default_factory=list)
    neighbourhoods: list[str] = field(default_factory=list)  # labels
    contacts: list[dict] = field(default_factory=list)  # contact requests naming its wishes

    @property
    def newest(self) -> str:
        return self.wishes[0]["received_at"] if self.wishes else ""

    @property
    def emails(self) -> int:
        return sum(1 for c in self.contacts if c["channel"] == "email")

    @property
    def phones(self) -> int:
        return sum(1 for c in self.contacts if c["channel"] == "phone")

    @property
    def can_introduce(self) -> bool:
        return len(self.contacts) >= INTRODUCE_AT


def _unmet(conn: sqlite3.Connection) -> list[dict]:
    # Newest first; within one batch (one received_at) the later record first: the order the
    # rows were written in (PostgreSQL has no rowid; a batch's rows follow each other in ctid).
    written = "v.ctid" if on_postgresql(conn) else "v.rowid"
    rows = conn.execute(
        "SELECT v.id, v.kiosk, v.fields, v.received_at FROM visitor_records v"
        " LEFT JOIN wish_states s ON s.wish_id = v.id"
        " WHERE v.entity = 'wish' AND s.wish_id IS NULL"
        f" ORDER BY v.received_at DESC, {written} DESC LIMIT ?",
        [READ_AT_MOST],
    )
    return [
        {**json.loads(fields), "id": rid, "kiosk": kiosk, "received_at": at}
        for rid, kiosk, fields, at in rows
    ]


def _contacts(conn: sqlite3.Connection) -> dict[str, list[dict]]:
    """Contact requests about a wish, by the wish's id (erased ones are gone from the table)."""
    found: dict[str, list[dict]] = {}
    for rid, fields, at in conn.execute(
        "SELECT id, fields, received_at FROM visitor_records WHERE entity = 'contact_request'"
        " AND json_extract(fields, '$.wish') IS NOT NULL ORDER BY received_at, id"
    ):
        data = json.loads(fields)
        found.setdefault(data["wish"], []).append(
            {"id": rid, "channel": data["channel"], "language": data.get("language"),
             "expires_on": data["expires_on"], "received_at": at, "wish": data["wish"]}
        )  # fmt: skip
    return found


def groups(conn: sqlite3.Connection, lang: str) -> list[WishGroup]:
    """The unmet wishes, grouped, the group with the newest wish first."""
    themes = _labels(conn, "themes", lang)
    places = _labels(conn, "neighbourhoods", lang)
    contacts = _contacts(conn)
    result: dict[str, WishGroup] = {}
    for wish in _unmet(conn):  # newest first
        key = group_key(wish)
        group = result.get(key)
        if group is None:
            theme = wish.get("theme")
            label = themes.get(theme, theme) if theme else (wish.get("words") or "").strip()
            group = result[key] = WishGroup(key, label, theme)
        group.wishes.append(wish)
        words = (wish.get("words") or "").strip()
        if words and words not in group.words:
            group.words.append(words)
        if wish["language"] not in group.languages:
            group.languages.append(wish["language"])
        place = wish.get("neighbourhood")
        if place and places.get(place, place) not in group.neighbourhoods:
            group.neighbourhoods.append(places.get(place, place))
        group.contacts.extend(contacts.get(wish["id"], []))
    for group in result.values():
        group.languages.sort()
        group.neighbourhoods.sort(key=str.casefold)
    return list(result.values())


def group(conn: sqlite3.Connection, key: str, lang: str) -> WishGroup | None:
    return next((g for g in groups(conn, lang) if g.key == key), None)


def label_of_wish(conn: sqlite3.Connection, wish_id: str, lang: str) -> str | None:
    """What a contact request about a wish is about, for the contacts pages: the theme's
    label, or the words. None: the wish is unknown (not arrived yet, or never)."""
    row = conn.execute(
        "SELECT fields FROM visitor_records WHERE entity = 'wish' AND id = ?", [wish_id]
    ).fetchone()
    if row is None:
        return None
    fields = json.loads(row[0])
    theme_label = _labels(conn, "themes", lang).get(fields["theme"]) if fields["theme"] else None
    return " · ".join(x for x in (theme_label or fields["theme"], fields["words"]) if x)


def dismiss(conn: sqlite3.Connection, actor: str, wish_id: str) -> bool:
    """Set a wish aside (spam, or nonsense): it leaves the overview. False: no such wish."""
    with write(conn):
        exists = conn.execute(
            "SELECT 1 FROM visitor_records WHERE entity = 'wish' AND id = ?", [wish_id]
        ).fetchone()
        if not exists:
            return False
        conn.execute(
            "INSERT INTO wish_states (wish_id, state, introduction, handled_by, updated_at)"
            " VALUES (?, 'dismissed', NULL, ?, ?) ON CONFLICT (wish_id) DO NOTHING",
            [wish_id, actor, now_iso()],
        )
        desk_store.audit(conn, actor, "wish dismissed", wish_id)
    return True


class IntroductionRefused(ValueError):
    """Not (or no longer) enough people with contact details behind this group of wishes."""


class MailNotSet(RuntimeError):
    """People would be mailed, but the hub has no mail server: nothing was done."""


@dataclass
class Introduced:
    id: int
    mailed: int
    failed: list[dict]  # {"id": contact request, "why": ...}: mail did not go (no addresses)
    to_call: list[str]  # contact request ids of the people with a phone number


def _detail(data_dir, contact: dict) -> tuple[str, str] | None:
    row_fields = contact["sealed_payload"]
    try:
        return protocol.open_sealed(row_fields, keys.private_key(data_dir))
    except protocol.ProtocolError:
        return None


def invitation_mail(settings: mail.MailSettings, to: str, lang: str, about: str,
                    invitation: str, until: str) -> EmailMessage:  # fmt: skip
    """One person's mail, in their language; the receptionist's invitation as written."""
    from babel.dates import format_date

    lang = supported(lang) or "nl"
    _ = translator(lang)
    try:
        until = format_date(date.fromisoformat(until), "long", locale=lang)
    except ValueError:
        pass
    lines = [
        _("Hello,"),
        "",
        _("At the Ontmoet kiosk in the town hall you said you would join a group: {wish}.").format(
            wish=about
        ),
        _("Others would like the same. The reception wants to bring you together."),
        "",
        invitation.strip(),
        "",
        _("Everyone got this mail on their own: nobody else sees your address."),
        _("You may answer this mail. Your details are erased on {date}.").format(date=until),
        "",
        _("Kind regards,"),
        _("the reception of the town hall"),
    ]
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = mail.valid_mailbox(to)
    message["Reply-To"] = settings.sender
    message["Subject"] = _("An invitation from the reception of the town hall")
    message.set_content("\n".join(lines) + "\n")
    message["Content-Language"] = lang
    return message


def introduce(conn: sqlite3.Connection, hub_state, actor: str, key: str,
              invitation: str) -> Introduced:  # fmt: skip
    """Mail each person with an e-mail address behind group ``key`` the invitation, list
    those with a phone number, and mark the group's wishes introduced."""
    found = group(conn, key, "nl")
    if found is None or not found.can_introduce:
        raise IntroductionRefused(key)
    if not hub_state.mail.configured and any(c["channel"] == "email" for c in found.contacts):
        raise MailNotSet(key)
    themes = {lang: _labels(conn, "themes", lang) for lang in ("nl", "en", "tr", "ar", "pl", "uk")}
    wishes = {w["id"]: w for w in found.wishes}
    mailed, failed, to_call = [], [], []
    for contact in found.contacts:
        if contact["channel"] == "phone":
            to_call.append(contact["id"])
            continue
        request = desk_store.contact_request(conn, contact["id"])
        if request is None:  # erased since the page was read
            continue
        opened = _detail(hub_state.data_dir, request)
        wish = wishes[contact["wish"]]
        lang = supported(contact["language"] or wish["language"]) or "nl"
        if opened is None:
            failed.append({"id": contact["id"], "why": "the sealed details arrived damaged"})
            continue
        about = themes[lang].get(found.theme, found.theme) if found.theme else (wish["words"] or "")
        try:
            message = invitation_mail(hub_state.mail, opened[1], lang, about, invitation,
                                      request["expires_on"])  # fmt: skip
            mail.send(hub_state.mail, message)
        except (mail.MailError, ValueError) as exc:
            failed.append({"id": contact["id"], "why": str(exc)})
            continue
        mailed.append(contact["id"])
    with write(conn):
        intro_id = conn.execute(
            "INSERT INTO wish_introductions (group_key, label, invitation, mailed, failed,"
            " to_call, made_by, made_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [key, found.label, invitation.strip(), len(mailed), json.dumps(failed),
             json.dumps(to_call), actor, now_iso()],
        ).fetchone()[0]  # fmt: skip
        conn.executemany(
            "INSERT INTO wish_states (wish_id, state, introduction, handled_by, updated_at)"
            " VALUES (?, 'introduced', ?, ?, ?) ON CONFLICT (wish_id) DO NOTHING",
            [(wid, intro_id, actor, now_iso()) for wid in wishes],
        )
        desk_store.audit(conn, actor, f"wishes introduced: {len(wishes)}, mailed {len(mailed)},"
                         f" to call {len(to_call)}", key[:80])  # fmt: skip
    for rid in mailed:
        desk_store.set_state(conn, "contact_request", rid, "delivered_by_email", actor)
    return Introduced(intro_id, len(mailed), failed, to_call)


def introduction(conn: sqlite3.Connection, intro_id: int) -> dict | None:
    row = conn.execute(
        "SELECT id, label, invitation, mailed, failed, to_call, made_by, made_at"
        " FROM wish_introductions WHERE id = ?",
        [intro_id],
    ).fetchone()
    if row is None:
        return None
    rid, label, invitation, mailed, failed, to_call, by, at = row
    calls = []
    for request_id in json.loads(to_call):
        request = desk_store.contact_request(conn, request_id)
        calls.append({"id": request_id, "expires_on": request["expires_on"] if request else None,
                      "language": (request or {}).get("language")})  # fmt: skip
    return {"id": rid, "label": label, "invitation": invitation, "mailed": mailed,
            "failed": json.loads(failed), "calls": calls, "made_by": by, "made_at": at}  # fmt: skip


def introductions(conn: sqlite3.Connection, limit: int = 20) -> list[dict]:
    rows = conn.execute(
        "SELECT id, label, mailed, to_call, made_by, made_at FROM wish_introductions"
        " ORDER BY id DESC LIMIT ?",
        [limit],
    )
    return [
        {"id": i, "label": label, "mailed": mailed, "to_call": len(json.loads(calls)),
         "made_by": by, "made_at": at}
        for i, label, mailed, calls, by, at in rows
    ]  # fmt: skip
