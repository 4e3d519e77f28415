"""The desk's imports page (admin): every import run, newest first, with what it added,
changed and skipped, the terms the hub's lists lack, and the rows with a problem (file, line,
field). Imports run on the hub's machine (``ontmoet-hub import``); this page only reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from sync.hub.desk.access import hub_of, page, render
from sync.hub.desk_store import DeskSession
from sync.hub.hsds import provenance

router = APIRouter()
#: Bad rows shown per run (the report keeps up to provenance.MAX_REPORTED_ROWS).
SHOWN_ROWS = 200


@router.get("/imports", response_class=HTMLResponse)
def imports_page(request: Request, session: Annotated[DeskSession, Depends(page("opendata"))]):
    return render(request, "imports.html", session, runs=provenance.runs(hub_of(request).conn),
                  shown_rows=SHOWN_ROWS)  # fmt: skip
