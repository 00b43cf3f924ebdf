"""A process killed with SIGKILL mid-file leaves no partial file; a rerun completes the load.

Killed while batches are going in, while the rows set aside as possible
duplicates are decided at the end of the file, and just before the commit.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from leadlight.tasks.init import init_project

BIG_EVENTS = 1_500_000
BIG_DISTINCT = BIG_EVENTS - BIG_EVENTS // 1000


def write_events(path: Path, n: int, prefix: str) -> int:
    """``n`` track calls, one in a thousand resending the message before it; returns the distinct count."""
    con = duckdb.connect()
    con.execute(
        f"""COPY (SELECT 'track' AS type, 'u' || (i % 1000) AS userId, 'Document Created' AS event,
                  '{prefix}' || CASE WHEN i % 1000 = 999 THEN i - 1 ELSE i END AS messageId,
                  strftime(TIMESTAMP '2025-01-01' + to_seconds(i % 1000000), '%Y-%m-%dT%H:%M:%SZ') AS timestamp
            FROM range({n}) AS t(i)) TO '{path}' (FORMAT json)"""
    )
    con.close()
    return n - n // 1000


INGEST = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from leadlight.ingest import events, quarantine
    from leadlight.storage import Project
    from leadlight.tasks.ingest import ingest

    def die(): os.kill(os.getpid(), signal.SIGKILL)

    kill_at = os.environ.get("KILL_AT")
    if kill_at == "pending":  # the set-aside rows are inserted, not committed
        decide = events._load_pending
        events._load_pending = lambda *a: (decide(*a), die())
    if kill_at == "commit":  # the big file is all in, its ingested_files row and commit to come
        close = quarantine.Quarantine.close
        def close_then_die(self):
            close(self)
            if self.source.name.startswith("b_"):
                die()
        quarantine.Quarantine.close = close_then_die
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
    small, big, args, db = setup(tmp_path, BIG_EVENTS)
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
    check_whole_files_then_rerun(tmp_path, args, db, BIG_DISTINCT)


@pytest.mark.parametrize("kill_at", ["pending", "commit"])
def test_sigkill_at_the_end_of_a_file_leaves_none_of_it(tmp_path, kill_at):
    small, big, args, db = setup(tmp_path, 20_000)
    child = subprocess.run(args, env={**os.environ, "KILL_AT": kill_at}, capture_output=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    check_whole_files_then_rerun(tmp_path, args, db, 20_000 - 20)


def setup(tmp_path: Path, big_events: int):
    init_project(tmp_path / "p")
    small, big = tmp_path / "a_small.ndjson", tmp_path / "b_big.ndjson"
    write_events(small, 1000, "s")
    with open(small, "a") as f:
        f.write("not json\n")
    write_events(big, big_events, "b")
    db = tmp_path / "p" / ".leadlight" / "leadlight.duckdb"
    return small, big, [sys.executable, "-c", INGEST, str(tmp_path / "p"), str(small), str(big)], db


def check_whole_files_then_rerun(tmp_path: Path, args: list[str], db: Path, big_distinct: int) -> None:
    small_distinct = 1000 - 1
    events, distinct, committed = counts(db)
    assert events == distinct == committed  # only whole files
    assert events in (0, small_distinct)

    rerun = subprocess.run(args, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    total = small_distinct + big_distinct
    assert counts(db) == (total, total, total)
    quarantined = sorted(p.name for p in (tmp_path / "p" / ".leadlight" / "quarantine").iterdir())
    assert len(quarantined) == 2, quarantined  # the small file's bad line, once
    assert not list((tmp_path / "p" / ".leadlight" / "tmp").glob("*.parquet"))  # no set-aside rows left
