from kiosk.matching import match


def test_gifts_count_more_than_themes_and_reasons_are_plain(demo_store, english):
    store = demo_store
    terms = store.terms()
    communities = store.communities(store.community_ids())
    found = match(communities, {"eten"}, {"koken"}, None, terms, seed="s", lang="en")
    assert found
    scores = [m.score for m in found]
    assert scores == sorted(scores, reverse=True)
    for m in found:
        assert "eten" in m.community.themes or "koken" in m.community.gifts_welcome
        assert m.community.state != "ended"
    best = found[0]
    assert "koken" in best.community.gifts_welcome
    assert best.reason.startswith("They welcome: cooking and baking")
    assert "\nWhen: " in best.reason


def test_neighbourhood_lifts_but_never_makes_a_match(demo_store):
    store = demo_store
    terms = store.terms()
    communities = store.communities(store.community_ids())
    without = match(communities, {"natuur"}, set(), None, terms, "s", "nl")
    near = match(communities, {"natuur"}, set(), "esveld", terms, "s", "nl")
    assert {m.community.id for m in without} == {m.community.id for m in near}
    assert near[0].community.neighbourhood == "esveld"
    assert "dicht bij huis, in Esveld" in near[0].reason
    assert match(communities, set(), set(), "esveld", terms, "s", "nl") == []


def test_equals_are_in_fair_order(demo_store):
    store = demo_store
    terms = {t.slug: t for t in store.themes()}
    communities = store.communities(store.community_ids())
    orders = {
        tuple(
            m.community.id
            for m in match(communities, {"muziek"}, set(), None, terms, f"visitor-{n}", "nl")
        )
        for n in range(10)
    }
    assert len(orders) > 1
