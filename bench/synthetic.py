"""Generated communities for benchmarks: realistic lengths and Dutch-looking words, seeded."""

from __future__ import annotations

import random
import uuid
from pathlib import Path

from kiosk.demo import load_taxonomy
from kiosk.paths import DEMO_DIR
from kiosk.store import Store, open_store

SYLLABLES = [
    "moes",
    "tuin",
    "buurt",
    "koor",
    "schaak",
    "repa",
    "ratie",
    "café",
    "huis",
    "dorp",
    "wan",
    "del",
    "kook",
    "club",
    "fiets",
    "zorg",
    "coö",
    "pera",
    "tie",
    "taal",
    "mu",
    "ziek",
    "spel",
    "jeugd",
    "oud",
    "hof",
    "linde",
    "molen",
    "brug",
    "veld",
    "boom",
]
WORDS = [
    "we",
    "samen",
    "elke",
    "week",
    "koken",
    "eten",
    "praten",
    "wandelen",
    "helpen",
    "buren",
    "iedereen",
    "welkom",
    "dinsdag",
    "zaterdag",
    "thee",
    "koffie",
    "muziek",
    "tuinieren",
    "repareren",
    "spelletjes",
    "verhalen",
    "kinderen",
    "ouderen",
    "jongeren",
]


def _name(rng: random.Random) -> str:
    word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
    return f"{word.capitalize()} {rng.choice(['De Linde', 'Esveld', 'Oost', 'Noord', 'Hoven'])}"


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def records(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    themes, hoods, gifts = (list(t) for t in load_taxonomy(DEMO_DIR / "taxonomy.json"))
    out = []
    for i in range(n):
        story = " ".join(_sentence(rng, rng.randint(6, 14)) for _ in range(5))
        out.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "name": _name(rng) + f" {i}",
                "kind": rng.choice(["informal_group", "club", "cooperative", "foundation"]),
                "pitch": {"nl": _sentence(rng, 10), "en": _sentence(rng, 10)},
                "story": {"nl": story, "en": story},
                "themes": [t.slug for t in rng.sample(themes, rng.randint(1, 3))],
                "gifts_welcome": [g.slug for g in rng.sample(gifts, rng.randint(2, 4))],
                "neighbourhood": rng.choice(hoods).slug,
                "schedule": [{"when": {"nl": "Elke dinsdag 10.00–12.00"}, "place": "Het Anker"}],
                "languages": ["nl"],
                "welcome": {"nl": _sentence(rng, 8)},
                "accessibility": {"nl": _sentence(rng, 8)},
                "contact": {"nl": _sentence(rng, 6)},
                "join_url": None,
                "state": rng.choice(["active"] * 8 + ["seasonal", "resting"]),
            }
        )
    return out


def synthetic_store(path: Path, n: int) -> Store:
    """A store at ``path`` holding the demo taxonomy and ``n`` generated communities."""
    store = open_store(path)
    if store.community_count() != n:
        themes, hoods, gifts = load_taxonomy(DEMO_DIR / "taxonomy.json")
        store.replace_taxonomies(themes, hoods, gifts)
        batch = records(n)
        for start in range(0, n, 5000):
            store.upsert_communities(batch[start : start + 5000])
    return store
