"""The hub speaks the visitor's language: the kiosk's six, from the kiosk's own gettext
catalogues (assets/locale, message ids in English), Arabic right to left.

A request's language: ``?lang=xx`` first, then the language chosen earlier with the switch
(a cookie), then the browser's Accept-Language (by its q-values), else Dutch. A take-home list
or a receipt opens in the language it was made in when the link says none.
"""

from __future__ import annotations

import gettext
import math
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response

# One set of catalogues and one loader for kiosk and hub (DESIGN.md, Hub): kiosk.i18n reads
# assets/locale and nothing else; it imports neither Kivy nor the kiosk's store.
from kiosk.i18n import LANGUAGE_NAMES, RTL_LANGUAGES, translations

LANGUAGES: tuple[str, ...] = tuple(LANGUAGE_NAMES)  # nl en tr ar pl uk
DEFAULT = "nl"
COOKIE = "ontmoet_lang"
COOKIE_DAYS = 365
_HEADER_PARTS = 40  # an Accept-Language of a thousand parts is read no further


def N_(message: str) -> str:  # noqa: N802  (gettext's name for "translate later")
    """Marks a message for the catalogues where it is defined; translated where it is shown."""
    return message


def supported(code: str | None) -> str | None:
    return code if code in LANGUAGES else None


def from_accept_language(header: str) -> str | None:
    """The browser's most wanted language among ours: 'uk-UA,uk;q=0.9,en;q=0.8' -> 'uk'.
    Anything malformed counts as not said."""
    ranked = []
    for order, part in enumerate(header.split(",")[:_HEADER_PARTS]):
        tag, _sep, parameters = part.partition(";")
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _eq, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip()[:8])
                except ValueError:
                    quality = 0.0
        if not (math.isfinite(quality) and 0 < quality <= 1):
            continue
        code = supported(tag.strip().lower().split("-")[0])
        if code:
            ranked.append((-quality, order, code))
    return min(ranked)[2] if ranked else None


def choose_language(request: Request, made_in: str | None = None) -> str:
    """The language of this request's page. ``made_in``: the language a take-home list or a
    receipt was made in at the kiosk, which beats the phone's own settings."""
    return (
        supported(request.query_params.get("lang"))
        or supported(made_in)
        or supported(request.cookies.get(COOKIE))
        or from_accept_language(request.headers.get("accept-language", "")[:1000])
        or DEFAULT
    )


def remember_choice(request: Request, response: Response, secure: bool) -> None:
    """A language asked for with ?lang= (the switch, a QR code) is remembered for the next page.
    The hub's only cookie on public pages: a preference, nothing about the person."""
    asked = supported(request.query_params.get("lang"))
    if asked and asked != request.cookies.get(COOKIE):
        response.set_cookie(COOKIE, asked, max_age=COOKIE_DAYS * 86400, path="/",
                            httponly=True, samesite="lax", secure=secure)  # fmt: skip


def translator(lang: str) -> Callable[[str], str]:
    """``_`` for Python code that words something for a page or a mail in ``lang``."""
    return translations(supported(lang) or DEFAULT).gettext


def gettext_catalogue(lang: str) -> gettext.NullTranslations:
    return translations(supported(lang) or DEFAULT)


def is_rtl(lang: str) -> bool:
    return lang in RTL_LANGUAGES


def language_name(code: str, in_language: str) -> str:
    """A language's name in the page's language: 'Arabisch', 'Arabic', 'арабська'."""
    from babel import Locale

    return Locale.parse(in_language).languages.get(code, code)
