"""The HSDS read API (HSDA) under /hsds/: public, read-only."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/hsds", tags=["HSDS"])
