"""'Count me in': when a search or the talents journey finds nothing or too little, the
visitor can say they would join such a group, with a theme and/or a few words. Anonymous: the
words are checked against the hub's own rules (no e-mail address or telephone number in them),
and the record is queued once, with the id it got when its form opened (SYNC.md rule 1). A
visitor who also wants to be contacted goes on to the contact form, which then names the wish.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.i18n import _
from kiosk.session import VisitorSession
from kiosk.store import Store
from kiosk.visitor_records import new_record_id, record_wish

#: Fewer groups found than this is 'too little': the visitor is offered 'I'd join this'.
TOO_LITTLE = 3
#: A search needs this many letters before a few results count as too little: two letters
#: typed are not yet a wish.
MIN_QUERY = 3
WORDS_MAX = 120  # as the protocol's rule for a wish's words
SOURCES = ("search", "talents")


def offer_after_search(query: str, found: int) -> bool:
    """Is 'I'd join this' offered under a search for ``query`` that found ``found`` groups?"""
    return len(query.strip()) >= MIN_QUERY and found < TOO_LITTLE


def offer_after_talents(found: int) -> bool:
    return found < TOO_LITTLE


@dataclass
class WishForm:
    """A wish while the visitor confirms it. ``themes`` are those the visitor may pick one
    of (from the talents journey); the gifts and neighbourhood come from the session."""

    source: str
    themes: list[str] = field(default_factory=list)
    theme: str | None = None
    words: str = ""
    gifts: list[str] = field(default_factory=list)
    neighbourhood: str | None = None
    record_id: str = field(default_factory=new_record_id)  # made when the form opens
    sent: bool = False

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"unknown source {self.source!r}")
        if self.theme is None and len(self.themes) == 1:
            self.theme = self.themes[0]  # the visitor's only theme: confirmed by not untaking it


def wish_form(session: VisitorSession, source: str) -> WishForm:
    """A new wish from what the visitor did so far: the search words, or the talents."""
    if source == "search":
        return WishForm(source, words=session.query.strip()[:WORDS_MAX])
    return WishForm(
        source,
        themes=sorted(session.liked_themes),
        gifts=sorted(session.gifts),
        neighbourhood=session.home_area,
    )


def wish_problem(theme: str | None, words: str) -> str:
    """Why the wish cannot be sent as it is ('' when it can): the hub's own rules for a wish
    (sync.protocol: a theme or a few words, no e-mail address or telephone number)."""
    from sync.protocol import RECORD_FIELDS, ProtocolError

    words = words.strip()
    if not theme and not words:
        return _("Choose a theme or type a few words.")
    if words:
        try:
            RECORD_FIELDS["wish"]["words"]("words", words)
        except ProtocolError as exc:
            if "e-mail" in str(exc):
                return _(
                    "No e-mail addresses or phone numbers here, please. You can leave "
                    "them in the next step, if you like."
                )
            return _("That is too long, or holds a sign that cannot be sent.")
    return ""


def send_wish(store: Store, form: WishForm, words: str, lang: str, kiosk: str,
              assisted: bool = False) -> str:  # fmt: skip
    """Queue the wish once; '' when it is queued (now or before), else why not."""
    problem = wish_problem(form.theme, words)
    if problem:
        return problem
    form.words = words.strip()
    record_wish(store, form.record_id, form.theme, form.words, form.gifts, form.neighbourhood,
                form.source, lang, kiosk, assisted=assisted)  # fmt: skip
    form.sent = True
    return ""
