"""The hub's keypair and its accounts' passwords.

The private key opens the contact details that kiosks seal; it lives in the hub's data
directory, readable by the hub's user only, and is used only inside the hub process.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

PRIVATE_KEY = "hub.key"
PUBLIC_KEY = "hub.pub"


class HubKeyError(Exception):
    """The hub's keys are missing or unusable; the message says what to do."""


def create_keypair(data_dir: Path) -> str:
    """Make the hub's keypair (never overwriting one); returns the public key in base64."""
    from nacl.public import PrivateKey

    private_path = data_dir / PRIVATE_KEY
    if private_path.exists():
        return public_key(data_dir)
    key = PrivateKey.generate()
    # Created with mode 0600 from the first byte: never readable by others, not even briefly.
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(base64.b64encode(bytes(key)).decode() + "\n")
    public = base64.b64encode(bytes(key.public_key)).decode()
    (data_dir / PUBLIC_KEY).write_text(public + "\n")
    return public


def public_key(data_dir: Path) -> str:
    try:
        return (data_dir / PUBLIC_KEY).read_text().strip()
    except OSError:
        raise HubKeyError(f"{data_dir} has no {PUBLIC_KEY}: run 'ontmoet-hub init'") from None


def private_key(data_dir: Path):
    from nacl.public import PrivateKey

    path = data_dir / PRIVATE_KEY
    if path.stat().st_mode & 0o077:
        raise HubKeyError(f"{path} is readable by other users: run 'chmod 600 {path}'")
    return PrivateKey(base64.b64decode(path.read_text().strip()))


#: argon2id parameters for new password hashes (PasswordHasher's keywords); empty: argon2-cffi's
#: defaults (RFC 9106's low-memory choice: 64 MiB, 3 passes, 4 lanes), which the hub always
#: uses. The test suite sets cheaper ones for the accounts it makes in its own process
#: (tests/conftest.py); a check reads the parameters from the stored hash, whatever they were.
HASH_PARAMETERS: dict[str, int] = {}


def hash_password(password: str) -> str:
    from argon2 import PasswordHasher

    return PasswordHasher(**HASH_PARAMETERS).hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return PasswordHasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A password to print once, for an admin who will change it at the desk."""
    return "-".join(secrets.token_urlsafe(4) for _ in range(4))
