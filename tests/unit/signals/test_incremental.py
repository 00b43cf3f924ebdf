"""Kept history: a re-score after new, late or re-resolved events equals a full recompute, and says when it rebuilt."""

from __future__ import annotations

from datetime import datetime

import pytest

from leadlight.signals import compute_signals
from tests.unit.signals import fixtures
from tests.unit.signals.conftest import as_dicts


class Notes:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def log(self, message: str) -> None:
        self.messages.append(message)

    def take(self, partials: bool = True) -> list[str]:
        """The notes so far (``partials=False``: those about the kept history, not its window partials, whose
        definition a new event name changes: ``test_partials.py``)."""
        taken, self.messages = self.messages, []
        return [n for n in taken if partials or "window partials" not in n]


@pytest.fixture
def watched(loaded):
    engine, con = loaded
    notes = Notes()
    engine.memo["progress"] = notes
    return engine, con, notes


def _both(engine, specs, as_of, source="kept"):
    kept = compute_signals(engine, specs, as_of)
    assert kept.source == source
    assert as_dicts(kept) == as_dicts(compute_signals(engine, specs, as_of, incremental=False))
    return as_dicts(kept)


def _kept_at(watched, as_of):
    """The fixture's signals scored once as of ``as_of`` (the summary built), its notes taken."""
    engine, con, notes = watched
    specs = fixtures.signals()
    _both(engine, specs, as_of)
    notes.take()
    return engine, con, notes, specs


def _state(con) -> tuple:
    return con.execute("SELECT until, events_seen FROM signal_kept_state").fetchall()[0]


def test_new_events_at_any_second_merge_without_a_rebuild(watched):
    engine, con, notes = watched
    specs = fixtures.signals()
    _both(engine, specs, datetime(2026, 1, 13, 10, 30, 5))
    assert notes.take() == ["rebuilding the kept signal history from every event: nothing kept yet"]
    assert _state(con) == (datetime(2026, 1, 13), 12)
    fixtures.add_event(con, "n1", "u1", "a1", "Teammate Invited", "2026-01-13 11:00:00", '{"plan": "pro"}')
    fixtures.add_event(con, "n2", "u7", "a3", "Export Run", "2026-01-14 17:00:07")
    for as_of in (datetime(2026, 1, 14, 17, 0, 8), datetime(2026, 1, 15), datetime(2026, 2, 20, 6, 30)):
        values = _both(engine, specs, as_of)
    assert notes.take(partials=False) == []  # Export Run is a new name: the breadth's partials are built again
    assert _state(con) == (datetime(2026, 2, 20), 14)
    assert values["account"]["a3"]["last_seen"] == 36


def test_a_late_event_is_merged_into_the_summary(watched):
    engine, con, notes, specs = _kept_at(watched, datetime(2026, 1, 20, 8))
    fixtures.add_event(con, "late", "u6", "a3", "Teammate Invited", "2025-12-25 10:00:00", '{"plan": "pro"}')
    values = _both(engine, specs, datetime(2026, 1, 20, 9))
    assert notes.take() == []
    assert values["account"]["a3"]["pro_events"] == 1


