"""A group's photo, from a phone to the kiosk's screen (issue 14, items 4 and 7).

The hub's pipeline on bad input first (in-process: the refusals are the heart), then the
routes of a real hub process (upload through an edit link, who may see which photo, flood,
a 30 MB body), the desk's review page in headless Chromium, the kiosk's fetch (hash checked,
offline first) and the whole way: upload, approval, sync, the real headless kiosk showing it.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import struct
import zlib
from pathlib import Path

import pytest
import requests
from desk_helpers import account, log_in
from hub_helpers import copy_hub, store_of
from PIL import Image
from playwright.sync_api import Page, expect

from kiosk import navigation as nav
from kiosk.photos import PhotoFetcher
from sync.client import OutcomeUnknown, PhotoError, SyncClient, enrol
from sync.hub import photos, proposals
from sync.hub import store as hub_store

MAGENTA = (230, 0, 200)  # a colour no demo picture and no screen of the kiosk has


def magenta_pixels(screenshot) -> int:
    """How many pixels of a screenshot (at a quarter of its size) are the test photo's."""
    with Image.open(screenshot) as shot:
        small = shot.convert("RGB").resize((shot.width // 4, shot.height // 4))
    return sum(
        1 for pixel in small.get_flattened_data()
        if abs(pixel[0] - MAGENTA[0]) < 30 and pixel[1] < 40 and abs(pixel[2] - MAGENTA[2]) < 30
    )  # fmt: skip


def jpeg(size=(800, 600), colour=MAGENTA, exif: Image.Exif | None = None, **save) -> bytes:
    image = Image.new("RGB", size, colour)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes() if exif is not None else b"", **save)
    return out.getvalue()


def gps_exif(orientation: int = 1) -> Image.Exif:
    """EXIF as a phone writes it: camera, time and where the photo was taken."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0132] = "2026:05:01 10:00:00"  # DateTime
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (52.0, 5.0, 30.0), 3: "E", 4: (5.0, 7.0, 12.0)})
    return exif


def png_declaring(width: int, height: int) -> bytes:
    """A PNG of a few dozen bytes whose header declares ``width`` x ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))  # fmt: skip


def heic(size=(640, 480), colour=(20, 140, 60)) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="HEIF", quality=90)
    return out.getvalue()


# -- the pipeline ----------------------------------------------------------------------------


def test_a_pdf_renamed_jpg_is_refused_by_its_bytes():
    pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n" * 20
    with pytest.raises(photos.PhotoRefused) as refused:
        photos.process(pdf)
    assert refused.value.reason == photos.NOT_A_PHOTO and refused.value.status == 415


def test_an_image_bomb_is_refused_before_a_pixel_is_decoded():
    bomb = png_declaring(50_000, 50_000)
    assert len(bomb) < 200
    with pytest.raises(photos.PhotoRefused) as refused:
        photos.process(bomb)
    assert refused.value.reason == photos.TOO_MANY_PIXELS


def test_more_than_the_upload_cap_is_refused_unread():
    with pytest.raises(photos.PhotoRefused) as refused:
        photos.process(b"\xff\xd8\xff" + b"\x00" * photos.MAX_UPLOAD_BYTES)
    assert refused.value.reason == photos.TOO_LARGE and refused.value.status == 413


def test_a_damaged_or_tiny_photo_is_refused():
    with pytest.raises(photos.PhotoRefused) as damaged:
        photos.process(jpeg()[:2000])  # cut off halfway
    assert damaged.value.reason == photos.UNREADABLE
    with pytest.raises(photos.PhotoRefused) as tiny:
        photos.process(jpeg(size=(60, 40)))
    assert tiny.value.reason == photos.TOO_SMALL


