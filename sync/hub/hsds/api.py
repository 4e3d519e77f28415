"""The HSDS read API (HSDA) under /hsds/: public, read-only (docs/open-data.md, "Read API").

Lists are HSDA pages; filters are cumulative. Every reply carries an ETag (the hub's epoch,
its change log's last seq and the request) and answers If-None-Match with 304; every reply,
errors too, may be read by any web page (CORS, GET only). Nothing here sets a cookie or reads
anything but the public records (sync.hub.hsds.catalogue).
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from sync.hub.hsds import model
from sync.hub.hsds.catalogue import Catalogue, Entry, View

HSDS_VERSION = "3.0"
PROFILE = "https://docs.openreferral.org/en/v3.0/"
SCHEMAS = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
MAX_PER_PAGE = 100
MAX_SEARCH = 200
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag",
}
PREFLIGHT = {
    **CORS,
    "Access-Control-Allow-Methods": "GET",
    "Access-Control-Allow-Headers": "If-None-Match",
    "Access-Control-Max-Age": "86400",
}


class _Route(APIRoute):
    """Every reply of the API, errors included, carries the CORS header; a bad parameter is a
    422 that names it in plain words."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                response = await handler(request)
            except RequestValidationError as exc:
                response = _error(422, _parameter_problem(exc))
            except HTTPException as exc:
                response = _error(exc.status_code, str(exc.detail))
            response.headers.update(CORS)
            return response

        return answer


def _parameter_problem(exc: RequestValidationError) -> str:
    first = exc.errors()[0]
    where = [str(part) for part in first.get("loc", ()) if part not in ("query", "path")]
    name = where[0] if where else "the request"
    return f"parameter {name}: {first.get('msg', 'is not valid')}"


def _error(status: int, detail: str) -> Response:
    body = json.dumps({"detail": detail}).encode()
    return Response(body, status_code=status, media_type="application/json")


router = APIRouter(prefix="/hsds", tags=["HSDS"], route_class=_Route)


# -- paging, caching --------------------------------------------------------------------------


_MAKING = threading.Lock()  # one catalogue per app, even when its first requests race


def _catalogue(request: Request) -> View:
    state = request.app.state.hub
    with _MAKING:
        catalogue = getattr(request.app.state, "hsds_catalogue", None)
        if catalogue is None:
            catalogue = request.app.state.hsds_catalogue = Catalogue()
    return catalogue.current(state.conn, state.base_url(request))


def _etag(view: View, request: Request) -> str:
    query = sorted(request.query_params.multi_items())
    key = json.dumps([view.epoch, view.seq, view.public_url, request.url.path, query])
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def _reply(request: Request, view: View, build: Callable[[], Any]) -> Response:
    tag = _etag(view, request)
    asked = request.headers.get("if-none-match", "")
    if tag in [t.strip().removeprefix("W/") for t in asked.split(",")] or asked.strip() == "*":
        return Response(status_code=304, headers={"ETag": tag})
    body = json.dumps(build(), ensure_ascii=False, separators=(",", ":")).encode()
    # Public data: caches may keep it, and must ask again (cheaply, with the ETag) each time.
    headers = {"ETag": tag, "Cache-Control": "public, no-cache"}
    return Response(body, media_type="application/json", headers=headers)


def _page(items: list, page: int, per_page: int) -> dict:
    total = len(items)
    pages = math.ceil(total / per_page)
    contents = items[(page - 1) * per_page : page * per_page]
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": not contents,
        "contents": contents,
    }


def _not_found(what: str) -> HTTPException:
    return HTTPException(404, f"There is no {what} with this id.")


# -- the OpenAPI document ---------------------------------------------------------------------

