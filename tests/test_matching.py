from kiosk.matching import match


def test_gifts_count_more_than_themes_and_reasons_are_plain(taxonomy_store, make_record, english):
    """A group that welcomes the visitor's gift comes before one that only shares a theme,
    whatever the visitor's seed; a group sharing neither is not a match."""
    store = taxonomy_store
    gift_only = make_record("Kookploeg", themes=["natuur"], gifts_welcome=["koken"])
    theme_only = make_record("Eettafel", themes=["eten"], gifts_welcome=[])
    neither = make_record("Wandelclub", themes=["natuur"], gifts_welcome=[])
    store.upsert_communities([gift_only, theme_only, neither])
    communities = store.communities(store.community_ids())
    for seed in (f"visitor-{n}" for n in range(20)):  # the fair order never outranks a gift
        found = match(communities, {"eten"}, {"koken"}, None, store.terms(), seed, "en")
        assert [m.community.name for m in found] == ["Kookploeg", "Eettafel"]
        assert found[0].score > found[1].score
    gift, theme = found
    assert gift.reason.startswith("They welcome: cooking")
    assert theme.reason.startswith("They do what you like: eating together")
    # The schedule's first line, honestly marked where the group wrote it in Dutch only.
    assert gift.reason.endswith("\nWhen: In Dutch: Elke dinsdag")


def test_the_demo_finds_who_welcomes_cooking_first(demo_store, english):
    store = demo_store
    communities = store.communities(store.community_ids())
    found = match(communities, {"eten"}, {"koken"}, None, store.terms(), seed="s", lang="en")
    assert found and all(m.community.state != "ended" for m in found)
    for m in found:
        assert "eten" in m.community.themes or "koken" in m.community.gifts_welcome
    assert "koken" in found[0].community.gifts_welcome


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
