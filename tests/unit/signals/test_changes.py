"""Which accounts and people a re-score changed: exactly those whose values differ from the kept ones."""

from __future__ import annotations

from datetime import datetime

from leadlight.scoring.frames import score_definition
from leadlight.signals import changes, compute_signals
from leadlight.config.scoring import ScoringConfig
from tests.unit.signals import fixtures
from tests.unit.signals.conftest import as_dicts
from tests.unit.signals.test_incremental import watched  # noqa: F401  (a fixture)


def _outputs(frames) -> dict:
    return {"account": (frames.accounts, "account_id"), "user": (frames.users, "user_id")}


def _differing(before: dict, after: dict, level: str) -> set:
    ids = set(before[level]) | set(after[level])
    return {i for i in ids if before[level].get(i) != after[level].get(i)}


def test_the_changed_ids_are_those_whose_values_differ(watched):  # noqa: F811
    engine, con, _ = watched
    specs = fixtures.signals()
    first = compute_signals(engine, specs, datetime(2026, 1, 14, 9, 0, 0))
    found = changes.compare(engine, "d1", _outputs(first))
    assert found.of("account") is None and found.of("user") is None  # nothing kept: everything
    changes.keep(engine, found)
    before = as_dicts(first)
    fixtures.add_event(con, "c1", "u1", "a1", "Teammate Invited", "2026-01-14 09:10:00", '{"plan": "pro"}')
    fixtures.add_event(con, "c2", "new-person", "a2", "Comment Added", "2026-01-14 09:20:00")
    later = compute_signals(engine, specs, datetime(2026, 1, 14, 9, 30, 0))
    found = changes.compare(engine, "d1", _outputs(later))
    after = as_dicts(later)
    assert found.of("account") == _differing(before, after, "account") and "a1" in found.of("account")
    assert found.of("user") == _differing(before, after, "user") and {"u1", "new-person"} <= found.of("user")
    assert found.rows == {"account": len(after["account"]), "user": len(after["user"])}
    assert changes.compare(engine, "d2", _outputs(later)).of("account") is None  # another definition: all
    changes.keep(engine, found)
    again = changes.compare(engine, "d1", _outputs(compute_signals(engine, specs, datetime(2026, 1, 14, 9, 30, 1))))
    assert again.of("account") == frozenset() and again.of("user") == frozenset()


def test_scores_compare_the_same_way(watched):  # noqa: F811
    engine, con, _ = watched
    specs = fixtures.signals()
    config = ScoringConfig.model_validate({"pqa": {"rules": [{"signal": "users_7d", "op": ">=", "value": 2,
                                                             "points": 10}], "threshold": 5}})
    accounts, users = score_definition(engine, specs, config, datetime(2026, 1, 14, 9))
    changes.keep(engine, changes.compare(engine, "s", {"account": (accounts, "account_id")}))
    fixtures.add_event(con, "s1", "u3", "a2", "Comment Added", "2026-01-14 09:10:00")
    accounts, users = score_definition(engine, specs, config, datetime(2026, 1, 14, 9, 30))
    assert changes.compare(engine, "s", {"account": (accounts, "account_id")}).of("account") == {"a2"}
