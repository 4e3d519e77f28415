"""The reception desk under /desk/: server-rendered pages for the receptionist's PC, in the
kiosk's six languages (sync.hub.i18n), with little more than forms and links (the queue
refreshes itself).

Every page needs a login, every form its session's CSRF token, and roles decide what each
person sees (``access``): a receptionist handles the queue and contact requests, an admin
also kiosks, accounts and the audit log, a community editor only their own group's record.
One module per area.
"""

from __future__ import annotations

from fastapi import APIRouter

from sync.hub.desk import admin, communities, connect, imports, lists, login, opendata, visitors
from sync.hub.desk import events as events_area
from sync.hub.desk import figures as figures_area
from sync.hub.desk import hall as hall_area
from sync.hub.desk import live as live_area
from sync.hub.desk import signups as signups_area
from sync.hub.desk import wishes as wishes_area
from sync.hub.desk.access import install

router = APIRouter(prefix="/desk", include_in_schema=False)
for area in (login, visitors, connect, communities, lists, admin, opendata, imports):
    router.include_router(area.router)
router.include_router(signups_area.router)  # new groups, tips, freshness
router.include_router(events_area.router)  # the hall's and the groups' events
router.include_router(wishes_area.router)  # "count me in": unmet wishes
router.include_router(figures_area.router)  # the anonymous figures and the gifts map
router.include_router(hall_area.router)  # messages for the hall's kiosks
router.include_router(live_area.router)  # the live queue's server-sent events

__all__ = ["install", "router"]
