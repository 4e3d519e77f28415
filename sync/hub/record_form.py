"""A community's whole record as a web form: reading what was posted (every field the kiosk
shows, and the group's mailbox) into a record the protocol accepts, with a message for
people when it will not do, and what the form needs to show a record (or a refused form as it
was sent). Used by the group's edit link (sync.hub.edit), the desk's editor and its
new-community page (sync.hub.desk.communities); templates/_community_form.html shows it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any

from sync import protocol
from sync.hub import mail
from sync.hub import store as hub_store
from sync.hub.i18n import LANGUAGES, N_
from sync.hub.schedule_form import (
    MONTH_NUMBERS,
    NTH,
    NTH_LABELS,
    PATTERN_LABELS,
    PATTERNS,
    WEEKDAYS,
    FormProblem,
    Msg,
    meeting_form_values,
    meetings_from_form,
    places_from_form,
    posted_rows,
)

TEXT_FIELDS = ("pitch", "story", "welcome", "accessibility", "contact")
TEXT_LIMITS = {
    "pitch": 120,
    "story": 4000,
    "welcome": 4000,
    "accessibility": 4000,
    "contact": 4000,
}  # fmt: skip  (protocol.COMMUNITY_FIELDS)
MAX_VALUE = 10_000  # one posted value; longer is refused before anything is read
MAX_VALUES = 3_000
#: A community's kind (protocol.COMMUNITY_KINDS), as the form names it.
KINDS = {
    "informal_group": N_("Informal group"),
    "cooperative": N_("Cooperative"),
    "club": N_("Club or association"),
    "foundation": N_("Foundation"),
    "network": N_("Network"),
    "pop_up": N_("For a while (pop-up)"),
}
#: The form's words for the fields words.FIELDS does not name.
LABELS = {
    "kind": N_("Kind of group"),
    "themes": N_("Themes"),
    "gifts_welcome": N_("Gifts you welcome"),
    "neighbourhood": N_("Neighbourhood or village"),
    "places": N_("Places"),
    "join_url": N_("Join link (https://...)"),
    "mailbox": N_("E-mail address for requests from visitors"),
    "languages": N_("Languages spoken"),
    "schedule": N_("When you meet"),
}
#: Languages a group may say it speaks (the kiosk's six, then others often heard in Dutch
#: towns); a code already in a record is always offered too.
SPOKEN = ("nl", "en", "tr", "ar", "pl", "uk", "de", "fr", "es", "pt", "it", "ro", "bg", "ru",
          "so", "ti", "fa", "ku", "zh", "hi", "ur", "pap", "fy")  # fmt: skip
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")

BLANK = {"name": "", "kind": "informal_group", "state": "active", "themes": [],
         "gifts_welcome": [], "neighbourhood": None, "schedule": [], "places": [],
         "languages": [], "join_url": None, **{f: {} for f in TEXT_FIELDS}}  # fmt: skip


# -- reading the form -------------------------------------------------------------------------


def form_values(posted: Any) -> dict[str, list[str]]:
    """A posted form (Starlette's FormData, a dict of values or of lists of values) as every
    field's values. Reading it again gives the same."""
    if hasattr(posted, "multi_items"):
        items = posted.multi_items()
    else:
        items = [(k, v) for k, vs in posted.items() for v in (vs if isinstance(vs, list) else [vs])]
    values: dict[str, list[str]] = {}
    for count, (key, value) in enumerate(items):
        if count >= MAX_VALUES:
            raise FormProblem(N_("This form has too many fields."))
        if not isinstance(value, str):
            continue  # a file: not for this form
        if len(value) > MAX_VALUE:
            raise FormProblem(N_("A field is far too long."))
        # Some phones send letters decomposed (e + a combining accent): the protocol wants
        # NFC, and a group should not be told so.
        values.setdefault(key, []).append(unicodedata.normalize("NFC", value))
    return values


def first_value(form: Mapping[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0]


def _slugs(form, name: str, allowed: list[str], problem: str) -> list[str]:
    chosen = [v.strip() for v in form.get(name, [])]
    if any(slug not in allowed for slug in chosen) or len(set(chosen)) != len(chosen):
        raise FormProblem(problem)
    return [slug for slug in allowed if slug in chosen]  # in the list's order


def form_record(record: dict, posted: Any, taxonomy: dict | None, today: date) -> dict:
    """``record`` as the form changes it. Only what the form shows changes: a language, a
    section or a field without its inputs in the form keeps its value (an older form, the
    community editor's page, keeps working). Raises FormProblem with a message for people."""
    form = form_values(posted)
    wanted = {k: record.get(k, v) for k, v in BLANK.items()}
    if "name" in form:
        wanted["name"] = first_value(form, "name").strip()
        if not wanted["name"]:
            raise FormProblem(N_("Give the group's name."))
        if len(wanted["name"]) > 120:
            raise FormProblem(N_("A name has at most 120 characters."))
    if "state" in form:
        wanted["state"] = first_value(form, "state")
        if wanted["state"] not in protocol.LIFECYCLE_STATES:
            raise FormProblem(N_("Choose a state from the list."))
    if "kind" in form:
        wanted["kind"] = first_value(form, "kind")
        if wanted["kind"] not in KINDS:
            raise FormProblem(N_("Choose a kind of group from the list."))
    for field in TEXT_FIELDS:
        texts = dict(record.get(field) or {})
        for lang in LANGUAGES:
            if f"{field}_{lang}" not in form:
                continue
            value = first_value(form, f"{field}_{lang}").replace("\r\n", "\n").strip()
            if len(value) > TEXT_LIMITS[field]:
                raise FormProblem(
                    N_("{field}: at most {max} characters (now {count})."),
                    field=Msg(_field_label(field)), max=TEXT_LIMITS[field], count=len(value),
                )  # fmt: skip
            if value:
                texts[lang] = value
            else:
                texts.pop(lang, None)
        wanted[field] = texts
    terms = taxonomy or {"themes": [], "gifts": [], "neighbourhoods": []}
    if "themes_shown" in form:
        wanted["themes"] = _slugs(form, "themes", [t["slug"] for t in terms["themes"]],
                                  N_("Choose themes from the list."))  # fmt: skip
    if "gifts_shown" in form:
        wanted["gifts_welcome"] = _slugs(form, "gifts_welcome",
                                         [t["slug"] for t in terms["gifts"]],
                                         N_("Choose gifts from the list."))  # fmt: skip
    if "neighbourhood" in form:
        hood = first_value(form, "neighbourhood").strip()
        if hood and hood not in [t["slug"] for t in terms["neighbourhoods"]]:
            raise FormProblem(N_("Choose a neighbourhood from the list."))
        wanted["neighbourhood"] = hood or None
    if "languages_shown" in form:
        spoken = [v.strip() for v in form.get("languages", [])]
        if not all(_LANGUAGE.match(code) for code in spoken) or len(spoken) > 20:
            raise FormProblem(N_("Choose languages from the list."))
        wanted["languages"] = list(dict.fromkeys(spoken))
    if "join_url" in form:
        url = first_value(form, "join_url").strip()
        if url:
            try:
                protocol.https_url("join_url", url)
            except protocol.ProtocolError:
                raise FormProblem(N_("The join link must be a web address that starts with "
                                     "https://")) from None  # fmt: skip
        wanted["join_url"] = url or None
    if "schedule_shown" in form:
        wanted["schedule"] = meetings_from_form(form, LANGUAGES, today)
    if "places_shown" in form:
        wanted["places"] = places_from_form(form)
    for field in TEXT_FIELDS:
        if not wanted[field]:
            raise FormProblem(N_("{field}: write it in at least one language."),
                              field=Msg(_field_label(field)))  # fmt: skip
    if not wanted["themes"]:
        raise FormProblem(N_("Tick at least one theme."))
    return wanted


def _field_label(field: str) -> str:
    from sync.hub import words

    return words.FIELDS.get(field) or LABELS.get(field, field)


def changes_to(record: dict, wanted: dict) -> dict:
    """What differs, checked by the protocol's rules (an allowlist)."""
    changes = {
        k: v
        for k, v in wanted.items()
        if k in protocol.EDITABLE_COMMUNITY_FIELDS and record.get(k, BLANK.get(k)) != v
    }
    return protocol.community_changes("changes", changes) if changes else {}


def form_changes(record: dict, form: Any, taxonomy: dict | None = None) -> dict:
    """The form as changes to ``record`` (raises FormProblem or ProtocolError)."""
    if taxonomy is None:  # an older caller: the lists stay as they are
        form = {k: v for k, v in form_values(form).items()
                if k not in ("themes_shown", "gifts_shown", "neighbourhood")}  # fmt: skip
    return changes_to(record, form_record(record, form, taxonomy, date.today()))


def mailbox_from_form(posted: Any) -> str | None:
    """The mailbox the form sets: None when the form has no such field or leaves it as it
    is; FormProblem when it is not one plain address."""
    form = form_values(posted)
    if "mailbox" not in form:
        return None
    value = first_value(form, "mailbox").strip()
    if not value:
        return None
    try:
        return mail.valid_mailbox(value)
    except ValueError:
        raise FormProblem(N_("Give one e-mail address, like name@example.nl.")) from None


# -- what the form shows ----------------------------------------------------------------------


def _label(term: dict, lang: str) -> str:
    labels = term["labels"]
    return labels.get(lang) or labels.get("nl") or next(iter(labels.values()), term["slug"])


def as_posted(record: dict, posted: Any) -> tuple[dict, dict | None]:
    """A refused form shown again as it was sent (``record`` with the posted simple fields
    on top, and the posted meeting and place rows), so that nobody types it twice."""
    try:
        form = form_values(posted)
    except FormProblem:
        return record, None
    shown = dict(record)
    for name in ("name", "kind", "state", "join_url"):
        if name in form:
            shown[name] = first_value(form, name)
    for field in TEXT_FIELDS:
        texts = dict(record.get(field) or {})
        texts.update({lang: first_value(form, f"{field}_{lang}") for lang in LANGUAGES
                      if f"{field}_{lang}" in form})  # fmt: skip
        shown[field] = texts
    for marker, name, key in (("themes_shown", "themes", "themes"),
                              ("gifts_shown", "gifts_welcome", "gifts_welcome"),
                              ("languages_shown", "languages", "languages")):  # fmt: skip
        if marker in form:
            shown[name] = list(form.get(key, []))
    if "neighbourhood" in form:
        shown["neighbourhood"] = first_value(form, "neighbourhood") or None
    meetings, places = posted_rows(form, LANGUAGES)
    rows = {"meetings": meetings, "places": places} if "schedule_shown" in form else None
    return shown, rows


def form_context(conn, record: dict, lang: str, rows: dict | None = None) -> dict[str, Any]:
    """What templates/_community_form.html's ``record_fields`` needs for ``record``;
    ``rows``: meeting and place rows as posted (a refused form)."""
    from babel.dates import get_day_names, get_month_names

    taxonomy = hub_store.shared_record(conn, "taxonomy", "taxonomy") or {
        "themes": [], "gifts": [], "neighbourhoods": []}  # fmt: skip
    if rows:
        meetings, places = rows["meetings"], rows["places"]
    else:
        meetings = [meeting_form_values(m) for m in record.get("schedule", [])]
        meetings.append(meeting_form_values({}))  # one empty row (forms without JavaScript)
        places = [dict(p) for p in record.get("places") or []]
        if len(places) < 10:
            places.append({})
    days = get_day_names("wide", locale=lang)
    months = get_month_names("abbreviated", context="stand-alone", locale=lang)
    spoken = list(dict.fromkeys([*SPOKEN, *record.get("languages", [])]))
    from sync.hub.i18n import language_name

    return {
        "c": record,
        "themes": [(t["slug"], _label(t, lang)) for t in taxonomy["themes"]],
        "gifts": [(t["slug"], _label(t, lang), t.get("kind")) for t in taxonomy["gifts"]],
        "neighbourhoods": [(t["slug"], _label(t, lang)) for t in taxonomy["neighbourhoods"]],
        "kinds": KINDS,
        "states": protocol.LIFECYCLE_STATES,
        "labels": LABELS,
        "fields": TEXT_FIELDS,
        "text_limits": TEXT_LIMITS,
        "meetings": meetings,
        "places": places,
        "patterns": [(p, PATTERN_LABELS[p]) for p in PATTERNS],
        "weekdays": [(code, days[i]) for i, code in enumerate(WEEKDAYS)],
        "months": [(str(n), months[n]) for n in MONTH_NUMBERS],
        "nths": [(n, NTH_LABELS[n]) for n in NTH],
        "spoken": [(code, language_name(code, lang)) for code in spoken],
    }


def taxonomy_of(conn) -> dict:
    return hub_store.shared_record(conn, "taxonomy", "taxonomy") or {
        "themes": [], "gifts": [], "neighbourhoods": []}  # fmt: skip