def test_gps_and_all_exif_are_gone_and_the_photo_stands_upright():
    # A phone held upright writes a landscape image with "turn 90 degrees" in EXIF.
    image = Image.new("RGB", (1600, 1200), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 800, 1200))  # the left half red
    out = io.BytesIO()
    image.save(out, "JPEG", exif=gps_exif(orientation=6).tobytes(), quality=95)
    assert Image.open(io.BytesIO(out.getvalue())).getexif().get_ifd(0x8825)  # it had GPS
    photo = photos.process(out.getvalue())
    back = Image.open(io.BytesIO(photo.jpeg))
    assert back.format == "JPEG"
    assert not back.getexif() and not back.getexif().get_ifd(0x8825)
    assert "exif" not in back.info and "icc_profile" not in back.info
    assert b"PhoneMaker" not in photo.jpeg and b"Exif" not in photo.jpeg
    # Turned: portrait now, 1200 on its longest side, the red half on top.
    assert (back.width, back.height) == (900, 1200) == (photo.width, photo.height)
    top, bottom = back.getpixel((450, 100)), back.getpixel((450, 1100))
    assert top[0] > 200 and top[2] < 60 and bottom[2] > 200 and bottom[0] < 60


def test_a_heic_photo_from_a_phone_becomes_a_jpeg():
    data = heic()
    assert data[4:12] == b"ftypheic"
    photo = photos.process(data)
    back = Image.open(io.BytesIO(photo.jpeg))
    assert back.format == "JPEG" and back.size == (640, 480)
    r, g, b = back.getpixel((320, 240))
    assert abs(r - 20) < 12 and abs(g - 140) < 12 and abs(b - 60) < 12


def test_a_transparent_png_lies_on_white_and_its_hash_names_it(tmp_path):
    image = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    image.paste((0, 90, 0, 255), (0, 0, 200, 300))
    out = io.BytesIO()
    image.save(out, "PNG")
    photo = photos.process(out.getvalue())
    back = Image.open(io.BytesIO(photo.jpeg))
    assert min(back.getpixel((350, 150))) > 245  # the transparent half is white
    sha = photos.save(tmp_path, photo.jpeg)
    path = tmp_path / "photos" / f"{sha}.jpg"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha == photo.sha256
    assert path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "photos").stat().st_mode & 0o777 == 0o700
    assert [p.name for p in (tmp_path / "photos").iterdir()] == [f"{sha}.jpg"]  # no scraps


# -- the hub's routes ---------------------------------------------------------------------------


def _conn(hub):
    return store_of(hub.data_dir)


def communities_without_photo(hub) -> list[str]:
    conn = _conn(hub)
    try:
        return [r[0] for r in conn.execute(
            "SELECT id FROM shared_records WHERE entity = 'community' AND data IS NOT NULL"
            " AND json_extract(data, '$.image') IS NULL ORDER BY id")]  # fmt: skip
    finally:
        conn.close()


def edit_link(hub, community_id: str) -> str:
    conn = _conn(hub)
    try:
        return proposals.new_edit_link(conn, "test", community_id)
    finally:
        conn.close()


def waiting_images(hub, community_id: str) -> list[dict]:
    conn = _conn(hub)
    try:
        return [p["changes"]["image"] for p in proposals.pending(conn, "review", community_id)
                if "image" in p["changes"]]  # fmt: skip
    finally:
        conn.close()


def approve_all(hub, community_id: str) -> None:
    conn = _conn(hub)
    try:
        for p in proposals.pending(conn, "review", community_id):
            assert proposals.decide(conn, p["ref"], True, "test", "review")
    finally:
        conn.close()


def current_image(hub, community_id: str) -> dict:
    conn = _conn(hub)
    try:
        return hub_store.shared_record(conn, "community", community_id)["image"]
    finally:
        conn.close()


def stored(hub) -> set[str]:
    folder = hub.data_dir / "photos"
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def upload(hub, token: str, data: bytes, name="photo.jpg", kind="image/jpeg", **extra):
    return requests.post(f"{hub.url}/edit/{token}/photo", files={"photo": (name, data, kind)},
                         allow_redirects=False, timeout=60, **extra)  # fmt: skip


