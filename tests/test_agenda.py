"""What's on in the visitor's language: a title the group wrote only in Dutch is shown as such,
with an honest 'In Dutch:' in the visitor's language, never passed off as a translation."""

from datetime import datetime, timedelta

from kiosk import i18n
from kiosk.agenda import week_ahead
from kiosk.models import Event


def test_event_titles_in_the_visitors_language_or_marked(store, make_record):
    record = make_record("De Lange Tafel")
    store.upsert_communities([record])
    now = datetime(2026, 11, 30, 9, 0)
    store.upsert_events([
        Event("e1", record["id"], {"nl": "Samen koken", "en": "Cooking together"},
              now + timedelta(hours=2), now + timedelta(hours=4), "Het Anker", False),
        Event("e2", record["id"], {"nl": "Soep op zondag"},
              now + timedelta(hours=5), now + timedelta(hours=6), "Het Anker", True),
    ])  # fmt: skip
    try:
        i18n.set_language("en")
        assert [line.title for line in week_ahead(store, now, "en")] == [
            "Cooking together",
            "In Dutch: Soep op zondag",
        ]
        i18n.set_language("tr")
        titles = [line.title for line in week_ahead(store, now, "tr")]
        assert titles[0] == "Felemenkçe olarak: Samen koken"  # no Turkish title: marked
        i18n.set_language("nl")
        assert [line.title for line in week_ahead(store, now, "nl")][1] == "Soep op zondag"
    finally:
        i18n.set_language("nl")
