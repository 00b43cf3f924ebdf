"""A process killed with SIGKILL mid-file leaves no partial file; a rerun completes the load."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb

from leadlight.tasks.init import init_project

BIG_EVENTS = 1_500_000


def write_events(path: Path, n: int, prefix: str) -> None:
    con = duckdb.connect()
    con.execute(
        f"""COPY (SELECT 'track' AS type, 'u' || (i % 1000) AS userId, 'Document Created' AS event,
                  '{prefix}' || i AS messageId,
                  strftime(TIMESTAMP '2025-01-01' + to_seconds(i % 1000000), '%Y-%m-%dT%H:%M:%SZ') AS timestamp
            FROM range({n}) AS t(i)) TO '{path}' (FORMAT json)"""
    )
    con.close()


INGEST = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from leadlight.storage import Project
    from leadlight.tasks.ingest import ingest
    ingest(Project(Path(sys.argv[1])), sys.argv[2:], "events")
    """
)


def counts(db: Path) -> tuple[int, int, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        events, distinct = con.execute("SELECT count(*), count(DISTINCT message_id) FROM events").fetchone()
        (committed,) = con.execute("SELECT coalesce(sum(loaded), 0) FROM ingested_files").fetchone()
        return events, distinct, committed
    finally:
        con.close()


def test_sigkill_mid_ingest_leaves_whole_files_only_and_a_rerun_completes(tmp_path):
    init_project(tmp_path / "p")
    small, big = tmp_path / "a_small.ndjson", tmp_path / "b_big.ndjson"
    write_events(small, 1000, "s")
    with open(small, "a") as f:
        f.write("not json\n")
    write_events(big, BIG_EVENTS, "b")
    db = tmp_path / "p" / ".leadlight" / "leadlight.duckdb"
    args = [sys.executable, "-c", INGEST, str(tmp_path / "p"), str(small), str(big)]

    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    # The small file's quarantine is written just before it commits; the big
    # file takes several seconds after that, so a second later it is mid-way.
    quarantine = tmp_path / "p" / ".leadlight" / "quarantine"
    while time.monotonic() < deadline and child.poll() is None:
        if any(quarantine.glob("*.errors.jsonl")):
            break
        time.sleep(0.01)
    time.sleep(1.0)
    assert child.poll() is None, "the ingest finished before it could be killed; make the big file bigger"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()

    events, distinct, committed = counts(db)
    assert events == distinct == committed  # only whole files
    assert events in (0, 1000)

    rerun = subprocess.run(args, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert counts(db) == (1000 + BIG_EVENTS, 1000 + BIG_EVENTS, 1000 + BIG_EVENTS)
    quarantined = sorted(p.name for p in (tmp_path / "p" / ".leadlight" / "quarantine").iterdir())
    assert len(quarantined) == 2, quarantined  # the small file's bad line, once