def problem_of(reply) -> str:
    found = re.search(r'class="problem"[^>]*>(.*?)</p>', reply.text, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""


@pytest.fixture(scope="module")
def groups(module_hub):
    """Communities of the demo hub without a photo: one (or more) per test."""
    return iter(communities_without_photo(module_hub))


def test_an_upload_becomes_a_proposal_and_is_public_only_once_approved(module_hub, groups):
    hub, cid = module_hub, next(groups)
    token = edit_link(hub, cid)
    before = stored(hub)
    reply = upload(hub, token, jpeg(size=(2400, 1800), exif=gps_exif()))
    assert reply.status_code == 303 and reply.headers["location"] == f"/edit/{token}?done=sent"
    [image] = waiting_images(hub, cid)
    assert (image["width"], image["height"]) == (1200, 900)
    assert stored(hub) - before == {f"{image['sha256']}.jpg"}
    kept = (hub.data_dir / "photos" / f"{image['sha256']}.jpg").read_bytes()
    assert hashlib.sha256(kept).hexdigest() == image["sha256"] and len(kept) == image["bytes"]
    assert not Image.open(io.BytesIO(kept)).getexif().get_ifd(0x8825)  # no GPS
    public = f"{hub.url}/photos/{image['sha256']}.jpg"
    assert requests.get(public, timeout=10).status_code == 404  # not before the review
    own = requests.get(f"{hub.url}/edit/{token}/photos/{image['sha256']}.jpg", timeout=10)
    assert own.status_code == 200 and own.content == kept  # the group sees its new photo
    page = requests.get(f"{hub.url}/edit/{token}", timeout=10).text
    assert f"/edit/{token}/photos/{image['sha256']}.jpg" in page
    approve_all(hub, cid)
    served = requests.get(public, timeout=10)
    assert served.status_code == 200 and served.content == kept
    assert served.headers["content-type"] == "image/jpeg"
    assert "immutable" in served.headers["cache-control"]
    page = requests.get(f"{hub.url}/c/{cid}", timeout=10).text  # the community's own page
    assert f'src="/photos/{image["sha256"]}.jpg"' in page
    # A newer photo waits while the approved one stays on the kiosks: the page shows both.
    assert upload(hub, token, jpeg(size=(900, 900), colour=(0, 120, 0))).status_code == 303
    [newer] = waiting_images(hub, cid)
    page = requests.get(f"{hub.url}/edit/{token}", timeout=10).text
    assert f'src="/photos/{image["sha256"]}.jpg"' in page
    assert f'src="/edit/{token}/photos/{newer["sha256"]}.jpg"' in page


def test_refused_uploads_say_why_and_store_nothing(module_hub, groups):
    hub, cid = module_hub, next(groups)
    token = edit_link(hub, cid)
    before = stored(hub)
    pdf = upload(hub, token, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"0" * 5000, name="foto.jpg")
    bomb = upload(hub, token, png_declaring(50_000, 50_000), name="bom.png", kind="image/png")
    nothing = requests.post(f"{hub.url}/edit/{token}/photo", data={"photo": "x"},
                            allow_redirects=False, timeout=10)  # fmt: skip
    assert (pdf.status_code, bomb.status_code, nothing.status_code) == (415, 413, 400)
    # In the visitor's language (Dutch here), next to the group's own page.
    assert "JPEG, PNG of HEIC" in problem_of(pdf), problem_of(pdf)
    assert "megapixel" in problem_of(bomb)
    assert problem_of(nothing)
    assert stored(hub) == before and waiting_images(hub, cid) == []
    # The same photo twice is one proposal.
    photo = jpeg(colour=(120, 10, 10))
    assert upload(hub, token, photo).status_code == 303
    again = upload(hub, token, photo)
    assert again.status_code == 409 and "staat er al" in problem_of(again)
    assert len(waiting_images(hub, cid)) == 1


def test_a_newer_photo_replaces_the_waiting_one_and_unused_files_are_swept(module_hub, groups):
    import time

    hub, cid = module_hub, next(groups)
    token = edit_link(hub, cid)
    assert upload(hub, token, jpeg(colour=(1, 1, 100))).status_code == 303
    [first] = waiting_images(hub, cid)
    assert upload(hub, token, jpeg(colour=(1, 100, 1))).status_code == 303
    [second] = waiting_images(hub, cid)  # one photo per group waits at the desk
    assert second != first
    folder = hub.data_dir / "photos"
    assert (folder / f"{first['sha256']}.jpg").exists()  # not within the grace period
    conn = _conn(hub)
    try:
        shown = {json.loads(d)["image"]["sha256"] for (d,) in conn.execute(
            "SELECT data FROM shared_records WHERE entity = 'community' AND data IS NOT NULL"
            " AND json_extract(data, '$.image') IS NOT NULL")}  # fmt: skip
        assert photos.sweep(conn, hub.data_dir, now=time.time() + 2 * photos.SWEEP_GRACE) >= 1
    finally:
        conn.close()
    assert not (folder / f"{first['sha256']}.jpg").exists()
    assert (folder / f"{second['sha256']}.jpg").exists()
    assert all((folder / f"{sha}.jpg").exists() for sha in shown)  # every group's current one


def test_a_heic_upload_from_a_phone_is_kept_as_jpeg(module_hub, groups):
    hub, cid = module_hub, next(groups)
    reply = upload(hub, edit_link(hub, cid), heic(), name="IMG_0001.HEIC", kind="image/heic")
    assert reply.status_code == 303
    [image] = waiting_images(hub, cid)
    kept = hub.data_dir / "photos" / f"{image['sha256']}.jpg"
    assert Image.open(kept).format == "JPEG" and (image["width"], image["height"]) == (640, 480)


def test_a_revoked_or_unknown_link_uploads_nothing(module_hub, groups):
    hub, cid = module_hub, next(groups)
    old = edit_link(hub, cid)
    edit_link(hub, cid)  # a new link ends the old one
    conn = _conn(hub)
    try:
        revoked = proposals.new_edit_link(conn, "test", next(groups))
        proposals.revoke_edit_links(conn, "test", proposals.community_for_link(conn, revoked))
    finally:
        conn.close()
    before = stored(hub)
    for token in (old, revoked, "not-a-link", "x" * 65):
        reply = upload(hub, token, jpeg())
        assert reply.status_code == 404, token
        assert "Vraag de receptie om een nieuwe" in reply.text
    assert stored(hub) == before and waiting_images(hub, cid) == []


def test_one_group_cannot_see_or_use_anothers_photo(module_hub, groups):
    hub, ours, theirs = module_hub, next(groups), next(groups)
    our_token, their_token = edit_link(hub, ours), edit_link(hub, theirs)
    assert upload(hub, their_token, jpeg(colour=(10, 200, 200))).status_code == 303
    [their_image] = waiting_images(hub, theirs)
    name = f"{their_image['sha256']}.jpg"
    assert requests.get(f"{hub.url}/edit/{their_token}/photos/{name}", timeout=10).ok
    assert requests.get(f"{hub.url}/edit/{our_token}/photos/{name}", timeout=10).status_code == 404
    assert waiting_images(hub, ours) == []


def test_the_photo_routes_refuse_malformed_unknown_and_traversing_names(module_hub):
    hub = module_hub
    for path in ("/photos/..%2Fhub.db", "/photos/../hub.db", "/photos/hub.key",
                 "/photos/" + "A" * 64 + ".jpg", "/photos/" + "0" * 64 + ".jpg",
                 "/photos/" + "0" * 64, "/photos/.jpg", "/photos/%2e%2e%2fhub.key.jpg",
                 "/edit/x/photos/" + "0" * 64 + ".jpg"):  # fmt: skip
        reply = requests.get(hub.url + path, timeout=10)
        assert reply.status_code == 404, path
        assert b"argon" not in reply.content and reply.headers["content-type"] != "image/jpeg"


def test_kiosks_fetch_current_photos_with_their_token_only(module_hub, module_kiosk, groups):
    hub = module_hub
    conn = _conn(hub)
    try:
        published = conn.execute(
            "SELECT json_extract(data, '$.image.sha256') FROM shared_records"
            " WHERE entity = 'community' AND json_extract(data, '$.image') IS NOT NULL"
        ).fetchone()[0]
    finally:
        conn.close()
    url = f"{hub.url}/api/v1/photos/{published}"
    token = module_kiosk.get_state("token")
    assert requests.get(url, timeout=10).status_code == 401
    assert (
        requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10).status_code == 401
    )
    good = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert good.status_code == 200 and hashlib.sha256(good.content).hexdigest() == published
    bad = requests.get(f"{hub.url}/api/v1/photos/..%2Fhub.db",
                       headers={"Authorization": f"Bearer {token}"}, timeout=10)  # fmt: skip
    assert bad.status_code in (404, 422)
    # A photo waiting for review is not a kiosk's either.
    cid = next(groups)
    assert upload(hub, edit_link(hub, cid), jpeg(colour=(200, 200, 10))).status_code == 303
    [waiting] = waiting_images(hub, cid)
    pending = requests.get(f"{hub.url}/api/v1/photos/{waiting['sha256']}",
                           headers={"Authorization": f"Bearer {token}"}, timeout=10)  # fmt: skip
    assert pending.status_code == 404
    assert "/api/v1/photos/{sha256}" in requests.get(f"{hub.url}/openapi.json", timeout=10).text


