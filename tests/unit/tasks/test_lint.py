"""The names a score's warnings compare signals with: every loaded event name, read once per process."""

from __future__ import annotations

from datetime import datetime

from leadlight.config import parse_config
from leadlight.storage.engine import duckdb_engine
from leadlight.tasks import lint
from tests.unit.signals import fixtures

SIGNALS = parse_config("""
signals:
  - {name: reports, kind: count, event: Report Viewed}
""").signals


def test_names_appended_since_are_added_to_those_read_and_the_same_as_reading_all(tmp_path):
    project, con = fixtures.fresh_project(tmp_path)
    try:
        fixtures.load(con)
        assert [w["problem"] for w in lint.event_warnings(duckdb_engine(con, project), SIGNALS)] == ["unknown_event"]
        fixtures.add_event(con, "new", "u1", "a1", "Report Viewed", datetime(2026, 1, 13))
        assert lint.event_warnings(duckdb_engine(con, project), SIGNALS) == []
        kept = lint._loaded_events(duckdb_engine(con, project))
        lint._KNOWN.clear()  # as in a new process: every event read
        assert lint._loaded_events(duckdb_engine(con, project)) == kept
        assert "Report Viewed" in kept
    finally:
        con.close()


def test_the_names_a_score_read_before_every_event_are_reused(tmp_path):
    project, con = fixtures.fresh_project(tmp_path)
    try:
        fixtures.load(con)
        engine = duckdb_engine(con, project)
        lint._KNOWN.clear()
        engine.memo["event_names"] = (datetime(2026, 1, 12, 9, 0, 1), ["Only Read"])  # after the latest event
        assert lint._loaded_events(engine) == ["Only Read"]
        lint._KNOWN.clear()
        engine = duckdb_engine(con, project)
        engine.memo["event_names"] = (datetime(2026, 1, 12, 9, 0), ["Only Read"])  # not after it: read
        assert "Only Read" not in lint._loaded_events(engine)
    finally:
        con.close()
