"""A group's photo: uploaded from a phone through the group's edit link, made safe and small
here, reviewed at the desk, then served by its hash to the hub's pages and to the kiosks.

What an upload goes through, cheapest check first, nothing stored until all passed:

1. the link must be a group's live edit link, and the link has upload turns left (a flood
   from one link is slowed down; at most two photos are decoded at once on the whole hub);
2. the size, from Content-Length before the body is read, and again while it streams in
   (a body larger than MAX_UPLOAD_BYTES is read and thrown away, never kept, so the phone
   gets a plain answer instead of a broken connection);
3. the type, sniffed from the first bytes (JPEG, PNG or HEIC; the name and the browser's
   content type are not believed), and decoded only by that format's decoder;
4. the pixel count, from the header before any pixel is decoded (an image bomb: a small
   file that declares 50,000 x 50,000 pixels);
5. then decoded, turned upright (EXIF orientation), colours to sRGB, scaled to at most
   LONGEST_SIDE pixels and encoded anew as JPEG without any metadata: EXIF, GPS, XMP,
   comments and colour profiles do not survive.

The JPEG is kept in the data folder's ``photos`` folder under its SHA-256 (content-addressed:
one name is always the same bytes, so everyone may cache it forever), written atomically and
readable by the hub's user only. It becomes a *proposal* of the community's ``image`` field
(protocol.IMAGE_FIELDS), reviewed at the desk like every other change a group makes.

Who may see a photo:
- ``/photos/<sha256>.jpg``: anyone, once it is a community's current photo (the public pages
  show it); an upload waiting for review is not public.
- ``/edit/<token>/photos/<sha256>.jpg``: the group, its current and its waiting photos.
- ``/desk/photos/<sha256>.jpg``: the desk, any stored photo (the review page's thumbnail).
- ``/api/v1/photos/<sha256>``: kiosks, with their token, the current photos. Kiosks use this
  door and not the public one: every kiosk request then goes through one authenticated API
  (a revoked kiosk gets nothing, the reply to a wrong token is the same 401 the sync client
  already handles, and the route is in the OpenAPI document with the pull).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import re
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Header, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from python_multipart.multipart import MultipartParser, parse_options_header

from sync import protocol
from sync.hub import desk_store, proposals, render
from sync.hub import store as hub_store
from sync.hub.desk.access import NotAllowed, page
from sync.hub.desk_store import DeskSession
from sync.hub.engine import on_postgresql, store_key
from sync.hub.i18n import N_, choose_language, translator
from sync.hub.web import shared_limit

MAX_UPLOAD_BYTES = 15 * 1024 * 1024  # a phone camera's photo (12-48 MP) fits
FORM_OVERHEAD = 16 * 1024  # the multipart headers and boundaries around the photo
#: An upload above the cap is still read (and dropped) up to here, so that the phone hears
#: why; beyond this the connection is closed. LimitsMiddleware lets this path send this much.
DRAIN_BYTES = 64 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 48 MP phone camera's photo; anything larger is refused unread
MIN_SIDE = 120  # smaller than this cannot fill a kiosk's picture
LONGEST_SIDE = 1200
QUALITY = 85
UPLOADS_PER_HOUR = 12  # per edit link: a few tries, not a flood
DECODING_AT_ONCE = 2  # decoding a 12 MP photo takes a core and ~100 MB for a moment

UPLOAD_PATH = re.compile(r"^/(edit|desk/communities)/[^/]{1,64}/photo$")
_HASH = re.compile(r"^[0-9a-f]{64}$")
CACHE_FOREVER = "public, max-age=31536000, immutable"

router = APIRouter(include_in_schema=False)
api_router = APIRouter()


class PhotoRefused(Exception):
    """Why an upload is refused: ``reason`` is an English msgid, shown translated."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


TOO_LARGE = N_("This photo is larger than 15 MB. Choose a smaller one.")
NOT_A_PHOTO = N_("This is not a photo we can use. Send a JPEG, PNG or HEIC photo.")
UNREADABLE = N_("This photo cannot be read. It may be damaged. Try another one.")
TOO_MANY_PIXELS = N_("This photo has too many pixels. Send a photo of at most 48 megapixels.")
TOO_SMALL = N_("This photo is too small. Send one of at least 120 by 120 pixels.")
NO_FILE = N_("Choose a photo first.")
TOO_OFTEN = N_("You sent many photos in a short time. Try again in an hour.")
DISK_FULL = N_("The photo could not be saved. Try again later.")
SAME_PHOTO = N_("This photo is already there.")