def test_a_flood_of_uploads_from_one_link_is_stopped(module_hub, groups):
    hub, cid = module_hub, next(groups)
    token = edit_link(hub, cid)
    for _ in range(photos.UPLOADS_PER_HOUR):
        assert upload(hub, token, b"%PDF-1.4 not a photo").status_code == 415
    before = stored(hub)
    stopped = upload(hub, token, jpeg(colour=(40, 40, 250)))
    assert stopped.status_code == 429
    assert "over een uur" in problem_of(stopped), problem_of(stopped)
    assert stored(hub) == before and waiting_images(hub, cid) == []
    # Another group's link is not held up by it.
    assert upload(hub, edit_link(hub, next(groups)), jpeg(colour=(41, 40, 250))).status_code == 303


def _peak_memory_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))


def test_a_30_mb_upload_is_refused_plainly_without_filling_memory_or_disk(hub):
    cid = communities_without_photo(hub)[0]
    token = edit_link(hub, cid)
    requests.get(f"{hub.url}/edit/{token}", timeout=10)  # the page's code paths loaded once
    peak = _peak_memory_kb(hub.process.pid)
    before = stored(hub)
    big = b"\xff\xd8\xff\xe0" + bytes(30 * 1024 * 1024)
    reply = upload(hub, token, big, name="groot.jpg")
    assert reply.status_code == 413
    assert "groter dan 15 MB" in problem_of(reply), problem_of(reply)  # a page, in Dutch
    assert stored(hub) == before and waiting_images(hub, cid) == []
    # Read and dropped as it came: the hub's peak memory grew by far less than the upload.
    assert _peak_memory_kb(hub.process.pid) - peak < 8 * 1024
    # A body too large even to read away is refused from its header, before a byte of it.
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=10)
    connection.putrequest("POST", f"/edit/{token}/photo")
    connection.putheader("Content-Type", "multipart/form-data; boundary=b")
    connection.putheader("Content-Length", str(photos.DRAIN_BYTES + 1))
    connection.endheaders()  # and not one byte of the body
    assert connection.getresponse().status == 413
    connection.close()


