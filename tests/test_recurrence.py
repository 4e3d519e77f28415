"""Repeating times (RFC 5545 RRULE): what a rule may say, and that expanding one is bounded."""

from datetime import date, datetime, timedelta

import pytest

from sync import protocol, recurrence


@pytest.mark.parametrize(
    "rule",
    ["FREQ=WEEKLY;BYDAY=TU", "FREQ=MONTHLY;BYDAY=-1FR", "FREQ=WEEKLY;BYDAY=SA;BYMONTH=4,5,6,7,8,9",
     "FREQ=MONTHLY;BYMONTHDAY=1;COUNT=12", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;UNTIL=20271231"],
)  # fmt: skip
def test_rules_groups_use_are_allowed(rule):
    assert recurrence.check(rule) == rule


@pytest.mark.parametrize(
    ("rule", "says"),
    [("FREQ=SECONDLY", "no more often"), ("FREQ=HOURLY;INTERVAL=1", "no more often"),
     ("FREQ=WEEKLY;BYHOUR=3", "may not use BYHOUR"), ("FREQ=DAILY;INTERVAL=0", "from 1 to 52"),
     ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never happens"), ("RRULE:FREQ=DAILY", "NAME=VALUE"),
     ("FREQ=DAILY;COUNT=5;UNTIL=20270101", "not both"), ("FREQ=DAILY;" * 40, "at most 200"),
     ("FREQ=WEEKLY;BYDAY=XX", "not a valid")],
)  # fmt: skip
def test_rules_that_fire_too_often_never_or_malformed_are_refused_plainly(rule, says):
    with pytest.raises(recurrence.RecurrenceError, match=says):
        recurrence.check(rule)


def test_an_event_series_must_end_a_groups_meeting_need_not():
    with pytest.raises(recurrence.RecurrenceError, match="must end"):
        recurrence.check("FREQ=WEEKLY;BYDAY=TU", must_end=True)
    assert recurrence.check("FREQ=WEEKLY;BYDAY=TU;COUNT=10", must_end=True)
    first = datetime(2026, 1, 6, 14)
    assert recurrence.series_end("FREQ=WEEKLY;BYDAY=TU", first, timedelta(hours=2)) is None
    end = recurrence.series_end("FREQ=WEEKLY;COUNT=3", first, timedelta(hours=2))
    assert end == datetime(2026, 1, 20, 16)


def test_every_last_friday_and_expansion_is_windowed_and_capped():
    last_fridays = recurrence.next_dates(
        "FREQ=MONTHLY;BYDAY=-1FR", date(2026, 1, 1), date(2026, 12, 3)
    )
    assert last_fridays == [date(2026, 12, 25), date(2027, 1, 29), date(2027, 2, 26)]
    first = datetime(2020, 1, 1, 9)
    daily = list(
        recurrence.occurrences("FREQ=DAILY", first, datetime(2026, 1, 1), datetime(2040, 1, 1))
    )
    assert len(daily) == recurrence.MAX_OCCURRENCES
    assert daily[0] == datetime(2026, 1, 1, 9)
    week = list(recurrence.occurrences(None, first, datetime(2019, 1, 1), datetime(2021, 1, 1)))
    assert week == [first]


def test_the_protocol_checks_meetings_and_events_with_these_rules():
    base = {"place": "Buurthuis", "rrule": "FREQ=WEEKLY;BYDAY=TU", "starts_on": "2026-01-06",
            "opens": "14:00", "closes": "16:00"}  # fmt: skip
    assert protocol.meeting("m", base)["rrule"] == "FREQ=WEEKLY;BYDAY=TU"
    assert protocol.meeting("m", {"when": {"nl": "Elke dinsdag"}, "place": "Buurthuis"})
    for bad, says in [({**base, "rrule": "FREQ=SECONDLY"}, "no more often"),
                      ({**base, "closes": "13:00"}, "later than opens"),
                      ({"place": "x"}, "needs a repeating time"),
                      ({**base, "opens": None}, "start time"),
                      ({**base, "opens": "25:00"}, "time of day"),
                      ({**base, "starts_on": "0001-01-01"}, "between 2000 and 2100")]:  # fmt: skip
        with pytest.raises(protocol.ProtocolError, match=says):
            protocol.meeting("m", bad)


@pytest.mark.parametrize(
    "rule",
    ["FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=5",  # daily with a month day: monthly's job
     "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;UNTIL=99991231",
     "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30", "FREQ=MONTHLY;INTERVAL=2;BYMONTH=2",
     "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29", "FREQ=MONTHLY;BYDAY=1MO;BYMONTHDAY=20",
     "FREQ=YEARLY;BYMONTH=1;BYDAY=53MO", "FREQ=WEEKLY;BYDAY=2MO", "FREQ=MONTHLY;BYDAY=6FR",
     "FREQ=MONTHLY;BYDAY=-1FR;BYSETPOS=2", "FREQ=YEARLY;BYWEEKNO=60", "FREQ=YEARLY;BYYEARDAY=400",
     "FREQ=WEEKLY;BYDAY=TU;UNTIL=20600101"],
)  # fmt: skip
def test_rules_that_could_keep_dateutil_stepping_for_seconds_are_refused_by_their_parts(
    rule, monkeypatch
):
    """A rule that matches no day (or one in centuries) costs dateutil a step per period up to
    the year 9999: seconds of the hub's CPU for one form. They are refused by what their
    parts say, before dateutil is asked."""

    def not_asked(*_args):
        raise AssertionError("dateutil was asked")

    monkeypatch.setattr(recurrence, "_parse", not_asked)
    with pytest.raises(recurrence.RecurrenceError):
        recurrence.check(rule, start=datetime(2043, 6, 1))
