"""The mails of an introduction, worded for each side in its own language: the introduction
itself (sync.hub.introductions decides who gets one) and the follow-up question. Each carries
only what its reader may know: a visitor a group's public contact, never its mailbox; a group
the detail of a visitor who asked to be contacted by it; nobody another visitor's detail."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path

from markupsafe import Markup

from sync import protocol
from sync.hub import desk_store, keys, mail
from sync.hub import store as hub_store
from sync.hub.i18n import N_, translator

ANSWERS = {"yes": N_("Yes"), "not_yet": N_("Not yet"), "no": N_("No")}


class Unreachable(Exception):
    """This side cannot be mailed; the code (PROBLEMS) says why."""


@dataclass(frozen=True)
class Post:
    """What sending needs besides the store: the SMTP settings, the hub's folder (its private
    key opens a visitor's detail) and the address links start with ('' for none)."""

    mail: mail.MailSettings
    data_dir: Path
    base: str

    @classmethod
    def of(cls, state, base: str | None = None) -> Post:
        return cls(state.mail, Path(state.data_dir), (base or state.public_url).rstrip("/"))


def name_of(conn: sqlite3.Connection, community_id: str) -> str:
    record = hub_store.shared_record(conn, "community", community_id)
    return record["name"] if record else "—"


def visitor_detail(conn: sqlite3.Connection, post: Post, request_id: str) -> tuple[dict, str, str]:
    request = desk_store.contact_request(conn, request_id)
    if request is None:
        raise Unreachable("consent_ended")
    try:
        channel, value = protocol.open_sealed(request["sealed_payload"],
                                              keys.private_key(post.data_dir))  # fmt: skip
    except protocol.ProtocolError:
        raise Unreachable("unreadable") from None
    return request, channel, value


def address_of(conn: sqlite3.Connection, post: Post, party: dict) -> str:
    if party["role"] == "community":
        address = desk_store.mailbox(conn, party["party"])
        if not address:
            raise Unreachable("no_mailbox")
        return address
    if party["role"] != "visitor":
        raise Unreachable("in_person")
    _request, channel, value = visitor_detail(conn, post, party["party"])
    if channel != "email":
        raise Unreachable("phone")
    return value


def public_contact(conn: sqlite3.Connection, post: Post, community_id: str,
                   lang: str) -> list[str]:  # fmt: skip
    """How anyone may reach a group: what it published itself (its contact text, its website,
    its page), in ``lang`` where it wrote that; empty when it published nothing."""
    from sync.hub.pages import localised, said_in

    _ = translator(lang)
    record = hub_store.shared_record(conn, "community", community_id) or {}
    lines = []
    text = localised(record.get("contact") or {}, lang)
    if text["text"].strip():
        lines.append(said_in(text, lang))
    if record.get("join_url"):
        lines.append(_("Website: {url}").format(url=record["join_url"]))
    if lines and post.base and record:
        lines.append(_("Their page: {url}").format(url=f"{post.base}/c/{community_id}?lang={lang}"))
    return lines


def _how_to_reach(conn: sqlite3.Connection, post: Post, community_id: str,
                  lang: str) -> tuple[list[str], bool]:  # fmt: skip
    """The lines about reaching a group, and whether answers go through the reception."""
    _ = translator(lang)
    name = name_of(conn, community_id)
    published = public_contact(conn, post, community_id, lang)
    if published:
        return [_("How to reach {community}:").format(community=name), *published], False
    return [_("{community} has not published contact details. Reply to this e-mail: the "
              "reception passes your message on.").format(community=name)], True  # fmt: skip


