"""The as-of boundary: an event at as_of is the future, one a second before is history; later events change nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings, strategies as st

from leadlight.signals import compute_signals
from leadlight.storage.engine import duckdb_engine
from tests.unit.signals import fixtures
from tests.unit.signals.conftest import as_dicts

ONE = "signals:\n  - {name: n, kind: count, window: 1d}\n  - {name: last, kind: recency}\n"


def _count_with_event_at(tmp_path, ts: datetime, as_of: datetime, incremental: bool):
    project, con = fixtures.fresh_project(tmp_path)
    fixtures.load(con, events=[])
    fixtures.add_event(con, "x", "u9", "a3", "Export Run", ts)
    got = as_dicts(compute_signals(duckdb_engine(con, project), fixtures.signals(ONE), as_of, incremental=incremental))
    con.close()
    return got["account"]["a3"]


def test_event_exactly_at_as_of_is_excluded(tmp_path):
    as_of = datetime(2026, 1, 10)
    for incremental in (True, False):
        assert _count_with_event_at(tmp_path / str(incremental), as_of, as_of, incremental) == {"n": 0, "last": None}


def test_event_one_second_before_as_of_is_included(tmp_path):
    as_of = datetime(2026, 1, 10)
    for incremental in (True, False):
        got = _count_with_event_at(tmp_path / str(incremental), as_of - timedelta(seconds=1), as_of, incremental)
        assert got == {"n": 1, "last": 0}


def test_window_start_is_inclusive(tmp_path):
    as_of = datetime(2026, 1, 10)
    assert _count_with_event_at(tmp_path, as_of - timedelta(days=1), as_of, False)["n"] == 1
    assert _count_with_event_at(tmp_path / "b", as_of - timedelta(days=1, seconds=1), as_of, False)["n"] == 0


AS_OF = datetime(2026, 1, 10)
later_events = st.lists(
    st.tuples(
        st.sampled_from(["u1", "u2", "u3", "u4", "u7", None]),
        st.sampled_from(["a1", "a2", "a3", "a9", None]),
        st.sampled_from(["Teammate Invited", "Export Run", "Signed Up", "Comment Added"]),
        st.integers(min_value=0, max_value=40 * 86400),
        st.sampled_from([None, '{"plan": "pro", "seats": 7}', '{"plan": "free"}']),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=later_events, midnight=st.booleans())
def test_appending_later_events_never_changes_a_value(tmp_path_factory, extra, midnight):
    as_of = AS_OF if midnight else AS_OF + timedelta(hours=7, seconds=13)
    project, con = fixtures.fresh_project(tmp_path_factory.mktemp("later"))
    fixtures.load(con)
    engine = duckdb_engine(con, project)
    specs = fixtures.signals()
    before = as_dicts(compute_signals(engine, specs, as_of))
    for i, (user, account, event, offset, props) in enumerate(extra):
        fixtures.add_event(con, f"later{i}", user, account, event, as_of + timedelta(seconds=offset), props)
    after = as_dicts(compute_signals(engine, specs, as_of))
    con.close()
    assert after == before
