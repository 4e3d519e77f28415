"""The kiosk's data folder is private to the kiosk's user: kiosk.db holds the bearer token, the
receptionist PIN's hash and sealed contact details waiting for the hub (SYNC.md rule 15).

The folder is 0700 and the database 0600 before SQLite first opens it: SQLite gives its -wal
and -shm files the database's own permissions. A kiosk updated from a version that made them
0644 is tightened when it opens its store.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")

log = logging.getLogger("ontmoet.store")


def prepare_private_database(path: Path) -> None:
    """Make ``path``'s folder (0700) and the empty database file (0600) if they are missing;
    tighten both, and SQLite's companion files, where they exist and are too open."""
    folder = path.parent
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    _tighten(folder, FOLDER_MODE)
    if not path.exists():
        # O_EXCL: never through a link someone else put there; the mode is set at creation,
        # so the file is never readable by others, not even for a moment.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE))
    for file in (path, *(path.with_name(path.name + end) for end in SQLITE_COMPANIONS)):
        if file.exists():
            _tighten(file, FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    current = path.stat().st_mode & 0o777
    if current & ~mode == 0:
        return
    try:
        path.chmod(current & mode)
    except OSError as exc:  # not ours (a folder shared by mistake): say so, and go on serving
        log.warning("cannot make %s private (mode %o): %s", path, current, exc)
