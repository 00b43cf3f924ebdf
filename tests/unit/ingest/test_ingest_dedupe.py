"""The seen-messages filter errs only towards "maybe seen"; set-aside rows are decided exactly."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest

from tests.unit.ingest.conftest import NOW
from leadlight.ingest import events as events_module
from leadlight.ingest.dedupe import SeenMessages, first_new
from leadlight.ingest.loader import load_file
from leadlight.ingest.readers import expand_inputs
from leadlight.storage import connect


def test_added_keys_are_always_maybe_seen_and_most_others_are_not():
    rng = np.random.default_rng(7)
    seen = SeenMessages(capacity=50_000)
    added = rng.integers(0, 2**64, 50_000, dtype=np.uint64)
    for part in np.array_split(added, 7):
        seen.add(part)
    assert seen.maybe_seen(added).all()
    others = rng.integers(0, 2**64, 50_000, dtype=np.uint64)
    assert seen.maybe_seen(others).mean() < 0.05


def test_keys_on_the_same_word_in_one_batch_are_all_added():
    seen = SeenMessages(capacity=0)
    words = len(seen._words)
    keys = np.array([5 + words * i + (i << 40) for i in range(200)], dtype=np.uint64)  # one word, other bits
    seen.add(keys)
    assert seen.maybe_seen(keys).all()


def test_first_new_sets_aside_seen_keys_and_every_line_of_a_repeated_key():
    seen = SeenMessages(capacity=100)
    seen.add(np.array([11], dtype=np.uint64))
    new = first_new(pa.array([11, 12, 13, 12, 14], pa.uint64()), seen)
    assert new.tolist() == [False, False, True, False, True]
    assert seen.maybe_seen(np.array([12, 13, 14], dtype=np.uint64)).all()


def track(mid, user, ts="2026-02-01T10:00:00Z"):
    return json.dumps({"type": "track", "userId": user, "event": "E", "messageId": mid, "timestamp": ts})


class Saturated(SeenMessages):
    """A filter that has "seen" everything: every row takes the exact path."""

    def __init__(self) -> None:
        super().__init__(capacity=0)
        self._words[:] = np.uint64(2**64 - 1)


@pytest.mark.parametrize("filter_kind", ["real", "saturated"])
def test_duplicates_are_exact_whatever_the_filter_says(ws, filter_kind):
    ws.load("old.ndjson", track("m1", "old") + "\n")
    text = "\n".join([track("m2", "first"), track("m1", "again"), track("m3", "x"), track("m2", "second"),
                      "oops", track("m4", "y"), track("m3", "x2")]) + "\n"
    path = ws.write("new.ndjson", text)
    source = expand_inputs([path], "events")[0]
    con = connect(ws.project)
    try:
        seen = Saturated() if filter_kind == "saturated" else SeenMessages.of_events(con, 100)
        result = load_file(con, source, "events", quarantine_dir=ws.project.quarantine_dir, run_stamp="r",
                           now=NOW, seen=seen, work_dir=ws.root / "work")
    finally:
        con.close()
    t = result.tally
    assert (t.read, t.loaded, t.duplicates, t.rejected) == (7, 3, 3, 1)
    assert ws.rows("SELECT message_id, user_id FROM events ORDER BY message_id") == [
        ("m1", "old"), ("m2", "first"), ("m3", "x"), ("m4", "y")]
    assert not list((ws.root / "work").glob("*.parquet"))  # the set-aside rows are not left behind


def test_a_run_builds_its_filter_from_the_events_already_loaded(ws):
    ws.load("a.ndjson", track("m1", "a") + "\n" + track("m2", "a") + "\n")
    report = ws.load("b.ndjson", track("m2", "b") + "\n" + track("m3", "b") + "\n")
    assert (report["loaded"], report["duplicates"]) == (1, 1)
    assert ws.rows("SELECT user_id FROM events WHERE message_id = 'm2'") == [("a",)]


def test_no_catalog_entry_is_left_inside_the_files_transaction(ws, monkeypatch):
    """Views registered or tables made inside the transaction would hold their data until it commits."""
    made = []
    real = events_module._insert

    def spy(con, rows, source):
        made.append(con.execute("SELECT count(*) FROM duckdb_views() WHERE temporary AND NOT internal").fetchall()[0][0]
                    + con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchall()[0][0])
        return real(con, rows, source)

    monkeypatch.setattr(events_module, "_insert", spy)
    ws.load("e.ndjson", "\n".join(track(f"m{i}", "u") for i in range(10)) + "\n")
    assert made and set(made) == {0}
