"""The desk's open-data page: exports and the spreadsheet template to download."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
