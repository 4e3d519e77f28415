"""The kiosk's side of sync: enrolment, and one sync round (push, then pull) as SYNC.md asks.

- Push: contiguous, ascending batches from the outbox (rule 3). The outbox itself
  (kiosk.outbox) is where ops wait, leave after the hub's 200 (rule 6) into a short archive
  that a restored hub can ask for again (rule 11), and are forgotten; this module is the HTTP
  and the protocol around it.
- Pull: pages after the stored cursor; a page and its new cursor are written in one
  transaction (rule 7). A pull from zero (first sync, resync, new epoch) ends by removing what
  the hub no longer has.
- Anything unexpected from the network (connection error, timeout, 5xx, a truncated or
  non-JSON body) is "outcome unknown" (rule 5): the round stops, nothing is marked sent, and
  the same batch goes again next round.

Nothing here touches Kivy; the worker (sync.worker) runs rounds on its own thread.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import uuid
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from kiosk import __version__, hall_messages, outbox
from kiosk.models import Event, Term
from kiosk.store import Store, transaction, utcnow
from sync import protocol

API = "/api/v1"
TIMEOUT = (5, 30)  # seconds to connect, seconds between bytes of the reply
PAGE_LIMIT = 500
KNOWS = ",".join(protocol.NEWER_SHARED_ENTITIES)


class SyncError(Exception):
    """A round that did not complete. ``state`` is what staff see: offline (try again later),
    revoked (enrol again), update_needed, attention (someone must look)."""

    def __init__(self, state: str, message: str) -> None:
        super().__init__(message)
        self.state = state


class PhotoError(Exception):
    """One photo could not be fetched as its record describes it; the others go on."""


class OutcomeUnknown(SyncError):
    """The request may or may not have reached the hub: send the same again later."""

    def __init__(self, message: str) -> None:
        super().__init__("offline", message)


@dataclass
class RoundResult:
    pushed: int = 0
    pulled: int = 0
    requests: int = 0
    epoch_changed: bool = False
    quarantined: list[dict] = field(default_factory=list)


# -- enrolment --------------------------------------------------------------------------------


def enrol(store: Store, hub_url: str, code: str, session: requests.Session | None = None) -> str:
    """Exchange a one-time code for this kiosk's token and the hub's public key; both are kept
    in the kiosk's store. Returns the kiosk's name as the hub knows it."""
    hub_url = hub_url.rstrip("/")
    # The token travels with every request: over https, or plain http on this machine only.
    if not re.match(r"^(https://[^\s/]+|http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?)(/.*)?$",
                    hub_url):  # fmt: skip
        raise SyncError(
            "attention",
            f"{hub_url!r} is not an https:// address (plain http only to this machine itself)",
        )
    http = session or requests.Session()
    try:
        reply = http.post(
            f"{hub_url}{API}/enrol",
            json={"code": code, "device": device_id(store)},
            timeout=TIMEOUT,
        )
    except requests.RequestException as exc:
        raise OutcomeUnknown(
            f"the hub at {hub_url} cannot be reached ({type(exc).__name__})"
        ) from None
    if reply.status_code != 200:
        raise SyncError("attention", f"the hub refused the enrolment: {_detail(reply)}")
    try:
        data = protocol.parse_reply(reply.content, protocol.ENROL_REPLY)
    except protocol.ProtocolError as exc:
        raise SyncError("attention", f"the hub's reply is not valid: {exc}") from None
    with transaction(store.conn):
        for key, value in (
            ("hub_url", hub_url),
            ("token", data["token"]),
            ("hub_public_key", data["hub_public_key"]),
            ("public_url", data["public_url"]),
            ("kiosk_name", data["kiosk"]),
            ("state", "enrolled"),
        ):
            store.set_state(key, value)
    return data["kiosk"]


def device_id(store: Store) -> str:
    """This kiosk's own id, made once and kept in its store."""
    known = store.get_state("device_id")
    if not known:
        known = str(uuid.uuid4())
        store.set_state("device_id", known)
    return known


def enrolment(store: Store) -> dict[str, str] | None:
    """What the kiosk received when it enrolled, or None."""
    token = store.get_state("token")
    if not token:
        return None
    keys = ("hub_url", "hub_public_key", "public_url", "kiosk_name")
    return {"token": token, **{k: store.get_state(k, "") for k in keys}}


