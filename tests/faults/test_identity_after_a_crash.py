"""Identity after an interrupted or partly failed ingest equals identity after a clean run.

Killed (SIGKILL) inside identity resolution, the events stay loaded (their
file committed) and the identities stale; the next ingest, even one that
loads nothing new, or the next score, rebuilds them. A later file of a run
that fails leaves identities resolved for the files before it.
"""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from tests.cli import cli

USERS = "user_id,email,title\nu1,ann@acme.com,CTO\nu2,bob@globex.io,Engineer\nu3,cat@quillboard.io,Account Executive\n"
ACCOUNTS = "account_id,domain,name\na1,acme.com,Acme\na2,globex.io,Globex\n"


def events_file(path: Path) -> Path:
    messages = [{"type": "page", "anonymousId": "anon1", "name": "Pricing", "timestamp": "2026-01-05T09:00:00Z"},
                {"type": "identify", "userId": "u1", "anonymousId": "anon1", "timestamp": "2026-01-05T09:01:00Z"},
                {"type": "group", "userId": "u2", "groupId": "a1", "timestamp": "2026-01-05T09:02:00Z"},
                {"type": "group", "userId": "u9", "groupId": "a3", "traits": {"name": "Initech", "website": "initech.com"},
                 "timestamp": "2026-01-05T09:03:00Z"}]
    messages += [{"type": "track", "userId": f"u{i % 3 + 1}", "event": "Report Run",
                  "timestamp": f"2026-01-0{i % 5 + 5}T10:00:00Z", "messageId": f"m{i}"} for i in range(50)]
    path.write_text("".join(json.dumps(m) + "\n" for m in messages))
    return path


KILL_IN_RESOLUTION = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from leadlight.identity import linking
    from leadlight.storage import Project
    from leadlight.tasks.ingest import ingest

    rebuild = linking.rebuild_identities
    def rebuild_then_die(con, *args, **kwargs):
        rebuild(con, *args, **kwargs)  # identities written, their transaction not committed
        os.kill(os.getpid(), signal.SIGKILL)
    linking.rebuild_identities = rebuild_then_die
    import leadlight.identity as identity
    identity.rebuild_identities = rebuild_then_die
    ingest(Project(Path(sys.argv[1])), [sys.argv[2]], "events")
    """
)


def derived(project: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(project / ".leadlight" / "leadlight.duckdb"), read_only=True)
    try:
        return {name: con.execute(sql).fetchall() for name, sql in {
            "identities": "SELECT * FROM identities ORDER BY user_id",
            "aliases": "SELECT * FROM aliases ORDER BY anonymous_id",
            "accounts": "SELECT * FROM accounts ORDER BY account_id",
            "resolved": "SELECT message_id, user_id, account_id FROM events_resolved ORDER BY timestamp, message_id",
        }.items()}
    finally:
        con.close()


def started(root: Path, name: str) -> tuple[Path, Path]:
    """A project with accounts and users loaded, and the events file to load next."""
    project = root / name
    cli("init", str(project))
    (root / "accounts.csv").write_text(ACCOUNTS)
    (root / "users.csv").write_text(USERS)
    cli("ingest", str(root / "accounts.csv"), "--kind", "accounts", "--project", str(project))
    cli("ingest", str(root / "users.csv"), "--kind", "users", "--project", str(project))
    return project, events_file(root / "events.ndjson")


@pytest.fixture
def clean(tmp_path) -> dict[str, list[tuple]]:
    project, events = started(tmp_path / "clean", "p")
    cli("ingest", str(events), "--kind", "events", "--project", str(project))
    return derived(project)


def killed_in_resolution(root: Path) -> Path:
    project, events = started(root, "p")
    child = subprocess.run([sys.executable, "-c", KILL_IN_RESOLUTION, str(project), str(events)],
                           capture_output=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    return project


def test_a_rerun_of_the_ingest_repairs_identity_after_a_kill_during_resolution(tmp_path, clean):
    project = killed_in_resolution(tmp_path / "killed")
    stale = derived(project)
    assert stale["identities"] != clean["identities"]  # the kill did leave stale state behind
    report = cli("ingest", str(tmp_path / "killed" / "events.ndjson"), "--kind", "events", "--project", str(project))
    assert report["loaded"] == 0  # nothing new, and still repaired
    assert derived(project) == clean


def test_score_repairs_identity_after_a_kill_during_resolution(tmp_path, clean):
    project = killed_in_resolution(tmp_path / "killed")
    cli("score", "--project", str(project))
    assert derived(project) == clean


def test_a_failing_later_file_leaves_identity_resolved_for_the_files_before_it(tmp_path, clean):
    project, events = started(tmp_path / "failed", "p")
    broken = tmp_path / "failed" / "z_more.ndjson.gz"
    whole = gzip.compress("".join(json.dumps({"type": "track", "userId": f"u{i}", "event": "A", "messageId": f"z{i}",
                                              "timestamp": "2026-01-05T10:00:00Z"}) + "\n" for i in range(5000)).encode())
    broken.write_bytes(whole[: len(whole) // 2])  # truncated: its first half reads, then the data ends
    report = cli("ingest", str(events), str(broken), "--kind", "events", "--project", str(project), code=1)
    assert "z_more.ndjson.gz" in report["message"]
    assert derived(project) == clean
