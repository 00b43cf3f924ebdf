"""`leadlight ingest` from the command line: the contract's JSON document and exit codes."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from leadlight.cli.app import app

runner = CliRunner()
GOOD = '{"type":"track","userId":"u1","event":"A","timestamp":"2024-02-01T10:00:00Z","messageId":"m1"}'


def project(tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path / "p"), "--json"])
    assert result.exit_code == 0, result.output
    return tmp_path / "p"


def test_json_report_and_exit_0_with_rejects(tmp_path):
    proj = project(tmp_path)
    data = tmp_path / "e.ndjson"
    data.write_text(GOOD + "\nnot json\n" + GOOD + "\n")
    result = runner.invoke(app, ["ingest", str(data), "--kind", "events", "--project", str(proj), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {"kind", "files", "read", "loaded", "duplicates", "rejected", "quarantine", "errors",
                           "updated", "unchanged", "notes", "warnings"}
    assert (report["kind"], report["files"], report["read"], report["loaded"], report["duplicates"],
            report["rejected"]) == ("events", 1, 3, 1, 1, 1)
    assert report["errors"] == [{"file": str(data), "line": 2, "field": None, "message": "invalid JSON"}]
    assert report["quarantine"].startswith(str(proj / ".leadlight" / "quarantine"))


def test_unknown_kind_and_missing_file_exit_2(tmp_path):
    proj = project(tmp_path)
    data = tmp_path / "e.ndjson"
    data.write_text(GOOD + "\n")
    bad_kind = runner.invoke(app, ["ingest", str(data), "--kind", "clicks", "--project", str(proj), "--json"])
    assert bad_kind.exit_code == 2 and "clicks" in bad_kind.stderr
    missing = runner.invoke(app, ["ingest", str(tmp_path / "nope.ndjson"), "--kind", "events", "--project", str(proj)])
    assert missing.exit_code == 2 and "nope.ndjson" in missing.stderr


def test_only_50_errors_are_listed(tmp_path):
    proj = project(tmp_path)
    data = tmp_path / "e.ndjson"
    data.write_text("junk\n" * 120)
    result = runner.invoke(app, ["ingest", str(data), "--kind", "events", "--project", str(proj), "--json"])
    report = json.loads(result.stdout)
    assert report["rejected"] == 120 and len(report["errors"]) == 50
    assert [e["line"] for e in report["errors"]] == list(range(1, 51))
