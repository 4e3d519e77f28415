from dataclasses import replace

import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from kiosk.models import Community
from kiosk.qr import QUIET_ZONE, community_url, make_matrix


def _community(**kw):
    base = dict(
        id="0b0c4d1e-0000-4000-8000-000000000001",
        name="Soepclub",
        kind="club",
        pitch={},
        story={},
        themes=(),
        gifts_welcome=(),
        neighbourhood=None,
        schedule=(),
        languages=(),
        welcome={},
        accessibility={},
        contact={},
        join_url=None,
        photo=None,
        state="active",
    )
    base.update(kw)
    return Community(**base)


def test_url_is_the_hub_page_without_personal_data():
    community = _community()
    assert community_url(community, "https://hub.example/") == (
        "https://hub.example/c/0b0c4d1e-0000-4000-8000-000000000001"
    )


@pytest.mark.parametrize("lang", ["nl", "ar", "uk"])
def test_url_opens_the_hub_page_in_the_visitors_language(lang):
    assert community_url(_community(), "https://hub.example", lang) == (
        f"https://hub.example/c/0b0c4d1e-0000-4000-8000-000000000001?lang={lang}"
    )


def test_url_is_the_communitys_own_join_link_where_it_published_one():
    community = replace(_community(), join_url="https://soep.example/meedoen")
    assert community_url(community, "https://hub.example") == "https://soep.example/meedoen"


def test_matrix_has_a_quiet_zone_and_finder_patterns():
    matrix = make_matrix("https://hub.example/c/abc")
    n = matrix.size
    for i in range(QUIET_ZONE):
        assert not any(matrix.rows[i]) and not any(matrix.rows[n - 1 - i])
        assert not any(row[i] for row in matrix.rows)
    # The top-left finder pattern starts right after the quiet zone: a dark 7x7 ring.
    q = QUIET_ZONE
    assert all(matrix.rows[q][q : q + 7]) and all(matrix.rows[q + 6][q : q + 7])


@pytest.mark.parametrize("module_px", [3, 10])
def test_pixels_decode_to_the_url_with_a_real_decoder(module_px):
    url = "https://ontmoet.lindewaard.example/c/6f1d3c2e-8a51-4b7e-9c0a-0e5d1b7a4c21"
    matrix = make_matrix(url)
    side = matrix.size * module_px
    image = Image.frombytes("RGBA", (side, side), matrix.rgba_bytes(module_px))
    assert [r.data.decode() for r in decode(image.convert("L"))] == [url]
    assert decode(image.convert("L"))[0].quality > 0


def test_flipped_bytes_are_the_rows_bottom_first():
    matrix = make_matrix("https://x.example")
    upright = matrix.rgba_bytes(1)
    flipped = matrix.rgba_bytes(1, flip_vertical=True)
    row = matrix.size * 4
    assert flipped[:row] == upright[-row:]
    assert upright != flipped


def test_error_correction_is_at_least_m():
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data("https://hub.example/c/abc")
    code.make(fit=True)
    assert make_matrix("https://hub.example/c/abc").rows == tuple(
        tuple(r) for r in code.get_matrix()
    )


def test_the_receipt_opens_in_the_visitors_language():
    from kiosk.qr import receipt_url

    assert receipt_url("https://hub.example/", "tok", "ar") == "https://hub.example/w/tok?lang=ar"
    assert receipt_url("https://hub.example", "tok") == "https://hub.example/w/tok"
