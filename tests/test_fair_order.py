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


def test_the_key_is_the_seed_and_the_id_and_nothing_else():
    import inspect

    from kiosk.fair_order import fair_key

    assert list(inspect.signature(fair_key).parameters) == ["seed", "community_id"]
    assert fair_key("s", "a") == fair_key("s", "a") != fair_key("t", "a")
