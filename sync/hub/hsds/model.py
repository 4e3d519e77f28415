"""A community as HSDS 3.0 objects: one organization and one service, with its schedules,
places, languages, phones and attributes; the hub's lists as taxonomies and their terms.
Exactly as docs/open-data.md says. Pure functions of the stored records: no SQL here
(sync.hub.hsds.export reads the hub and calls these).

Every id is a UUID, and the same record always gives the same ids (uuid5), so a re-export
keeps them and an importer can update by them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from sync.protocol import COMMUNITY_KINDS

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://ontmoet.nl/hsds")
LANGUAGES = ("nl", "en", "tr", "ar", "pl", "uk")
#: The lists, as HSDS taxonomies: the hub's list name -> the taxonomy's name.
TAXONOMIES = {
    "themes": "ontmoet-themes",
    "neighbourhoods": "ontmoet-neighbourhoods",
    "gifts": "ontmoet-gifts",
    "kinds": "ontmoet-kinds",
    "fields": "ontmoet-fields",
}
_TAXONOMY_WORDS = {
    "themes": "Themes of the groups (Ontmoet)",
    "neighbourhoods": "Neighbourhoods and villages where the groups are (Ontmoet)",
    "gifts": "Gifts of head, hands and heart that a group welcomes (Ontmoet)",
    "kinds": "Kinds of group: informal group, cooperative, club, ... (Ontmoet)",
    "fields": "Texts of a group that HSDS has no field for; the attribute's value holds"
    " the text (Ontmoet)",
}
#: HSDS's service status for each state of a community.
STATUS = {
    "active": "active",
    "seasonal": "active",
    "resting": "temporarily closed",
    "seeking_organiser": "inactive",
    "ended": "defunct",
}
#: Texts with an HSDS field of their own, in Dutch; the other languages are attributes.
TEXT_FIELDS = {"pitch": None, "story": "description", "welcome": "application_process"}
#: Texts that travel only as attributes, in every language.
ATTRIBUTE_ONLY = ("accessibility", "contact")
#: The attributes' link types that are texts (``ontmoet:<field>:<lang>``) or the state.
FIELD_LINK_TYPES = (
    *(f"ontmoet:{name}:{lang}" for name in TEXT_FIELDS for lang in LANGUAGES[1:]),
    *(f"ontmoet:{name}:{lang}" for name in ATTRIBUTE_ONLY for lang in LANGUAGES),
    *(f"ontmoet:when:{lang}" for lang in LANGUAGES[1:]),
    "ontmoet:rrule",
    "ontmoet:state",
)
#: HSDS schedules have WEEKLY and MONTHLY only; a daily rule is weekly on all seven days.
ALL_DAYS = "MO,TU,WE,TH,FR,SA,SU"
_POSTCODE = re.compile(r"\b([1-9][0-9]{3}) ?([A-Z]{2})\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def taxonomy_id(name: str) -> str:
    return uuid5(NAMESPACE, TAXONOMIES[name])


def uuid5(namespace: str | uuid.UUID, name: str) -> str:
    """``str(uuid.uuid5(namespace, name))``, five times faster: a community has dozens of
    parts, and 10,000 communities are built whenever the read API starts."""
    space = namespace.bytes if isinstance(namespace, uuid.UUID) else _uuid_bytes(namespace)
    digest = bytearray(hashlib.sha1(space + name.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    x = digest.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


@lru_cache(maxsize=64)
def _uuid_bytes(text: str) -> bytes:
    return uuid.UUID(text).bytes


@lru_cache(maxsize=4096)
def term_id(name: str, code: str, lang: str = "nl") -> str:
    """A term's id; the Dutch one (and the language-less fields) is what attributes name."""
    key = f"{TAXONOMIES[name]}:{code}" + ("" if lang == "nl" else f":{lang}")
    return uuid5(NAMESPACE, key)


def service_id(community_id: str) -> str:
    return uuid5(community_id, "service")


def location_id(community_id: str, text: str) -> str:
    return uuid5(community_id, "location:" + text)


