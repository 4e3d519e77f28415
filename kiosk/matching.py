"""'What do you like, what can you give?': which communities would welcome exactly that.

Relevance first, in plain steps a visitor can follow: a gift the community asks for counts
twice, a shared theme once, the chosen neighbourhood once. Communities with the same score are
in the session's fair order. A community matches only when a theme or a gift is shared: the
neighbourhood alone makes no match. Every match comes with its reason, in plain words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kiosk.fair_order import fair_key
from kiosk.i18n import _, lower
from kiosk.models import Community, Term
from kiosk.presenters import localised

GIFT_WEIGHT, THEME_WEIGHT, NEIGHBOURHOOD_WEIGHT = 2, 1, 1


@dataclass(frozen=True)
class Match:
    community: Community
    score: int
    reason: str


def _reason(community: Community, gifts: list[str], themes: list[str], near: str, lang: str) -> str:
    # Two short lines: why it fits, then when they meet.
    if gifts:
        why = _("They welcome: {gift}").format(gift=lower(gifts[0], lang))
    else:
        why = _("They do what you like: {theme}").format(theme=lower(themes[0], lang))
    if near:
        why += " · " + _("close to home, in {place}").format(place=near)
    if community.schedule:
        first = community.schedule[0]
        when = ""
        if first.rrule:  # the rhythm in words; the note where the words cannot say it
            from kiosk.meeting_words import describe

            when = describe(first.rrule, first.opens, first.closes, lang)
        when = when or localised(first.when, lang)
        if when:
            why += "\n" + _("When: {when}").format(when=when.rstrip("."))
    return why


def match(
    communities: Iterable[Community],
    themes: set[str],
    gifts: set[str],
    neighbourhood: str | None,
    terms: dict[str, Term],
    seed: str,
    lang: str,
) -> list[Match]:
    """Open communities sharing a theme or welcoming a gift, best first, fair among equals."""
    found = []
    for community in communities:
        if not community.is_open_to_join:
            continue
        shared_gifts = [g for g in community.gifts_welcome if g in gifts]
        shared_themes = [t for t in community.themes if t in themes]
        if not shared_gifts and not shared_themes:
            continue
        near = neighbourhood is not None and community.neighbourhood == neighbourhood
        score = (
            GIFT_WEIGHT * len(shared_gifts)
            + THEME_WEIGHT * len(shared_themes)
            + (NEIGHBOURHOOD_WEIGHT if near else 0)
        )

        def labels(slugs: list[str]) -> list[str]:
            return [terms[s].label(lang) if s in terms else s for s in slugs]

        place = terms[neighbourhood].label(lang) if near and neighbourhood in terms else ""
        reason = _reason(community, labels(shared_gifts), labels(shared_themes), place, lang)
        found.append(Match(community, score, reason))
    found.sort(key=lambda m: (-m.score, fair_key(seed, m.community.id)))
    return found
