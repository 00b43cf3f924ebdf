"""Property: a line the fast check accepts is accepted by the exact rules, mapped to the same row."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import pyarrow as pa
from hypothesis import HealthCheck, given, settings, strategies as st

from leadlight.ingest.events import _OUTPUT
from leadlight.ingest.segment import TIMESTAMP_FIELDS, fast_parse_sql, parse_sql

NOW = datetime(2026, 3, 1, 12)
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
# Values that look alike as text but differ as JSON: the fast check must not be fooled.
TRICKY = st.one_of(
    TEXT, st.sampled_from(["", "123", "-4", "1e5", "true", "false", "null", "{}", "[1]", "{\"a\":1}", "track",
                           "TRACK", "page", "group", "2025-06-01T10:00:00Z", "2025-06-01", "12:00"]),
    st.integers(-10**20, 10**20), st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.none(),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.sampled_from(["a", "groupId"]), st.integers(), max_size=2),
)
TIMES = st.one_of(TRICKY, st.sampled_from(["2025-06-01T10:00:00Z", "2025-06-01T10:00:00.123+02:00",
                                           "2025-06-01 10:00:00", "1999-12-31T23:59:59Z", "2027-01-01T00:00:00Z",
                                           "2026-03-02T11:59:59Z", "not a time"]))
KEYS = ["type", "userId", "anonymousId", "event", "name", "groupId", "messageId", "properties", "traits", "context",
        *TIMESTAMP_FIELDS]
GOOD = st.fixed_dictionaries(
    {"type": st.sampled_from(["track", "page", "screen", "identify", "group", "Track"]),
     "userId": st.one_of(TEXT, st.integers(0, 10**6)), "event": TEXT,
     "timestamp": st.sampled_from(["2025-06-01T10:00:00Z", "2025-06-01T10:00:00.123+02:00", "2025-06-01 10:00:00"])},
    optional={"anonymousId": TEXT, "name": TEXT, "groupId": TEXT, "messageId": TEXT,
              "properties": st.dictionaries(TEXT, st.integers(), max_size=2),
              "context": st.fixed_dictionaries({}, optional={"groupId": st.one_of(TEXT, st.integers())})},
)


@st.composite
def messages(draw) -> dict:
    """Mostly good messages, some with one or two members swapped for a look-alike value."""
    message = draw(GOOD)
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=2)):
        value = draw(st.one_of(TIMES if key in TIMESTAMP_FIELDS else TRICKY, st.just(None)))
        if value is None:
            message.pop(key, None)
        else:
            message[key] = value
    return message


MESSAGE = messages()


def run(con, sql: str, lines: list[str]) -> dict[int, dict]:
    ingest_batch = pa.table({"line": list(range(1, len(lines) + 1)), "raw": lines, "utf8_ok": [True] * len(lines)})  # noqa: F841
    table = con.sql(sql).to_arrow_table()
    return {row["line"]: row for row in table.to_pylist()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(MESSAGE.map(json.dumps), MESSAGE.map(lambda m: json.dumps(m, ensure_ascii=False) + "\n"),
                          st.sampled_from(["", "  ", "[1]", "\"x\"", "{bad", "{}"])), min_size=1, max_size=25))
def test_fast_accepts_only_what_the_rules_accept_and_maps_it_the_same(lines):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    exact = run(con, f"SELECT {', '.join(_OUTPUT)} FROM ({parse_sql('ingest_batch', NOW)})", lines)
    fast = run(con, fast_parse_sql("ingest_batch", NOW), lines)
    assert set(fast) == set(range(1, len(lines) + 1))
    for line, row in fast.items():
        if row["bad"] is None:
            assert row["raw"] == lines[line - 1]
            continue
        assert row["bad"] == 0
        expected = exact[line]
        assert expected["bad"] == 0, (lines[line - 1], expected["reject_message"])
        assert {k: v for k, v in row.items() if k != "utf8_ok"} == expected


def test_typical_messages_take_the_fast_path():
    lines = [json.dumps({"type": "track", "userId": 42, "anonymousId": "a-1", "event": "Signed Up",
                         "messageId": "m1", "timestamp": "2025-06-01T10:00:00.123Z",
                         "properties": {"plan": "team"}, "context": {"groupId": "acme"}}),
             json.dumps({"type": "identify", "userId": "u1", "traits": {"email": "a@b.co"},
                         "originalTimestamp": "2025-06-01T10:00:00+02:00"}) + "\n"]
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    fast = run(con, fast_parse_sql("ingest_batch", NOW), lines)
    assert [fast[1]["bad"], fast[2]["bad"]] == [0, 0]
    assert (fast[1]["user_id"], fast[1]["group_id"], fast[2]["timestamp"]) == ("42", "acme", datetime(2025, 6, 1, 8))
