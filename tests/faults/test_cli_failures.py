"""Every failure ends the same way: ``error:``/``hint:`` on stderr, one JSON document under ``--json``, exit 1
(2 for bad usage), never a traceback; user text is never read as Rich markup (issue 12, items 6-8)."""

from __future__ import annotations

import gzip
import json

import duckdb
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadlight.cli.app import app
from tests.cli import cli

runner = CliRunner()
MINIMAL = "version: 1\nsignals:\n  - {name: events_7d, kind: count, window: 7d}\n"


def project(root: Path, config: str = MINIMAL) -> str:
    root.mkdir(parents=True, exist_ok=True)
    (root / "leadlight.yml").write_text(config)
    return str(root)


def both(*args: str) -> tuple[int, dict, str]:
    """Run with --json: (exit code, the one JSON document on stdout, stderr)."""
    result = runner.invoke(app, [*args, "--json"])
    return result.exit_code, json.loads(result.stdout), result.stderr


# 6. Rich markup in user data
def test_a_value_with_markup_is_rejected_and_the_summary_still_prints(tmp_path):
    p = project(tmp_path / "p")
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_id,domain,name,employees\nacc_1,acme.com,Acme [/oops],12\nacc_2,beta.io,Beta,[/oops]\n")
    result = runner.invoke(app, ["ingest", str(accounts), "--kind", "accounts", "-p", p])
    assert result.exit_code == 0, result.output
    assert "[/oops]" in result.stdout and "Traceback" not in result.output


def test_text_in_square_brackets_stays_in_messages(tmp_path):
    p = project(tmp_path / "p", "version: 1\nsignals:\n  - {name: Bad Name, kind: count, window: 7d}\n")
    result = runner.invoke(app, ["score", "-p", p])
    assert result.exit_code == 2
    assert "'^[a-z][a-z0-9_]*$'" in result.stderr  # Rich used to eat "[a-z]" as a tag


def test_a_path_with_brackets_is_printed_whole(tmp_path):
    folder = tmp_path / "exports[2026]"
    result = runner.invoke(app, ["accounts", "-p", str(folder)])
    assert result.exit_code == 2 and "exports[2026]" in result.stderr


# 7. Every unexpected failure becomes a Leadlight error
def test_a_damaged_database_file_is_an_error_not_a_traceback(tmp_path):
    p = project(tmp_path / "p")
    (tmp_path / "p" / ".leadlight").mkdir()
    (tmp_path / "p" / ".leadlight" / "leadlight.duckdb").write_bytes(b"this is not a database" * 1000)
    code, doc, said = both("accounts", "-p", p)
    assert code == 1 and set(doc) == {"error", "message", "hint"} and doc["hint"]
    assert "Traceback" not in said and said.startswith("error:")


@pytest.mark.parametrize("raised, words", [
    ("duckdb.IOException('Could not write file: No space left on device')", "the disk is full"),
    ("OSError(28, 'No space left on device', '/data/x.parquet')", "the disk is full (writing /data/x.parquet)"),
    ("gzip.BadGzipFile('Not a gzipped file')", "damaged or not gzip"),
    ("duckdb.InternalException('INTERNAL Error: oops')", "the database engine failed"),
    ("KeyError('boom')", "unexpected error: KeyError"),
])
def test_unexpected_exceptions_map_to_one_error_shape(tmp_path, monkeypatch, raised, words):
    assert duckdb and gzip  # the names the eval reads
    import leadlight.tasks.score as score_task

    def fail(*args, **kwargs):
        raise eval(raised)

    monkeypatch.setattr(score_task, "load_config", fail)
    code, doc, said = both("score", "-p", project(tmp_path / "p"))
    assert code == 1 and doc["error"] in ("LeadlightError", "InputError") and words in doc["message"], doc
    assert doc["hint"] and "Traceback" not in said


