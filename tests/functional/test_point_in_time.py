"""Scores as of D, through the command line, do not change when the events after D are loaded later."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta, timezone

from leadlight.demo import INPUT_FILES
from tests.cli import cli


def _split(source, early, late, cut: datetime) -> int:
    """Write the messages before ``cut`` to ``early``, the rest to ``late``; return how many are late."""
    n = 0
    with gzip.open(source, "rt") as lines, open(early, "w") as first, open(late, "w") as second:
        for line in lines:
            ts = datetime.fromisoformat(json.loads(line)["timestamp"].replace("Z", "+00:00"))
            late_one = ts >= cut
            n += late_one
            (second if late_one else first).write(line)
    return n


def test_loading_later_events_leaves_scores_as_of_d_unchanged(tmp_path):
    data, project = tmp_path / "data", str(tmp_path / "project")
    cli("generate", "--out", str(data), "--accounts", "80", "--days", "150", "--seed", "11")
    cli("init", project)
    for name, kind in INPUT_FILES:
        if kind != "events":
            cli("ingest", str(data / name), "--kind", kind, "--project", project)
    with gzip.open(data / "events.ndjson.gz", "rt") as lines:
        stamps = sorted(json.loads(line)["timestamp"] for line in lines)
    day = stamps[len(stamps) * 7 // 10][:10]  # --as-of DAY counts the whole day: as_of is the next midnight
    cut = datetime.fromisoformat(day).replace(tzinfo=timezone.utc) + timedelta(days=1)
    late = _split(data / "events.ndjson.gz", tmp_path / "early.ndjson", tmp_path / "late.ndjson", cut)
    assert late > 1000

    def as_of_d() -> tuple:
        score = cli("score", "--as-of", day, "--project", project)
        accounts = cli("accounts", "--as-of", day, "--limit", "1000", "--project", project)
        leads = cli("leads", "--limit", "100000", "--project", project)
        return score, accounts, leads

    cli("ingest", str(tmp_path / "early.ndjson"), "--kind", "events", "--project", project)
    before = as_of_d()
    cli("ingest", str(tmp_path / "late.ndjson"), "--kind", "events", "--project", project)
    after = as_of_d()
    assert before[0]["pqls"] > 0 and before[0]["pqas"] > 0
    assert after == before