def _id(community_id: str, what: str) -> str:
    """The id of any other part of a community's objects: stable for the same part."""
    return uuid5(community_id, what)


def _present(obj: dict) -> dict:
    """Without the fields that have no value: HSDS's string fields take no null."""
    return {k: v for k, v in obj.items() if v not in (None, "", [])}


def _dutch(texts: dict | None) -> str:
    return (texts or {}).get("nl", "")


def _first_written(texts: dict | None) -> str:
    texts = texts or {}
    return texts.get("nl") or next((texts[lang] for lang in LANGUAGES if texts.get(lang)), "")


# -- the lists --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def kind_labels() -> dict[str, dict[str, str]]:
    """The kinds' names in the six languages, as the desk's form says them."""
    from sync.hub.i18n import translator
    from sync.hub.record_form import KINDS

    return {kind: {lang: translator(lang)(KINDS[kind]) for lang in LANGUAGES}
            for kind in COMMUNITY_KINDS}  # fmt: skip


@dataclass(frozen=True)
class Lists:
    """The hub's lists as terms: (list, slug) -> labels per language (and a gift's kind)."""

    terms: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    gift_kinds: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, taxonomy_record: dict | None) -> Lists:
        record = taxonomy_record or {}
        terms: dict[tuple[str, str], dict[str, str]] = {}
        for name in ("themes", "neighbourhoods", "gifts"):
            for term in record.get(name) or []:
                terms[(name, term["slug"])] = term["labels"]
        for kind, labels in kind_labels().items():
            terms[("kinds", kind)] = labels
        gift_kinds = {t["slug"]: t["kind"] for t in record.get("gifts") or []}
        return cls(terms, gift_kinds)


def taxonomies() -> list[dict]:
    return [{"id": taxonomy_id(name), "name": TAXONOMIES[name],
             "description": _TAXONOMY_WORDS[name], "version": "1"}
            for name in TAXONOMIES]  # fmt: skip


def taxonomy_terms(lists: Lists) -> list[dict]:
    """One term per list entry and language it is named in; the text fields' terms."""
    out = []
    for (name, slug), labels in lists.terms.items():
        for lang in LANGUAGES:
            if not labels.get(lang):
                continue
            description = lists.gift_kinds.get(slug, "") if name == "gifts" else ""
            out.append({"id": term_id(name, slug, lang), "code": slug, "name": labels[lang],
                        "description": description or labels[lang],
                        "taxonomy": TAXONOMIES[name], "taxonomy_id": taxonomy_id(name),
                        "language": lang})  # fmt: skip
    for link_type in FIELD_LINK_TYPES:
        words = link_type.removeprefix("ontmoet:").replace(":", " ")
        out.append({"id": term_id("fields", link_type), "code": link_type, "name": words,
                    "description": f"A group's {words}: the attribute's value",
                    "taxonomy": TAXONOMIES["fields"],
                    "taxonomy_id": taxonomy_id("fields")})  # fmt: skip
    return out


# -- a community ------------------------------------------------------------------------------


def organization(record: dict, public_url: str = "") -> dict:
    image = record.get("image")
    logo = f"{public_url}/photos/{image['sha256']}.jpg" if image and public_url else ""
    return _present({
        "id": record["id"],
        "name": record["name"],
        # Required by HSDS: the Dutch pitch, else the first one written, else the name.
        "description": _first_written(record.get("pitch")) or record["name"],
        "website": record.get("join_url"),
        "logo": logo,
    })  # fmt: skip


def _attribute(cid: str, entity: str, link_id: str, link_type: str, value: str,
               term: str) -> dict:  # fmt: skip
    # One attribute per link type of a part (its text may change), one per classification.
    part = f"{link_type}:{value}" if link_type == "classification" else link_type
    return {"id": _id(cid, f"attribute:{entity}:{link_id}:{part}"),
            "link_id": link_id, "link_entity": entity, "link_type": link_type,
            "taxonomy_term_id": term, "value": value}  # fmt: skip


