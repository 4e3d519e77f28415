"""The kiosk's sync worker: a background thread that runs sync rounds on a schedule, soon
after a visitor finishes, and backs off (exponentially, with jitter) while the hub cannot be
reached. The interface never waits on it: it reads ``status`` (a snapshot) when it likes.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

from kiosk.photos import PhotoFetcher
from sync.client import SyncClient, SyncError, status

log = logging.getLogger("ontmoet.sync")

INTERVAL = 60.0  # seconds between rounds when all is well
SOON = 5.0  # seconds after a visitor finishes: their records go out, the screen is free
BACKOFF_FIRST = 5.0
BACKOFF_MAX = 15 * 60.0
PICTURES_PER_ROUND = 200  # about 20 ms each, on the worker thread


def backoff_delay(failures: int, rng: random.Random, first: float = BACKOFF_FIRST) -> float:
    """Full jitter: a random wait up to an exponentially growing cap, so that kiosks that
    lost the hub together do not all come back at the same second."""
    cap = min(BACKOFF_MAX, first * 2 ** max(0, failures - 1))
    return rng.uniform(cap / 2, cap)


class SyncWorker:
    def __init__(
        self,
        db_path: Path,
        photos_dir: Path | None = None,
        interval: float = INTERVAL,
        on_status: Callable[[dict], None] | None = None,
        rng: random.Random | None = None,
        backoff_first: float = BACKOFF_FIRST,
    ) -> None:
        self.db_path = db_path
        self.photos_dir = photos_dir
        self.interval = interval
        self.on_status = on_status
        self.rng = rng or random.Random()
        self.backoff_first = backoff_first
        self.failures = 0
        self.rounds = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._due: float | None = None  # when a nudge wants a round (monotonic seconds)
        self._lock = threading.Lock()
        self._status: dict = {}
        self._photos = PhotoFetcher(photos_dir) if photos_dir is not None else None
        self._thread = threading.Thread(target=self._run, name="ontmoet-sync", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def nudge(self, delay: float = SOON) -> None:
        """Run a round within ``delay`` seconds (a visitor just finished; with 0: someone
        waits for it, as for the reception). A nudge only ever brings a round closer."""
        due = time.monotonic() + delay
        with self._lock:
            self._due = due if self._due is None else min(self._due, due)
        self._wake.set()

    @property
    def status(self) -> dict:
        with self._lock:
            return dict(self._status)

    def _run(self) -> None:
        from kiosk.store import open_store

        # Its own connection: a SQLite connection is not shared between threads.
        store = open_store(self.db_path)
        session = requests.Session()
        next_round = time.monotonic()  # the first round at once
        try:
            while not self._stop.is_set():
                with self._lock:
                    due = next_round if self._due is None else min(next_round, self._due)
                left = due - time.monotonic()
                if left > 0:
                    # Woken by a nudge (or stop), look again: a nudge for 'now' must not sit
                    # out a wait that an earlier, less urgent one started.
                    self._wake.wait(left)
                    self._wake.clear()
                    continue
                with self._lock:
                    self._due = None  # a nudge during the round asks for one more
                wait = self._round(store, session)
                next_round = time.monotonic() + wait
        finally:
            store.close()

    def _round(self, store, session: requests.Session) -> float:
        self.rounds += 1
        client = None
        try:  # yesterday's opened pages go into the outbox, on this thread, before the push
            from kiosk.counts import flush_finished_days

            flush_finished_days(store, store.get_state("kiosk_name", "") or "")
        except Exception:
            log.exception("queueing the counts of finished days")
        try:
            client = SyncClient(store, session=session)
            client.sync_once()
            self.failures = 0
            wait = self.interval
        except SyncError as exc:
            self.failures += 1
            log.warning("sync round failed (%s): %s", exc.state, exc)
            wait = backoff_delay(self.failures, self.rng, self.backoff_first)
        except Exception:  # a bug must not end the thread: log it, try again later
            self.failures += 1
            log.exception("sync round crashed")
            wait = backoff_delay(self.failures, self.rng, self.backoff_first)
        # Nothing after the round may end the thread either (a full disk, a locked store):
        # the outbox must go on draining (SYNC.md rule 13).
        if client is not None and self.failures == 0 and self._photos is not None:
            try:  # after a good pull only: the groups' photos, a few per round (kiosk.photos)
                self._photos.run(store, client.fetch_photo)
            except Exception:
                log.exception("fetching photos")
        try:
            self._make_pictures(store)
            snapshot = {**status(store), "failures": self.failures, "next_round_in": round(wait)}
            with self._lock:
                self._status = snapshot
            if self.on_status:
                self.on_status(snapshot)
        except Exception:
            log.exception("after the sync round")
        return wait

    def _make_pictures(self, store) -> None:
        """Communities from the hub come without a picture: make a few per round, here and
        not on the screen's thread."""
        if self.photos_dir is None:
            return
        missing = store.communities_without_photo(PICTURES_PER_ROUND)
        if not missing:
            return
        from kiosk.pictures import write_picture

        for community_id, name in missing:
            store.set_photo(community_id, write_picture(self.photos_dir, community_id, name))
