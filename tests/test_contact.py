import base64

import pytest
from nacl.public import PrivateKey

pytestmark = pytest.mark.usefixtures("english")

from kiosk.contact import (  # noqa: E402
    SEALED_PLAINTEXT_SIZE,
    ContactError,
    SealingUnavailable,
    check_contact,
    load_public_key,
    mask,
    seal,
    unseal,
)
from sync.protocol import ProtocolError  # noqa: E402


@pytest.mark.parametrize(
    "channel, typed, stored",
    [
        ("email", "  anna@voorbeeld.nl ", "anna@voorbeeld.nl"),
        ("email", "jös@bücher.de", "jös@bücher.de"),
        ("phone", "06-12345678", "+31612345678"),
        ("phone", "0612345678", "+31612345678"),
        ("phone", "+32 470 12 34 56", "+32470123456"),
        ("phone", "020 123 4567", "+31201234567"),
    ],
)
def test_valid_contact_details_are_normalised(channel, typed, stored):
    assert check_contact(channel, typed).value == stored


@pytest.mark.parametrize(
    "channel, typed, fragment",
    [
        ("email", "", "type your e-mail"),
        ("email", "anna.voorbeeld.nl", "@"),
        ("email", "anna@", "does not look right"),
        ("email", "anna@@x.nl", "does not look right"),
        ("phone", "", "type your phone"),
        ("phone", "06-1234", "starts with 06"),
        ("phone", "hallo", "starts with 06"),
        ("phone", "+999 123", "country code"),
        ("fax", "123", "e-mail or phone"),
    ],
)
def test_invalid_contact_details_get_a_friendly_message(channel, typed, fragment):
    with pytest.raises(ContactError, match=fragment):
        check_contact(channel, typed)


def test_masking_shows_little():
    assert mask("email", "anna@voorbeeld.nl") == "a•••@v•••.nl"
    assert mask("phone", "+31612345678") == "+31•••••••78"


def test_sealed_payload_opens_only_with_the_hubs_private_key():
    hub, stranger = PrivateKey.generate(), PrivateKey.generate()
    detail = check_contact("email", "anna@voorbeeld.nl")
    sealed = seal(detail, hub.public_key)
    assert b"anna" not in sealed and b"voorbeeld" not in sealed
    assert unseal(sealed, hub) == detail
    with pytest.raises(ProtocolError, match="does not open"):  # what the hub's pages catch
        unseal(sealed, stranger)


def test_sealed_payloads_all_have_the_same_length():
    hub = PrivateKey.generate()
    short = seal(check_contact("phone", "0612345678"), hub.public_key)
    long = seal(
        check_contact("email", "a.very.long.name.indeed@municipality.example.nl"), hub.public_key
    )
    assert len(short) == len(long) == SEALED_PLAINTEXT_SIZE + 48


def test_public_key_must_be_valid():
    good = base64.b64encode(bytes(PrivateKey.generate().public_key)).decode()
    assert bytes(load_public_key(good))
    for bad in ("", "not base64!", base64.b64encode(b"short").decode()):
        with pytest.raises(SealingUnavailable):
            load_public_key(bad)