def _text_attributes(record: dict, sid: str) -> list[dict]:
    cid, out = record["id"], []
    for name in (*TEXT_FIELDS, *ATTRIBUTE_ONLY):
        texts = record.get(name) or {}
        for lang in LANGUAGES:
            if texts.get(lang) and (lang != "nl" or name in ATTRIBUTE_ONLY):
                link_type = f"ontmoet:{name}:{lang}"
                out.append(_attribute(cid, "service", sid, link_type, texts[lang],
                                      term_id("fields", link_type)))  # fmt: skip
    out.append(_attribute(cid, "service", sid, "ontmoet:state", record["state"],
                          term_id("fields", "ontmoet:state")))  # fmt: skip
    return out


def _classifications(record: dict, sid: str, lists: Lists) -> list[dict]:
    chosen = [("themes", s) for s in record.get("themes") or []]
    chosen += [("gifts", s) for s in record.get("gifts_welcome") or []]
    if record.get("neighbourhood"):
        chosen.append(("neighbourhoods", record["neighbourhood"]))
    chosen.append(("kinds", record["kind"]))
    # A slug the lists no longer hold names no term: it is left out, not invented.
    return [_attribute(record["id"], "service", sid, "classification", slug, term_id(name, slug))
            for name, slug in chosen if (name, slug) in lists.terms]  # fmt: skip


