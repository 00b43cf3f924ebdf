"""`leadlight generate` from the command line: the contract's files and its one JSON document."""

from __future__ import annotations

import csv
import gzip
import json

from typer.testing import CliRunner

from leadlight.cli.app import app

runner = CliRunner()


def test_generate_json_reports_what_it_wrote(tmp_path):
    out = tmp_path / "data"
    result = runner.invoke(app, ["generate", "--out", str(out), "--accounts", "20", "--days", "90", "--seed", "5", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {"out", "accounts", "users", "events", "opportunities"}
    assert report["out"] == str(out.resolve())
    names = sorted(p.name for p in out.iterdir())
    assert names == ["accounts.csv", "events.ndjson.gz", "opportunities.csv", "truth.csv", "users.csv"]
    rows = lambda name: sum(1 for _ in csv.DictReader(open(out / name)))  # noqa: E731
    assert report["accounts"] == rows("accounts.csv") == 20
    assert report["users"] == rows("users.csv")
    assert report["opportunities"] == rows("opportunities.csv")
    with gzip.open(out / "events.ndjson.gz", "rt") as f:
        assert report["events"] == sum(1 for _ in f)


def test_end_date_moves_the_period(tmp_path):
    result = runner.invoke(app, ["generate", "--out", str(tmp_path), "--accounts", "5", "--days", "40",
                                 "--end", "2025-03-31", "--json"])
    assert result.exit_code == 0, result.output
    with gzip.open(tmp_path / "events.ndjson.gz", "rt") as f:
        stamps = [json.loads(line)["timestamp"] for line in f]
    assert max(stamps) < "2025-04-01T00:00:00Z" and min(stamps) >= "2025-02-20T00:00:00Z"


def test_bad_arguments_exit_2(tmp_path):
    result = runner.invoke(app, ["generate", "--out", str(tmp_path), "--end", "31/10/2026", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"] == "UsageError"
    assert runner.invoke(app, ["generate", "--out", str(tmp_path), "--days", "3"]).exit_code == 2
    assert runner.invoke(app, ["generate", "--out", str(tmp_path), "--accounts", "0"]).exit_code == 2