def _detail(reply: requests.Response) -> str:
    try:
        return str(reply.json().get("detail", reply.status_code))[:300]
    except (ValueError, AttributeError):
        return f"HTTP {reply.status_code}"


# -- one round --------------------------------------------------------------------------------


class SyncClient:
    def __init__(
        self,
        store: Store,
        session: requests.Session | None = None,
        batch_ops: int = protocol.MAX_BATCH_OPS,
        page_limit: int = PAGE_LIMIT,
        archive_days: int = outbox.ARCHIVE_DAYS,
    ) -> None:
        found = enrolment(store)
        if found is None:
            raise SyncError("attention", "this kiosk is not enrolled: run 'ontmoet-kiosk enrol'")
        self.store = store
        self.hub_url = found["hub_url"]
        self.token = found["token"]
        self.http = session or requests.Session()
        self.batch_ops = batch_ops
        self.page_limit = page_limit
        self.archive_days = archive_days

    # -- the round ---------------------------------------------------------------------------

    def sync_once(self) -> RoundResult:
        """Push everything queued, then pull every change. Raises SyncError when the round
        did not complete; what was done before that is kept."""
        result = RoundResult()
        try:
            self.store.set_state("last_attempt", utcnow())
            self._push(result)
            again = self._pull(result)
            if again:  # the hub lacks what it had acknowledged: a restore
                self._push(result)
        except sqlite3.Error as exc:
            # The kiosk's own store refused a write (a full disk, say): the transaction that
            # failed left nothing half-written, and what came before it is kept.
            error = SyncError("attention", f"the kiosk's store could not be written: {exc}")
            self._note_failure(error)
            raise error from None
        except SyncError as exc:
            self._note_failure(exc)
            raise
        with transaction(self.store.conn):
            self.store.set_state("status", "online")
            self.store.set_state("last_error", "")
            self.store.set_state("last_sync_ok", utcnow())
        return result

    def _note_failure(self, exc: SyncError) -> None:
        try:
            with transaction(self.store.conn):
                self.store.set_state("status", exc.state)
                self.store.set_state("last_error", str(exc)[:500])
        except sqlite3.Error:
            pass  # a full disk cannot take the note either; the exception still says it

    # -- HTTP ---------------------------------------------------------------------------------

    def _request(self, method: str, path: str, result: RoundResult, **kwargs) -> requests.Response:
        return self._send(method, path, result, self._headers("data" in kwargs), **kwargs)

    def _headers(self, with_body: bool) -> dict[str, str]:
        """What every request tells the hub (read from the store: on the store's own thread)."""
        oldest = outbox.oldest(self.store)
        headers = {
            "Authorization": f"Bearer {self.token}",
            "X-Ontmoet-Outbox": str(outbox.size(self.store)),
            "X-Ontmoet-Version": __version__,
            "X-Ontmoet-Clock": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        if oldest:
            headers["X-Ontmoet-Oldest-Unsent"] = oldest
        if with_body:
            headers["Content-Type"] = "application/json"
        return headers

    def _send(
        self, method: str, path: str, result: RoundResult, headers: dict[str, str], **kwargs
    ) -> requests.Response:
        result.requests += 1
        try:
            # Not streamed: the whole body is read here, so a hub dying mid-reply raises here.
            reply = self.http.request(
                method, f"{self.hub_url}{API}{path}", headers=headers, timeout=TIMEOUT, **kwargs
            )
        except requests.RequestException as exc:
            # ChunkedEncodingError (a hub dying mid-reply) is one of these too.
            raise OutcomeUnknown(f"the hub cannot be reached ({type(exc).__name__})") from None
        if reply.status_code == 401:
            raise SyncError("revoked", f"the hub refused this kiosk's token: {_detail(reply)}")
        if reply.status_code >= 500:
            raise OutcomeUnknown(f"the hub had a problem: {_detail(reply)}")
        return reply

    def _check_epoch(self, epoch: str) -> bool:
        """True when the hub's epoch changed (it was restored from a backup): the pull starts
        again from zero, in the same transaction that notes the new epoch."""
        known = self.store.get_state("epoch")
        if known == epoch:
            return False
        with transaction(self.store.conn):
            self.store.set_state("epoch", epoch)
            if known is not None:
                self._start_full_pull()
        return known is not None

    # -- push ---------------------------------------------------------------------------------

    def _wire_ops(self, limit: int) -> list[dict[str, Any]]:
        """The next ops to push, as the protocol sends them (with its version)."""
        version = protocol.PROTOCOL_VERSION
        return [{"version": version, **op} for op in outbox.pending(self.store, limit)]

    def _push(self, result: RoundResult) -> None:
        batch_ops = self.batch_ops
        answered_gap = None
        while ops := self._wire_ops(batch_ops):
            body = json.dumps({"ops": ops}, ensure_ascii=False, separators=(",", ":")).encode()
            while len(body) > protocol.MAX_BODY_BYTES and len(ops) > 1:
                ops = ops[: len(ops) // 2]
                body = json.dumps({"ops": ops}, ensure_ascii=False, separators=(",", ":")).encode()
            reply = self._request("POST", "/push", result, data=body)
            if reply.status_code == 413 and len(ops) > 1:
                batch_ops = max(1, len(ops) // 2)  # rule 3: halve the batch and go on
                continue
            if reply.status_code == 409:
                expected = self._handle_gap(reply, ops)
                if expected == answered_gap:  # the same answer again: do not loop on it
                    raise SyncError("attention", f"the hub keeps expecting device_seq {expected}")
                answered_gap = expected
                continue
            if reply.status_code != 200:
                state = "update_needed" if "update needed" in _detail(reply) else "attention"
                raise SyncError(state, f"the hub refused a batch: {_detail(reply)}")
            data = self._parse(reply, protocol.PUSH_REPLY)
            self._check_epoch(data["epoch"])
            # Never more than was sent: a wrong or forged reply must not empty the outbox.
            acked = min(data["acked_seq"], ops[-1]["device_seq"])
            self._acknowledge(acked)
            result.pushed += sum(1 for op in ops if op["device_seq"] <= acked)
            result.quarantined.extend(data["quarantined"])
            if acked < ops[-1]["device_seq"]:
                raise SyncError("attention", "the hub acknowledged less than it was sent")

    def _handle_gap(self, reply: requests.Response, ops: list[dict]) -> int:
        """A 409: the hub expects an earlier device_seq (it was restored from a backup) or
        refuses a replay with other content. Returns the seq it expects."""
        try:
            data = protocol.parse_json(reply.content)
            expected = protocol.integer(1)("expected_seq", data["expected_seq"])
        except (ValueError, KeyError, TypeError):
            raise SyncError("attention", f"the hub refused a batch: {_detail(reply)}") from None
        if expected >= ops[0]["device_seq"]:
            raise SyncError("attention", f"the hub expects device_seq {expected}: out of step")
        # The hub was restored: send again, from the archive, what it lacks (rule 11) — if the
        # archive still holds all of it, without a hole.
        if not outbox.resend_from(self.store, expected, sent_from=ops[0]["device_seq"]):
            raise SyncError(
                "attention",
                f"the hub lacks operations from device_seq {expected} on, which this kiosk no "
                "longer keeps all of (the hub was restored from a backup older than the archive)",
            )
        return expected

    def _acknowledge(self, acked: int) -> None:
        """Rule 6: only now do sent ops leave the outbox, in one transaction."""
        outbox.acknowledge(self.store, acked, keep_days=self.archive_days)

    # -- pull ---------------------------------------------------------------------------------

    def _start_full_pull(self) -> None:
        self.store.set_state("pull_cursor", "0")
        self.store.set_state("full_pull", "1")
        self.store.conn.execute("DELETE FROM pull_seen")

    def _pull(self, result: RoundResult) -> bool:
        """Pull every page; True when the hub turned out to lack acknowledged ops.

        While a page is written, the next one is fetched and checked in a thread: SQLite
        writes (the search index, the commit) outside Python's lock, so a first pull of many
        pages takes the time of the writes, not of writes plus requests plus parsing. A page
        fetched ahead is only used when the cursor it was asked for is the one written.
        """
        needs_push = False
        ahead: tuple[int, Future] | None = None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pull-ahead") as fetcher:
            for _ in range(100_000):  # bounded: a hub that never says has_more=false is a bug
                cursor = int(self.store.get_state("pull_cursor", "0") or 0)
                if cursor == 0 and self.store.get_state("full_pull") != "1":
                    with transaction(self.store.conn):
                        self._start_full_pull()
                if ahead is not None and ahead[0] == cursor:
                    page = ahead[1].result()
                else:
                    page = self._fetch_page(cursor, result, self._headers(False))
                ahead = None
                if self._check_epoch(page["epoch"]):
                    result.epoch_changed = True
                    continue
                acked = int(self.store.get_state("acked_seq", "0") or 0)
                if page["acked_seq"] < acked:
                    needs_push = True
                    self.store.set_state("resend_from", str(page["acked_seq"] + 1))
                    self.store.set_state("acked_seq", str(page["acked_seq"]))
                if page["resync"]:
                    with transaction(self.store.conn):
                        self._start_full_pull()
                    continue
                if page["has_more"]:
                    headers = self._headers(False)
                    ahead = (
                        page["next"],
                        fetcher.submit(self._fetch_page, page["next"], result, headers),
                    )
                self._apply_page(page)
                result.pulled += len(page["changes"])
                if not page["has_more"]:
                    return needs_push
        raise SyncError("attention", "the hub kept saying there is more to pull")

    def _fetch_page(self, cursor: int, result: RoundResult, headers: dict[str, str]) -> dict:
        """One page of changes after ``cursor``, checked (no store access: it may run in a
        thread of its own)."""
        reply = self._send(
            "GET",
            "/pull",
            result,
            headers,
            # 'knows': the newer shared records this kiosk understands (an older one is sent
            # none of them: it would refuse the whole page).
            params={"since": cursor, "limit": self.page_limit, "knows": KNOWS},
        )
        if reply.status_code != 200:
            raise SyncError("attention", f"the hub refused the pull: {_detail(reply)}")
        try:
            return protocol.parse_pull_reply(reply.content)
        except protocol.ProtocolError as exc:
            raise OutcomeUnknown(f"the hub's reply is not valid: {exc}") from None

    def _apply_page(self, page: dict[str, Any]) -> None:
        """One page and its cursor, all or nothing (rule 7)."""
        store, conn = self.store, self.store.conn
        full = store.get_state("full_pull") == "1"
        with transaction(conn):
            for setting in (c for c in page["changes"] if c["entity"] == "settings"):
                pin_hash = (setting["data"] or {}).get("receptionist_pin_hash", "")
                store.set_state("receptionist_pin_hash", pin_hash)
            taxonomy = [c for c in page["changes"] if c["entity"] == "taxonomy" and c["data"]]
            if taxonomy:
                _apply_taxonomy(store, taxonomy[-1]["data"])
            upserts = [c["data"] for c in page["changes"] if c["entity"] == "community"
                       and not c["deleted"]]  # fmt: skip
            store.upsert_communities(upserts)
            store.upsert_events(
                _event(c["data"]) for c in page["changes"] if c["entity"] == "event"
                and not c["deleted"]
            )  # fmt: skip
            for change in page["changes"]:
                if not change["deleted"]:
                    continue
                if change["entity"] == "community":
                    store.delete_community(change["id"])
                elif change["entity"] == "event":
                    conn.execute("DELETE FROM events WHERE id = ?", [change["id"]])
                elif change["entity"] == "hall_message":
                    hall_messages.delete(conn, change["id"])
            for change in page["changes"]:
                if change["entity"] == "hall_message" and not change["deleted"]:
                    hall_messages.put(conn, change["data"])
            if full:
                conn.executemany(
                    "INSERT OR IGNORE INTO pull_seen (entity, id) VALUES (?, ?)",
                    [(c["entity"], c["id"]) for c in page["changes"] if not c["deleted"]],
                )
            store.set_state("pull_cursor", str(page["next"]))
            if full and not page["has_more"]:
                self._finish_full_pull()

    def _finish_full_pull(self) -> None:
        """After a pull from zero: what the hub did not send, it no longer has."""
        conn = self.store.conn
        gone = conn.execute(
            "SELECT id FROM communities WHERE id NOT IN"
            " (SELECT id FROM pull_seen WHERE entity = 'community')"
        ).fetchall()
        for (cid,) in gone:
            self.store.delete_community(cid)
        conn.execute(
            "DELETE FROM events WHERE id NOT IN (SELECT id FROM pull_seen WHERE entity = 'event')"
        )
        hall_messages.keep_only(conn, "SELECT id FROM pull_seen WHERE entity = 'hall_message'")
        conn.execute("DELETE FROM pull_seen")
        self.store.set_state("full_pull", "0")
        # The demo's dates no longer apply: the events are the hub's now.
        conn.execute("DELETE FROM sync_state WHERE key = 'demo_events_on'")

    # -- photos -------------------------------------------------------------------------------

    def fetch_photo(self, sha256: str, size: int) -> bytes:
        """A community's photo by the hash in its ``image`` field (kiosk.photos keeps it).
        Read as it comes, never more than ``size`` bytes, and refused unless its SHA-256 and
        size are the ones the record gave: a file changed at the hub or on the way is not
        kept. Raises PhotoError (this photo) or SyncError (the hub)."""
        if not re.fullmatch(r"[0-9a-f]{64}", sha256) or not 0 < size <= protocol.MAX_PHOTO_BYTES:
            raise PhotoError(f"not a photo the protocol allows: {sha256[:80]!r}, {size} bytes")
        try:
            with self.http.get(
                f"{self.hub_url}{API}/photos/{sha256}",
                headers={"Authorization": f"Bearer {self.token}",
                         "X-Ontmoet-Version": __version__},
                timeout=TIMEOUT,
                stream=True,
            ) as reply:  # fmt: skip
                if reply.status_code == 401:
                    raise SyncError("revoked", f"the hub refused this kiosk's token: "
                                    f"{_detail(reply)}")  # fmt: skip
                if reply.status_code != 200:
                    raise PhotoError(f"the hub answered {reply.status_code} for photo {sha256}")
                data = bytearray()
                for chunk in reply.iter_content(64 * 1024):
                    data += chunk
                    if len(data) > size:
                        raise PhotoError(f"photo {sha256} is larger than its record says")
        except requests.RequestException as exc:
            raise OutcomeUnknown(f"the hub cannot be reached ({type(exc).__name__})") from None
        if len(data) != size or hashlib.sha256(data).hexdigest() != sha256:
            raise PhotoError(f"photo {sha256} does not match its hash or size: not kept")
        return bytes(data)

    @staticmethod
    def _parse(reply: requests.Response, rules: dict) -> dict:
        try:
            return protocol.parse_reply(reply.content, rules)
        except protocol.ProtocolError as exc:
            raise OutcomeUnknown(f"the hub's reply is not valid: {exc}") from None


def _apply_taxonomy(store: Store, data: dict) -> None:
    def terms(items: Iterable[dict]) -> list[Term]:
        return [Term(t["slug"], t["labels"], t.get("kind")) for t in items]

    store.replace_taxonomies(
        terms(data["themes"]), terms(data["neighbourhoods"]), terms(data["gifts"])
    )


def _event(data: dict) -> Event:
    return Event(
        id=data["id"],
        community_id=data["community_id"],  # None: the town hall's own
        title=data["title"],
        starts_at=_local(data["starts_at"]),
        ends_at=_local(data["ends_at"]),
        place=data["place"],
        in_hall=data["in_hall"],
        rrule=data.get("rrule"),  # absent in records written before events repeated
        description=data.get("description"),
    )


def _local(moment: str) -> datetime:
    """An event's moment as the kiosk compares them: naive, in the kiosk's own time. The desk
    writes local times; a moment with a zone (an import) is turned into the kiosk's."""
    parsed = datetime.fromisoformat(moment)
    return parsed if parsed.tzinfo is None else parsed.astimezone().replace(tzinfo=None)


def status(store: Store) -> dict[str, Any]:
    """What staff see: online or not, last good sync, what waits in the outbox."""
    get = store.get_state
    return {
        "enrolled": bool(get("token")),
        "hub_url": get("hub_url", ""),
        "kiosk_name": get("kiosk_name", ""),
        "status": get("status", "never"),
        "last_sync_ok": get("last_sync_ok", ""),
        "last_attempt": get("last_attempt", ""),
        "last_error": get("last_error", ""),
        "outbox": outbox.size(store),
        "oldest_unsent": outbox.oldest(store),
    }
