"""What a screen shows of a community, worded in the visitor's language, without Kivy.

Screens bind to these plain values; every choice about wording, fallbacks and provenance is
made here, where it is tested without a window.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale
from babel.dates import format_date

from kiosk.i18n import _
from kiosk.models import Community, Term, pick

STATE_LABELS = {
    "active": lambda: "",
    "seasonal": lambda: _("Seasonal"),
    "resting": lambda: _("Resting for now"),
    "seeking_organiser": lambda: _("Looking for a new organiser"),
    "ended": lambda: _("Has stopped"),
}


def state_label(state: str) -> str:
    return STATE_LABELS[state]()


def language_name(code: str, lang: str) -> str:
    """A language's name in the interface language: 'Turks', 'Turkish'."""
    return Locale.parse(lang).languages.get(code, code)


def localised(texts: dict[str, str], lang: str) -> str:
    """The text in the visitor's language, or honestly marked: 'In Dutch: ...'."""
    text, used = pick(texts, lang)
    if used != lang and text:
        return _("In {language}:").format(language=language_name(used, lang)) + " " + text
    return text


@dataclass(frozen=True)
class CardView:
    """A line in a list of communities."""

    community_id: str
    name: str
    pitch: str
    where: str
    state: str
    photo: str


def card(
    community: Community, neighbourhoods: dict[str, Term], lang: str, photo_path: str
) -> CardView:
    hood = neighbourhoods.get(community.neighbourhood or "")
    return CardView(
        community_id=community.id,
        name=community.name,
        pitch=localised(community.pitch, lang),
        where=hood.label(lang) if hood else "",
        state=state_label(community.state),
        photo=photo_path,
    )


@dataclass(frozen=True)
class CommunityView:
    """Everything the community screen shows."""

    name: str
    pitch: str
    story: str
    state: str
    meetings: list[tuple[str, str]]  # (when, where)
    welcome: str
    gifts: list[str]
    themes: list[str]
    languages: str
    accessibility: str
    contact: str
    provenance: str


def community_view(community: Community, terms: dict[str, Term], lang: str) -> CommunityView:
    """``terms`` maps theme, gift and neighbourhood slugs to their terms."""

    def label(slug: str) -> str:
        term = terms.get(slug)
        return term.label(lang) if term else slug

    by_reception = [
        f
        for f in ("story", "welcome", "accessibility", "contact", "schedule")
        if community.written_by(f) == "reception"
    ]
    provenance = _("Written by the group itself.")
    if by_reception:
        provenance = _(
            "Written by the group itself; some details were added by the town hall reception."
        )
    if community.last_confirmed:
        provenance += " " + _("Last checked by the group on {date}.").format(
            date=format_date(community.last_confirmed, "d MMMM y", locale=lang)
        )
    where = label(community.neighbourhood) if community.neighbourhood else ""
    return CommunityView(
        name=community.name,
        pitch=localised(community.pitch, lang),
        story=localised(community.story, lang),
        state=state_label(community.state),
        meetings=[(localised(m.when, lang), m.place) for m in community.schedule],
        welcome=localised(community.welcome, lang),
        gifts=[label(g) for g in community.gifts_welcome],
        themes=[label(t) for t in community.themes] + ([where] if where else []),
        languages=", ".join(language_name(code, lang) for code in community.languages),
        accessibility=localised(community.accessibility, lang),
        contact=localised(community.contact, lang),
        provenance=provenance,
    )