def _contact_points(record: dict, sid: str) -> tuple[str, list[dict]]:
    """The first e-mail address and the phone numbers in the group's public contact text."""
    text = _first_written(record.get("contact"))
    email = ""
    for match in _EMAIL.finditer(text):
        try:
            email = validate_email(match.group(0), check_deliverability=False).normalized
            break
        except EmailNotValidError:
            continue
    phones, seen = [], set()
    for found in phonenumbers.PhoneNumberMatcher(text, "NL"):
        number = phonenumbers.format_number(
            found.number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
        if number not in seen:
            seen.add(number)
            phones.append({"id": _id(record["id"], f"phone:{number}"), "service_id": sid,
                           "number": number, "type": "voice"})  # fmt: skip
    return email, phones


def place_texts(record: dict) -> dict[str, dict]:
    """Each distinct place text -> what is known of it (a ``places`` entry's name and map
    position win over a meeting that names the same text)."""
    out: dict[str, dict] = {}
    for place in record.get("places") or []:
        out.setdefault(place["address"], place)
    for meeting in record.get("schedule") or []:
        if meeting.get("place"):
            out.setdefault(meeting["place"], {"address": meeting["place"]})
    return out


def address(cid: str, lid: str, text: str, name: str) -> dict | None:
    """An HSDS address when the text holds a Dutch postcode ("1234 AB"), else None."""
    found = _POSTCODE.search(text)
    if not found:
        return None
    street = text[: found.start()].strip(" ,")
    if name and street.startswith(name + ",") and street != name:
        street = street[len(name) + 1 :].strip(" ,")
    return {"id": _id(cid, f"address:{text}"), "location_id": lid,
            "address_1": street or text, "city": text[found.end():].strip(" ,"),
            "state_province": "", "postal_code": f"{found.group(1)} {found.group(2)}",
            "country": "NL", "address_type": "physical"}  # fmt: skip


def _location(cid: str, text: str, place: dict) -> dict:
    lid = location_id(cid, text)
    name = place.get("name") or ""
    found = address(cid, lid, text, name)
    return _present({
        "id": lid,
        "location_type": "physical",
        "name": name or text,
        # Without a postcode there is no address row: the text itself is kept here.
        "description": "" if found else text,
        "latitude": place.get("latitude"),
        "longitude": place.get("longitude"),
        "addresses": [found] if found else [],
    })  # fmt: skip


def _utc(moment: str) -> str:
    """The hub's UTC moments as HSDS's examples and data packages write them: with Z."""
    return moment.removesuffix("+00:00") + "Z" if moment.endswith("+00:00") else moment


def _until_day(value: str) -> str:
    return f"{value[:4]}-{value[4:6]}-{value[6:8]}"


def _schedule(cid: str, sid: str, index: int, meeting: dict, sal: str | None) -> dict:
    schedule_id = _id(cid, f"schedule:{index}")
    notes = meeting.get("when") or {}
    obj = {"id": schedule_id, "service_id": sid, "service_at_location_id": sal,
           "description": _dutch(notes)}  # fmt: skip
    rule = meeting.get("rrule")
    attributes = [_attribute(cid, "schedule", schedule_id, f"ontmoet:when:{lang}", notes[lang],
                             term_id("fields", f"ontmoet:when:{lang}"))
                  for lang in LANGUAGES[1:] if notes.get(lang)]  # fmt: skip
    if rule:
        parts = dict(part.split("=", 1) for part in rule.split(";"))
        freq = parts["FREQ"]
        if freq in ("WEEKLY", "MONTHLY") or (freq == "DAILY" and parts.get("INTERVAL", "1") == "1"):
            daily = freq == "DAILY"
            obj.update({
                "freq": "WEEKLY" if daily else freq,
                "interval": 1 if daily else int(parts.get("INTERVAL", "1")),
                "byday": ALL_DAYS if daily else parts.get("BYDAY"),
                "bymonthday": parts.get("BYMONTHDAY"),
                "count": int(parts["COUNT"]) if "COUNT" in parts else None,
                "until": _until_day(parts["UNTIL"]) if "UNTIL" in parts else None,
                "wkst": parts.get("WKST"),
            })  # fmt: skip
        obj.update({"dtstart": meeting.get("starts_on"), "opens_at": meeting.get("opens"),
                    "closes_at": meeting.get("closes")})  # fmt: skip
        # The exact rule too: HSDS has no YEARLY, no BYMONTH, no "every other day".
        attributes.append(_attribute(cid, "schedule", schedule_id, "ontmoet:rrule", rule,
                                     term_id("fields", "ontmoet:rrule")))  # fmt: skip
    obj["attributes"] = attributes
    return _present(obj)


def service(record: dict, updated_at: str, lists: Lists, public_url: str = "") -> dict:
    """The full service of a community, its organization nested."""
    cid = record["id"]
    sid = service_id(cid)
    places = place_texts(record)
    sals = {text: _id(cid, f"service_at_location:{text}") for text in places}
    email, phones = _contact_points(record, sid)
    return _present({
        "id": sid,
        "organization_id": cid,
        "name": record["name"],
        "description": _dutch(record.get("story")),
        "url": record.get("join_url"),
        "email": email,
        "status": STATUS[record["state"]],
        "application_process": _dutch(record.get("welcome")),
        "last_modified": _utc(updated_at),
        "phones": phones,
        "schedules": [_schedule(cid, sid, i, m, sals.get(m.get("place")))
                      for i, m in enumerate(record.get("schedule") or [])],
        "service_at_locations": [
            {"id": sals[text], "service_id": sid, "location_id": location_id(cid, text),
             "location": _location(cid, text, place)}
            for text, place in places.items()
        ],
        "languages": [{"id": _id(cid, f"language:{code}"), "service_id": sid,
                       "name": language_name(code), "code": code}
                      for code in record.get("languages") or []],
        "attributes": _classifications(record, sid, lists) + _text_attributes(record, sid),
        "organization": organization(record, public_url),
    })  # fmt: skip


@lru_cache(maxsize=256)
def language_name(code: str) -> str:
    from sync.hub.i18n import language_name as named

    return named(code, "en")


def summary(full: dict) -> dict:
    """A service as the API's lists show it: its own fields and its organization, without
    the arrays of its parts (HSDA: list items need not carry them)."""
    return {k: v for k, v in full.items() if not isinstance(v, list)}


def search_text(record: dict) -> str:
    """What ``search`` looks in: the name and every text, in every language, folded."""
    parts = [record["name"]]
    for name in (*TEXT_FIELDS, *ATTRIBUTE_ONLY):
        parts += (record.get(name) or {}).values()
    for meeting in record.get("schedule") or []:
        parts += (meeting.get("when") or {}).values()
        parts.append(meeting.get("place") or "")
    return fold(" ".join(parts))


def fold(text: str) -> str:
    """Case and accents ignored: café = Cafe, coöperatie = cooperatie."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