def test_an_identity_change_recomputes_the_users_it_touches_and_says_so(watched):
    engine, con, notes, specs = _kept_at(watched, datetime(2026, 1, 13, 12))
    # u4 gets linked to a3: every event u4 ever did changes account.
    con.execute("INSERT INTO identities (user_id, account_id, method, is_personal, is_disposable, is_student) "
                "VALUES ('u4', 'a3', 'manual', false, false, false)")
    values = _both(engine, specs, datetime(2026, 1, 13, 12))
    assert notes.take() == ["identity links changed for 1 user: their kept signal history was recomputed"]
    assert values["account"]["a3"]["last_seen"] == 5
    # A visitor's anonymous events, then stitched to u1 by an alias: they move from no user to u1.
    con.execute("INSERT INTO events (message_id, type, anonymous_id, event, timestamp) VALUES "
                "('v1', 'page', 'visitor', 'Pricing', '2026-01-02 08:00:00'), "
                "('v2', 'page', 'visitor', 'Docs', '2026-01-12 08:00:00')")
    before = _both(engine, specs, datetime(2026, 1, 13, 12))
    con.execute("INSERT INTO aliases VALUES ('visitor', 'u1', '2026-01-12 08:00:00')")
    after = _both(engine, specs, datetime(2026, 1, 13, 12))
    assert notes.take(partials=False)[-1] == "identity links changed for 2 users: their kept signal history was " \
                                             "recomputed"
    assert after["user"]["u1"]["user_days"] == before["user"]["u1"]["user_days"] + 1  # Jan 12 (Jan 2 was one)


def test_a_new_filter_rebuilds_with_its_slice(watched):
    engine, _, notes, specs = _kept_at(watched, datetime(2026, 1, 13))
    more = specs + fixtures.signals("signals:\n  - {name: team_plan, kind: count, where: {plan: [team, free]}}\n")
    values = _both(engine, more, datetime(2026, 1, 13))
    assert notes.take() == ["rebuilding the kept signal history from every event: the signals filter event "
                            "properties in a new way"]
    assert values["account"]["a2"]["team_plan"] == 1


def test_moments_before_the_latest_event_or_the_kept_cutoff_read_raw_events(watched):
    engine, con, notes = watched
    specs = fixtures.signals()
    _both(engine, specs, datetime(2026, 1, 10, 12), source="events")  # identity as of a past moment
    _both(engine, specs, datetime(2026, 3, 1))
    _both(engine, specs, datetime(2026, 2, 1, 12), source="events")  # before the summary's cutoff: left as is
    assert _state(con)[0] == datetime(2026, 3, 1)


def test_compaction_keeps_one_row_per_key(watched):
    engine, con, _ = watched
    specs = fixtures.signals()
    _both(engine, specs, datetime(2026, 1, 13))
    for day in range(13, 20):
        fixtures.add_event(con, f"c{day}", "u1", "a1", "Comment Added", f"2026-01-{day} 10:00:00")
        _both(engine, specs, datetime(2026, 1, day + 1, 1))
    duplicates = con.execute("SELECT count(*) - count(DISTINCT (filter_id, account_id, user_id, event)) "
                             "FROM signal_kept").fetchall()[0][0]
    rows, compacted = con.execute("SELECT kept_rows, compacted_rows FROM signal_kept_state").fetchall()[0]
    assert rows == con.execute("SELECT count(*) FROM signal_kept").fetchall()[0][0]
    assert duplicates <= rows - compacted


def test_windows_equal_a_full_recompute_at_any_time_of_day_with_events_on_their_edges(watched):
    engine, con, notes = watched
    specs = fixtures.signals()
    # Events on the second a window (7d, 14d, 28d) or a velocity slice starts, and the second before.
    for n, moment in enumerate(("2026-01-08 13:14:15", "2026-01-08 13:14:14", "2026-01-01 13:14:15",
                                "2026-01-01 13:14:14", "2025-12-18 13:14:15", "2026-01-10 06:00:00")):
        fixtures.add_event(con, f"edge{n}", "u1" if n % 2 else "u3", "a1" if n % 2 else "a2", "Teammate Invited",
                           moment, '{"plan": "pro", "seats": 7}')
    for as_of in (datetime(2026, 1, 15, 0, 0, 1), datetime(2026, 1, 15, 13, 14, 15), datetime(2026, 1, 15, 13, 14, 16),
                  datetime(2026, 1, 16, 23, 59, 59), datetime(2026, 1, 17), datetime(2026, 1, 24, 6, 0, 1)):
        _both(engine, specs, as_of)
    assert notes.take() == ["rebuilding the kept signal history from every event: nothing kept yet"]
