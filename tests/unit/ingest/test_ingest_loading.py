"""Dedupe, re-ingest, compression, CSV/Parquet events and the quarantine files."""

from __future__ import annotations

import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq


def track(mid: str | None, user: str = "u1", event: str = "A", ts: str = "2026-02-01T10:00:00Z") -> str:
    msg = {"type": "track", "userId": user, "event": event, "timestamp": ts}
    if mid is not None:
        msg["messageId"] = mid
    return json.dumps(msg)


def test_duplicates_within_a_file_load_once_and_the_first_wins(ws):
    text = "\n".join([track("m1", event="First"), track("m2"), track("m1", event="Second"), track("m1")]) + "\n"
    report = ws.load("dupes.ndjson", text)
    assert (report["read"], report["loaded"], report["duplicates"], report["rejected"]) == (4, 2, 2, 0)
    assert ws.rows("SELECT message_id, event FROM events ORDER BY message_id") == [("m1", "First"), ("m2", "A")]


def test_duplicates_across_files_are_counted_not_loaded(ws):
    ws.load("a.ndjson", track("m1") + "\n" + track("m2") + "\n")
    report = ws.load("b.ndjson", track("m2") + "\n" + track("m3") + "\n")
    assert (report["loaded"], report["duplicates"]) == (1, 1)
    assert ws.rows("SELECT count(*) FROM events") == [(3,)]


def test_identical_lines_without_message_id_are_one_event(ws):
    report = ws.load("same.ndjson", track(None) + "\n" + track(None) + "\n" + track(None, event="B") + "\n")
    assert (report["loaded"], report["duplicates"]) == (2, 1)


def test_reingesting_a_file_loads_nothing_and_reports_all_duplicates(ws):
    path = ws.write("e.ndjson", track("m1") + "\nbad\n" + track("m2") + "\n")
    first = ws.ingest(path)
    again = ws.ingest(path)
    assert (first["loaded"], first["rejected"]) == (2, 1)
    assert (again["read"], again["loaded"], again["duplicates"], again["rejected"]) == (2, 0, 2, 0)
    assert again["quarantine"] is None and again["errors"] == []
    assert ws.rows("SELECT count(*) FROM events") == [(2,)]
    assert ws.rows("SELECT count(*), sum(loaded) FROM ingested_files") == [(1, 2)]


def test_gzip_ndjson(ws):
    path = ws.write("e.ndjson.gz", gzip.compress((track("m1") + "\n" + "oops\n" + track("m2") + "\n").encode()))
    report = ws.ingest(path)
    assert (report["loaded"], report["rejected"], report["errors"][0]["line"]) == (2, 1, 2)


def test_rejected_lines_are_quarantined_verbatim_with_an_error_sidecar(ws):
    bad1, bad2 = '{"type":"track", "userId": "u1"  ,"timestamp":"2026-02-01T10:00:00Z"}', "{not json"
    path = ws.write("e.ndjson", f"{track('m1')}\n{bad1}\n{bad2}\n")
    report = ws.ingest(path)
    rejected = ws.project.quarantine_dir / "events-20260301T120000Z-e.ndjson.rejected"
    assert report["quarantine"] == str(rejected)
    assert rejected.read_text() == f"{bad1}\n{bad2}\n"
    errors = [json.loads(x) for x in rejected.with_name(rejected.name.replace(".rejected", ".errors.jsonl")).read_text().splitlines()]
    assert errors == [
        {"file": str(path.resolve()), "line": 2, "field": "event", "message": "track call without event"},
        {"file": str(path.resolve()), "line": 3, "field": None, "message": "invalid JSON"},
    ]


def test_a_directory_or_glob_loads_every_supported_file(ws):
    ws.write("d/a.ndjson", track("m1") + "\n")
    ws.write("d/b.jsonl", track("m2") + "\n")
    ws.write("d/notes.txt", "not an input\n")
    report = ws.ingest(ws.root / "in" / "d")
    assert (report["files"], report["loaded"]) == (2, 2)
    ws.write("g/x1.ndjson", track("m3") + "\n")
    ws.write("g/x2.ndjson", track("m4") + "\n")
    report = ws.ingest(str(ws.root / "in" / "g" / "x*.ndjson"))
    assert (report["files"], report["loaded"]) == (2, 2)


def test_csv_events_map_account_id_to_group_id(ws):
    text = (
        "user_id,event,timestamp,account_id,properties\n"
        'u1,Document Created,2026-02-01T10:00:00Z,acme,"{""n"": 1}"\n'
        "u2,,2026-02-01T10:00:00Z,acme,\n"
        "u3,Export Run,2026-02-01 11:00:00,,\n"
        'u4,Export Run,2026-02-01 11:00:00,,"[1]"\n'
    )
    report = ws.load("events.csv", text)
    assert (report["read"], report["loaded"], report["rejected"]) == (4, 2, 2)
    assert [(e["line"], e["field"]) for e in report["errors"]] == [(3, "event"), (5, "properties")]
    rows = ws.dicts("SELECT * FROM events ORDER BY user_id")
    assert [(r["type"], r["user_id"], r["group_id"], r["properties"]) for r in rows] == [
        ("track", "u1", "acme", '{"n":1}'), ("track", "u3", None, None)]
    rejected = ws.project.quarantine_dir / "events-20260301T120000Z-events.csv.rejected"
    assert rejected.read_text() == "u2,,2026-02-01T10:00:00Z,acme,\n" + 'u4,Export Run,2026-02-01 11:00:00,,"[1]"\n'


def test_parquet_events_with_typed_timestamps(ws):
    from datetime import datetime

    table = pa.table({
        "user_id": ["u1", None, "u3"],
        "event": ["A", "B", "C"],
        "timestamp": pa.array([datetime(2026, 2, 1, 10), datetime(2026, 2, 1, 11), datetime(2026, 2, 1, 12)]),
        "message_id": ["p1", "p2", "p1"],
    })
    path = ws.root / "in" / "events.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    report = ws.ingest(path)
    assert (report["read"], report["loaded"], report["duplicates"], report["rejected"]) == (3, 1, 1, 1)
    assert (report["errors"][0]["line"], report["errors"][0]["field"]) == (2, "user_id")
    assert ws.rows("SELECT message_id, user_id, timestamp FROM events") == [("p1", "u1", datetime(2026, 2, 1, 10))]
    rejected = ws.project.quarantine_dir / "events-20260301T120000Z-events.parquet.rejected"
    assert json.loads(rejected.read_text()) == {"user_id": None, "event": "B", "timestamp": "2026-02-01 11:00:00",
                                                "message_id": "p2"}


def test_events_ingest_resolves_identities(ws):
    text = json.dumps({"type": "group", "userId": "u1", "groupId": "acme", "timestamp": "2026-02-01T10:00:00Z"}) + "\n"
    ws.load("g.ndjson", text)
    assert ws.rows("SELECT user_id, account_id FROM identities") == [("u1", "acme")]
