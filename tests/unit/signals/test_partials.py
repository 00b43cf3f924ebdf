"""Kept window partials: the windows read whole days from ``signal_partials`` and equal a full recompute at any
second; a changed definition builds them again from raw events, and says so."""

from __future__ import annotations

from datetime import datetime, timedelta

from leadlight.signals import compute_signals, partials
from leadlight.signals.incremental import kept_activity
from tests.unit.signals import fixtures
from tests.unit.signals.test_incremental import _both, watched  # noqa: F401  (a fixture)


def _state(con) -> tuple:
    return con.execute("SELECT definition, first_day, until, kept_rows, compacted_rows "
                       "FROM signal_partials_state").fetchall()[0]


def _read(engine, specs, as_of) -> None:
    """The windows of ``specs`` as of ``as_of`` are read from the partials, and equal a full recompute."""
    activity = kept_activity(engine, specs, as_of, note=engine.memo["progress"].log)
    assert activity is not None and activity.partials is not None
    _both(engine, specs, as_of)


def test_windows_read_whole_days_from_partials_and_equal_a_full_recompute_at_any_second(watched):  # noqa: F811
    engine, con, notes = watched
    specs = fixtures.signals()
    moment = datetime(2026, 1, 13, 10, 30, 5)
    for step in range(14):  # every 7h 13m 21s for four days: each window edge at many times of day
        fixtures.add_event(con, f"p{step}", ("u1", "u3", "u7")[step % 3], ("a1", "a2", "a3")[step % 3],
                           ("Teammate Invited", "Export Run", "Comment Added")[step % 3],
                           moment - timedelta(minutes=1), '{"plan": "pro", "seats": 9}')
        _read(engine, specs, moment)
        moment += timedelta(hours=7, minutes=13, seconds=21)
    assert [n for n in notes.take() if "partials" in n] == []
    digest, first_day, until, rows, _ = _state(con)
    assert until == datetime(moment.year, moment.month, moment.day) - timedelta(days=1) or until <= moment
    assert rows == con.execute("SELECT count(*) FROM signal_partials WHERE definition = ?", [digest]).fetchall()[0][0]
    # every row's day lies in what the state says it holds
    assert con.execute("SELECT count(*) FROM signal_partials WHERE day < ? OR day >= ?",
                       [first_day, until]).fetchall()[0][0] == 0


def test_events_at_a_window_edge_second_and_midnight(watched):  # noqa: F811
    engine, con, _ = watched
    specs = fixtures.signals()
    as_of = datetime(2026, 1, 20, 16, 45, 9)
    _read(engine, specs, as_of)
    for days in (7, 14, 28):  # on the window's first second, the second before, and its first day's midnights
        start = as_of + timedelta(days=1) - timedelta(days=days)
        for n, moment in enumerate((start, start - timedelta(seconds=1), datetime(start.year, start.month, start.day),
                                    datetime(start.year, start.month, start.day) + timedelta(days=1))):
            fixtures.add_event(con, f"e{days}-{n}", "u1", "a1", "Export Run", moment)
    for later in (timedelta(days=1), timedelta(days=1, seconds=1), timedelta(days=1, hours=7, seconds=-9)):
        _read(engine, specs, as_of + later)


def _read_once(watched):
    """The partials of the fixture definition as of 2026-01-14 09:00: (engine, con, notes, specs, their state)."""
    engine, con, notes = watched
    specs = fixtures.signals()
    _read(engine, specs, datetime(2026, 1, 14, 9))
    notes.take()
    return engine, con, notes, specs, _state(con)[0]


def test_a_changed_definition_builds_the_partials_again_and_says_so(watched):  # noqa: F811
    engine, con, notes, specs, before = _read_once(watched)
    changed = fixtures.signals(fixtures.SIGNALS_YAML.replace("event: Teammate Invited, window: 14d",
                                                             "event: Comment Added, window: 14d"))
    _read(engine, changed, datetime(2026, 1, 14, 10))
    assert notes.take() == ["building the kept window partials from the events since 2025-12-16: the windowed "
                            "signals changed"]
    assert _state(con)[0] != before
    assert con.execute("SELECT count(DISTINCT definition) FROM signal_partials").fetchall()[0][0] == 1
    _read(engine, specs, datetime(2026, 1, 14, 11))  # and back
    assert _state(con)[0] == before


