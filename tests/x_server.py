"""A virtual X server (Xvfb) for the tests that run the real kiosk window.

Xvfb picks a free display number itself and writes it to a pipe (``-displayfd``): two test
workers that chose "the first free number" at the same moment had both started on :90, and
one kiosk drew on the other test's screen."""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

BOUND = 60.0  # seconds: a bound against a hang, not a timing claim


@contextlib.contextmanager
def xvfb(width: int, height: int, fbdir: Path | None = None) -> Iterator[str]:
    """An X server of ``width`` x ``height`` (24-bit) while the block runs; yields its
    DISPLAY. With ``fbdir``, Xvfb keeps its screen there as an XWD file (Xvfb_screen0)."""
    # ./tasks test installs them: missing, a test fails rather than passes unseen.
    assert shutil.which("Xvfb") and shutil.which("xdotool"), "apt-get install xvfb xdotool"
    read_end, write_end = os.pipe()
    extra = ["-fbdir", str(fbdir)] if fbdir is not None else []
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", f"{width}x{height}x24",
         "-nolisten", "tcp", *extra],
        pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], BOUND)
        number = os.read(read_end, 16).decode().strip() if ready else ""
        assert number.isdigit(), "Xvfb did not start"
        yield f":{number}"
    finally:
        os.close(read_end)
        server.terminate()
        server.wait(10)
