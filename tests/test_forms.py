"""The forms' decisions without a screen (kiosk.forms): what each step needs, and every record
stored once per form or per set of choices, whatever the number of taps."""

from __future__ import annotations

import pytest

from kiosk import outbox
from kiosk.forms import (
    IntroductionForm,
    ask_for_help,
    contact_problem,
    send_contact_request,
    store_choices,
    store_take_home_list,
)
from kiosk.qr import receipt_url, take_home_url
from kiosk.session import ContactForm, VisitorSession
from kiosk.visitor_records import new_record_id, token_hash
from sync.protocol import SEALED_PAYLOAD_BYTES


def ops(store) -> list[tuple[str, str]]:
    return [(op["entity"], op["record_id"]) for op in outbox.pending(store)]


def test_the_same_choices_are_one_record_and_other_choices_another(store):
    session = VisitorSession(language="nl")
    session.liked_themes = {"eten"}
    store_choices(store, session, "nl", "kiosk-hal")
    store_choices(store, session, "nl", "kiosk-hal")  # back, then 'show' again
    first = session.interest[0]
    assert ops(store) == [("interest", first)]
    session.gifts = {"koken"}
    store_choices(store, session, "nl", "kiosk-hal")
    assert ops(store) == [("interest", first), ("interest", session.interest[0])]
    assert session.interest[0] != first


def test_a_take_home_list_is_made_once_per_list(store):
    session = VisitorSession(language="nl", kept=[new_record_id()])
    token = store_take_home_list(store, session, "nl")
    assert store_take_home_list(store, session, "nl") == token
    (op,) = outbox.pending(store)
    assert op["fields"]["token_hash"] == token_hash(token)
    session.keep(new_record_id())
    assert store_take_home_list(store, session, "nl") != token
    assert len(outbox.pending(store)) == 2


def test_asking_for_help_twice_asks_once(store):
    session = VisitorSession(language="nl")
    ask_for_help(store, session, "nl", "kiosk-hal")
    ask_for_help(store, session, "nl", "kiosk-hal")
    assert ops(store) == [("help_request", session.help_id)]


def test_a_contact_request_is_sent_once_and_only_with_a_group(store):
    form = ContactForm(communities=[])
    assert contact_problem(form, "who")
    form.communities.append(new_record_id())
    assert contact_problem(form, "who") == ""
    form.sealed = bytes(SEALED_PAYLOAD_BYTES)  # a sealed box's size; no hub key needed here
    session = VisitorSession(language="nl", contact=form, assisted=True)
    send_contact_request(store, session)
    send_contact_request(store, session)
    (op,) = outbox.pending(store)
    assert form.sent and op["record_id"] == form.record_id and op["fields"]["assisted"]


@pytest.mark.parametrize(
    ("kind", "chosen", "agreed", "ok"),
    [
        ("visitor_community", [], set(), False),
        ("visitor_community", ["a"], set(), True),
        ("community_community", ["a"], set(), False),
        ("community_community", ["a", "b"], set(), True),
        ("visitor_visitor", [], {"first_agrees"}, False),
        ("visitor_visitor", [], {"first_agrees", "second_agrees"}, True),
    ],
)
def test_who_an_introduction_needs(kind, chosen, agreed, ok):
    form = IntroductionForm(kind=kind, chosen=chosen, agreed=agreed)
    assert (form.who_problem() == "") is ok


def test_an_introduction_is_stored_once_and_a_new_kind_starts_its_groups_again(store):
    form = IntroductionForm()
    form.chosen.append(new_record_id())
    form.choose_kind("community_community")
    assert form.chosen == []
    form.chosen += [new_record_id(), new_record_id()]
    form.store(store, "koffie", "kiosk-hal")
    form.store(store, "koffie", "kiosk-hal")  # a double tap
    (op,) = outbox.pending(store)
    assert op["record_id"] == form.record_id and op["fields"]["communities"] == form.chosen
    assert IntroductionForm().record_id != form.record_id  # a new form, a new id
    with pytest.raises(ValueError):
        form.choose_kind("visitor_crowd")


def test_public_addresses_of_a_visitors_pages():
    assert take_home_url("https://hub.test/", "tok") == "https://hub.test/m/tok"
    assert receipt_url("https://hub.test", "tok") == "https://hub.test/w/tok"
