"""The collector log: group commit, back-pressure, crash recovery; the drain: exactly once across restarts."""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime
from pathlib import Path

import duckdb
import orjson
import pytest

from leadlight.ingest.collector import CollectorLog, Drain, LogBusy
from leadlight.ingest.collector.log import segment_name
from leadlight.ingest.collector.spare import MIN_BYTES
from leadlight.storage.migrations import migrate

NOW = datetime(2026, 3, 1)


def line(i: int) -> bytes:
    return orjson.dumps({"type": "track", "userId": f"u{i}", "event": "E", "messageId": f"m{i}",
                         "timestamp": "2026-02-01T00:00:00Z"}) + b"\n"


@pytest.fixture
def slow_disk(monkeypatch):
    calls = []
    real = os.fdatasync

    def fdatasync(fd):
        calls.append(fd)
        time.sleep(0.05)
        real(fd)

    monkeypatch.setattr(os, "fdatasync", fdatasync)
    return calls


def test_concurrent_appends_share_one_flush(tmp_path, slow_disk):
    log = CollectorLog(tmp_path)
    log.open()
    futures, start = [], threading.Barrier(40)

    def client(i):
        start.wait()
        futures.append(log.append(line(i)))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for f in futures:
        f.result(10)
    log.close()
    assert log.stats.appends == 40
    assert log.stats.flushes <= 4  # one flush in flight while the other 39 queue, then one for them
    data = b"".join(p.read_bytes() for p in log.segments())
    assert sorted(data.splitlines(keepends=True)) == sorted(line(i) for i in range(40))


def test_a_full_queue_refuses_instead_of_dropping(tmp_path, slow_disk):
    log = CollectorLog(tmp_path, max_pending=1000)
    log.open()
    first = log.append(b"x" * 900 + b"\n")
    with pytest.raises(LogBusy):
        while True:  # the first write holds the disk for 50 ms; the queue fills meanwhile
            log.append(b"y" * 400 + b"\n")
    first.result(10)
    log.close()


def test_reopening_cuts_a_torn_line_and_starts_a_new_segment(tmp_path):
    (tmp_path / segment_name(3)).write_bytes(line(1) + line(2) + b'{"type": "tra')
    (tmp_path / segment_name(4)).write_bytes(b"")
    log = CollectorLog(tmp_path)
    log.open()
    assert [p.name for p in log.sealed_segments()] == [segment_name(3)]
    assert (tmp_path / segment_name(3)).read_bytes() == line(1) + line(2)
    log.append(line(3)).result(10)
    log.close()
    assert [p.name for p in log.sealed_segments()] == [segment_name(3), segment_name(5)]


def test_seal_moves_acknowledged_lines_into_a_sealed_segment(tmp_path):
    log = CollectorLog(tmp_path)
    log.open()
    log.append(line(1)).result(10)
    assert log.sealed_segments() == []
    log.seal()
    assert [p.read_bytes() for p in log.sealed_segments()] == [line(1)]
    log.close()


def test_drain_loads_each_message_once_across_a_crash_before_the_segment_is_deleted(tmp_path, monkeypatch):
    con = duckdb.connect(str(tmp_path / "db.duckdb"))
    migrate(con)
    log = CollectorLog(tmp_path / "log")
    log.open()
    log.append(b"".join(line(i) for i in range(10)) + b"not json\n").result(10)
    log.seal()
    drain = Drain(log, quarantine_dir=tmp_path / "q", work_dir=tmp_path / "tmp")
    monkeypatch.setattr(Path, "unlink", lambda self, missing_ok=False: None)  # the crash: committed, not deleted
    first = drain.run(con, NOW)
    assert (first.tally.loaded, first.tally.rejected) == (10, 1)
    monkeypatch.undo()
    log.append(line(3) + line(10)).result(10)  # a client re-sending one message, and a new one
    log.close()
    again = Drain(log, quarantine_dir=tmp_path / "q", work_dir=tmp_path / "tmp")  # a restarted process
    second = again.run(con, NOW)
    assert (second.segments, second.tally.loaded) == (2, 1)
    assert con.execute("SELECT count(*), count(DISTINCT message_id) FROM events").fetchall() == [(11, 11)]
    assert log.segments() == []
    assert len(list((tmp_path / "q").glob("*.rejected"))) == 1


