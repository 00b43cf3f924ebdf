"""What keeps the drain off the requests' path: appends committed on the event loop, a drain worker under
SCHED_IDLE that is replaced when starved of CPU (losing and doubling nothing), checked files in memory."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from datetime import datetime
from pathlib import Path

import duckdb
import orjson
import pytest

from leadlight.ingest.collector import CollectorLog, Drain, LogUnavailable, SegmentChecker
from leadlight.ingest.collector.checker import MEMORY_ROOT, claim_memory_dir, memory_dir
from leadlight.storage.migrations import migrate

NOW = datetime(2026, 3, 1)
linux_only = pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="scheduling policies are Linux's")


def line(i: int) -> bytes:
    return orjson.dumps({"type": "track", "userId": f"u{i}", "event": "E", "messageId": f"m{i}",
                         "timestamp": "2026-02-01T00:00:00Z"}) + b"\n"


def test_appends_on_one_turn_of_the_loop_share_one_flush_and_are_durable_before_their_replies(tmp_path, monkeypatch):
    log = CollectorLog(tmp_path)
    log.open()
    flushed_sizes: list[int] = []
    real = os.fdatasync

    def fdatasync(fd):
        real(fd)
        flushed_sizes.append(os.fstat(fd).st_size and log._size)  # what was written before this flush

    monkeypatch.setattr(os, "fdatasync", fdatasync)

    async def requests() -> list[tuple[int, int]]:
        async def one(i: int) -> tuple[int, int]:
            await log.append_async(line(i))
            return len(flushed_sizes), i

        return await asyncio.gather(*(one(i) for i in range(20)))

    done = asyncio.run(requests())
    log.close()
    assert {flushes for flushes, _ in done} == {1}  # one write and fdatasync for all twenty, each reply after it
    assert log.stats.flushes == 1 and log.stats.appends == 20
    (segment,) = log.segments()
    assert segment.read_bytes() == b"".join(line(i) for i in range(20))


def test_with_log_commit_thread_the_writer_thread_flushes_what_the_loop_appends(tmp_path, monkeypatch):
    import threading

    log = CollectorLog(tmp_path, commit_on_loop=False)
    log.open()
    flushed_by: list[str] = []
    real = os.fdatasync

    def fdatasync(fd):
        real(fd)
        flushed_by.append(threading.current_thread().name)

    monkeypatch.setattr(os, "fdatasync", fdatasync)

    async def requests() -> None:
        await asyncio.gather(*(log.append_async(line(i)) for i in range(20)))

    asyncio.run(requests())
    log.close()
    assert flushed_by and set(flushed_by) == {"leadlight-collector-log"} and log.stats.appends == 20
    assert sorted(b"".join(p.read_bytes() for p in log.segments()).splitlines(keepends=True)) == sorted(
        line(i) for i in range(20))


def test_after_a_slow_flush_the_loop_hands_its_appends_to_the_writer_thread_for_a_spell(tmp_path, monkeypatch):
    import threading

    import leadlight.ingest.collector.log as log_module

    log = CollectorLog(tmp_path)  # commit on the loop
    log.open()
    flushed_by: list[str] = []
    real = os.fdatasync

    def fdatasync(fd):  # the first flush is slow: another process's writes hold the disk
        if not flushed_by:
            time.sleep(log_module.SLOW_FLUSH_SECONDS * 2)
        real(fd)
        flushed_by.append(threading.current_thread().name)

    monkeypatch.setattr(os, "fdatasync", fdatasync)

    async def requests() -> None:
        await log.append_async(line(0))  # flushed on the loop, slowly
        await asyncio.gather(*(log.append_async(line(i)) for i in range(1, 20)))

    asyncio.run(requests())
    assert flushed_by[0] == "MainThread" and set(flushed_by[1:]) == {"leadlight-collector-log"}
    assert log.stats.slow_spells == 1 and log.stats.appends == 20
    monkeypatch.setattr(log_module, "SLOW_SPELL_SECONDS", 0.0)
    log._thread_until = 0.0  # the spell is over: the loop commits again

    async def later() -> None:
        await log.append_async(line(20))

    asyncio.run(later())
    log.close()
    assert flushed_by[-1] == "MainThread"
    assert sorted(b"".join(p.read_bytes() for p in log.segments()).splitlines(keepends=True)) == sorted(
        line(i) for i in range(21))


def test_a_loop_append_after_the_log_closed_is_refused_not_dropped(tmp_path):
    log = CollectorLog(tmp_path)
    log.open()

    async def late() -> None:
        await log.append_async(line(1))

    asyncio.run(late())
    log.close()
    with pytest.raises(LogUnavailable):
        asyncio.run(late())
    assert b"".join(p.read_bytes() for p in log.segments()) == line(1)


@linux_only
def test_the_drain_worker_runs_under_sched_idle_with_its_nice_value(tmp_path):
    checker = SegmentChecker(tmp_path / "tmp", nice=7, policy="idle")
    checker.start()
    try:
        pid = checker.worker_pid
        assert os.sched_getscheduler(pid) == os.SCHED_IDLE
        assert os.getpriority(os.PRIO_PROCESS, pid) >= os.getpriority(os.PRIO_PROCESS, 0) + 7
        assert os.sched_getscheduler(0) == os.SCHED_OTHER  # the server itself keeps its priority
    finally:
        checker.close()


@linux_only
def test_a_starved_worker_is_replaced_by_a_nice_one_and_every_event_loads_exactly_once(tmp_path, caplog):
    con = duckdb.connect(str(tmp_path / "db.duckdb"))
    migrate(con)
    log = CollectorLog(tmp_path / "log", segment_bytes=300)  # several segments: some asked of the starved worker
    log.open()
    for i in range(12):
        log.append(line(i)).result(10)
    log.close()
    checker = SegmentChecker(tmp_path / "tmp", nice=5, policy="idle", starved_after=0.5)
    checker.start()
    starved = checker.worker_pid
    os.kill(starved, signal.SIGSTOP)  # it gets no CPU at all, as under SCHED_IDLE on a saturated host
    try:
        result = Drain(log, quarantine_dir=tmp_path / "q", work_dir=tmp_path / "tmp", checker=checker).run(con, NOW)
        replacement = checker.worker_pid
        assert checker.starvations == 1 and "drain worker got" in caplog.text
        assert replacement not in (None, starved) and os.sched_getscheduler(replacement) == os.SCHED_OTHER
        assert "checking it here" not in caplog.text and "stopped" not in caplog.text  # the new worker checked them
        assert (result.segments > 2, result.tally.loaded, result.tally.duplicates) == (True, 12, 0)
        assert con.execute("SELECT count(*), count(DISTINCT message_id) FROM events").fetchall() == [(12, 12)]
        assert log.segments() == [] and list((tmp_path / "tmp").glob("checked-*")) == []
    finally:
        checker.close()
    with pytest.raises(ProcessLookupError):
        os.kill(starved, 0)  # killed and reaped


@linux_only
def test_after_its_nice_spell_the_checker_goes_back_to_an_idle_worker(tmp_path, monkeypatch):
    import leadlight.ingest.collector.checker as checker_module

    checker = SegmentChecker(tmp_path / "tmp", nice=5, policy="idle")
    checker.start()
    try:
        first = checker.worker_pid
        monkeypatch.setattr(checker_module, "NICE_SECONDS", 0.0)
        checker._replace_starved(checker._process)
        assert checker.worker_policy == "idle"
        segment = tmp_path / "segment-000000000001.ndjson"
        segment.write_bytes(line(1))
        checked = checker.result(checker.submit(segment, NOW), segment, NOW)
        assert checked.path.exists() and checker.worker_pid not in (None, first)
        assert os.sched_getscheduler(checker.worker_pid) == os.SCHED_IDLE
    finally:
        checker.close()


@pytest.mark.skipif(not MEMORY_ROOT.is_dir(), reason="no /dev/shm here")
def test_checked_files_go_to_memory_one_folder_per_project_removed_at_close(tmp_path):
    (tmp_path / "a").mkdir()
    folder = claim_memory_dir(tmp_path / "a")
    assert folder is not None and folder.parent == MEMORY_ROOT and folder.is_dir()
    assert folder == memory_dir(tmp_path / "a") != memory_dir(tmp_path / "b")
    checker = SegmentChecker(folder, policy="nice")
    checker.start()
    segment = tmp_path / "segment-000000000001.ndjson"
    segment.write_bytes(line(1))
    checked = checker.result(checker.submit(segment, NOW), segment, NOW)
    assert checked.path.parent == folder and checked.path.exists()
    checker.close()
    assert not folder.exists() and not Path(checked.path).exists()


_NATIVE_THREADS = """
import os, threading, duckdb
from leadlight.ingest.collector.priority import lower_native_threads
con = duckdb.connect()
con.execute("SELECT sum(range) FROM range(2000000)").fetchall()  # DuckDB has started its threads
python_thread = threading.Thread(target=threading.Event().wait, args=(5,), daemon=True)
python_thread.start()
changed = lower_native_threads(9)
nice = {int(t): os.getpriority(os.PRIO_PROCESS, int(t)) for t in os.listdir("/proc/self/task")}
print(changed, nice[threading.main_thread().native_id], nice[python_thread.native_id],
      min(v for t, v in nice.items() if t not in (threading.main_thread().native_id, python_thread.native_id)))
"""


@linux_only
def test_the_serving_process_lowers_duckdbs_threads_but_never_a_python_thread():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _NATIVE_THREADS], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}).stdout.split()
    changed, main, python_thread, lowest_native = map(int, out)
    base = os.getpriority(os.PRIO_PROCESS, 0)
    assert changed >= 1 and lowest_native >= 9  # every thread DuckDB started
    assert main == python_thread == base  # the event loop's thread and the log writer's kind keep their priority


@pytest.mark.skipif(not MEMORY_ROOT.is_dir(), reason="no /dev/shm here")
def test_the_memory_folder_of_a_killed_server_whose_project_is_gone_is_removed_by_the_next_start(tmp_path):
    gone, alive = tmp_path / "gone", tmp_path / "alive"
    gone.mkdir()
    alive.mkdir()
    left = claim_memory_dir(gone)
    (left / "checked-segment-000000000001.arrow").write_bytes(b"x" * 1000)  # a kill -9 left it
    gone.rmdir()
    folder = claim_memory_dir(alive)
    try:
        assert not left.exists() and folder.is_dir()
        assert claim_memory_dir(alive) == folder  # its own folder, still there
    finally:
        SegmentChecker(folder).close()
    assert not folder.exists()