# -- making a photo safe ------------------------------------------------------------------------


def sniff(data: bytes) -> str | None:
    """The format by its first bytes, as Pillow names it; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    # ISO base media file: a box 'ftyp' with a HEIF brand (iPhones write 'heic').
    if data[4:8] == b"ftyp" and data[8:12] in (
        b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1",
    ):  # fmt: skip
        return "HEIF"
    return None


_heif_lock = threading.Lock()
_heif_ready = False


def _heif_opener() -> None:
    """pillow-heif (libheif) is loaded when the first HEIC photo comes, not at start."""
    global _heif_ready
    with _heif_lock:
        if not _heif_ready:
            import pillow_heif

            pillow_heif.register_heif_opener()
            _heif_ready = True


@dataclass(frozen=True)
class Photo:
    jpeg: bytes
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.jpeg).hexdigest()

    def image_field(self) -> dict:
        """The community's ``image`` field (protocol.IMAGE_FIELDS) for this photo."""
        return {"sha256": self.sha256, "bytes": len(self.jpeg), "width": self.width,
                "height": self.height}  # fmt: skip


def process(data: bytes) -> Photo:
    """An upload as a clean JPEG: upright, sRGB, at most LONGEST_SIDE pixels, no metadata.
    Raises PhotoRefused."""
    from PIL import Image, ImageOps

    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoRefused(TOO_LARGE, 413)
    kind = sniff(data)
    if kind is None:
        raise PhotoRefused(NOT_A_PHOTO, 415)
    if kind == "HEIF":
        _heif_opener()
    with warnings.catch_warnings():
        # Pillow only warns between its own limit and twice that; here a warning refuses.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[kind])
            width, height = image.size  # from the header: nothing decoded yet
            if width * height > MAX_PIXELS:
                raise PhotoRefused(TOO_MANY_PIXELS, 413)
            if min(width, height) < MIN_SIDE:
                raise PhotoRefused(TOO_SMALL)
            if kind == "JPEG":
                # Decode at 1/2, 1/4 or 1/8 scale where that still leaves enough pixels:
                # a fraction of the memory and the time.
                image.draft("RGB", (LONGEST_SIDE, LONGEST_SIDE))
            upright = ImageOps.exif_transpose(image)  # decodes; HEIC comes upright already
            rgb = _to_srgb(upright)
        except PhotoRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoRefused(TOO_MANY_PIXELS, 413) from None
        except (OSError, SyntaxError, ValueError, EOFError, MemoryError,
                Image.UnidentifiedImageError):  # fmt: skip
            raise PhotoRefused(UNREADABLE) from None
    rgb.thumbnail((LONGEST_SIDE, LONGEST_SIDE), Image.Resampling.LANCZOS)
    return Photo(_encode(rgb), rgb.width, rgb.height)


