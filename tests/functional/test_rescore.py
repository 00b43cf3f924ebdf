"""A re-score with nothing new returns the stored snapshot; anything new (data, config, a replaced snapshot)
computes again, and what is returned always equals a full recompute."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from leadlight.progress import Silent
from leadlight.storage import Project
from leadlight.tasks.score import score
from tests.cli import cli, generated_project


@pytest.fixture(scope="module")
def company(tmp_path_factory) -> tuple[Path, Path]:
    return generated_project(tmp_path_factory.mktemp("rescore"), None, accounts=40, days=60, seed=11)


def snapshot_rows(project: Path) -> dict[str, list[tuple]]:
    """Every stored score row, provenance times left out."""
    con = duckdb.connect(str(project / ".leadlight" / "leadlight.duckdb"), read_only=True)
    try:
        out = {}
        for table in ("account_scores", "user_scores"):
            columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] != "scored_at"]
            out[table] = con.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY ALL").fetchall()
        return out
    finally:
        con.close()


def scored_at(project: Path) -> list[tuple]:
    con = duckdb.connect(str(project / ".leadlight" / "leadlight.duckdb"), read_only=True)
    try:
        return con.execute("SELECT as_of, max(scored_at) FROM account_scores GROUP BY as_of ORDER BY as_of").fetchall()
    finally:
        con.close()


def test_nothing_new_returns_the_stored_snapshot_equal_to_a_full_recompute(company, tmp_path):
    _, project = company
    first = score(Project(project))
    stamp = scored_at(project)
    again = score(Project(project))
    assert first["reused"] is False and again["reused"] is True
    assert {k: again[k] for k in first if k != "reused"} == {k: first[k] for k in first if k != "reused"}
    assert scored_at(project) == stamp  # nothing was written
    assert cli("score", "--project", str(project)) == {k: first[k] for k in ("as_of", "accounts", "users", "pqas", "pqls")}

    fresh = tmp_path / "fresh"
    shutil.copytree(project, fresh)
    con = duckdb.connect(str(fresh / ".leadlight" / "leadlight.duckdb"))
    con.execute("DELETE FROM derived_state WHERE starts_with(name, 'score_snapshot')")
    con.close()
    assert score(Project(fresh))["reused"] is False  # a full recompute
    assert snapshot_rows(fresh) == snapshot_rows(project)


def test_new_events_a_new_definition_or_a_replaced_snapshot_compute_again(company, tmp_path):
    data, original = company
    project = tmp_path / "p"
    shutil.copytree(original, project)
    score(Project(project))
    assert score(Project(project))["reused"] is True

    latest = max(json.loads(line)["timestamp"] for line in gzip.open(data / "events.ndjson.gz", "rt"))
    extra = tmp_path / "more.ndjson"
    extra.write_text(json.dumps({"type": "track", "userId": "late-user", "event": "Report Exported",
                                 "messageId": "late-1", "timestamp": latest}) + "\n")
    cli("ingest", str(extra), "--kind", "events", "--project", str(project))
    assert score(Project(project))["reused"] is False
    assert score(Project(project))["reused"] is True

    config = project / "leadlight.yml"
    config.write_text(config.read_text().replace("threshold: 60", "threshold: 55", 1))
    assert score(Project(project))["reused"] is False

    cli("score", "--project", str(project), "--as-of", "2026-10-01")  # another moment: the latest stays stored
    assert score(Project(project))["reused"] is True
    assert score(Project(project), "2026-10-01")["reused"] is True

    con = duckdb.connect(str(project / ".leadlight" / "leadlight.duckdb"))
    con.execute("DELETE FROM account_scores WHERE account_id IN (SELECT min(account_id) FROM account_scores)")
    con.close()
    again = score(Project(project))
    assert again["reused"] is False and again["accounts"] == 40


def test_stale_identities_are_rebuilt_before_the_inputs_are_fingerprinted(company, tmp_path):
    """An ingest killed during identity resolution (or an upgrade whose fingerprint reads differently) leaves
    identities stale; the score that rebuilds them stores the final fingerprint, so the next one reuses it."""
    _, original = company
    project = tmp_path / "p"
    shutil.copytree(original, project)
    score(Project(project))
    con = duckdb.connect(str(project / ".leadlight" / "leadlight.duckdb"))
    con.execute("UPDATE derived_state SET inputs = 'built from other inputs' WHERE name = 'identity'")
    con.close()
    score(Project(project))  # rebuilds the identities: the same inputs, so the same snapshot (stored or reused)
    assert score(Project(project))["reused"] is True


class Notes(Silent):
    """A ``Progress`` that keeps what the score logs."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def log(self, message: str) -> None:
        self.messages.append(message)


def test_a_first_score_leaves_the_kept_history_to_the_next_which_builds_it(company, tmp_path):
    data, original = company
    project, full = tmp_path / "p", tmp_path / "full"
    shutil.copytree(original, project)
    notes = Notes()
    score(Project(project), progress=notes)
    con = duckdb.connect(str(project / ".leadlight" / "leadlight.duckdb"), read_only=True)
    kept = con.execute("SELECT format, (SELECT count(*) FROM signal_kept), (SELECT count(*) FROM signal_partials) "
                       "FROM signal_kept_state").fetchall()
    con.close()
    assert kept == [(0, 0, 0)] and notes.messages == []  # only marked: nothing built, nothing said

    latest = max(json.loads(line)["timestamp"] for line in gzip.open(data / "events.ndjson.gz", "rt"))
    extra = tmp_path / "more.ndjson"
    extra.write_text(json.dumps({"type": "track", "userId": "late-user", "event": "Report Exported",
                                 "messageId": "next-1", "timestamp": latest}) + "\n")
    cli("ingest", str(extra), "--kind", "events", "--project", str(project))
    shutil.copytree(project, full)
    score(Project(project), progress=notes)
    assert notes.messages == ["rebuilding the kept signal history from every event: the first score left it to "
                              "the next"]
    con = duckdb.connect(str(project / ".leadlight" / "leadlight.duckdb"), read_only=True)
    assert con.execute("SELECT format FROM signal_kept_state").fetchall() == [(1,)]
    assert con.execute("SELECT count(*) FROM signal_kept").fetchall()[0][0] > 0
    con.close()
    con = duckdb.connect(str(full / ".leadlight" / "leadlight.duckdb"))
    con.execute("DELETE FROM signal_kept_state")  # a first score again: raw events only
    con.close()
    score(Project(full))
    assert snapshot_rows(project) == snapshot_rows(full)