_PAGE_FIELDS = {
    "total_items": {"type": "integer"},
    "total_pages": {"type": "integer"},
    "page_number": {"type": "integer"},
    "size": {"type": "integer"},
    "first_page": {"type": "boolean"},
    "last_page": {"type": "boolean"},
    "empty": {"type": "boolean"},
}
_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _documented(item_schema: str | None, what: str, listed: bool) -> dict:
    """The replies as the OpenAPI document shows them; the objects are HSDS 3.0's own."""
    item = {"type": "object", "description": f"HSDS 3.0: {SCHEMAS}{item_schema}"}
    schema = (
        {"type": "object", "properties": {**_PAGE_FIELDS, "contents": {"type": "array",
         "items": item}}, "required": [*_PAGE_FIELDS, "contents"]}
        if listed else item
    )  # fmt: skip
    out: dict = {
        200: {"description": what, "content": {"application/json": {"schema": schema}}},
        304: {"description": "Not changed since the ETag given in If-None-Match"},
        422: {"description": "A parameter that is not valid (named in detail)", **_ERROR},
    }
    if not listed:
        out[404] = {"description": "No such id", **_ERROR}
    return out


Page = Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1.")]
PerPage = Annotated[
    int, Query(ge=1, le=MAX_PER_PAGE, description=f"Items per page, 1 to {MAX_PER_PAGE}.")
]
Search = Annotated[
    str | None,
    Query(max_length=MAX_SEARCH, description="Words in the name and texts (all must occur)."),
]
TermId = Annotated[uuid.UUID | None, Query(description="Only with this taxonomy term.")]
TaxonomyId = Annotated[uuid.UUID | None, Query(description="Only with a term of this taxonomy.")]
OrganizationId = Annotated[uuid.UUID | None, Query(description="Only of this organization.")]
#: Read as text and parsed here: pydantic would take "0.5" as seconds since 1970.
ModifiedAfter = Annotated[
    str | None,
    Query(max_length=40, pattern=r"^\d{4}-\d{2}-\d{2}", examples=["2026-01-31T09:00:00Z"],
          json_schema_extra={"format": "date-time"},
          description="Only changed at or after this ISO 8601 moment (UTC if no offset)."),
]  # fmt: skip


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise HTTPException(422, "parameter modified_after: must be an ISO 8601 date-time,"
                                 " like 2026-01-31T09:00:00Z") from None  # fmt: skip
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- the filters ------------------------------------------------------------------------------


def _matching(view: View, search, term, taxonomy, organization, after) -> Iterable[Entry]:
    words = model.fold(search).split() if search else []
    term_id = (view.dutch_term(str(term)) or "-") if term else None
    for sid in view.order:
        entry = view.entries[sid]
        if organization and entry.organization["id"] != str(organization):
            continue
        if term_id and term_id not in entry.term_ids:
            continue
        if taxonomy and str(taxonomy) not in entry.taxonomy_ids:
            continue
        if after and entry.modified < after:
            continue
        if words and not all(word in entry.words for word in words):
            continue
        yield entry


@dataclass
class Listing:
    """The catalogue and the filtered entries of one list request (filtering runs only when
    the reply is built: a 304 skips it)."""

    view: View
    found: Iterable[Entry]
    page: int
    per_page: int

    def page_of(self, part: Callable[[Entry], dict]) -> dict:
        return _page([part(entry) for entry in self.found], self.page, self.per_page)


async def _listing(request: Request, page: Page = 1, per_page: PerPage = 50,
                   search: Search = None, taxonomy_term_id: TermId = None,
                   taxonomy_id: TaxonomyId = None, organization_id: OrganizationId = None,
                   modified_after: ModifiedAfter = None) -> Listing:  # fmt: skip
    """The query of /services and /organizations: the same filters, cumulative (HSDA)."""
    after = _moment(modified_after)
    view = await run_in_threadpool(_catalogue, request)
    found = _matching(view, search, taxonomy_term_id, taxonomy_id, organization_id, after)
    return Listing(view, found, page, per_page)


Filtered = Annotated[Listing, Depends(_listing)]


def _has_words(item: dict, words: list[str]) -> bool:
    """A taxonomy or term whose name, code or description holds every word."""
    text = model.fold(" ".join([item["name"], item.get("code", ""), item["description"]]))
    return all(word in text for word in words)


# -- the endpoints ----------------------------------------------------------------------------


@router.get("/", summary="About this HSDS API", responses=_documented(None, "About", False))
def about(request: Request) -> Response:
    base = request.app.state.hub.base_url(request)
    body = {"version": HSDS_VERSION, "profile": PROFILE, "openapi_url": f"{base}/openapi.json"}
    return Response(json.dumps(body).encode(), media_type="application/json")


