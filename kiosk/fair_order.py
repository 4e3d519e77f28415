"""Fair order: every community is equal, so no listing favours one by size, age or anything.

The rule: each visitor session gets a random seed; a community's place in every list of that
session is the hash of (seed, community id). The order is stable while the visitor browses,
different for the next visitor, and the same community is first as often as any other. Nothing
about a community (its size, age, popularity, how complete its record is) goes into the key.
Where relevance matters (search tiers, matches), the fair order breaks ties among equals.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable


def new_seed() -> str:
    return secrets.token_hex(8)


def fair_key(seed: str, community_id: str) -> bytes:
    return hashlib.blake2b(f"{seed}:{community_id}".encode(), digest_size=8).digest()


def fair_sorted(community_ids: Iterable[str], seed: str) -> list[str]:
    return sorted(community_ids, key=lambda cid: fair_key(seed, cid))