# -- the desk -----------------------------------------------------------------------------------


def test_a_photo_sent_from_a_phone_browser_is_reviewed_at_the_desk_as_a_thumbnail(
    module_hub, groups, page: Page, tmp_path
):
    hub, cid = module_hub, next(groups)
    photo = tmp_path / "IMG_0417.JPG"
    photo.write_bytes(jpeg(colour=(250, 120, 0), exif=gps_exif(orientation=6)))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{hub.url}/edit/{edit_link(hub, cid)}")
    page.get_by_label("Een foto van jullie groep of activiteit").set_input_files(photo)
    page.get_by_role("button", name="Foto sturen").click()
    expect(page.get_by_text("De receptie kijkt ernaar.")).to_be_visible()
    expect(page.locator("section.photo img")).to_have_count(1)  # the new one, waiting
    [image] = waiting_images(hub, cid)
    assert (image["width"], image["height"]) == (600, 800)  # stood upright
    page.set_viewport_size({"width": 1280, "height": 800})
    # Not for whoever is not logged in at the desk.
    anonymous = requests.get(f"{hub.url}/desk/photos/{image['sha256']}.jpg",
                             allow_redirects=False, timeout=10)  # fmt: skip
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/desk/login"
    log_in(page, hub, "photo-desk", account(hub, "photo-desk", "receptionist"))
    page.goto(f"{hub.url}/desk/review")
    thumb = page.locator(f'img.thumb[src="/desk/photos/{image["sha256"]}.jpg"]')
    expect(thumb).to_be_visible()
    assert thumb.evaluate("img => img.complete && img.naturalWidth") == image["width"]
    assert thumb.bounding_box()["width"] <= 200
    section = page.locator("section.group").filter(has=thumb)
    section.get_by_role("button", name="Goedkeuren").click()
    expect(page.locator(f'img[src="/desk/photos/{image["sha256"]}.jpg"]')).to_have_count(0)
    assert requests.get(f"{hub.url}/photos/{image['sha256']}.jpg", timeout=10).ok


