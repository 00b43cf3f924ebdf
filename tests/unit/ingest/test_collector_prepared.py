"""Segments checked and deduped ahead by the drain worker: the serving process only inserts, and exactly once."""

from __future__ import annotations

from datetime import datetime

import duckdb
import numpy as np
import orjson
import pytest

import leadlight.ingest.events as events
from leadlight.ingest.collector import CollectorLog, Drain
from leadlight.ingest.collector.known import KnownMessages
from leadlight.ingest.prepared import load_prepared, prepare_to_files
from leadlight.ingest.quarantine import Quarantine
from leadlight.ingest.readers import NDJSON, InputFile
from leadlight.storage.migrations import migrate

NOW = datetime(2026, 3, 1)
BAD = b'{"type": "track", "userId": "u", "event": "E", "timestamp": "nope", "messageId": "bad"}\n'


def lines(ids) -> bytes:
    return b"".join(orjson.dumps({"type": "track", "userId": f"u{i % 7}", "event": "E", "messageId": f"m{i}",
                                  "timestamp": "2026-02-01T00:00:00Z"}) + b"\n" for i in ids)


def database(tmp_path, name: str, stored=()) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
    migrate(con)
    for i in stored:  # loaded earlier, by anything
        con.execute("INSERT INTO events (message_id, type, user_id, event, timestamp) "
                    "VALUES (?, 'track', 'u0', 'E', TIMESTAMP '2026-01-01')", [f"m{i}"])
    return con


def stored(con) -> list[tuple[str, int]]:
    return con.execute("SELECT message_id, count(*) FROM events GROUP BY ALL ORDER BY ALL").fetchall()


@pytest.mark.parametrize("trusted", [True, False])
def test_a_prepared_file_loads_what_ingest_would_once_each_and_quarantines_its_rejects(tmp_path, trusted):
    segment = tmp_path / "segment.ndjson"  # m3 re-sent in the file, m1 loaded before, a bad line and a blank one
    segment.write_bytes(lines(range(5)) + BAD + b"\n" + lines([3, 5]))
    source = InputFile(segment, NDJSON, False)
    expected_con = database(tmp_path, "ingest", stored=[1])
    quarantine = Quarantine(tmp_path / "q-ingest", "events", "r", segment)
    expected = events.load_events(expected_con, source, quarantine, NOW)
    quarantine.close()

    con = database(tmp_path, "prepared", stored=[1])
    known = KnownMessages(np.array(con.execute("SELECT hash(message_id) FROM events").fetchall(), np.uint64).ravel())
    _, prepared = prepare_to_files(source, NOW, tmp_path / "rows.parquet", tmp_path / "rejects.arrow",
                                   known if trusted else None)
    assert (prepared.read, prepared.rejected, prepared.maybe_seen) == (8, 1, 3 if trusted else 7)
    quarantine = Quarantine(tmp_path / "q", "events", "r", segment)
    tally = load_prepared(con, prepared, source, quarantine, trusted=trusted)
    quarantine.close()
    assert (tally.read, tally.loaded, tally.duplicates, tally.rejected) == (
        expected.read, expected.loaded, expected.duplicates, expected.rejected) == (8, 5, 2, 1)
    assert stored(con) == stored(expected_con) == [(f"m{i}", 1) for i in range(6)]
    assert [e.line for e in tally.errors] == [e.line for e in expected.errors] == [6]
    assert quarantine.rejected_path.read_bytes() == BAD


def test_marks_from_an_incomplete_set_of_loaded_messages_are_not_trusted_and_double_nothing(tmp_path):
    segment = tmp_path / "segment.ndjson"
    segment.write_bytes(lines(range(6)))
    con = database(tmp_path, "db", stored=[0, 2, 4])  # loaded by something the worker's set never saw
    _, prepared = prepare_to_files(InputFile(segment, NDJSON, False), NOW, tmp_path / "rows.parquet",
                                   tmp_path / "rejects.arrow", KnownMessages())
    assert prepared.maybe_seen == 0  # every row marked new: wrong, which is why the drain would not trust it
    tally = load_prepared(con, prepared, InputFile(segment, NDJSON, False),
                          Quarantine(tmp_path / "q", "events", "r", segment), trusted=False)
    assert (tally.loaded, tally.duplicates) == (3, 3)
    assert stored(con) == [(f"m{i}", 1) for i in range(6)]


def test_with_a_worker_the_serving_process_runs_no_per_row_dedupe_and_loads_each_message_once(
        tmp_path, checker, monkeypatch):
    con = database(tmp_path, "db")
    log = CollectorLog(tmp_path / "log", segment_bytes=4_000)  # several segments, prepared ahead
    log.open()
    drain = Drain(log, quarantine_dir=tmp_path / "q", work_dir=tmp_path / "tmp", checker=checker)
    monkeypatch.setattr(events, "_load_batch", None)  # the in-process load: never called
    monkeypatch.setattr(KnownMessages, "of_events", None)  # nor the in-process set of loaded messages
    log.append(lines(range(100))).result(10)
    log.seal()
    assert drain.run(con, NOW).tally.loaded == 100
    first = checker.generation_held
    assert first is not None and list((tmp_path / "tmp").glob("checked-*")) == []

    log.append(lines(range(90, 150)) + lines(range(140, 160))).result(10)  # re-sends, across segments too
    log.seal()
    result = drain.run(con, NOW)
    assert (result.tally.loaded, result.tally.duplicates) == (60, 20)
    assert checker.generation_held == first  # nothing else wrote: the worker's set stayed complete

    con.execute("INSERT INTO events (message_id, type, user_id, event, timestamp) "  # another writer
                "VALUES ('m200', 'track', 'u0', 'E', TIMESTAMP '2026-01-01')")
    log.append(lines(range(195, 205))).result(10)
    log.seal()
    assert drain.run(con, NOW).tally.loaded == 9
    assert checker.generation_held not in (None, first)  # the drain gave the worker the keys again
    log.close()
    assert stored(con) == sorted((f"m{i}", 1) for i in range(205) if i < 160 or i >= 195)
