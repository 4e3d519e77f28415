"""The hub's store in-process: the change log, tombstones and their horizon, edits with a
base revision."""

from __future__ import annotations

import time_machine

from sync.hub import store as hub_store
from sync.hub.cli import demo_records


def hub(tmp_path):
    conn = hub_store.connect(tmp_path / "hub.db")
    hub_store.create_schema(conn)
    taxonomy, communities, events = demo_records()
    hub_store.load_records(conn, taxonomy, communities, events)
    return conn, communities


def test_the_change_log_holds_each_record_once_in_commit_order(tmp_path):
    conn, communities = hub(tmp_path)
    first = hub_store.changes_since(conn, 0, 1000)
    assert first.changes[0]["entity"] == "taxonomy"  # kiosks index communities by its labels
    _taxonomy, all_communities, events = demo_records()
    assert len(first.changes) == 1 + len(all_communities) + len(events) and not first.has_more
    target = communities[0]["id"]
    with hub_store.write(conn):
        for word in ("een", "twee", "drie"):
            data = hub_store.shared_record(conn, "community", target)
            hub_store.put_shared(conn, "community", {**data, "pitch": {"nl": word}})
    later = hub_store.changes_since(conn, first.next, 1000)
    assert [c["id"] for c in later.changes] == [target]  # its latest state, once
    assert hub_store.changes_since(conn, 0, 1000).next == later.next
    page = hub_store.changes_since(conn, 0, 10)
    assert len(page.changes) == 10 and page.has_more and page.next == page.changes[-1]["seq"]


def test_old_tombstones_are_forgotten_and_older_cursors_start_again(tmp_path):
    conn, communities = hub(tmp_path)
    cursor = hub_store.last_seq(conn)
    with time_machine.travel("2026-01-01"):
        with hub_store.write(conn):
            hub_store.delete_shared(conn, "community", communities[0]["id"])
    tomb = hub_store.changes_since(conn, cursor, 100)
    assert tomb.changes[0]["deleted"] and tomb.changes[0]["data"] is None
    # The community's events went with it, as tombstones too.
    assert {c["entity"] for c in tomb.changes} >= {"community"}
    assert hub_store.purge_tombstones(conn, days=180) >= 1
    assert hub_store.changes_since(conn, cursor, 100).resync  # it missed a forgotten delete
    assert not hub_store.changes_since(conn, hub_store.last_seq(conn), 100).resync
    assert not hub_store.changes_since(conn, 0, 100).resync  # from zero is always whole
    assert hub_store.changes_since(conn, hub_store.last_seq(conn) + 1, 100).resync  # ahead


def test_an_edit_keeps_what_others_changed_since_its_base_revision(tmp_path):
    conn, communities = hub(tmp_path)
    target = communities[0]["id"]
    with hub_store.write(conn):
        first = hub_store.edit_community(conn, target, {"pitch": {"nl": "A"}}, 1, "hub")
        assert first.revision == 2 and first.applied == ["pitch"]
        # Based on revision 1: the pitch was changed since (at 2), the state was not.
        late = hub_store.edit_community(
            conn, target, {"pitch": {"nl": "B"}, "state": "resting"}, 1, "kiosk k"
        )
        assert late.applied == ["state"] and late.conflicts == ["pitch"]
        # The same value as the hub's is no conflict.
        same = hub_store.edit_community(conn, target, {"pitch": {"nl": "A"}}, 1, "kiosk k")
        assert same.conflicts == []
        # Based on the latest revision: a follow-up, applied.
        follow = hub_store.edit_community(conn, target, {"pitch": {"nl": "C"}}, late.revision, "k")
        assert follow.applied == ["pitch"]
    assert hub_store.shared_record(conn, "community", target)["pitch"] == {"nl": "C"}
    assert [c["field"] for c in hub_store.conflicts(conn)] == ["pitch"]


def test_a_store_from_a_newer_hub_is_refused_untouched(tmp_path):
    from hub_helpers import hub_cli

    hub_cli(tmp_path, "init")
    conn = hub_store.connect(tmp_path / "hub.db")
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
        " VALUES ('ontmoet-hub', 'm999_from_the_future', '2030-01-01')"
    )

    def state():
        return (
            conn.execute("SELECT * FROM _sqlite_migrations ORDER BY name").fetchall(),
            conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall(),
            conn.execute("SELECT * FROM meta ORDER BY key").fetchall(),
        )

    before = state()
    refused = hub_cli(tmp_path, "maintain", check=False)
    assert refused.returncode == 2 and "newer Ontmoet" in refused.stderr
    assert "m999_from_the_future" in refused.stderr
    assert state() == before  # nothing migrated, nothing purged, nothing written


def test_enrolment_codes_are_letters_and_digits_a_command_line_takes_as_they_are(tmp_path):
    """A code beginning with '-' was read as an option by 'ontmoet-kiosk enrol URL CODE'
    (token_urlsafe: one code in 64), which made test_hub_demo.py fail now and then."""
    import re

    conn, _communities = hub(tmp_path)
    codes = [hub_store.new_enrolment_code(conn, "kiosk-hal") for _ in range(2000)]
    assert all(re.fullmatch(r"[A-Za-z0-9]{16}", code) for code in codes)
    assert len(set(codes)) == len(codes)
