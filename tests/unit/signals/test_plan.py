"""The single-pass plan: shared measures, bit masks at their limits, fallbacks, scratch tables that go away."""

from __future__ import annotations

import gc
from datetime import datetime

import pytest

from leadlight.signals import compute_signals
from leadlight.signals.activity import Activity
from leadlight.signals.plan import Plan
from tests.unit.signals import fixtures, reference
from tests.unit.signals.conftest import as_dicts, canonical_frames

# Windows at and past what one int64 mask holds (63 days / slices), the fallbacks, and a named-events breadth.
EDGES = """
signals:
  - {name: days_62, kind: active_days, window: 62d}
  - {name: days_63, kind: active_days, window: 63d}
  - {name: days_all, kind: active_days}
  - {name: user_days_70, kind: active_days, level: user, window: 70d}
  - {name: users_daily_62, kind: velocity, measure: active_users, window: 1d, baseline: 62d, compare: ratio}
  - {name: users_daily_70, kind: velocity, measure: active_users, window: 1d, baseline: 70d}
  - {name: core_breadth, kind: breadth, event: [Export Run, Teammate Invited, Never Seen], window: 30d}
  - {name: exports_all, kind: count, event: Export Run}
  - {name: exports_30d, kind: count, event: Export Run, window: 30d}
  - {name: exporters_30d, kind: distinct_users, event: Export Run, window: 30d}
"""


@pytest.mark.parametrize(
    "as_of", [datetime(2026, 1, 10), datetime(2026, 1, 9, 10, 0, 0), datetime(2026, 2, 20, 6, 30)], ids=str
)
@pytest.mark.parametrize("incremental", [True, False], ids=["kept-if-after-the-data", "raw-events"])
def test_mask_limits_and_fallbacks_match_the_reference(loaded, as_of, incremental):
    engine, con = loaded
    specs = fixtures.signals(EDGES)
    got = as_dicts(compute_signals(engine, specs, as_of, incremental=incremental))
    want = reference.frames(specs, *canonical_frames(con), as_of)
    for level in ("account", "user"):
        assert sorted(got[level]) == sorted(want[level])
        for entity, values in want[level].items():
            for name, expected in values.items():
                assert reference.same(expected, got[level][entity][name]), (level, entity, name)


def test_signals_asking_the_same_thing_share_one_measure(loaded):
    engine, _ = loaded
    specs = fixtures.signals(EDGES)
    plan = Plan(Activity.from_events(engine, datetime(2026, 1, 10)))
    by_name = {s.name: s for s in specs}
    a = plan.count(by_name["exports_30d"], by_name["exports_30d"].window_td)
    b = plan.count(by_name["exporters_30d"], by_name["exporters_30d"].window_td)
    assert a == b
    assert plan.count(by_name["exports_all"], None) != a
    # Past the 63 bits of one mask the plan says no, and the kind computes a table of its own.
    assert plan.day_mask(by_name["days_62"], by_name["days_62"].window_td) is not None
    assert plan.day_mask(by_name["user_days_70"], by_name["user_days_70"].window_td) is None
    assert plan.slice_mask(by_name["users_daily_70"], by_name["users_daily_70"].window_td, 71) is None


def _scratch_tables(con) -> set[str]:
    rows = con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE '_leadlight_scratch_%'")
    return {r[0] for r in rows.fetchall()}


def test_scratch_tables_are_dropped_once_nothing_reads_them(loaded):
    engine, con = loaded
    specs = fixtures.signals()
    frames = compute_signals(engine, specs, datetime(2026, 1, 10, 12), incremental=False)
    first = _scratch_tables(con)
    assert first, "the plan materialises its (account, user) pairs"
    frames.accounts.to_pyarrow()
    del frames
    gc.collect()
    again = compute_signals(engine, specs, datetime(2026, 1, 11, 12), incremental=False)
    assert not (first & _scratch_tables(con)), "the first plan's tables went with its frames"
    again.users.to_pyarrow()
    engine.close()
    assert not _scratch_tables(con)


@pytest.mark.parametrize("as_of", [datetime(2026, 1, 9, 12, 0), datetime(2026, 1, 12, 9, 0, 1)], ids=str)
def test_the_event_names_plain_sql_reads_are_those_of_the_ibis_query(loaded, as_of):
    """A breadth signal over every name reads them by one plain SQL (no Ibis built each re-score): the same names,
    from raw events and from the kept summary with the day's raw events after it (an event after its midnight)."""
    from leadlight.signals.incremental import kept_activity

    engine, con = loaded
    fixtures.add_event(con, "late", "u2", "a1", "Report Viewed", datetime(2026, 1, 12, 8, 0))
    specs = fixtures.signals()
    kept = kept_activity(engine, specs, as_of)
    assert (kept is not None and kept.kept is not None) == (as_of > datetime(2026, 1, 12, 9))  # after every event
    for activity in (Activity.from_events(engine, as_of), kept):
        if activity is None:  # a moment before the latest event: nothing kept applies
            continue
        sql, params = activity.event_names_sql()
        plain = sorted(r[0] for r in con.execute(sql, params).fetchall())
        assert plain == sorted(r[0] for r in engine.probe(activity.event_names(), record=False))
        assert ("Report Viewed" in plain) == (as_of > datetime(2026, 1, 12, 8, 0))
