from collections import Counter

from kiosk.fair_order import fair_sorted, new_seed

IDS = [f"community-{i:02d}" for i in range(12)]


def test_same_seed_same_order_and_nothing_lost():
    seed = new_seed()
    first = fair_sorted(IDS, seed)
    assert fair_sorted(reversed(IDS), seed) == first
    assert sorted(first) == sorted(IDS)


def test_other_seeds_give_other_orders():
    orders = {tuple(fair_sorted(IDS, f"seed-{n}")) for n in range(20)}
    assert len(orders) == 20


def test_every_community_comes_first_about_equally_often():
    # 6,000 fixed seeds, 12 communities: each is expected first 500 times. A bound of +-30 %
    # is far outside chance for a fair rule and far inside what any bias would produce.
    firsts = Counter(fair_sorted(IDS, f"visitor-{n}")[0] for n in range(6000))
    assert set(firsts) == set(IDS)
    assert all(350 <= count <= 650 for count in firsts.values()), firsts


def test_order_ignores_the_input_order():
    import random

    ids = [f"c{'x' * n}{n}" for n in range(30)]  # ids of many lengths
    shuffled = ids[:]
    random.Random(3).shuffle(shuffled)
    assert shuffled != ids
    assert fair_sorted(ids, "fixed") == fair_sorted(shuffled, "fixed")


def test_the_key_is_the_seed_and_the_id_and_nothing_else(demo_store):
    """Rewriting everything about every community (name, texts, state of the record, its
    revision, how complete it is) moves none of them in a visitor's list; another seed does."""
    import dataclasses

    from kiosk.matching import match

    store = demo_store
    communities = store.communities(store.community_ids())
    terms = store.terms()

    def order(groups, seed: str) -> list[str]:
        return [m.community.id for m in match(groups, {"muziek"}, set(), None, terms, seed, "nl")]

    rewritten = [
        dataclasses.replace(
            c, name="Z" * (i % 7 + 1), pitch={}, story={}, revision=1000 - i, welcome={},
            schedule=(), languages=(), last_confirmed=None, provenance={"name": "reception"},
        )
        for i, c in enumerate(communities)
    ]  # fmt: skip
    seed = "visitor-1"
    assert len(order(communities, seed)) > 3
    assert order(rewritten, seed) == order(communities, seed)
    assert order(list(reversed(rewritten)), seed) == order(communities, seed)
    assert order(communities, "visitor-2") != order(communities, seed)
