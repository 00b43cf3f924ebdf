"""Segment NDJSON -> events rows: the mapping, and each reason a message is rejected."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

GOOD = '{"type":"track","userId":"u1","event":"Document Created","timestamp":"2026-02-01T10:00:00Z","messageId":"m-good"}'


def test_track_page_identify_group_map_to_events_columns(ws):
    lines = [
        {"type": "track", "userId": "u1", "event": "Document Created", "messageId": "t1",
         "timestamp": "2026-02-01T10:00:00.750+02:00", "properties": {"template": "blank", "n": 2},
         "context": {"groupId": "acme"}},
        {"type": "Page", "anonymousId": 42, "name": "Pricing", "messageId": "p1", "timestamp": "2026-02-01T11:00:00Z"},
        {"type": "page", "userId": 7, "messageId": "p2", "timestamp": "2026-02-01T11:30:00Z"},
        {"type": "screen", "userId": "u1", "messageId": "s1", "timestamp": "2026-02-01T11:40:00Z"},
        {"type": "identify", "userId": "u1", "anonymousId": "a1", "traits": {"email": "ann@acme.com"},
         "messageId": "i1", "originalTimestamp": "2026-02-01T12:00:00Z", "sentAt": "2026-02-01T13:00:00Z"},
        {"type": "group", "userId": "u1", "groupId": "acme", "traits": {"name": "Acme"}, "messageId": "g1",
         "receivedAt": "2026-02-01T12:30:00Z", "context": {"groupId": "ignored"}},
    ]
    report = ws.load("events.ndjson", "\n".join(json.dumps(x) for x in lines) + "\n")
    assert (report["read"], report["loaded"], report["rejected"], report["duplicates"]) == (6, 6, 0, 0)
    rows = {r["message_id"]: r for r in ws.dicts("SELECT * FROM events")}
    t1 = rows["t1"]
    assert (t1["type"], t1["user_id"], t1["event"], t1["group_id"]) == ("track", "u1", "Document Created", "acme")
    assert t1["timestamp"] == datetime(2026, 2, 1, 8, 0, 0)  # +02:00 -> UTC, fraction dropped
    assert json.loads(t1["properties"]) == {"template": "blank", "n": 2}
    assert (rows["p1"]["type"], rows["p1"]["event"], rows["p1"]["anonymous_id"], rows["p1"]["user_id"]) == (
        "page", "Pricing", "42", None)
    assert (rows["p2"]["event"], rows["p2"]["user_id"]) == ("page", "7")
    assert (rows["s1"]["type"], rows["s1"]["event"]) == ("screen", "screen")
    assert rows["i1"]["event"] is None and rows["i1"]["timestamp"] == datetime(2026, 2, 1, 12, 0, 0)
    assert json.loads(rows["i1"]["traits"]) == {"email": "ann@acme.com"}
    assert (rows["g1"]["event"], rows["g1"]["group_id"]) == (None, "acme")
    assert rows["g1"]["timestamp"] == datetime(2026, 2, 1, 12, 30, 0)
    assert all(r["source_file"].endswith("events.ndjson") for r in rows.values())


def test_a_message_without_message_id_gets_the_md5_of_its_line(ws):
    line = '{"type":"track","userId":"u1","event":"A","timestamp":"2026-02-01T10:00:00Z"}'
    ws.load("e.ndjson", line + "\n")
    import hashlib

    assert ws.rows("SELECT message_id FROM events") == [(hashlib.md5(line.encode()).hexdigest(),)]


REJECTS = [
    ("not json", None, "invalid JSON"),
    ('{"type":"track",', None, "invalid JSON"),
    ("[1, 2]", None, "not a JSON object"),
    ('"track"', None, "not a JSON object"),
    ('{"userId":"u1","event":"A","timestamp":"2026-02-01T10:00:00Z"}', "type", "missing type"),
    ('{"type":5,"userId":"u1","timestamp":"2026-02-01T10:00:00Z"}', "type", "type must be a string"),
    ('{"type":"login","userId":"u1","timestamp":"2026-02-01T10:00:00Z"}', "type", 'unknown message type "login"'),
    ('{"type":"alias","userId":"u1","timestamp":"2026-02-01T10:00:00Z"}', "previousId", "alias call without previousId"),
    ('{"type":"track","userId":"u1","event":"A","timestamp":"2026-02-01T10:00:00+25:00"}', "timestamp",
     'UTC offset out of range (at most 18 hours) in "2026-02-01T10:00:00+25:00"'),
    ('{"type":"track","event":"A","timestamp":"2026-02-01T10:00:00Z"}', "userId", "no userId and no anonymousId"),
    ('{"type":"track","userId":"","event":"A","timestamp":"2026-02-01T10:00:00Z"}', "userId",
     "no userId and no anonymousId"),
    ('{"type":"track","userId":{"id":1},"event":"A","timestamp":"2026-02-01T10:00:00Z"}', "userId",
     "userId must be a string or a number"),
    ('{"type":"track","userId":"u1","event":"A"}', "timestamp", "missing timestamp"),
    ('{"type":"track","userId":"u1","event":"A","timestamp":"yesterday"}', "timestamp", 'unparseable timestamp "yesterday"'),
    ('{"type":"track","userId":"u1","event":"A","timestamp":true}', "timestamp",
     "timestamp must be an ISO-8601 string or epoch milliseconds"),
    ('{"type":"track","userId":"u1","event":"A","sentAt":"not a date"}', "sentAt", 'unparseable timestamp "not a date"'),
    ('{"type":"track","userId":"u1","event":"A","timestamp":"2026-03-02T12:00:01Z"}', "timestamp",
     "more than a day in the future"),
    ('{"type":"track","userId":"u1","event":"A","timestamp":"1999-12-31T23:59:59Z"}', "timestamp", "before 2000"),
    ('{"type":"track","userId":"u1","timestamp":"2026-02-01T10:00:00Z"}', "event", "track call without event"),
    ('{"type":"track","userId":"u1","event":["A"],"timestamp":"2026-02-01T10:00:00Z"}', "event",
     "event must be a string"),
    ('{"type":"group","userId":"u1","timestamp":"2026-02-01T10:00:00Z"}', "groupId", "group call without groupId"),
    ('{"type":"track","userId":"u1","event":"A","properties":[1],"timestamp":"2026-02-01T10:00:00Z"}', "properties",
     "properties must be an object"),
    ('{"type":"identify","userId":"u1","traits":"vip","timestamp":"2026-02-01T10:00:00Z"}', "traits",
     "traits must be an object"),
    ('{"type":"track","userId":"u1","event":"A","context":5,"timestamp":"2026-02-01T10:00:00Z"}', "context",
     "context must be an object"),
]


@pytest.mark.parametrize(("bad", "field", "message"), REJECTS)
def test_each_reason_is_reported_with_file_line_and_field(ws, bad, field, message):
    path = ws.write("mixed.ndjson", f"{GOOD}\n\n{bad}\n")
    report = ws.ingest(path)
    assert (report["read"], report["loaded"], report["rejected"]) == (2, 1, 1)
    [error] = report["errors"]
    assert error["file"] == str(path.resolve())
    assert error["line"] == 3  # the blank line 2 still counts
    assert error["field"] == field
    assert message in error["message"]
    assert ws.rows("SELECT message_id FROM events") == [("m-good",)]


def test_invalid_utf8_is_rejected_and_the_rest_loads(ws):
    data = GOOD.encode() + b"\n" + b'{"type":"track","userId":"u\xff","event":"A","timestamp":"2026-02-01T10:00:00Z"}\n'
    report = ws.load("bytes.ndjson", data)
    assert report["loaded"] == 1 and report["errors"][0]["line"] == 2
    assert report["errors"][0]["message"] == "not valid UTF-8 text"


def test_crlf_lines_and_a_last_line_without_newline(ws):
    second = GOOD.replace("m-good", "m-2")
    report = ws.load("crlf.ndjson", f"{GOOD}\r\nnope\r\n{second}")
    assert (report["loaded"], report["rejected"]) == (2, 1)
    assert report["errors"][0]["line"] == 2