def introduction_message(conn: sqlite3.Connection, post: Post, intro: dict,
                         party: dict) -> EmailMessage:  # fmt: skip
    """The introduction mail to one side (raises Unreachable when there is no address)."""
    to = address_of(conn, post, party)
    lang = party["language"]
    _ = translator(lang)
    other = intro["party_b"] if party["side"] == "a" else intro["party_a"]
    note = (
        [_("A note from the reception: {note}").format(note=intro["note"])] if intro["note"] else []
    )
    via_reception = False
    if party["role"] == "visitor":
        group = name_of(conn, other)
        request = desk_store.contact_request(conn, party["party"])
        reach, via_reception = _how_to_reach(conn, post, other, lang)
        lines = [_("Hello,"), "",
                 _("At the Ontmoet kiosk you asked {community} to contact you. The reception "
                   "has passed your question on.").format(community=group),
                 *note, "", *reach, "",
                 _("You agreed to be contacted until {date}. You can withdraw this with the "
                   "receipt from the kiosk.").format(
                     date=_long(request["expires_on"], lang))]  # fmt: skip
        subject = _("The reception introduces you to {community}").format(community=group)
    elif intro["kind"] == "visitor_community":
        name = name_of(conn, party["party"])
        request, channel, value = visitor_detail(conn, post, other)
        lines = [_("Dear {community},").format(community=name), "",
                 _("At the Ontmoet kiosk in the town hall, someone asked you to contact them."),
                 *note, "",
                 *mail.visitor_lines(lang, channel, value, request["expires_on"],
                                     request.get("language"))]  # fmt: skip
        subject = _("The reception introduces you to a visitor")
    else:
        name, group = name_of(conn, party["party"]), name_of(conn, other)
        reach, via_reception = _how_to_reach(conn, post, other, lang)
        lines = [_("Dear {community},").format(community=name), "",
                 _("The reception of the town hall would like you to meet {community}.").format(
                     community=group),
                 *note, "", *reach]  # fmt: skip
        subject = _("The reception introduces you to {community}").format(community=group)
    lines += ["", _("On {date} we will ask you whether it led to something.").format(
        date=_long(intro["follow_up_on"], lang))]  # fmt: skip
    return mail.reception_mail(post.mail, to, lang, subject, lines, via_reception)


def _long(day: str, lang: str) -> str:
    from babel.dates import format_date

    try:
        return format_date(date.fromisoformat(day), "long", locale=lang)
    except ValueError:
        return day


def _greeting(conn: sqlite3.Connection, party: dict) -> str:
    _ = translator(party["language"])
    if party["role"] == "community":
        return _("Dear {community},").format(community=name_of(conn, party["party"]))
    return _("Hello,")


def introduced_to(conn: sqlite3.Connection, intro: dict, party: dict, lang: str,
                  html: bool = False) -> str:  # fmt: skip
    """'On 3 December the reception introduced you to X' for this side; with ``html`` as
    markup, the group's name isolated (a Latin name in an Arabic sentence keeps its place)."""
    _ = translator(lang)
    other = intro["party_b"] if party["side"] == "a" else intro["party_a"]
    day = _long(intro["made_at"][:10], lang)
    if intro["kind"] == "visitor_community" and party["role"] == "community":
        return _("On {date} the reception introduced you to a visitor.").format(date=day)
    sentence, name = (
        _("On {date} the reception introduced you to {community}."),
        name_of(conn, other),
    )
    if html:
        return Markup.escape(sentence).format(
            date=day, community=Markup("<bdi>{}</bdi>").format(name)
        )
    return sentence.format(date=day, community=name)


def follow_up_message(conn: sqlite3.Connection, post: Post, intro: dict, party: dict,
                      token: str, expires: datetime) -> EmailMessage:  # fmt: skip
    to = address_of(conn, post, party)
    lang = party["language"]
    _ = translator(lang)
    link = f"{post.base}/i/{token}?lang={lang}&answer="
    lines = [_greeting(conn, party), "", introduced_to(conn, intro, party, lang),
             _("Did it lead to something? Click your answer:"), "",
             *(f"{_(label)}: {link}{code}" for code, label in ANSWERS.items()), "",
             _("The links work until {date}.").format(
                 date=_long(expires.date().isoformat(), lang))]  # fmt: skip
    subject = _("Did it lead to something?")
    return mail.reception_mail(post.mail, to, lang, subject, lines)
