"""Freed memory handed back to the system once a visit has ended.

A kiosk draws many short-lived textures (every label's text gets a fresh one, see
screens.widgets.rtl.BidiCoreLabel.refresh) and the software renderer keeps its own buffers in the
process. glibc's allocator keeps what was freed inside the process, in pieces scattered among
what is still used, so the resident size creeps up visit after visit though nothing leaks.
malloc_trim(0) gives the free pages back; it costs a few milliseconds, spent while the attract
screen waits for the next visitor.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import cache

#: Off for a before/after measurement (bench/soak.py --no-trim).
ENABLED = True


@cache
def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim  # glibc only; musl has none
    except (OSError, AttributeError):
        return None


def release_freed_memory(*_args) -> bool:
    """True when memory could be handed back (glibc on Linux)."""
    trim = _malloc_trim()
    if not ENABLED or trim is None:
        return False
    trim(0)
    return True