# -- the kiosk ---------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_kiosk_keeps_a_photo_only_when_its_hash_matches(hub, tmp_path):
    """A file changed at the hub (or on the way) is refused, not kept and not shown; the
    photo is tried again later, and comes once the hub has the right file again."""
    cid = communities_without_photo(hub)[0]
    assert upload(hub, edit_link(hub, cid), jpeg(colour=(5, 90, 200))).status_code == 303
    approve_all(hub, cid)
    sha = current_image(hub, cid)["sha256"]
    hub_file = hub.data_dir / "photos" / f"{sha}.jpg"
    good = hub_file.read_bytes()
    hub_file.write_bytes(good[:-10] + b"tampered!!")  # same size, other bytes

    store = hub_store_kiosk(hub, tmp_path)
    client = SyncClient(store)
    client.sync_once()
    clock = FakeClock()
    fetcher = PhotoFetcher(tmp_path / "photos", clock=clock)
    counts = fetcher.run(store, client.fetch_photo, limit=100)
    assert counts["failed"] == 1
    assert not (tmp_path / "photos" / f"{sha}.jpg").exists()
    assert store.community(cid).photo is None  # the generated picture stays
    with pytest.raises(PhotoError):
        client.fetch_photo(sha, len(good))
    hub_file.write_bytes(good)  # the hub's file repaired
    assert fetcher.run(store, client.fetch_photo)["waiting"] == 1  # not before its retry time
    clock.now += 3600
    assert fetcher.run(store, client.fetch_photo)["fetched"] == 1
    kept = tmp_path / "photos" / f"{sha}.jpg"
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == sha
    assert store.community(cid).photo == f"{sha}.jpg"


def hub_store_kiosk(hub, folder: Path):
    from kiosk.store import open_store

    store = open_store(folder / "kiosk.db")
    enrol(store, hub.url, hub.code(f"kiosk-{folder.name}"[:40]))
    return store


def test_photos_wait_offline_and_never_hold_up_the_pull(module_hub, tmp_path):
    """The pull completes with every photo failing; the photos come in later rounds, at
    most PER_ROUND at a time."""
    store = hub_store_kiosk(module_hub, tmp_path)
    client = SyncClient(store)
    client.sync_once()
    wanted = {image["sha256"] for _c, image in store.communities_missing_image(1000)}
    assert len(wanted) >= 64 // 3

    def offline(_sha, _size):
        raise OutcomeUnknown("the hub cannot be reached (ConnectionError)")

    clock = FakeClock()
    fetcher = PhotoFetcher(tmp_path / "photos", clock=clock)
    assert fetcher.run(store, offline)["failed"] == 1  # the first failure: the rest waits
    assert store.communities_missing_image(1000)  # nothing shown that was not fetched
    clock.now += 10_000
    first = fetcher.run(store, client.fetch_photo, limit=10)
    assert first["fetched"] == 10
    while fetcher.run(store, client.fetch_photo, limit=10)["fetched"]:
        pass
    assert store.communities_missing_image(1000) == []
    on_disk = {p.stem for p in (tmp_path / "photos").glob("*.jpg")}
    assert on_disk == wanted