def _to_srgb(image):
    """RGB in sRGB, transparency on white: the colour profile a phone wrote (Display P3 on an
    iPhone) is applied here, because the profile itself is dropped with the rest."""
    from PIL import Image, ImageCms

    profile = image.info.get("icc_profile")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, (255, 255, 255))
        image.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode != "RGB":
        image = image.convert("RGB")
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            image = ImageCms.profileToProfile(
                image, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the colours as they are
    return image


def _encode(image) -> bytes:
    """JPEG without EXIF, ICC or comments; lower quality until it fits the protocol's cap."""
    for quality in (QUALITY, 75, 65, 50):
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
        if out.tell() <= protocol.MAX_PHOTO_BYTES:
            return out.getvalue()
    raise PhotoRefused(UNREADABLE)  # cannot happen at 1200 px; never store what kiosks refuse


# -- the photos folder ----------------------------------------------------------------------


def photos_dir(data_dir: Path) -> Path:
    folder = Path(data_dir) / "photos"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def photo_path(data_dir: Path, sha256: str) -> Path | None:
    """The stored file of ``sha256``, or None (a malformed hash never reaches the disk)."""
    if not _HASH.match(sha256):
        return None
    path = Path(data_dir) / "photos" / f"{sha256}.jpg"
    return path if path.is_file() else None


def save(data_dir: Path, jpeg: bytes, conn=None) -> str:
    """Keep ``jpeg`` under its hash, atomically (a crash leaves the old state or the whole
    file, never half of it), 0600 in a 0700 folder. With ``conn`` to a store on PostgreSQL,
    in its photo_files too: there the hub's processes may run on several machines, and the
    folder is each one's cache of that table (photo_file). Returns the hash."""
    sha = hashlib.sha256(jpeg).hexdigest()
    _save_file(data_dir, sha, jpeg)
    if conn is not None and on_postgresql(conn):
        with hub_store.write(conn):  # saved again: its sweep's grace starts again too
            conn.execute(
                "INSERT INTO photo_files (sha256, jpeg, saved_at) VALUES (?, ?, ?)"
                " ON CONFLICT (sha256) DO UPDATE SET saved_at = excluded.saved_at",
                [sha, jpeg, int(time.time())],
            )
    return sha


def photo_file(conn, data_dir: Path, sha256: str) -> Path | None:
    """The file of ``sha256`` in this process's folder. On PostgreSQL, a photo that another
    machine's hub process saved is fetched from photo_files first, checked against its hash."""
    path = photo_path(data_dir, sha256)
    if path is not None or not _HASH.match(sha256) or not on_postgresql(conn):
        return path
    row = conn.execute("SELECT jpeg FROM photo_files WHERE sha256 = ?", [sha256]).fetchone()
    if row is None or hashlib.sha256(bytes(row[0])).hexdigest() != sha256:
        return None
    _save_file(data_dir, sha256, bytes(row[0]))
    return photo_path(data_dir, sha256)


def _save_file(data_dir: Path, sha: str, jpeg: bytes) -> None:
    folder = photos_dir(data_dir)
    target = folder / f"{sha}.jpg"
    if target.is_file():
        return
    fd, scratch = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".tmp")  # 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(jpeg)
            out.flush()
            os.fsync(out.fileno())
        os.replace(scratch, target)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
    folder_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(folder_fd)
    finally:
        os.close(folder_fd)


SWEEP_GRACE = 3600  # seconds: a file saved just now may not be in a proposal yet


def supersede(conn, community_id: str, actor: str) -> int:
    """A group's older photos that still wait for review give way to its newer one: the desk
    sees one photo per group, and a group cannot pile photos up on the hub's disk."""
    with hub_store.write(conn):
        ended = conn.execute(
            "UPDATE proposals SET status = 'declined', decided_by = ?, decided_at = ?"
            " WHERE community_id = ? AND status = 'review'"
            " AND json_extract(changes, '$.image') IS NOT NULL"
            " AND (SELECT count(*) FROM json_each(changes)) = 1",
            ["superseded by a newer photo", hub_store.now_iso(), community_id],
        ).rowcount
        if ended:
            desk_store.audit(conn, actor, f"{ended} waiting photo(s) replaced", community_id)
    return ended


def photos_in_use(conn) -> set[str]:
    """The hashes of the photos a community shows or a waiting proposal brings."""
    rows = conn.execute(
        "SELECT json_extract(data, '$.image.sha256') FROM shared_records"
        " WHERE entity = 'community' AND data IS NOT NULL"
        " UNION SELECT json_extract(changes, '$.image.sha256') FROM proposals"
        " WHERE status IN ('review', 'awaiting_community')"
    )
    return {sha for (sha,) in rows if sha}


def sweep(conn, data_dir: Path, now: float | None = None) -> int:
    """Remove stored photos that no community shows and no proposal waits with (declined,
    superseded, replaced), once older than SWEEP_GRACE: from this process's folder and, on
    PostgreSQL, from photo_files, to which this process then gives what it lacks
    (share_photos). Returns how many files went."""
    now = time.time() if now is None else now
    if on_postgresql(conn):
        with hub_store.write(conn):
            kept = photos_in_use(conn)
            stored = conn.execute("SELECT sha256, saved_at FROM photo_files").fetchall()
            unused = [sha for sha, at in stored if sha not in kept and at < now - SWEEP_GRACE]
            conn.executemany("DELETE FROM photo_files WHERE sha256 = ?", [[s] for s in unused])
        share_photos(conn, data_dir)
    else:
        kept = photos_in_use(conn)
    folder = Path(data_dir) / "photos"
    if not folder.is_dir():
        return 0
    gone = 0
    for path in folder.glob("*.jpg"):
        if path.stem not in kept and _HASH.match(path.stem):
            if now - path.stat().st_mtime > SWEEP_GRACE:
                path.unlink(missing_ok=True)
                gone += 1
    return gone


