"""The drain's exact set of loaded messages: new messages never cost a scan of history; re-sends still dedupe."""

from __future__ import annotations

from datetime import datetime

import duckdb
import numpy as np
import orjson
import pytest

import leadlight.ingest.events as events
from leadlight.ingest.collector import CollectorLog, Drain
from leadlight.ingest.collector.known import KnownMessages
from leadlight.ingest.collector.trace import Spans
from leadlight.ingest.dedupe import SeenMessages
from leadlight.storage.migrations import migrate

NOW = datetime(2026, 3, 1)


def lines(ids) -> bytes:
    return b"".join(orjson.dumps({"type": "track", "userId": f"u{i % 7}", "event": "E", "messageId": f"m{i}",
                                  "timestamp": "2026-02-01T00:00:00Z"}) + b"\n" for i in ids)


def test_known_messages_answers_exactly_like_a_set_through_merges():
    rng = np.random.default_rng(7)
    first = rng.integers(0, 2**64 - 1, 5_000, dtype=np.uint64)
    known, expected = KnownMessages(first), set(first.tolist())
    for step in range(60):  # enough adds to merge runs together and into the base, several times
        keys = rng.integers(0, 2**64 - 1, int(rng.integers(0, 400)), dtype=np.uint64)
        if step % 5 == 0:  # some re-sent keys among them
            keys = np.concatenate([keys, rng.choice(np.fromiter(expected, np.uint64), 20)])
        assert known.see(keys).tolist() == [k in expected for k in keys.tolist()]
        expected.update(keys.tolist())
    assert set(known.maybe_seen(np.fromiter(expected, np.uint64)).tolist()) == {True}
    assert len(known) >= len(expected)


@pytest.fixture
def history(tmp_path):
    """A database holding 3,000 drained messages, and its log."""
    con = duckdb.connect(str(tmp_path / "db.duckdb"))
    migrate(con)
    log = CollectorLog(tmp_path / "log")
    log.open()
    log.append(lines(range(3_000))).result(10)
    log.seal()
    assert Drain(log, quarantine_dir=tmp_path / "q", work_dir=tmp_path / "tmp").run(con, NOW).tally.loaded == 3_000
    yield con, log
    log.close()


def test_a_drain_of_new_messages_never_decides_rows_against_history(tmp_path, history, monkeypatch):
    con, log = history

    def scan(*_args, **_kwargs):
        raise AssertionError("new messages were checked against every stored message_id")

    monkeypatch.setattr(events, "_load_pending", scan)
    # A Bloom filter's false "maybe seen" (a few per 10,000 keys once it holds a million) sent rows to that scan;
    # here every key is one, so only an exact set can pass.
    monkeypatch.setattr(SeenMessages, "see", lambda self, keys: np.ones(len(keys), dtype=bool))
    spans = Spans(True)
    drain = Drain(log, quarantine_dir=tmp_path / "q", work_dir=tmp_path / "tmp", spans=spans)
    for start in range(3_000, 23_000, 5_000):  # far more than the Bloom filter would let through unflagged
        log.append(lines(range(start, start + 5_000))).result(10)
        log.seal()
        assert drain.run(con, NOW).tally.loaded == 5_000
    assert {name for name, _, _ in spans.since(0)} >= {"drain.filter", "drain.load"}


def test_re_sent_messages_load_nothing_twice_after_a_restart(tmp_path, history):
    con, log = history
    log.append(lines([5, 2_999, 3_000, 5, 3_001, 3_000])).result(10)  # re-sends of history and within the segment
    log.seal()
    restarted = Drain(log, quarantine_dir=tmp_path / "q", work_dir=tmp_path / "tmp")  # reads the keys from events
    result = restarted.run(con, NOW).tally
    assert (result.read, result.loaded, result.duplicates) == (6, 2, 4)
    log.append(lines([3_001, 7])).result(10)  # and again, through the set the last drain kept
    log.seal()
    assert restarted.run(con, NOW).tally.loaded == 0
    assert con.execute("SELECT count(*), count(DISTINCT message_id) FROM events").fetchall() == [(3_002, 3_002)]


def test_another_writer_makes_the_drain_read_the_keys_again(tmp_path, history):
    con, log = history
    drain = Drain(log, quarantine_dir=tmp_path / "q", work_dir=tmp_path / "tmp")
    log.append(lines([3_000])).result(10)
    log.seal()
    assert drain.run(con, NOW).tally.loaded == 1
    con.execute("INSERT INTO events (message_id, type, user_id, event, timestamp) "
                "VALUES ('m3001', 'track', 'u1', 'E', TIMESTAMP '2026-02-01')")  # e.g. `leadlight ingest`
    log.append(lines([3_001, 3_002])).result(10)
    log.seal()
    assert drain.run(con, NOW).tally.loaded == 1
    assert con.execute("SELECT count(*) FROM events WHERE message_id = 'm3001'").fetchall() == [(1,)]


def test_spans_record_collections_and_steps_only_when_enabled():
    import gc

    off, on = Spans(False), Spans(True)
    for spans in (off, on):
        spans.start()
        with spans.span("drain.load"):
            gc.collect()
        spans.stop()
    assert off.since(0) == []
    names = [name for name, start, end in on.since(0) if end >= start]
    assert "drain.load" in names and "gc.gen2" in names


def test_serving_freezes_the_start_up_heap_and_unfreezes_it_after(tmp_path):
    """Frozen objects are never freed: left frozen at exit, DuckDB's bindings print "leaked instances" on Ctrl-C."""
    import asyncio
    import gc

    from leadlight.storage import Project
    from leadlight.tasks.collect import Collector
    from leadlight.tasks.init import init_project

    init_project(tmp_path / "p")
    collector = Collector(Project(tmp_path / "p"), environ={"LEADLIGHT_WRITE_KEY": "k", "LEADLIGHT_COLLECTOR_TIMING": "1"})

    async def serve() -> int:
        with collector.serving():
            await asyncio.sleep(0.05)  # the loop watcher runs meanwhile
            return gc.get_freeze_count()

    assert asyncio.run(serve()) > 0
    assert gc.get_freeze_count() == 0
