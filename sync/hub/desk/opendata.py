"""The desk's open-data page (admin): the public records to download as an HSDS 3.0 data
package, as HSDS JSON and as the spreadsheet, and the empty spreadsheet to fill in. Built by
sync.hub.hsds.export, the same as ``ontmoet-hub export``; downloads are plain GETs."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from sync.hub.desk.access import hub_of, page, render
from sync.hub.desk_store import DeskSession
from sync.hub.hsds import export, spreadsheet

router = APIRouter()

#: The downloads: name in the address -> (what builds it, its media type, its file name).
DOWNLOADS = {
    "hsds.zip": (export.zip_bytes, "application/zip", "ontmoet-hsds-{day}.zip"),
    "hsds.json": (export.json_bytes, "application/json", "ontmoet-hsds-{day}.json"),
    "groups.csv": (export.csv_bytes, "text/csv; charset=utf-8", "ontmoet-groups-{day}.csv"),
}
TEMPLATE_NAME = "ontmoet-groups-template.csv"


def _snapshot(request: Request) -> export.Snapshot:
    """The hub's public records; photos are linked where this hub is reached."""
    state = hub_of(request)
    return dataclasses.replace(export.read(state.conn), public_url=state.base_url(request))


def _download(data: bytes, media_type: str, filename: str) -> Response:
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })  # fmt: skip


@router.get("/opendata", response_class=HTMLResponse)
def opendata_page(request: Request, session: Annotated[DeskSession, Depends(page("opendata"))]):
    count = export.community_count(hub_of(request).conn)
    return render(request, "opendata.html", session, count=count,
                  api_url=f"{hub_of(request).base_url(request)}/hsds/")  # fmt: skip


@router.get("/opendata/template.csv")
def template(_session: Annotated[DeskSession, Depends(page("opendata"))]) -> Response:
    return _download(spreadsheet.template(), "text/csv; charset=utf-8", TEMPLATE_NAME)


@router.get("/opendata/{name}")
def download(request: Request, name: str,
             _session: Annotated[DeskSession, Depends(page("opendata"))]) -> Response:  # fmt: skip
    if name not in DOWNLOADS:
        return Response("Not found", status_code=404, media_type="text/plain")
    build, media_type, filename = DOWNLOADS[name]
    return _download(build(_snapshot(request)), media_type,
                     filename.format(day=date.today().isoformat()))  # fmt: skip