_published_lock = threading.Lock()
_published: dict[str, tuple[int, frozenset[str]]] = {}  # database file -> (seq, hashes)


def is_published(conn, sha256: str) -> bool:
    """Is ``sha256`` a current community's photo (approved at the desk)? The set of current
    photos is read again only when the change log has moved on (every change of a shared
    record adds to it): with 10,000 communities, the read takes ~55 ms, the check of the log
    a fraction of a millisecond. Kept per database file (one hub process, several threads)."""
    (seq,) = conn.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()
    database = store_key(conn)
    with _published_lock:
        known = _published.get(database)
    if known is None or known[0] != seq:
        hashes = frozenset(
            row[0]
            for row in conn.execute(
                "SELECT json_extract(data, '$.image.sha256') FROM shared_records"
                " WHERE entity = 'community' AND data IS NOT NULL"
            )
            if row[0]
        )
        known = (seq, hashes)
        with _published_lock:
            _published[database] = known
    return sha256 in known[1]


def _is_the_groups(conn, community_id: str, sha256: str) -> bool:
    record = hub_store.shared_record(conn, "community", community_id) or {}
    if (record.get("image") or {}).get("sha256") == sha256:
        return True
    return any(
        (p["changes"].get("image") or {}).get("sha256") == sha256
        for status in ("review", "awaiting_community")
        for p in proposals.pending(conn, status, community_id)
    )


def waiting_photo(request: Request, community_id: str, status: str = "review") -> dict | None:
    """The group's photo that waits for the desk (the newest), for its edit page; with
    ``status='awaiting_community'``, the one the reception proposes to the group."""
    waiting = [
        p["changes"]["image"]
        for p in proposals.pending(request.app.state.hub.conn, status, community_id)
        if p["changes"].get("image")
    ]
    return waiting[-1] if waiting else None


def current_photo(request: Request, community_id: str) -> dict | None:
    """The photo the kiosks show now (the edit page's ``c`` may hold what waits)."""
    record = hub_store.shared_record(request.app.state.hub.conn, "community", community_id)
    return (record or {}).get("image")


# The edit page (edit.html, through _edit_photo.html) asks for the photos itself: its route
# then needs to know nothing about photos.
render.env.globals["waiting_photo"] = waiting_photo
render.env.globals["current_photo"] = current_photo


def _jpeg(state, sha256: str, cache: str) -> Response:
    """The photo as this hub process (``state``: sync.hub.app.HubApp) has it or fetches it."""
    path = photo_file(state.conn, state.data_dir, sha256)
    if path is None:
        return Response("Not found.", status_code=404, media_type="text/plain")
    return Response(path.read_bytes(), media_type="image/jpeg",
                    headers={"Cache-Control": cache, "ETag": f'"{sha256}"'})  # fmt: skip


def _not_found() -> Response:
    return Response("Not found.", status_code=404, media_type="text/plain")


# -- routes -----------------------------------------------------------------------------------


@router.get("/photos/{name}")
def public_photo(request: Request, name: str) -> Response:
    sha = name.removesuffix(".jpg")
    state = request.app.state.hub
    if not name.endswith(".jpg") or not _HASH.match(sha):
        return _not_found()  # a malformed name: no query at all
    if not is_published(state.conn, sha):  # a random one: one look at the change log
        return _not_found()
    return _jpeg(state, sha, CACHE_FOREVER)


@router.get("/edit/{token}/photos/{name}")
def group_photo(request: Request, token: str, name: str) -> Response:
    state = request.app.state.hub
    sha = name.removesuffix(".jpg")
    community_id = proposals.community_for_link(state.conn, token)
    if community_id is None or not name.endswith(".jpg") or not _HASH.match(sha):
        return _not_found()
    if not _is_the_groups(state.conn, community_id, sha):
        return _not_found()
    return _jpeg(state, sha, "private, max-age=86400")