def test_a_drain_worker_checks_segments_in_another_process_with_the_same_result(tmp_path, checker, caplog):
    con = duckdb.connect(str(tmp_path / "db.duckdb"))
    migrate(con)
    log = CollectorLog(tmp_path / "log", segment_bytes=300)  # several segments: checked ahead of the load
    log.open()
    for i in range(12):
        log.append(line(i) + (b'{"type": "track", "userId": "u", "event": "E", "timestamp": "nope"}\n' if i == 5 else b"")).result(10)
    log.append(line(3)).result(10)  # a repeated message
    log.close()
    worker = checker.worker_pid
    assert worker is not None and worker != os.getpid()
    result = Drain(log, quarantine_dir=tmp_path / "q", work_dir=tmp_path / "tmp", checker=checker).run(con, NOW)
    assert checker.worker_pid == worker and "drain worker" not in caplog.text  # it answered: no fallback
    assert os.getpriority(os.PRIO_PROCESS, worker) >= os.getpriority(os.PRIO_PROCESS, 0) + 5
    assert result.segments > 2
    assert (result.tally.loaded, result.tally.rejected, result.tally.duplicates) == (12, 1, 1)
    assert con.execute("SELECT count(*), count(DISTINCT message_id) FROM events").fetchall() == [(12, 12)]
    assert log.segments() == [] and list((tmp_path / "tmp").glob("checked-*")) == []
    assert len(list((tmp_path / "q").glob("*.rejected"))) == 1


def test_a_drain_whose_worker_died_checks_the_segment_itself_and_starts_a_new_worker(tmp_path, checker):
    con = duckdb.connect(str(tmp_path / "db.duckdb"))
    migrate(con)
    log = CollectorLog(tmp_path / "log")
    log.open()
    log.append(b"".join(line(i) for i in range(5))).result(10)
    log.seal()
    dead = checker.worker_pid
    os.kill(dead, 9)
    drain = Drain(log, quarantine_dir=tmp_path / "q", work_dir=tmp_path / "tmp", checker=checker)
    assert drain.run(con, NOW).tally.loaded == 5
    log.append(line(5) + line(0)).result(10)
    log.seal()
    assert (drain.run(con, NOW).tally.loaded, checker.worker_pid not in (None, dead)) == (1, True)
    log.close()
    assert con.execute("SELECT count(*), count(DISTINCT message_id) FROM events").fetchall() == [(6, 6)]


def test_a_drain_worker_that_cannot_start_leaves_the_checking_to_the_drain(tmp_path, monkeypatch, caplog):
    import leadlight.ingest.collector.checker as checker_module

    monkeypatch.setattr(checker_module.sys, "executable", str(tmp_path / "no-python"))
    checker = checker_module.SegmentChecker(tmp_path / "tmp")
    con = duckdb.connect(str(tmp_path / "db.duckdb"))
    migrate(con)
    log = CollectorLog(tmp_path / "log")
    log.open()
    drain = Drain(log, quarantine_dir=tmp_path / "q", work_dir=tmp_path / "tmp", checker=checker)
    for i in range(checker_module.MAX_LOSSES + 1):
        log.append(line(i)).result(10)
        log.seal()
        assert drain.run(con, NOW).tally.loaded == 1
    log.close()
    assert caplog.text.count("drain worker stopped") == checker_module.MAX_LOSSES  # then it stops trying


def test_segments_are_written_over_zeros_ahead_and_cut_to_their_lines_at_the_seal(tmp_path):
    log = CollectorLog(tmp_path)
    log.open()
    spare = tmp_path / segment_name(2)
    deadline = time.monotonic() + 10
    while not spare.exists() and time.monotonic() < deadline:  # the spare thread writes the next one ahead
        time.sleep(0.01)
    time.sleep(0.2)  # and flushes it
    log.append(line(1)).result(10)
    log.seal()
    log.append(line(2) + line(3)).result(10)
    assert spare.stat().st_size >= MIN_BYTES  # the lines went over its zeros: no append, no change of size
    assert spare.read_bytes().startswith(line(2) + line(3) + b"\0")
    assert (log.stats.segments_sealed, log.stats.segments_over_zeros) == (1, 1)
    more = b"".join(line(i) for i in range(4, 40_000))  # past the zeros: the rest is appended
    log.append(more).result(10)
    log.seal()
    assert [p.read_bytes() for p in log.sealed_segments()] == [line(1), line(2) + line(3) + more]
    log.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == [segment_name(1), segment_name(2)]  # no spare left


def test_reopening_after_a_crash_cuts_the_zeros_and_removes_unused_spares(tmp_path):
    (tmp_path / segment_name(1)).write_bytes(line(1) + line(2) + bytes(4096))  # killed while writing over zeros
    (tmp_path / segment_name(2)).write_bytes(bytes(1 << 20))  # a spare never used
    (tmp_path / "spare-000000000003.zero").write_bytes(bytes(4096))  # one being written
    log = CollectorLog(tmp_path)
    log.open()
    assert [p.read_bytes() for p in log.sealed_segments()] == [line(1) + line(2)]
    assert not (tmp_path / "spare-000000000003.zero").exists()
    log.close()
