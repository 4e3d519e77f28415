"""The schedule form without RRULE knowledge: form -> rule -> form gives the same form back,
rules the patterns cannot say are kept as they are, and bad rows are refused plainly; the
kiosk's words for a rule in Dutch, English and Arabic, with its next date."""

from datetime import date

import pytest

from kiosk.meeting_words import describe, meeting_line, next_date
from sync import recurrence
from sync.hub.schedule_form import (
    FormProblem,
    form_from_rule,
    meetings_from_form,
    places_from_form,
    rule_from_form,
)

TODAY = date(2026, 12, 3)  # a Thursday

FORMS = [
    ({"pattern": "weekly", "days": ["TU"]}, "FREQ=WEEKLY;BYDAY=TU"),
    ({"pattern": "weekly", "days": ["MO", "TH"]}, "FREQ=WEEKLY;BYDAY=MO,TH"),
    ({"pattern": "every_n_weeks", "days": ["WE"], "interval": "2"},
     "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"),
    ({"pattern": "monthly_nth", "days": ["FR"], "nth": "-1"}, "FREQ=MONTHLY;BYDAY=-1FR"),
    ({"pattern": "monthly_nth", "days": ["SA"], "nth": "1"}, "FREQ=MONTHLY;BYDAY=1SA"),
    ({"pattern": "monthly_day", "monthday": "15"}, "FREQ=MONTHLY;BYMONTHDAY=15"),
    ({"pattern": "seasonal", "days": ["SA"], "months": ["4", "5", "6", "7", "8", "9"]},
     "FREQ=WEEKLY;BYDAY=SA;BYMONTH=4,5,6,7,8,9"),
]  # fmt: skip


@pytest.mark.parametrize(("form", "rule"), FORMS)
def test_form_to_rule_to_form(form, rule):
    assert rule_from_form(form, 1) == rule
    recurrence.check(rule)
    back = form_from_rule(rule)
    for key, value in form.items():
        assert back[key] == value, key
    assert rule_from_form(back, 1) == rule


@pytest.mark.parametrize(
    "rule", ["FREQ=DAILY", "FREQ=WEEKLY;BYDAY=TU;COUNT=10", "FREQ=MONTHLY;BYDAY=1MO,-1FR",
             "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=21"],
)  # fmt: skip
def test_a_rule_the_patterns_cannot_say_is_kept_as_it_is(rule):
    back = form_from_rule(rule)
    assert back["pattern"] == "custom" and back["rrule"] == rule
    assert rule_from_form(back, 1) == rule


def _row(i=0, **parts):
    return {f"m{i}_{k}": v if isinstance(v, list) else [v] for k, v in parts.items()}


def test_a_posted_row_becomes_a_protocol_meeting_and_the_empty_row_is_skipped():
    form = {**_row(0, pattern="weekly", days=["TU"], opens="14:00", closes="16.00",
                   place="Buurthuis De Linde", when_nl="Niet in de schoolvakanties"),
            **_row(1, pattern="none", place="", opens="", closes="")}  # fmt: skip
    (meeting,) = meetings_from_form(form, ["nl", "en"], TODAY)
    assert meeting == {"place": "Buurthuis De Linde", "rrule": "FREQ=WEEKLY;BYDAY=TU",
                       "starts_on": "2026-12-03", "opens": "14:00", "closes": "16:00",
                       "when": {"nl": "Niet in de schoolvakanties"}}  # fmt: skip


def test_an_old_free_text_when_stays_a_note():
    form = _row(0, pattern="none", place="Het Anker", when_nl="Elke dinsdag 10.00-12.00")
    (meeting,) = meetings_from_form(form, ["nl"], TODAY)
    assert meeting == {"place": "Het Anker", "when": {"nl": "Elke dinsdag 10.00-12.00"}}