@router.get("/desk/photos/{name}")
def desk_photo(
    request: Request, name: str, _session: Annotated[object, Depends(page("review"))]
) -> Response:
    sha = name.removesuffix(".jpg")
    if not name.endswith(".jpg"):
        return _not_found()
    return _jpeg(request.app.state.hub, sha, "private, max-age=86400")


def _kiosk(request: Request, authorization: Annotated[str | None, Header()] = None) -> str:
    """The kiosk's token, checked as the sync API checks it."""
    token = (
        authorization[7:].strip() if authorization and authorization.startswith("Bearer ") else ""
    )
    kiosk = hub_store.kiosk_for_token(request.app.state.hub.conn, token) if token else None
    if kiosk is None:
        raise HTTPException(401, "This token is not valid (revoked, or never issued): enrol "
                            "the kiosk again.", headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    return kiosk


@api_router.get(
    "/api/v1/photos/{sha256}",
    summary="A community's current photo, by the hash in its image field",
    response_class=Response,
    responses={
        200: {"description": "The JPEG", "content": {"image/jpeg": {}}},
        401: {"description": "No valid token"},
        404: {"description": "Not a current community's photo"},
    },
)
def kiosk_photo(
    request: Request,
    sha256: Annotated[str, PathParam(pattern="^[0-9a-f]{64}$")],
    _kiosk_name: Annotated[str, Depends(_kiosk)],
) -> Response:
    state = request.app.state.hub
    if not is_published(state.conn, sha256):
        return _not_found()
    return _jpeg(state, sha256, CACHE_FOREVER)


_decoding_lock = threading.Lock()


def _decoding(request: Request) -> anyio.Semaphore:
    """The decoding turns of this hub process, made on first use in this app."""
    app_state = request.app.state
    with _decoding_lock:
        if not hasattr(app_state, "photo_decoding"):
            app_state.photo_decoding = anyio.Semaphore(DECODING_AT_ONCE)
    return app_state.photo_decoding


async def _with_store(state, work, *args):
    """``work(conn, *args)`` on a worker thread with that thread's own connection: the hub's
    connection is one per thread, and read on the event loop it would be the loop's, shared
    by the workers of every request at once (their transactions mixed on PostgreSQL)."""
    return await run_in_threadpool(lambda: work(state.conn, *args))


@router.post("/edit/{token}/photo")
async def upload(request: Request, token: str) -> Response:
    from sync.hub import edit

    state = request.app.state.hub
    community_id = await _with_store(state, proposals.community_for_link, token)
    record = (
        await _with_store(state, hub_store.shared_record, "community", community_id)
        if community_id
        else None
    )
    if record is None:
        await _drain(request)
        return edit._page(request, None, status=404)

    async def refuse(reason: str, status: int) -> Response:
        await _drain(request)
        waiting = await _with_store(state, proposals.pending, "awaiting_community", record["id"])
        problem = translator(choose_language(request))(reason)
        return edit._page(request, record, status=status, problem=problem, waiting=waiting)

    uploads = shared_limit(request, "photo_uploads", UPLOADS_PER_HOUR, 3600)
    if not await run_in_threadpool(uploads.take, community_id):
        return await refuse(TOO_OFTEN, 429)
    decoding = _decoding(request)
    who = f"community {record['name'][:40]}"
    try:
        image, _fields = await _take_photo(request, record, decoding)
        await _with_store(state, supersede, community_id, who)
        await _with_store(state, proposals.propose, community_id,
                                {"image": image}, "community", who)  # fmt: skip
        await _with_store(state, sweep, state.data_dir)
    except PhotoRefused as refused:
        return await refuse(refused.reason, refused.status)
    return RedirectResponse(f"/edit/{token}?done=sent", status_code=303)


#: What the desk's editor page says after a photo was sent (?photo=<code>): the outcome, or
#: why it was refused. A code in the address, never a text someone could put there.
DESK_NOTICES = {
    "applied": N_("The new photo is on the kiosks now."),
    "awaiting_community": N_("The new photo waits for the group's yes on its own page."),
    "too_large": TOO_LARGE, "not_a_photo": NOT_A_PHOTO, "unreadable": UNREADABLE,
    "too_many_pixels": TOO_MANY_PIXELS, "too_small": TOO_SMALL, "no_file": NO_FILE,
    "too_often": TOO_OFTEN, "disk_full": DISK_FULL, "same_photo": SAME_PHOTO,
}  # fmt: skip
_CODE = {reason: code for code, reason in DESK_NOTICES.items()}
render.env.globals["photo_notices"] = DESK_NOTICES
DESK_UPLOADS_PER_HOUR = 60  # per desk account


@router.post("/desk/communities/{community_id}/photo")
async def desk_upload(
    request: Request,
    community_id: str,
    session: Annotated[DeskSession, Depends(page("communities"))],
) -> Response:
    """The reception sends a group's photo (the editor page's form, with its CSRF token). As
    every change by the reception: applied at once, unless the group chose its photo
    itself; then it waits for the group's yes on its edit page."""
    state = request.app.state.hub
    record = await _with_store(state, hub_store.shared_record, "community",
                                     community_id[:64])  # fmt: skip
    if record is None:
        await _drain(request)
        return _not_found()
    back = f"/desk/communities/{record['id']}"
    decoding = _decoding(request)
    uploads = shared_limit(request, "desk_photo_uploads", DESK_UPLOADS_PER_HOUR, 3600)

    def csrf(fields: dict[str, str]) -> None:
        if not hmac.compare_digest(fields.get("csrf", "").encode(), session.csrf.encode()):
            raise NotAllowed(session, bad_form=True)

    try:
        if not await run_in_threadpool(uploads.take, session.username):
            raise PhotoRefused(TOO_OFTEN, 429)
        image, _fields = await _take_photo(request, record, decoding, check=csrf)
        outcome = await _with_store(
            state, proposals.propose, record["id"], {"image": image}, "reception",
            session.username,
        )  # fmt: skip
        await _with_store(state, sweep, state.data_dir)
    except PhotoRefused as refused:
        await _drain(request)
        return RedirectResponse(f"{back}?photo={_CODE[refused.reason]}#photo", status_code=303)
    except NotAllowed:
        await _drain(request)
        raise
    return RedirectResponse(f"{back}?photo={outcome['image']}#photo", status_code=303)


async def _take_photo(
    request: Request, record: dict, decoding: anyio.Semaphore, check=None
) -> tuple[dict, dict[str, str]]:
    """The posted photo, checked, made clean and saved: its ``image`` field and the form's
    small fields. ``check(fields)`` runs before any decoding (the desk's CSRF token). Raises
    PhotoRefused; nothing is stored then."""
    state = request.app.state.hub
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > MAX_UPLOAD_BYTES + FORM_OVERHEAD:
        raise PhotoRefused(TOO_LARGE, 413)
    data, fields = await _read_photo_part(request)
    if check is not None:
        check(fields)
    async with decoding:
        photo = await run_in_threadpool(process, data)
    image = protocol.community_changes("changes", {"image": photo.image_field()})["image"]
    if image == record.get("image") or image == waiting_photo(request, record["id"]):
        raise PhotoRefused(SAME_PHOTO, 409)
    try:
        await _with_store(state, lambda conn: save(state.data_dir, photo.jpeg, conn))
    except OSError:
        raise PhotoRefused(DISK_FULL, 507) from None
    return image, fields


async def _drain(request: Request) -> None:
    """Read what the phone still sends and drop it: an answer before the body is read is
    often shown as a broken connection. LimitsMiddleware stops this at DRAIN_BYTES."""
    try:
        async for _chunk in request.stream():
            pass
    except Exception:  # noqa: BLE001  (a client gone or over the limit: nothing to answer)
        pass


async def _read_photo_part(request: Request) -> tuple[bytes, dict[str, str]]:
    """The form's ``photo`` file, read as it streams in and kept in memory only up to
    MAX_UPLOAD_BYTES, and its other fields (short text: a CSRF token). Raises
    PhotoRefused."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise PhotoRefused(NO_FILE)
    photo = bytearray()
    state = {"field": b"", "value": b"", "is_photo": False, "found": False, "over": False,
             "name": ""}  # fmt: skip
    fields: dict[str, str] = {}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        if state["field"].lower() == b"content-disposition":
            _kind, options = parse_options_header(state["value"])
            state["is_photo"] = options.get(b"name") == b"photo" and b"filename" in options
            state["name"] = options.get(b"name", b"").decode("utf-8", "replace")[:40]
        state["field"] = state["value"] = b""

    def on_part_begin() -> None:
        state["is_photo"], state["name"] = False, ""

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if not state["is_photo"]:
            if state["name"] and len(fields) < 10:
                text = fields.get(state["name"], "") + data[start:end].decode("utf-8", "replace")
                fields[state["name"]] = text[:200]
            return
        if state["over"]:
            return
        state["found"] = True
        photo.extend(data[start:end])
        if len(photo) > MAX_UPLOAD_BYTES:
            state["over"] = True
            photo.clear()

    parser = MultipartParser(
        boundary,
        {
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_begin": on_part_begin,
            "on_part_data": on_part_data,
        },
        max_size=MAX_UPLOAD_BYTES + FORM_OVERHEAD,
    )
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > MAX_UPLOAD_BYTES + FORM_OVERHEAD:
                raise PhotoRefused(TOO_LARGE, 413)
            parser.write(chunk)
        parser.finalize()
    except PhotoRefused:
        raise
    except Exception:  # noqa: BLE001  (python-multipart's errors: a malformed form)
        raise PhotoRefused(NO_FILE) from None
    if state["over"]:
        raise PhotoRefused(TOO_LARGE, 413)
    if not state["found"] or not photo:
        raise PhotoRefused(NO_FILE)
    return bytes(photo), fields


def save_demo_photos(data_dir: Path, conn=None) -> int:
    """The demo town's photos (assets/demo/photos, named by group) into the photos folder
    under their hashes, as ``ontmoet-hub load-demo`` puts the records that name them."""
    from kiosk.paths import DEMO_DIR  # the demo files are the kiosk's

    count = 0
    for path in sorted((DEMO_DIR / "photos").glob("*.jpg")):
        save(data_dir, path.read_bytes(), conn)
        count += 1
    return count


def backup_photos(conn, data_dir: Path, backups: Path) -> int:
    """Copy the photos that records and waiting proposals name into ``backups``/photos,
    beside the store's backups (``ontmoet-hub backup``). A hash names the same bytes
    forever, so one copy serves every night's backup; only new ones are copied, 0600 in
    0700 as in the data folder. Returns how many."""
    return _copy_missing(Path(data_dir) / "photos", Path(backups), photos_in_use(conn))


def restore_photos(backups: Path, data_dir: Path, conn=None) -> int:
    """The photos beside a backup (``ontmoet-hub restore``) back into the data folder (and
    into photo_files for a hub on PostgreSQL, whose dump holds them too, unless it was
    made before there was photo_files)."""
    folder = Path(backups) / "photos"
    names = {p.stem for p in folder.glob("*.jpg") if _HASH.match(p.stem)}
    return _copy_missing(folder, Path(data_dir), names, conn)


def share_photos(conn, data_dir: Path) -> int:
    """The photos in use that photo_files lacks and this folder has, into photo_files (a
    hub just moved there by ``migrate-store``, a store or dump from before photo_files):
    the hub's processes on other machines find them there. How many."""
    stored = {sha for (sha,) in conn.execute("SELECT sha256 FROM photo_files")}
    lacking = photos_in_use(conn) - stored
    return _copy_missing(Path(data_dir) / "photos", Path(data_dir), lacking, conn, into_store=True)


def _copy_missing(source: Path, target_root: Path, names: set[str], conn=None,
                  into_store: bool = False) -> int:  # fmt: skip
    """Photos ``names`` from ``source`` into ``target_root``/photos (with ``conn`` on
    PostgreSQL into photo_files too), each checked against its hash (a damaged copy is not
    spread further); ``into_store``: also those the folder has already."""
    copied = 0
    for sha in sorted(names):
        path = source / f"{sha}.jpg"
        if not _HASH.match(sha):
            continue
        if not into_store and (target_root / "photos" / path.name).is_file():
            continue
        if path.is_file():
            data = path.read_bytes()
            if hashlib.sha256(data).hexdigest() == sha:
                save(target_root, data, conn)
                copied += 1
    return copied
