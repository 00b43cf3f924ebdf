"""Loading one events file: batches in, duplicates out, rejects to quarantine.

Each batch is parsed and validated in DuckDB (``segment.py`` for NDJSON,
``tabular_events_sql`` for CSV/Parquet) into a temporary table; its good rows
are inserted into ``events`` unless their ``message_id`` is already there
(from an earlier file, or an earlier batch of this one: the caller's
transaction sees its own inserts) or repeats within the batch (the first line
wins). The caller owns the transaction.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Callable

import duckdb
import pyarrow as pa

from leadlight.ingest.quarantine import Quarantine
from leadlight.ingest.readers import META_COLUMNS, NDJSON, InputFile, iter_line_batches, iter_table_batches, prefetch
from leadlight.ingest.segment import EARLIEST, parse_sql
from leadlight.ingest.validation import Reject, Rule, Tally, failure_message, first_failure_index, quoted_value
from leadlight.storage.schema import EVENTS

BATCH_VIEW = "ingest_batch"
PARSED = "ingest_parsed"
SEEN = "ingest_seen"
REPEATS = "ingest_repeats"
EVENT_COLUMNS = ("message_id", "type", "user_id", "anonymous_id", "event", "timestamp", "group_id", "properties", "traits")
TABULAR_EVENT_COLUMNS = ("user_id", "event", "timestamp", "account_id", "message_id", "properties")


def load_events(
    con: duckdb.DuckDBPyConnection,
    source: InputFile,
    quarantine: Quarantine,
    now: datetime,
    on_batch: Callable[[int], None] = lambda n: None,
    digest: "hashlib._Hash | None" = None,
) -> Tally:
    """Load one events file into ``events`` inside the caller's transaction.

    ``digest`` (uncompressed NDJSON only) is fed the file's bytes as they are read.
    """
    tally = Tally()
    if source.format == NDJSON:
        sql = parse_sql(BATCH_VIEW, now)
        batches = prefetch(iter_line_batches(source, digest=digest))
    else:
        sql, batches = None, prefetch(iter_table_batches(source))
    for batch in batches:
        query = sql or tabular_events_sql(BATCH_VIEW, batch.schema, now)
        _load_batch(con, batch, query, source, quarantine, tally)
        on_batch(batch.num_rows)
    return tally


def _load_batch(con, batch: pa.Table, query: str, source: InputFile, quarantine: Quarantine, tally: Tally) -> None:
    con.register(BATCH_VIEW, batch)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {PARSED} AS "
        f"SELECT * EXCLUDE (raw), CASE WHEN bad > 0 THEN raw END AS raw FROM ({query})"
    )
    con.unregister(BATCH_VIEW)
    read, rejected = con.execute(f"SELECT count(*), count(*) FILTER (WHERE bad > 0) FROM {PARSED}").fetchone()
    if rejected:
        _quarantine(con, source, quarantine, tally)
    # The semi-join below hashes the (small) batch and streams the events table
    # past it; NOT EXISTS would hash the whole events table for every batch.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {SEEN} AS SELECT message_id FROM {EVENTS} "
        f"WHERE message_id IN (SELECT message_id FROM {PARSED} WHERE bad = 0)"
    )
    # Repeats within the batch: keep each message's first line. Usually none, so
    # this small table makes the insert a cheap anti-join instead of a window.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {REPEATS} AS SELECT message_id, min(line) AS first_line FROM {PARSED} "
        "WHERE bad = 0 GROUP BY message_id HAVING count(*) > 1"
    )
    seen, repeats = con.execute(f"SELECT (SELECT count(*) FROM {SEEN}), (SELECT count(*) FROM {REPEATS})").fetchone()
    conditions = ["bad = 0"]
    if seen:
        conditions.append(f"message_id NOT IN (SELECT message_id FROM {SEEN})")
    if repeats:
        conditions.append(
            f"NOT EXISTS (SELECT 1 FROM {REPEATS} AS r WHERE r.message_id = p.message_id AND r.first_line <> p.line)"
        )
    columns = ", ".join(EVENT_COLUMNS)
    (loaded,) = con.execute(
        f"INSERT INTO {EVENTS} ({columns}, source_file) SELECT {columns}, ? FROM {PARSED} AS p WHERE "
        + " AND ".join(conditions),
        [str(source.path)],
    ).fetchone()
    tally.add(read=read, loaded=loaded, rejected=rejected, duplicates=read - rejected - loaded)
    con.execute(f"DROP TABLE {PARSED}")
    con.execute(f"DROP TABLE {SEEN}")
    con.execute(f"DROP TABLE {REPEATS}")


def _quarantine(con, source: InputFile, quarantine: Quarantine, tally: Tally) -> None:
    result = con.execute(
        f"SELECT line, raw, reject_field, reject_message FROM {PARSED} WHERE bad > 0 ORDER BY line"
    )
    while rows := result.fetchmany(10_000):
        rejects = [(raw, Reject(str(source.path), line, field, message)) for line, raw, field, message in rows]
        quarantine.add(rejects)
        tally.note([r for _, r in rejects])


def _value(column: str, present: set[str]) -> str:
    """A tabular column as trimmed text, NULL when empty or absent."""
    return f"""nullif(trim(CAST("{column}" AS VARCHAR)), '')""" if column in present else "CAST(NULL AS VARCHAR)"


def tabular_events_sql(source: str, schema: pa.Schema, now: datetime) -> str:
    """SQL mapping a CSV/Parquet events batch (see ``readers.iter_table_batches``) to events rows."""
    present = set(schema.names)
    missing = [c for c in ("user_id", "event", "timestamp") if c not in present]
    future = (now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    data_columns = [n for n in schema.names if n not in META_COLUMNS]
    as_json = "CAST(to_json(struct_pack(" + ", ".join(f'"{c}" := "{c}"' for c in data_columns) + ")) AS VARCHAR)"
    rules = [
        Rule("NOT utf8_ok", None, "'not valid UTF-8 text'"),
        Rule("shape_error IS NOT NULL", None, "shape_error"),
        *[Rule("true", c, f"'the file has no {c} column'") for c in missing],
        Rule("user_id IS NULL", "user_id", "'missing user_id'"),
        Rule("event IS NULL", "event", "'missing event'"),
        Rule("ts_text IS NULL", "timestamp", "'missing timestamp'"),
        Rule("ts IS NULL", "timestamp", f"'unparseable timestamp ' || {quoted_value('ts_text')}"),
        Rule(f"ts > TIMESTAMP '{future}'", "timestamp",
             f"'timestamp ' || {quoted_value('ts_text')} || ' is more than a day in the future'"),
        Rule(f"ts < TIMESTAMP '{EARLIEST}'", "timestamp", f"'timestamp ' || {quoted_value('ts_text')} || ' is before 2000'"),
        Rule("properties IS NOT NULL AND CASE WHEN json_valid(properties) THEN json_type(properties) <> 'OBJECT' "
             "ELSE true END", "properties", "'properties must be a JSON object'"),
    ]
    field, message = failure_message(rules, "bad")
    return f"""
    WITH fields AS (
        SELECT line, coalesce(raw, {as_json}) AS raw, utf8_ok, shape_error,
            {_value('user_id', present)} AS user_id,
            {_value('event', present)} AS event,
            {_value('timestamp', present)} AS ts_text,
            date_trunc('second', timezone('UTC', try_cast({_value('timestamp', present)} AS TIMESTAMPTZ))) AS ts,
            {_value('account_id', present)} AS account_id,
            {_value('message_id', present)} AS message_id_given,
            {_value('properties', present)} AS properties
        FROM {source}
    ), checked AS (
        SELECT *, {first_failure_index(rules)} AS bad FROM fields
    )
    SELECT line, raw, bad,
        CASE WHEN bad > 0 THEN {field} END AS reject_field,
        CASE WHEN bad > 0 THEN {message} END AS reject_message,
        coalesce(message_id_given, md5(raw)) AS message_id,
        'track' AS type, user_id, CAST(NULL AS VARCHAR) AS anonymous_id, event, ts AS timestamp,
        account_id AS group_id, CASE WHEN bad = 0 THEN CAST(json(properties) AS VARCHAR) END AS properties, CAST(NULL AS VARCHAR) AS traits
    FROM checked"""