def test_a_truncated_gzip_file_never_prints_a_traceback(tmp_path):
    p = project(tmp_path / "p")
    lines = "".join(json.dumps({"type": "track", "userId": f"u{i}", "event": "Signed Up", "messageId": f"m{i}",
                                "timestamp": "2026-10-01T00:00:00Z"}) + "\n" for i in range(2000))
    data = gzip.compress(lines.encode())
    broken = tmp_path / "events.ndjson.gz"
    broken.write_bytes(data[: len(data) // 2])
    result = runner.invoke(app, ["ingest", str(broken), "--kind", "events", "-p", p, "--json"])
    assert result.exit_code in (0, 1) and "Traceback" not in result.output
    json.loads(result.stdout)  # exactly one document


def test_usage_errors_read_like_every_other_error():
    result = subprocess.run([sys.executable, "-c", "from leadlight.cli.app import main; main()", "explain"],
                            capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    assert result.returncode == 2
    assert result.stderr.startswith("error: Missing argument 'ACCOUNT'") and "hint: see `leadlight explain --help`" in result.stderr
    as_json = subprocess.run([sys.executable, "-c", "from leadlight.cli.app import main; main()", "accounts",
                              "--limit", "x", "--json"], capture_output=True, text=True)
    assert as_json.returncode == 2 and json.loads(as_json.stdout)["error"] == "UsageError"


DISK_FULL_MOUNT = Path("/tmp/leadlight-test-tinyfs")


def _mount_tiny_disk() -> bool:
    if os.geteuid() != 0 or sys.platform != "linux":
        return False
    DISK_FULL_MOUNT.mkdir(exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(DISK_FULL_MOUNT)], capture_output=True)
    return done.returncode == 0


def test_a_full_disk_is_an_error_with_a_hint_and_leaves_no_temporary_files(tmp_path):
    if not _mount_tiny_disk():
        pytest.skip("needs root to mount a 1 MB tmpfs")
    try:
        p = project(DISK_FULL_MOUNT / "p")
        lines = "".join(json.dumps({"type": "track", "userId": f"u{i % 300}", "event": f"Event {i % 40}",
                                    "messageId": f"m{i}", "timestamp": f"2026-10-{1 + i % 28:02d}T00:00:00Z",
                                    "properties": {"n": i, "text": "x" * 40}}) + "\n" for i in range(40_000))
        events = tmp_path / "events.ndjson"
        events.write_text(lines)
        out = subprocess.run([sys.executable, "-c", "from leadlight.cli.app import main; main()", "ingest",
                              str(events), "--kind", "events", "-p", p, "--json"], capture_output=True, text=True,
                             env={**os.environ, "TMPDIR": str(DISK_FULL_MOUNT)})
        assert out.returncode == 1, out.stderr
        assert json.loads(out.stdout)["message"].startswith("the disk is full")
        assert "Traceback" not in out.stderr
        leftovers = [f for f in (DISK_FULL_MOUNT / "p" / ".leadlight" / "tmp").rglob("*") if f.is_file()]
        leftovers += list(DISK_FULL_MOUNT.glob("leadlight-pending-*"))
        assert leftovers == []
    finally:
        subprocess.run(["umount", str(DISK_FULL_MOUNT)], capture_output=True)


# 8. Concurrency: another process holds the project's file
HOLDER = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    print("holding", flush=True)
    time.sleep(60)
""")


@pytest.fixture
def held_project(tmp_path):
    p = project(tmp_path / "p")
    connect_once = runner.invoke(app, ["status", "-p", p, "--json"])
    assert connect_once.exit_code == 0, connect_once.output
    from leadlight.storage import Project, connect

    connect(Project(Path(p))).close()  # the file exists
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(Path(p) / ".leadlight" / "leadlight.duckdb")],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    try:
        yield p, holder.pid
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("command", [["accounts"], ["status"], ["score"], ["ingest", "{events}", "--kind", "events"]])
def test_a_held_project_is_one_clear_error_naming_the_process(held_project, command, tmp_path, monkeypatch):
    p, pid = held_project
    events = tmp_path / "events.ndjson"
    events.write_text(json.dumps({"type": "track", "userId": "u1", "event": "E", "messageId": "m1",
                                  "timestamp": "2026-10-01T00:00:00Z"}) + "\n")
    monkeypatch.setenv("LEADLIGHT_LOCK_WAIT", "0.5")
    started = time.monotonic()
    args = [a.replace("{events}", str(events)) for a in command]
    code, doc, said = both(*args, "-p", p)
    assert code == 1 and doc["error"] == "ProjectBusy" and str(pid) in doc["message"], doc
    assert doc["hint"] and "Traceback" not in said and said.count("error:") == 1
    assert "waiting for" in said  # it said it was waiting before giving up
    assert time.monotonic() - started < 30