@pytest.mark.parametrize(
    ("parts", "says"),
    [({"pattern": "custom", "rrule": "FREQ=SECONDLY"}, "not possible"),
     ({"pattern": "custom", "rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "never happens"),
     ({"pattern": "weekly", "days": ["TU"], "closes": "13:00"}, "later than the start"),
     ({"pattern": "weekly", "days": ["XX"]}, "days of the week"),
     ({"pattern": "weekly", "days": []}, "at least one day"),
     ({"pattern": "every_n_weeks", "days": ["TU"], "interval": "0"}, "2 to 52"),
     ({"pattern": "hourly", "days": ["TU"]}, "how often"),
     ({"pattern": "weekly", "days": ["TU"], "opens": "25:00"}, "a time like"),
     ({"pattern": "weekly", "days": ["TU"], "place": ""}, "say where")],
)  # fmt: skip
def test_bad_meetings_are_refused_with_a_message(parts, says):
    row = {"opens": "14:00", "place": "Buurthuis", **parts}
    with pytest.raises(FormProblem, match=says):
        meetings_from_form(_row(0, **row), ["nl"], TODAY)


def test_places_with_a_map_position_and_bad_ones():
    form = {"p0_address": ["Dorpsstraat 1"], "p0_name": ["De Linde"],
            "p0_latitude": ["52,1"], "p0_longitude": ["5.1"], "p1_address": [""]}  # fmt: skip
    assert places_from_form(form) == [
        {"address": "Dorpsstraat 1", "name": "De Linde", "latitude": 52.1, "longitude": 5.1}
    ]
    with pytest.raises(FormProblem, match="latitude is a number from -90 to 90"):
        places_from_form({**form, "p0_latitude": ["200"]})
    with pytest.raises(FormProblem, match="latitude"):
        places_from_form({**form, "p0_latitude": ["nan"]})
    eleven = {f"p{i}_address": [f"Straat {i}"] for i in range(11)}
    with pytest.raises(FormProblem, match="At most 10 places"):
        places_from_form(eleven)


@pytest.mark.parametrize(
    ("rule", "lang", "words"),
    [("FREQ=WEEKLY;BYDAY=TU", "nl", "Elke dinsdag, 14.00–16.00"),
     ("FREQ=WEEKLY;BYDAY=TU", "en", "Every Tuesday, 14:00–16:00"),
     ("FREQ=MONTHLY;BYDAY=-1FR", "en", "Every last Friday of the month, 14:00–16:00"),
     ("FREQ=MONTHLY;BYDAY=-1FR", "nl", "Elke laatste vrijdag van de maand, 14.00–16.00"),
     ("FREQ=WEEKLY;BYDAY=SA;BYMONTH=4,5,6,7,8,9", "en",
      "Every Saturday, April to September, 14:00–16:00")],
)  # fmt: skip
def test_a_rule_in_words(rule, lang, words):
    assert describe(rule, "14:00", "16:00", lang) == words


def test_the_words_in_arabic_use_arabic_names_and_the_next_date_is_the_next_one():
    said = describe("FREQ=WEEKLY;BYDAY=TU", "14:00", "16:00", "ar")
    assert "الثلاثاء" in said and "14:00–16:00" in said and "Every" not in said
    assert next_date("FREQ=MONTHLY;BYDAY=-1FR", "2026-01-01", TODAY) == date(2026, 12, 25)
    line = meeting_line({"rrule": "FREQ=WEEKLY;BYDAY=TU", "starts_on": "2026-01-06",
                         "opens": "14:00", "closes": "16:00"}, "nl", TODAY)  # fmt: skip
    assert line == "Elke dinsdag, 14.00–16.00 · Volgende keer: dinsdag 8 december"
    assert meeting_line({"when": {"nl": "Soms"}, "place": "x"}, "nl", TODAY) == ""


def test_decomposed_letters_from_a_phone_are_stored_composed():
    from sync.hub.record_form import BLANK, form_record

    record = {**BLANK, "pitch": {"nl": "x"}, "story": {"nl": "x"}, "welcome": {"nl": "x"},
              "accessibility": {"nl": "x"}, "contact": {"nl": "x"}, "themes": ["eten"]}  # fmt: skip
    wanted = form_record(record, {"name": ["Cafe\u0301 De Linde"]}, None, TODAY)
    assert wanted["name"] == "Café De Linde"
