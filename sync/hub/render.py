"""The hub's one Jinja environment, with gettext (``jinja2.ext.i18n``, newstyle): templates say
``{{ _("Who is welcome") }}`` or ``{% trans %}``, and each page is rendered with its request's
language (the kiosk's catalogues; see sync.hub.i18n). Public pages, edit pages and the desk
all go through ``render``: the language switch, ``dir="rtl"`` for Arabic, Content-Language."""

from __future__ import annotations

import functools
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from sync.hub import i18n, words

HERE = Path(__file__).parent
#: The hall's time zone: the hub stores UTC, people read local time. create_app sets it from
#: the hub's settings (ONTMOET_TIMEZONE).
LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")


def local_time(moment: str | None, pattern: str = "%d-%m-%Y %H:%M") -> str:
    if not moment:
        return ""
    # Whatever a kiosk said (a stolen one can say year 1 at +14:00) is shown, never a 500.
    try:
        parsed = datetime.fromisoformat(moment)
        if parsed.tzinfo is None:
            return parsed.strftime(pattern)
        return parsed.astimezone(LOCAL_ZONE).strftime(pattern)
    except (ValueError, OverflowError):
        return moment


@jinja2.pass_context
def long_day(context, day: date) -> str:
    """'3 december 2026', '3 грудня 2026 р.': a date in the page's language."""
    from babel.dates import format_date

    return format_date(day, "long", locale=context.get("lang", i18n.DEFAULT))


@jinja2.pass_context
def short_moment(context, moment: datetime) -> str:
    """'do 3 dec. 19:30': an event's start in the page's language."""
    from babel.dates import format_datetime

    return format_datetime(moment, "EEE d MMM HH:mm", locale=context.get("lang", i18n.DEFAULT))


@jinja2.pass_context
def csrf_field(context) -> Markup:
    """The hidden field every desk form posts: the session's token (access.form checks it)."""
    return Markup('<input type="hidden" name="csrf" value="{}">').format(context["session"].csrf)


env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=jinja2.select_autoescape(("html",)),
    extensions=["jinja2.ext.i18n"],
)
# Newstyle gettext: translations are escaped and take %(name)s variables. Installed here for
# the default language; every render passes its own request's gettext (below), so two requests
# in two languages at once never share one.
env.install_gettext_translations(i18n.gettext_catalogue(i18n.DEFAULT), newstyle=True)
env.filters.update(local=local_time, long_day=long_day, short_moment=short_moment)
env.globals["csrf_field"] = csrf_field
env.globals["words"] = SimpleNamespace(
    **{name: value for name, value in vars(words).items() if name.isupper()}
)
templates = Jinja2Templates(env=env)


@functools.cache
def gettext_callables(lang: str) -> dict[str, Any]:
    """Jinja's own newstyle gettext and ngettext for ``lang``, made by
    ``install_gettext_translations`` on a scratch environment (the hub's is shared by every
    request; these go into one render's context)."""
    scratch = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    scratch.install_gettext_translations(i18n.gettext_catalogue(lang), newstyle=True)
    return {name: scratch.globals[name] for name in ("gettext", "ngettext")}


def language_context(lang: str) -> dict[str, Any]:
    return {
        "lang": lang,
        "dir": "rtl" if i18n.is_rtl(lang) else "ltr",
        "languages": [(code, i18n.LANGUAGE_NAMES[code]) for code in i18n.LANGUAGES],
        "language_name": functools.partial(_language_name, in_language=lang),
        **gettext_callables(lang),
    }


def _language_name(code: str, in_language: str) -> str:
    return i18n.language_name(code, in_language)


def render(request: Request, template: str, lang: str, status: int = 200,
           headers: dict[str, str] | None = None, **context: Any) -> Response:  # fmt: skip
    response = templates.TemplateResponse(
        request,
        template,
        {**language_context(lang), **context},
        status_code=status,
        headers={"Content-Language": lang, "Vary": "Accept-Language, Cookie", **(headers or {})},
    )
    state = request.app.state.hub
    secure = state.public_url.startswith("https://") or request.url.scheme == "https"
    i18n.remember_choice(request, response, secure)
    return response
