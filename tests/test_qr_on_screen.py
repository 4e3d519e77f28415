"""The QR code as a phone sees it: decoded by zbar from a screenshot of the real screen, and
compared module by module with the matrix (zbar also reads a mirrored code, so decoding alone
would not catch a texture drawn upside down)."""

from conftest import SCREENSHOTS
from PIL import Image
from pyzbar.pyzbar import decode

from kiosk import navigation as nav
from kiosk.qr import community_url


def _shot_of_community(kiosk, community_id, name):
    app = kiosk.app
    kiosk.tap(app.screen(nav.ATTRACT))
    app.open_community(community_id)
    kiosk.pump(3)
    return Image.open(kiosk.screenshot(SCREENSHOTS / name)).convert("L")


def test_zbar_reads_the_url_from_a_screenshot(kiosk):
    store = kiosk.app.store
    without_link = next(c for c in store.communities(store.community_ids()) if not c.join_url)
    image = _shot_of_community(kiosk, without_link.id, "qr-community.png")
    expected = community_url(without_link, kiosk.app.kiosk_config.public_url, kiosk.app.lang)
    assert expected.endswith(f"/c/{without_link.id}?lang=nl")  # the page opens in Dutch
    assert [symbol.data.decode() for symbol in decode(image)] == [expected]


def test_the_drawn_modules_match_the_matrix_upright(kiosk):
    store = kiosk.app.store
    with_link = next(c for c in store.communities(store.community_ids()) if c.join_url)
    image = _shot_of_community(kiosk, with_link.id, "qr-join-link.png")
    qr = kiosk.app.screen(nav.COMMUNITY).ids.join_qr
    matrix, px = qr.matrix, qr.module_px
    assert matrix.data == with_link.join_url
    left, top = round(qr.x), image.height - round(qr.y) - matrix.size * px  # image rows go down
    for r, row in enumerate(matrix.rows):
        for c, dark in enumerate(row):
            pixel = image.getpixel((left + c * px + px // 2, top + r * px + px // 2))
            assert (pixel < 128) == dark, f"module ({r}, {c})"
    assert [s.data.decode() for s in decode(image)] == [with_link.join_url]


def test_the_smaller_code_of_low_reach_still_reads(kiosk):
    app = kiosk.app
    store = app.store
    with_link = next(c for c in store.communities(store.community_ids()) if c.join_url)
    app.set_mode("low_reach", True)  # (a visitor turns it on; the visit below keeps it)
    image = _shot_of_community(kiosk, with_link.id, "qr-low-reach.png")
    qr = app.screen(nav.COMMUNITY).ids.join_qr
    assert qr.module_px >= 5  # pixels a module: a phone at arm's length still resolves it
    _x, top = qr.to_window(qr.x, qr.top)
    assert top <= image.height * 0.6 + 1  # in the lower part, like everything else
    assert [s.data.decode() for s in decode(image)] == [with_link.join_url]