def test_a_photo_taken_away_brings_the_generated_picture_back(module_hub, module_kiosk, tmp_path):
    store = hub_store_kiosk(module_hub, tmp_path)
    client = SyncClient(store)
    client.sync_once()
    fetcher = PhotoFetcher(tmp_path / "photos")
    while fetcher.run(store, client.fetch_photo)["fetched"]:
        pass
    cid, image = next(
        (r[0], json.loads(r[1])) for r in store.conn.execute(
            "SELECT id, image FROM communities WHERE image IS NOT NULL")
    )  # fmt: skip
    assert store.community(cid).photo == f"{image['sha256']}.jpg"
    conn = _conn(module_hub)
    try:
        record = hub_store.shared_record(conn, "community", cid)
        with hub_store.write(conn):
            hub_store.put_shared(conn, "community", {**record, "image": None})
    finally:
        conn.close()
    client.sync_once()
    fetcher.run(store, client.fetch_photo)
    assert store.community(cid).photo is None  # the worker makes its initials picture next
    assert not (tmp_path / "photos" / f"{image['sha256']}.jpg").exists()  # swept away


# -- the whole way -----------------------------------------------------------------------------


def test_from_a_phone_to_the_kiosk_screen(hub, make_kiosk, demo_store, demo_config):
    """Upload through the edit link, the desk approves, the kiosk's sync worker fetches the
    file (right hash, on its disk), and the community screen of the real app shows it."""
    from sync.worker import SyncWorker

    cid = communities_without_photo(hub)[0]
    assert upload(hub, edit_link(hub, cid), jpeg(size=(1600, 1000))).status_code == 303
    approve_all(hub, cid)
    image = current_image(hub, cid)

    enrol(demo_store, hub.url, hub.code("kiosk-hal"))
    photos_dir = demo_config.data_dir / "photos"
    worker = SyncWorker(demo_config.db_path, photos_dir=photos_dir)
    from kiosk.store import open_store

    store = open_store(demo_config.db_path)
    try:
        worker._round(store, requests.Session())  # one round, as the worker's thread runs it
    finally:
        store.close()
    assert worker.failures == 0
    kept = photos_dir / f"{image['sha256']}.jpg"
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == image["sha256"]
    assert demo_store.community(cid).photo == kept.name

    kiosk = make_kiosk()
    app = kiosk.app
    kiosk.tap(app.screen(nav.ATTRACT))
    app.open_community(cid)
    kiosk.pump(3)
    from conftest import SCREENSHOTS

    magenta = magenta_pixels(kiosk.screenshot(SCREENSHOTS / "photo-on-community-screen.png"))
    assert magenta > 500, magenta  # the group's own photo, not its initials


def test_a_third_of_the_demo_town_has_a_photo_made_as_an_upload_would_be():
    from kiosk.demo import read_demo
    from kiosk.paths import DEMO_DIR

    records = read_demo()[3]
    with_photo = [r for r in records if r.get("image")]
    assert len(with_photo) * 3 >= len(records)
    for record in with_photo:
        image = record["image"]
        files = [p for p in (DEMO_DIR / "photos").glob("*.jpg")
                 if hashlib.sha256(p.read_bytes()).hexdigest() == image["sha256"]]  # fmt: skip
        [path] = files
        data = path.read_bytes()
        assert len(data) == image["bytes"] <= 64 * 1024  # small: drawn, flat colours
        with Image.open(path) as drawn:
            assert drawn.format == "JPEG" and drawn.size == (image["width"], image["height"])
            assert not drawn.getexif() and "icc_profile" not in drawn.info


