import json
import re
import shutil
from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from kiosk.demo import DemoError, load_demo, read_demo
from kiosk.models import LIFECYCLE_STATES
from kiosk.paths import DEMO_DIR

TODAY = date(2026, 11, 28)


@pytest.fixture(scope="module")
def demo():
    return read_demo(DEMO_DIR, TODAY)


def test_the_municipality_has_its_places_themes_and_gifts(demo):
    themes, neighbourhoods, gifts, records, events = demo
    assert len(neighbourhoods) >= 6
    assert len(themes) >= 10
    assert len(gifts) >= 15
    assert {g.kind for g in gifts} == {"head", "hands", "heart"}
    assert len(records) >= 60


def test_every_lifecycle_state_and_the_required_kinds_of_group(demo):
    records = demo[3]
    assert set(Counter(r["state"] for r in records)) == set(LIFECYCLE_STATES)
    names = " | ".join(r["name"] for r in records)
    for expected in (
        "Zorgcoöperatie",
        "Stadsdorp",
        "ShareCare",
        "Dorpshuis",
        "Repair Café",
        "Buurtmoestuin",
        "Schaakclub",
        "Taalcafé",
        "Herberg",
    ):
        assert expected in names, expected
    assert any(r["kind"] == "pop_up" for r in records)
    stories = " ".join(r["story"]["nl"].lower() for r in records)
    for activity in ("wandel", "kook", "muziek", "dagbesteding|dagactiviteit"):
        assert re.search(activity, stories), activity


def test_every_community_speaks_dutch_and_english(demo):
    for r in demo[3]:
        for field in ("pitch", "story", "welcome", "accessibility", "contact"):
            assert r[field]["nl"].strip() and r[field].get("en", "").strip(), (r["name"], field)


def test_every_neighbourhood_has_communities(demo):
    _themes, neighbourhoods, _gifts, records, _events = demo
    per_hood = Counter(r["neighbourhood"] for r in records)
    assert all(per_hood[n.slug] >= 3 for n in neighbourhoods)


def test_no_deficit_wording(demo):
    text = json.dumps([r for r in demo[3]], ensure_ascii=False).lower()
    for word in (
        "kwetsbaar",
        "hulpbehoevend",
        "minima",
        "needy",
        "vulnerable",
        "have-nots",
        "zielig",
    ):
        assert word not in text, word


def test_events_are_dated_from_today_some_in_the_hall(demo):
    events = demo[4]
    assert len(events) >= 10
    today = [e for e in events if e.starts_at.date() == TODAY and e.in_hall]
    assert len(today) >= 2
    assert all(TODAY <= e.starts_at.date() <= TODAY + timedelta(days=30) for e in events)
    assert all(e.ends_at > e.starts_at for e in events)


def test_loading_fills_a_store_with_pictures(store, config):
    photos = config.data_dir / "photos"
    count = load_demo(store, photos, TODAY)
    assert count == store.community_count() >= 60
    community = store.community(store.community_ids()[0])
    assert (photos / community.photo).stat().st_size > 1000
    noon = datetime.combine(TODAY, datetime.min.time())
    assert store.events_between(noon, noon + timedelta(days=1))


def _broken_copy(tmp_path, mutate):
    folder = tmp_path / "demo"
    shutil.copytree(DEMO_DIR, folder)
    path = folder / "communities.json"
    data = json.loads(path.read_text())
    mutate(data)
    path.write_text(json.dumps(data))
    return folder


@pytest.mark.parametrize(
    "mutate, fragment",
    [
        (lambda d: d["communities"][3].update(themes=["astrologie"]), "themes: unknown value"),
        (lambda d: d["communities"][0].update(state="sleeping"), "state: must be one of"),
        (lambda d: d["communities"][1]["pitch"].pop("nl"), "pitch: must be an object"),
        (lambda d: d["communities"][2].update(join_url="http://plain.example"), "join_url"),
        (lambda d: d["communities"][4].update(slug=d["communities"][5]["slug"]), "used twice"),
        (lambda d: d["events"][0].update(start="25:00"), "start: must be a time"),
        (lambda d: d["events"][0].update(community="nobody"), "events[0]"),
    ],
)
def test_invalid_demo_names_file_and_field_and_writes_nothing(
    tmp_path, store, config, mutate, fragment
):
    folder = _broken_copy(tmp_path, mutate)
    with pytest.raises(DemoError) as error:
        load_demo(store, config.data_dir / "photos", TODAY, demo_dir=folder)
    assert "communities.json" in str(error.value)
    assert fragment in str(error.value)
    assert store.community_count() == 0
    assert store.themes() == []


def test_demo_file_that_is_not_json(tmp_path, store, config):
    folder = tmp_path / "demo"
    shutil.copytree(DEMO_DIR, folder)
    (folder / "communities.json").write_text('{"communities": [')
    with pytest.raises(DemoError, match="communities.json: is not valid JSON"):
        load_demo(store, config.data_dir / "photos", TODAY, demo_dir=folder)
