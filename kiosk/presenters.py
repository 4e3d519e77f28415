"""What a screen shows of a community, worded in the visitor's language, without Kivy.

Screens bind to these plain values; every choice about wording, fallbacks and provenance is
made here, where it is tested without a window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kiosk.i18n import _
from kiosk.models import Community, Meeting, Term, pick

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
    from babel import Locale  # loaded when needed: not at every start

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


def meeting_when(meeting: Meeting, lang: str, today: date | None = None) -> str:
    """A meeting's time in words ('Every Tuesday, 14.00–16.00 · Next time: ...') with the
    group's own note after it, each on a line of its own."""
    from kiosk.meeting_words import meeting_line  # Babel's data: loaded when first shown

    lines = [meeting_line(meeting, lang, today or date.today())] if meeting.rrule else []
    if meeting.when:
        lines.append(localised(meeting.when, lang))
    return "\n".join(line for line in lines if line)


#: After this many days without the group's confirmation its page says so (the hub's
#: sync.hub.freshness.STALE_DAYS: the desk lists the same groups).
STALE_DAYS = 365


def community_view(
    community: Community, terms: dict[str, Term], lang: str, today: date | None = None
) -> CommunityView:
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
        from babel.dates import format_date  # loaded when needed: not at every start

        if ((today or date.today()) - community.last_confirmed).days > STALE_DAYS:
            # A year without the group's yes: visitors see that it may be out of date.
            provenance += " " + _("Not confirmed by the group since {month}.").format(
                month=format_date(community.last_confirmed, "MMMM y", locale=lang)
            )
        else:
            provenance += " " + _("Last checked by the group on {date}.").format(
                date=format_date(community.last_confirmed, "d MMMM y", locale=lang)
            )
    where = label(community.neighbourhood) if community.neighbourhood else ""
    return CommunityView(
        name=community.name,
        pitch=localised(community.pitch, lang),
        story=localised(community.story, lang),
        state=state_label(community.state),
        meetings=[(meeting_when(m, lang, today), m.place) for m in community.schedule],
        welcome=localised(community.welcome, lang),
        gifts=[label(g) for g in community.gifts_welcome],
        themes=[label(t) for t in community.themes] + ([where] if where else []),
        languages=", ".join(language_name(code, lang) for code in community.languages),
        accessibility=localised(community.accessibility, lang),
        contact=localised(community.contact, lang),
        provenance=provenance,
    )


def staff_status_text(facts: dict, hub_url: str) -> str:
    """The sync status for staff (kiosk name, online or not, last good sync, what waits)."""
    if not hub_url or not facts.get("enrolled"):
        return _("This kiosk is not connected to a hub. Everything stays on this kiosk.")
    states = {
        "online": _("online"),
        "offline": _("offline: the hub cannot be reached, the kiosk keeps everything"),
        "revoked": _("access ended by the hub: enrol this kiosk again"),
        "update_needed": _("the hub needs a newer version of this kiosk"),
        "attention": _("needs attention"),
        "never": _("not synced yet"),
    }
    lines = [
        _("Kiosk: {name}").format(name=facts.get("kiosk_name", "")),
        _("Hub: {url}").format(url=hub_url),
        _("Status: {state}").format(state=states.get(facts.get("status", "never"), "?")),
        _("Last good sync: {moment}").format(moment=facts.get("last_sync_ok") or "—"),
        _("Waiting to be sent: {count}").format(count=facts.get("outbox", 0)),
    ]
    if facts.get("last_error"):
        lines.append(_("Last problem: {problem}").format(problem=facts["last_error"][:160]))
    return "\n".join(lines)