def test_a_shorter_window_reads_the_same_day_partials(watched):  # noqa: F811
    engine, con, notes, specs, before = _read_once(watched)
    # A window's length is not in its day partials, only the longest window reading them: users_7d and
    # active_days_28d read the same slot (every event), the 28 days reach further.
    shorter = fixtures.signals(fixtures.SIGNALS_YAML.replace("{name: users_7d, kind: distinct_users, window: 7d}",
                                                             "{name: users_7d, kind: distinct_users, window: 5d}"))
    _read(engine, shorter, datetime(2026, 1, 14, 10))
    assert notes.take() == [] and _state(con)[0] == before


def test_a_new_event_name_changes_what_breadth_counts_and_rebuilds(watched):  # noqa: F811
    engine, con, notes = watched
    specs = fixtures.signals()
    _read(engine, specs, datetime(2026, 1, 14, 9))
    notes.take()
    fixtures.add_event(con, "brand-new", "u3", "a2", "Dashboard Shared", "2026-01-14 09:30:00")
    values = compute_signals(engine, specs, datetime(2026, 1, 14, 10))
    assert values.source == "kept"
    _read(engine, specs, datetime(2026, 1, 15, 10))
    assert any("the windowed signals changed" in n for n in notes.take())


def test_late_events_and_identity_changes_follow_the_kept_history(watched):  # noqa: F811
    engine, con, notes = watched
    specs = fixtures.signals()
    _read(engine, specs, datetime(2026, 1, 13, 12))
    notes.take()
    for day in range(2, 12):  # late events, each on a day the partials hold: rows added, then compacted
        fixtures.add_event(con, f"late{day}", "u6", "a3", "Export Run", f"2026-01-{day:02d} 10:00:00")
        _read(engine, specs, datetime(2026, 1, 13, 12, day))
    _, _, _, rows, compacted = _state(con)
    assert rows <= 1.5 * compacted
    con.execute("INSERT INTO identities (user_id, account_id, method, is_personal, is_disposable, is_student) "
                "VALUES ('u4', 'a3', 'manual', false, false, false)")
    _read(engine, specs, datetime(2026, 1, 13, 13))
    assert [n for n in notes.take() if "partials" in n or "rebuilding" in n] == []


def test_slots_are_kept_once_whichever_measures_read_them(watched):  # noqa: F811
    engine, _, _ = watched
    specs = fixtures.signals()
    activity = kept_activity(engine, specs, datetime(2026, 1, 13, 12))
    found = partials.definition(engine, specs, activity)
    assert len({slot.key for slot in found.slots}) == len(found.slots)
    assert found.reach == timedelta(days=29)  # the longest window and a day: any moment of until's day


def test_more_slots_than_columns_read_the_rest_from_raw_events(watched):  # noqa: F811
    engine, con, _ = watched
    yaml = "signals:\n" + "".join(f"  - {{name: c{i}, kind: count, event: [E{i}, Export Run], window: {i + 2}d}}\n"
                                   for i in range(partials.COLUMNS + 3))
    specs = fixtures.signals(yaml)
    for i in range(partials.COLUMNS + 3):
        fixtures.add_event(con, f"m{i}", "u1", "a1", f"E{i}", datetime(2026, 1, 12, 3) - timedelta(days=i))
    _read(engine, specs, datetime(2026, 1, 13, 10))
    activity = kept_activity(engine, specs, datetime(2026, 1, 13, 11))
    found = partials.definition(engine, specs, activity)
    assert found.truncated and len(found.slots) == partials.COLUMNS
    _read(engine, specs, datetime(2026, 1, 14, 11, 30))
