"""The daily rollup, refreshed after new, late or re-resolved events, equals a full recompute."""

from __future__ import annotations

from datetime import datetime

from leadlight.signals import compute_signals
from leadlight.signals.incremental import refresh_rollup
from tests.unit.signals import fixtures
from tests.unit.signals.conftest import as_dicts


def _both(engine, specs, as_of):
    rolled = compute_signals(engine, specs, as_of)
    assert rolled.source == "rollup"
    return as_dicts(rolled), as_dicts(compute_signals(engine, specs, as_of, incremental=False))


def test_a_new_day_rebuilds_one_day_and_matches_full(loaded):
    engine, con = loaded
    specs = fixtures.signals()
    first = refresh_rollup(engine, specs)
    assert first.days_rebuilt == first.days_total
    fixtures.add_event(con, "n1", "u1", "a1", "Teammate Invited", "2026-01-13 09:00:00", '{"plan": "pro"}')
    fixtures.add_event(con, "n2", "u7", "a3", "Export Run", "2026-01-13 17:00:00")
    again = refresh_rollup(engine, specs)
    assert again.days_rebuilt == 1
    assert refresh_rollup(engine, specs).days_rebuilt == 0
    rolled, full = _both(engine, specs, datetime(2026, 1, 14))
    assert rolled == full


def test_late_event_and_identity_change_rebuild_their_days(loaded):
    engine, con = loaded
    specs = fixtures.signals()
    refresh_rollup(engine, specs)
    fixtures.add_event(con, "late", "u3", "a2", "Comment Added", "2025-12-25 10:00:00")
    # u4 gets linked to a3: every day u4 was active changes account.
    con.execute(
        "INSERT INTO identities (user_id, account_id, method, is_personal, is_disposable, is_student) "
        "VALUES ('u4', 'a3', 'manual', false, false, false)"
    )
    report = refresh_rollup(engine, specs)
    assert report.days_rebuilt == 2  # 2025-12-25 and 2026-01-08
    rolled, full = _both(engine, specs, datetime(2026, 1, 13))
    assert rolled == full
    assert rolled["account"]["a3"]["users_7d"] == 1


def test_new_filter_gets_its_own_slice(loaded):
    engine, _ = loaded
    specs = fixtures.signals()
    refresh_rollup(engine, specs)
    more = specs + fixtures.signals("signals:\n  - {name: team_plan, kind: count, where: {plan: [team, free]}}\n")
    rolled, full = _both(engine, more, datetime(2026, 1, 13))
    assert rolled == full
    assert rolled["account"]["a2"]["team_plan"] == 1
