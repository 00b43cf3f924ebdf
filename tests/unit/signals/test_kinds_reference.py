"""Every signal kind against the brute-force pandas reference, on raw events and with kept history."""

from __future__ import annotations

from datetime import datetime

import pytest

from leadlight.signals import compute_signals
from tests.unit.signals import fixtures, reference
from tests.unit.signals.conftest import as_dicts, canonical_frames

AS_OFS = [
    datetime(2026, 1, 10),  # midnight
    datetime(2026, 1, 9, 23, 59, 59),  # one second before an event
    datetime(2026, 1, 9, 10, 0, 0),  # exactly at an event: it must not count
    datetime(2026, 1, 13),  # after the data: kept history
    datetime(2026, 1, 12, 9, 0, 1),  # one second after the latest event
    datetime(2026, 2, 20, 6, 30),  # weeks later, mid-day
    datetime(2025, 12, 21),
]


@pytest.mark.parametrize("as_of", AS_OFS, ids=lambda d: d.isoformat())
@pytest.mark.parametrize("incremental", [True, False], ids=["kept-if-after-the-data", "raw-events"])
def test_every_kind_matches_the_reference(loaded, as_of, incremental):
    engine, con = loaded
    specs = fixtures.signals()
    got = as_dicts(compute_signals(engine, specs, as_of, incremental=incremental))
    want = reference.frames(specs, *canonical_frames(con), as_of)
    for level in ("account", "user"):
        assert sorted(got[level]) == sorted(want[level]), level
        for entity, values in want[level].items():
            for name, expected in values.items():
                actual = got[level][entity][name]
                assert reference.same(expected, actual), f"{level} {entity} {name}: want {expected!r}, got {actual!r}"


def test_moments_after_the_data_use_kept_history_and_past_moments_do_not(loaded):
    engine, _ = loaded
    specs = fixtures.signals()
    after_the_data = datetime(2026, 1, 13)  # the latest event is on Jan 12
    assert compute_signals(engine, specs, after_the_data).source == "kept"
    assert compute_signals(engine, specs, datetime(2026, 1, 13, 12)).source == "kept"
    hourly = fixtures.signals("signals:\n  - {name: c, kind: count, window: 12h}\n")
    assert compute_signals(engine, hourly, datetime(2026, 1, 13, 7, 30)).source == "kept"
    assert compute_signals(engine, specs, after_the_data, incremental=False).source == "events"
    # Events after as_of may re-link earlier ones: identity is resolved as of then, from raw events.
    assert compute_signals(engine, specs, datetime(2026, 1, 10)).source == "events"


def test_hand_checked_values(loaded):
    """A few values worked out by hand from fixtures.EVENTS_CSV, as of 2026-01-10 00:00."""
    engine, _ = loaded
    got = as_dicts(compute_signals(engine, fixtures.signals(), datetime(2026, 1, 10)))
    a1, u1 = got["account"]["a1"], got["user"]["u1"]
    assert a1["invites_14d"] == 2  # m02 and m05; m06 is exactly at as_of
    assert a1["pro_events"] == 2
    assert a1["users_7d"] == 2  # u1 and u2 since Jan 3
    assert a1["new_users_7d"] == pytest.approx(1 - 1 * 7 / 28)  # u2 new this week, u1 in the baseline
    assert a1["invites_per_user"] == pytest.approx(1.0)
    assert got["account"]["a3"]["invites_14d"] == 0 and got["account"]["a3"]["last_seen"] is None
    assert got["account"]["a2"]["employees"] == 1200
    assert u1["invited_first_week"] is True and got["user"]["u3"]["invited_first_week"] is False
    assert u1["last_export"] == 0  # Jan 9 10:00, 14 hours before
    assert "u5" not in got["user"] and "u6" not in got["user"]  # created after as_of, no activity yet
    assert got["user"]["u4"]["account_id"] is None
