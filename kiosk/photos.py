"""The groups' own photos on the kiosk: after a pull, the sync worker fetches the photos of
communities whose ``image`` (hash, size, width, height: protocol.IMAGE_FIELDS) it does not
show yet, a few per round, and keeps them in the photos folder under their hash. A community
then shows its photo instead of the picture made from its initials (kiosk.pictures).

Offline first: a photo that cannot be fetched now (no network, the hub says no, the file does
not match its hash) leaves the community with the picture it had, and is tried again in a
later round, after a wait that grows with each failure; it never holds up the pull or the
other photos. A file is kept only when its SHA-256 and size are the record's (checked by
sync.client.SyncClient.fetch_photo), written whole or not at all. Since a name is always the
same bytes, Kivy's image cache never shows a stale picture.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("ontmoet.sync")

PER_ROUND = 20  # photos fetched in one round at most: ~150 KB each
RETRY_FIRST = 60.0  # seconds before a failed photo is tried again; doubles, up to a day
RETRY_MAX = 24 * 3600.0
_PHOTO_NAME = re.compile(r"^[0-9a-f]{64}\.jpg$")

Fetch = Callable[[str, int], bytes]


def file_name(sha256: str) -> str:
    return f"{sha256}.jpg"


def write_photo(folder: Path, sha256: str, data: bytes) -> str:
    """Keep a checked photo in ``folder`` atomically; returns its file name."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / file_name(sha256)
    fd, scratch = tempfile.mkstemp(dir=folder, prefix=".fetch-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(scratch, 0o644)  # public pictures, read by the screen's process
        os.replace(scratch, target)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
    return target.name


class PhotoFetcher:
    """Kept by the sync worker across rounds: it remembers which photos failed and when to
    try them again (in memory: a restart simply tries everything once more)."""

    def __init__(self, folder: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.folder = Path(folder)
        self.clock = clock
        self._failed: dict[str, tuple[int, float]] = {}  # sha256 -> (failures, retry at)

    def run(self, store, fetch: Fetch, limit: int = PER_ROUND) -> dict[str, int]:
        """One round: photos taken away, then at most ``limit`` photos fetched. Returns
        counts (fetched, failed, waiting) for the log and the tests."""
        counts = {"fetched": 0, "failed": 0, "waiting": 0, "removed": 0}
        counts["removed"] = store.forget_removed_photos()
        now = self.clock()
        by_hash: dict[str, tuple[int, list[str]]] = {}
        for community_id, image in store.communities_missing_image(max(limit * 10, 100)):
            size, ids = by_hash.setdefault(image["sha256"], (image["bytes"], []))
            ids.append(community_id)
        tried = 0
        for sha256, (size, ids) in by_hash.items():
            if self._failed.get(sha256, (0, 0.0))[1] > now:
                counts["waiting"] += 1
                continue
            if not (self.folder / file_name(sha256)).is_file():
                if tried >= limit:
                    counts["waiting"] += 1
                    continue
                tried += 1
                try:
                    data = fetch(sha256, size)
                    write_photo(self.folder, sha256, data)
                except Exception as exc:  # noqa: BLE001  (any failure: try again later)
                    self._note_failure(sha256, now)
                    counts["failed"] += 1
                    log.warning("photo %s not fetched: %s", sha256[:12], exc)
                    if getattr(exc, "state", None) in ("offline", "revoked"):
                        break  # the hub is gone or refuses us: the rest waits too
                    continue
                counts["fetched"] += 1
            self._failed.pop(sha256, None)
            for community_id in ids:
                store.set_photo(community_id, file_name(sha256))
        if counts["fetched"] or counts["removed"]:
            self.sweep(store)
        return counts

    def _note_failure(self, sha256: str, now: float) -> None:
        failures = self._failed.get(sha256, (0, 0.0))[0] + 1
        wait = min(RETRY_MAX, RETRY_FIRST * 2 ** (failures - 1))
        self._failed[sha256] = (failures, now + wait)

    def sweep(self, store) -> int:
        """Remove fetched photos no community shows any more (a group's older photo)."""
        in_use = store.photos_in_use()
        removed = 0
        for path in self.folder.glob("*.jpg"):
            if _PHOTO_NAME.match(path.name) and path.name not in in_use:
                path.unlink(missing_ok=True)
                removed += 1
        return removed