@router.get(
    "/services",
    summary="Services (one per community), paged and filtered",
    responses=_documented("compiled/service_list.json", "A page of services", True),
)
async def services(request: Request, listing: Filtered) -> Response:
    return _reply(request, listing.view, lambda: listing.page_of(lambda e: e.summary))


@router.get(
    "/services/{id}",
    summary="One service, in full",
    responses=_documented("compiled/service_with_definitions.json", "A service", False),
)
async def service(request: Request, id: uuid.UUID) -> Response:  # noqa: A002  (HSDA's name)
    view = await run_in_threadpool(_catalogue, request)
    entry = view.entries.get(str(id))
    if entry is None:
        raise _not_found("service")
    return _reply(request, view, lambda: entry.service)


@router.get(
    "/organizations",
    summary="Organizations (one per community), paged and filtered",
    responses=_documented("compiled/organization_list.json", "A page of organizations", True),
)
async def organizations(request: Request, listing: Filtered) -> Response:
    return _reply(request, listing.view, lambda: listing.page_of(lambda e: e.organization))


@router.get(
    "/organizations/{id}",
    summary="One organization, with its service",
    responses=_documented("organization.json", "An organization", False),
)
async def organization(request: Request, id: uuid.UUID) -> Response:  # noqa: A002
    view = await run_in_threadpool(_catalogue, request)
    sid = view.by_organization.get(str(id))
    if sid is None:
        raise _not_found("organization")
    entry = view.entries[sid]
    services_ = [{k: v for k, v in entry.summary.items() if k != "organization"}]
    return _reply(request, view, lambda: {**entry.organization, "services": services_})


@router.get(
    "/taxonomies",
    summary="The lists (themes, neighbourhoods, gifts, kinds, text fields) as taxonomies",
    responses=_documented("taxonomy.json", "A page of taxonomies", True),
)
async def taxonomies(request: Request, page: Page = 1, per_page: PerPage = 50,
                     search: Search = None) -> Response:  # fmt: skip
    view = await run_in_threadpool(_catalogue, request)
    words = model.fold(search or "").split()
    found = [t for t in view.taxonomies if _has_words(t, words)]
    return _reply(request, view, lambda: _page(found, page, per_page))


@router.get(
    "/taxonomies/{id}",
    summary="One taxonomy",
    responses=_documented("taxonomy.json", "A taxonomy", False),
)
async def taxonomy(request: Request, id: uuid.UUID) -> Response:  # noqa: A002
    view = await run_in_threadpool(_catalogue, request)
    found = next((t for t in view.taxonomies if t["id"] == str(id)), None)
    if found is None:
        raise _not_found("taxonomy")
    return _reply(request, view, lambda: found)


@router.get(
    "/taxonomy_terms",
    summary="The terms of the lists, one per language they are named in",
    responses=_documented("taxonomy_term.json", "A page of taxonomy terms", True),
)
async def taxonomy_terms(
    request: Request, page: Page = 1, per_page: PerPage = 50, search: Search = None,
    taxonomy_id: TaxonomyId = None,
) -> Response:  # fmt: skip
    view = await run_in_threadpool(_catalogue, request)
    words = model.fold(search or "").split()
    found = [t for t in view.terms
             if (taxonomy_id is None or t["taxonomy_id"] == str(taxonomy_id))
             and _has_words(t, words)]  # fmt: skip
    return _reply(request, view, lambda: _page(found, page, per_page))


@router.get(
    "/taxonomy_terms/{id}",
    summary="One taxonomy term",
    responses=_documented("taxonomy_term.json", "A taxonomy term", False),
)
async def taxonomy_term(request: Request, id: uuid.UUID) -> Response:  # noqa: A002
    view = await run_in_threadpool(_catalogue, request)
    found = view.term_by_id.get(str(id))
    if found is None:
        raise _not_found("taxonomy term")
    return _reply(request, view, lambda: found)


def preflight() -> Response:
    """A browser asks before it sends If-None-Match from another site: GET only."""
    return Response(status_code=204, headers=PREFLIGHT)


for _path in [route.path.removeprefix(router.prefix) for route in router.routes]:
    router.add_api_route(_path, preflight, methods=["OPTIONS"], include_in_schema=False)