def test_the_reception_sends_a_photo_from_the_desk_and_the_group_says_yes(
    module_hub, groups, page: Page, tmp_path
):
    hub, cid = module_hub, next(groups)
    token = edit_link(hub, cid)
    photo = tmp_path / "flyer-foto.png"
    Image.new("RGB", (640, 400), (90, 30, 160)).save(photo)
    before = stored(hub)
    # Not without a login, and not without the session's CSRF token.
    anonymous = requests.post(f"{hub.url}/desk/communities/{cid}/photo",
                              files={"photo": ("a.png", photo.read_bytes(), "image/png")},
                              allow_redirects=False, timeout=10)  # fmt: skip
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/desk/login"
    log_in(page, hub, "photo-sender", account(hub, "photo-sender", "receptionist"))
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    for csrf in (None, "not-the-token"):
        forged = requests.post(
            f"{hub.url}/desk/communities/{cid}/photo", cookies=cookies,
            data={"csrf": csrf} if csrf else {},
            files={"photo": ("a.png", photo.read_bytes(), "image/png")},
            allow_redirects=False, timeout=10,
        )  # fmt: skip
        assert forged.status_code == 403, csrf
    assert stored(hub) == before
    # Through the editor page, as a receptionist does it.
    page.goto(f"{hub.url}/desk/communities/{cid}")
    page.locator("#photo-file").set_input_files(photo)
    page.locator("section.photo button").click()
    expect(page.locator("section.photo .notice")).to_contain_text("ja")
    conn = _conn(hub)
    try:
        [proposal] = [p for p in proposals.pending(conn, "awaiting_community", cid)
                      if "image" in p["changes"]]  # fmt: skip
    finally:
        conn.close()
    image = proposal["changes"]["image"]
    assert (image["width"], image["height"]) == (640, 400)
    # The group sees the photo the reception proposes, and says yes.
    edit_page = requests.get(f"{hub.url}/edit/{token}", timeout=10).text
    assert f'src="/edit/{token}/photos/{image["sha256"]}.jpg"' in edit_page
    said = requests.post(f"{hub.url}/edit/{token}", data={"proposal": proposal["ref"],
                         "answer": "yes"}, allow_redirects=False, timeout=10)  # fmt: skip
    assert said.status_code == 303
    assert current_image(hub, cid) == image
    page.goto(f"{hub.url}/desk/communities/{cid}")
    expect(
        page.locator(f'section.photo img[src="/desk/photos/{image["sha256"]}.jpg"]')
    ).to_be_visible()


@pytest.mark.hub_sqlite_only  # a backup and restore of hub.db
def test_backups_keep_the_photos_and_a_restore_on_a_fresh_machine_brings_them_back(tmp_path):

    from hub_helpers import hub_cli, prepared_hub

    hub = tmp_path / "hub"
    copy_hub(prepared_hub(True), hub)
    hub_cli(hub, "backup", "--dir", str(tmp_path / "backups"))
    kept = {p.name for p in (tmp_path / "backups" / "photos").iterdir()}
    assert kept == {p.name for p in (hub / "photos").iterdir()} and len(kept) >= 64 // 3
    assert (tmp_path / "backups" / "photos").stat().st_mode & 0o777 == 0o700
    written = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "backups" / "photos").iterdir()}
    # The next night (a file of its own, in the same folder): nothing copied twice.
    hub_cli(hub, "backup", str(tmp_path / "backups" / "next-night.db"))
    again = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "backups" / "photos").iterdir()}
    assert again == written
    [backup] = sorted((tmp_path / "backups").glob("hub-*.db"))[:1]
    fresh = tmp_path / "fresh"
    hub_cli(fresh, "init")
    hub_cli(fresh, "restore", str(backup))
    assert {p.name for p in (fresh / "photos").iterdir()} == kept
    for name in kept:
        data = (fresh / "photos" / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == name.removesuffix(".jpg")


def test_every_hub_process_sweeps_its_photos_folder_as_it_runs(tmp_path):
    """A photo no group shows and none waits with leaves the folder without an upload to set
    the sweep off: each hub process sweeps its own folder (on a region's several machines,
    each has one) as it starts and every PURGE_EVERY seconds."""
    import os
    import time

    from hub_helpers import HubProcess

    hub = HubProcess(tmp_path / "hub")
    stray = hub.data_dir / "photos" / f"{'ab' * 32}.jpg"
    stray.write_bytes(jpeg())
    hours_ago = time.time() - 2 * photos.SWEEP_GRACE
    os.utime(stray, (hours_ago, hours_ago))
    shown = sorted((hub.data_dir / "photos").glob("*.jpg"))
    hub.start()
    try:
        for _ in range(100):  # the purge thread's first round, just after the start
            if not stray.exists():
                break
            time.sleep(0.1)
        assert not stray.exists()
        assert all(path.exists() for path in shown if path != stray)  # the groups' own stay
    finally:
        hub.stop()
