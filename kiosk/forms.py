"""What the visit's forms decide, without Kivy: the steps of each stepped form, what a step
needs before the next, and what is stored when a form is done.

Every record is stored through kiosk.visitor_records (and so the outbox) with the id it got
when its form opened (SYNC.md rule 1): storing again — a double tap, 'back' and 'show' once
more, a retry — stores nothing twice. Screens show the steps and call these; they decide
nothing themselves (DESIGN.md: screens are thin).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.i18n import _
from kiosk.session import ContactForm, VisitorSession
from kiosk.store import Store
from kiosk.visitor_records import (
    new_record_id,
    new_token,
    record_contact_request,
    record_help_request,
    record_interest,
    record_introduction,
    record_take_home_list,
)
from sync.protocol import INTRODUCTION_COMMUNITIES

CONTACT_STEPS = ("who", "how", "consent", "receipt")
INTRODUCTION_STEPS = ("kind", "who", "note", "done")
INTRODUCTION_KINDS = ("visitor_community", "community_community", "visitor_visitor")
FOLLOW_UP_WEEKS = (2, 4, 8)
AGREED = ("first_agrees", "second_agrees")  # both visitors, asked there and then


# -- the visitor's own records ----------------------------------------------------------------


def store_choices(store: Store, session: VisitorSession, lang: str, kiosk: str) -> None:
    """The visitor's talents as an interest registration. One record per set of choices:
    showing the same choices again (back, then 'show' once more, or a double tap) reuses its
    id; other choices are a new record (records are insert-only)."""
    choices = (tuple(sorted(session.liked_themes)), tuple(sorted(session.gifts)),
               session.home_area)  # fmt: skip
    if session.interest is None or session.interest[1] != choices:
        session.interest = (new_record_id(), choices)
    themes, gifts, area = choices
    record_interest(store, session.interest[0], themes, gifts, area, lang, kiosk,
                    assisted=session.assisted)  # fmt: skip


def store_take_home_list(store: Store, session: VisitorSession, lang: str) -> str:
    """The visitor's list to take home; returns the token its QR code carries. A list changed
    since its code was made is a new list, with a new id and token."""
    kept = tuple(session.kept)
    if session.take_home is None or session.take_home[2] != kept:
        session.take_home = (new_record_id(), new_token(), kept)
    record_id, token, _kept = session.take_home
    record_take_home_list(store, record_id, token, kept, lang)
    return token


def ask_for_help(store: Store, session: VisitorSession, lang: str, kiosk: str) -> None:
    """'Ask the reception': one request per visitor, however often tapped."""
    if session.help_id is None:
        session.help_id = new_record_id()
    record_help_request(store, session.help_id, lang, kiosk)


# -- 'I'd like to meet them' ------------------------------------------------------------------


def contact_problem(form: ContactForm, step: str) -> str:
    """Why the contact form cannot go on from ``step`` ('' when it can). The typed detail is
    checked where it is sealed (kiosk.contact), the moment the visitor taps 'Next'."""
    if step == "who" and not form.communities:
        return _("Choose at least one group.")
    return ""


def send_contact_request(store: Store, session: VisitorSession) -> None:
    """The visitor agreed: their request, with the detail already sealed, is stored once."""
    form = session.contact
    record_contact_request(store, form.record_id, form.communities, form.channel, form.sealed,
                           form.days, form.receipt_token, assisted=session.assisted,
                           language=session.language, wish=form.wish)  # fmt: skip
    form.sent = True


# -- receptionist mode: an introduction -------------------------------------------------------


@dataclass
class IntroductionForm:
    """An introduction while a receptionist fills it in. A visitor is never named: the kind
    says a visitor at this kiosk took part."""

    record_id: str = field(default_factory=new_record_id)  # made when the form opens
    kind: str = INTRODUCTION_KINDS[0]
    chosen: list[str] = field(default_factory=list)  # communities
    agreed: set[str] = field(default_factory=set)  # AGREED, for two visitors
    weeks: int = 4  # when the desk asks how it went

    def choose_kind(self, kind: str) -> None:
        if kind not in INTRODUCTION_KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        if kind != self.kind:
            self.kind, self.chosen = kind, []

    def who_problem(self) -> str:
        """Why the 'who' step cannot go on ('' when it can): two visitors only when both said
        yes; otherwise as many groups as the kind takes."""
        if self.kind == "visitor_visitor":
            if self.agreed != set(AGREED):
                return _("Both visitors must agree. Without that, nothing is recorded.")
            return ""
        wanted = INTRODUCTION_COMMUNITIES[self.kind]
        if len(self.chosen) != wanted:
            return _("Choose one group.") if wanted == 1 else _("Choose two groups.")
        return ""

    def store(self, store: Store, note: str, kiosk: str) -> None:
        """Stored once, whatever the number of taps."""
        communities = self.chosen if self.kind != "visitor_visitor" else []
        record_introduction(store, self.record_id, self.kind, communities, note, self.weeks,
                            kiosk, both_agreed=self.agreed == set(AGREED))  # fmt: skip


# -- 'Is your group not here?': a visitor's tip -----------------------------------------------

TIP_STEPS = ("start", "name", "note", "sent")


def tip_problem(name: str, note: str = "") -> str:
    """Why the tip cannot be sent as typed ('' when it can): the hub's own rules for a tip
    (sync.protocol: a name, a few words, no e-mail address or telephone number)."""
    from sync.protocol import RECORD_FIELDS, ProtocolError

    rules = RECORD_FIELDS["group_tip"]
    if not name.strip():
        return _("Type the name of the group.")
    try:
        rules["name"]("name", name.strip())
        if note.strip():
            rules["note"]("note", note.strip())
    except ProtocolError as exc:
        if "e-mail" in str(exc):
            return _("No e-mail addresses or telephone numbers, please: only the group.")
        return _("That is too long, or holds a sign that cannot be sent.")
    return ""


def send_group_tip(store: Store, record_id: str, name: str, note: str, lang: str,
                   kiosk: str) -> bool:  # fmt: skip
    """Queue the tip once (its id was made when the form opened): False when it was queued
    already. Nothing about the visitor goes with it."""
    from kiosk import outbox
    from kiosk.store import utcnow

    fields = {"id": record_id, "name": name.strip(), "language": lang, "kiosk": kiosk,
              "created_at": utcnow()}  # fmt: skip
    if note.strip():
        fields["note"] = note.strip()
    return outbox.add(store, "group_tip", record_id, fields)
