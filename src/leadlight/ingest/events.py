"""Loading one events file: batches in, duplicates out, rejects to quarantine.

Three stages overlap, each in its own thread: reading (``readers.py``);
checking, where each batch is parsed and validated on a DuckDB of its own
(``segment.py`` for NDJSON: the fast check, then the exact rules for the lines
it is unsure of; ``tabular_events_sql`` for CSV/Parquet) and comes back as
Arrow; and loading, in the caller's thread. There rejects go to quarantine,
and the good rows are split by ``dedupe.first_new`` into rows new
for sure, inserted into ``events`` at once, and rows that may repeat a message
already loaded (from an earlier file, an earlier line of this one), which wait
in ``Pending``. At the end of the file one query inserts, of the pending rows,
the first line of each message not in ``events`` (the caller's transaction
sees its own inserts). The first line of a message wins.

Nothing here creates a table or registers a view inside the caller's
transaction: DuckDB keeps what such catalog entries hold (a temp table's rows,
a registered Arrow table) until the transaction commits, which made memory
grow with the file (5.9 GB at 10M events). Arrow tables are read through
DuckDB's replacement scans instead: the SQL names a local Python variable.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from collections.abc import Mapping
from typing import Callable, Iterator

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from leadlight.ingest.dedupe import Pending, SeenMessages, first_new
from leadlight.ingest.quarantine import Quarantine
from leadlight.ingest.columns import check_columns
from leadlight.ingest.readers import NDJSON, InputFile, iter_message_batches, parallel_scan, prefetch
from leadlight.ingest.segment import EARLIEST, fast_parse_sql, parse_sql
from leadlight.ingest.tabular import LINE, META_COLUMNS, RAW, SHAPE_ERROR, UTF8_OK, open_table
from leadlight.ingest.timestamps import bad_offset_sql, timestamp_sql
from leadlight.ingest.validation import (Reject, Rule, Tally, failure_message, first_failure_index, quoted_value,
                                         sql_text)
from leadlight.storage.schema import EVENTS

BATCH_VIEW = "ingest_batch"  # a local variable the SQL reads by name
CHECKER_MEMORY = "512MB"
EVENT_COLUMNS = ("message_id", "type", "user_id", "anonymous_id", "event", "timestamp", "group_id", "properties", "traits")
TABULAR_EVENT_COLUMNS = ("user_id", "event", "timestamp", "account_id", "message_id", "properties")
_OUTPUT = ("line", "bad", "reject_field", "reject_message", "CASE WHEN bad > 0 THEN raw END AS raw",
           "CASE WHEN bad = 0 THEN hash(message_id) END AS key", *EVENT_COLUMNS)


def load_events(
    con: duckdb.DuckDBPyConnection,
    source: InputFile,
    quarantine: Quarantine,
    now: datetime,
    on_batch: Callable[[int], None] = lambda n: None,
    digest: "hashlib._Hash | None" = None,
    *,
    seen: SeenMessages | None = None,
    pending_path: Path | None = None,
    columns: Mapping[str, str] | None = None,
    checked: Path | None = None,
) -> Tally:
    """Load one events file into ``events`` inside the caller's transaction.

    ``digest`` (uncompressed NDJSON only) is fed the file's bytes as they are
    read. ``seen`` holds the messages loaded so far (built from ``events`` when
    not given) and is updated; ``pending_path`` is where rows that may be
    duplicates wait (the loader puts it in ``.leadlight/tmp``); ``columns`` is
    ``ingest.columns.events`` of leadlight.yml (CSV/Parquet). ``checked`` is the
    file's rows already parsed and checked by ``check_to_file`` (in another
    process): they are loaded from there instead.
    """
    tally = Tally()
    if seen is None:
        seen = SeenMessages.of_events(con, expected_new=expected_events(source))
    pending = Pending(pending_path or Path(tempfile.gettempdir()) / f"leadlight-pending-{os.getpid()}.parquet")
    if checked is not None:
        batches = read_checked(checked)
    elif source.format == NDJSON:
        batches = prefetch(checked_lines(source, now, digest))
    else:
        table = open_table(source, "events", columns)
        tally.notes.extend(table.notes)
        if not table.headers:
            tally.warnings.append(f"{source.path} is empty: nothing to load")
            return tally
        check_columns(str(source.path), "events", table.headers, table.names)
        batches = prefetch(_checked(prefetch(table.batches), _table_check(now)))
    try:
        for rows in batches:
            _load_batch(con, rows, source, quarantine, tally, seen, pending)
            on_batch(rows.num_rows)
        pending.close()
        if pending.rows:
            tally.add(loaded=_load_pending(con, pending, source))
    finally:
        pending.discard()
    tally.duplicates = tally.read - tally.rejected - tally.loaded
    if not tally.read:
        tally.warnings.append(f"{source.path} holds no records: nothing to load")
    return tally


def check_to_file(source: InputFile, now: datetime, out: Path) -> tuple[str, int]:
    """Parse and check an NDJSON file's lines as ``load_events`` would, writing the checked rows to ``out``
    (Arrow IPC; no file when there are none): the CPU-heavy half of a load, which needs no database.
    Returns the file's sha256 and its row count."""
    digest = hashlib.sha256()
    writer, schema, rows = None, None, 0
    partial = out.with_name(out.name + ".partial")
    try:
        for table in checked_lines(source, now, digest):
            if writer is None:
                schema = table.schema
                writer = pa.ipc.new_file(str(partial), schema)
            writer.write_table(table.cast(schema))
            rows += table.num_rows
    finally:
        if writer is not None:
            writer.close()
    if writer is not None:
        os.replace(partial, out)
    return digest.hexdigest(), rows


def checked_lines(source: InputFile, now: datetime, digest: "hashlib._Hash | None" = None) -> Iterator[pa.Table]:
    """An NDJSON file's messages parsed and checked, as Arrow tables of ``_OUTPUT``'s columns (``bad``: 0 good,
    -1 a blank line, else the broken rule); ``digest`` is fed the file's bytes as they are read."""
    return _checked(prefetch(iter_message_batches(source, digest=digest)), _line_check(now))


def read_checked(path: Path, rows: int = 1 << 20) -> Iterator[pa.Table]:
    """The rows ``check_to_file`` wrote, memory-mapped, in tables of about ``rows``."""
    if not path.exists():
        return
    with pa.memory_map(str(path)) as mapped:
        reader = pa.ipc.open_file(mapped)
        group: list[pa.RecordBatch] = []
        for i in range(reader.num_record_batches):
            group.append(reader.get_batch(i))
            if sum(b.num_rows for b in group) >= rows:
                yield pa.Table.from_batches(group)
                group = []
        if group:
            yield pa.Table.from_batches(group)


def expected_events(source: InputFile) -> int:
    """A guess of a file's record count (Segment messages are rarely under 128 bytes) to size ``SeenMessages``."""
    size = source.path.stat().st_size
    return size * (8 if source.compressed else 1) // 128


Check = Callable[[duckdb.DuckDBPyConnection, pa.Table], pa.Table]


def _line_check(now: datetime) -> Check:
    """NDJSON lines: the fast check, then the exact rules for the lines it left undecided."""
    fast, exact = fast_parse_sql(BATCH_VIEW, now), _outputs(parse_sql(BATCH_VIEW, now))

    def check(checker: duckdb.DuckDBPyConnection, ingest_batch: pa.Table) -> pa.Table:
        rows = checker.sql(fast).to_arrow_table()
        unsure = pc.is_null(rows.column("bad"))
        if not pc.any(unsure).as_py():
            return rows.drop_columns(["utf8_ok"])
        ingest_batch = rows.filter(unsure).select(["line", "raw", "utf8_ok"])  # noqa: F841 -- read by name
        sure = rows.filter(pc.invert(unsure)).drop_columns(["utf8_ok"])
        return pa.concat_tables([sure, checker.sql(exact).to_arrow_table().cast(sure.schema)])

    return check


def _table_check(now: datetime) -> Check:
    def check(checker: duckdb.DuckDBPyConnection, ingest_batch: pa.Table) -> pa.Table:
        return checker.sql(_outputs(tabular_events_sql(BATCH_VIEW, ingest_batch.schema, now))).to_arrow_table()

    return check


def _outputs(sql: str) -> str:
    return f"SELECT {', '.join(_OUTPUT)} FROM ({sql})"


def _checked(batches: Iterator[pa.Table], check: Check) -> Iterator[pa.Table]:
    """Each batch parsed and validated by ``check``, as Arrow (columns ``_OUTPUT``).

    This touches no table, so it runs on a DuckDB of its own: in a thread of
    its own (see ``prefetch``) it checks the next batch while the caller
    inserts this one. ``check`` reads its batch by the name ``ingest_batch``.
    """
    checker = duckdb.connect()
    try:
        checker.execute("SET TimeZone = 'UTC'")  # a timestamp without an offset is UTC
        checker.execute("SET preserve_insertion_order = false")
        checker.execute(f"SET memory_limit = '{CHECKER_MEMORY}'")
        for batch in batches:
            yield check(checker, batch)
    finally:
        checker.close()


def _load_batch(con, rows: pa.Table, source: InputFile, quarantine: Quarantine, tally: Tally,
                seen: SeenMessages, pending: Pending) -> None:
    verdict = rows.column("bad")  # 0 good, -1 a blank line, else the broken rule
    bad = pc.greater(verdict, 0)
    rejected = pc.sum(bad).as_py() or 0
    if rejected:
        _quarantine(rows.filter(bad), source, quarantine, tally)
    if rejected or pc.any(pc.less(verdict, 0)).as_py():
        rows = rows.filter(pc.equal(verdict, 0))
    rows = rows.drop_columns(["bad", "reject_field", "reject_message", "raw"])
    keys = rows.column("key")
    new = first_new(keys, seen)
    loaded = _insert(con, rows.append_column("new", pa.array(new)), source)
    if loaded < rows.num_rows:
        pending.add(rows.filter(~new).drop_columns(["key"]))
    tally.add(read=rows.num_rows + rejected, loaded=loaded, rejected=rejected)


def _insert(con, rows: pa.Table, source: InputFile) -> int:
    """Insert the rows marked ``new``; the filter is DuckDB's, so the others are never copied."""
    ingest_rows = parallel_scan(rows)  # noqa: F841 -- read by name below
    columns = ", ".join(EVENT_COLUMNS)
    ((loaded,),) = con.execute(
        f"INSERT INTO {EVENTS} ({columns}, source_file) SELECT {columns}, ? FROM ingest_rows WHERE new",
        [str(source.path)],
    ).fetchall()
    return loaded


def _load_pending(con, pending: Pending, source: InputFile) -> int:
    """Insert the first line of each pending message that ``events`` does not hold yet."""
    return insert_unseen(con, f"read_parquet({sql_text(str(pending.path))})", source)


def insert_unseen(con, rows: str, source: InputFile, where: str = "true") -> int:
    """Insert the first line of each message of ``rows`` (SQL of rows with ``line`` and ``EVENT_COLUMNS``; those
    ``where`` holds for) that ``events`` does not hold yet; how many."""
    columns = ", ".join(EVENT_COLUMNS)
    # The IN list is the (small) set in doubt: events are scanned once, past its hash table.
    (loaded,) = con.execute(
        f"INSERT INTO {EVENTS} ({columns}, source_file) SELECT {columns}, ? FROM {rows} WHERE {where} "
        f"AND message_id NOT IN (SELECT message_id FROM {EVENTS} WHERE message_id IN "
        f"(SELECT message_id FROM {rows} WHERE {where})) "
        "QUALIFY row_number() OVER (PARTITION BY message_id ORDER BY line) = 1",
        [str(source.path)],
    ).fetchall()[0]
    return loaded


def _quarantine(rows: pa.Table, source: InputFile, quarantine: Quarantine, tally: Tally) -> None:
    rows = rows.select(["line", "raw", "reject_field", "reject_message"]).sort_by("line")
    for batch in rows.to_batches(max_chunksize=10_000):
        rejects = [(raw, Reject(str(source.path), line, field, message))
                   for line, raw, field, message in zip(*(c.to_pylist() for c in batch.columns))]
        quarantine.add(rejects)
        tally.note([r for _, r in rejects])


def _value(column: str, present: set[str]) -> str:
    """A tabular column as trimmed text, NULL when empty or absent."""
    return f"""nullif(trim(CAST("{column}" AS VARCHAR)), '')""" if column in present else "CAST(NULL AS VARCHAR)"


def tabular_events_sql(source: str, schema: pa.Schema, now: datetime) -> str:
    """SQL mapping a CSV/Parquet events batch (see ``tabular.open_table``) to events rows."""
    present = set(schema.names)
    future = (now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    data_columns = [n for n in schema.names if n not in META_COLUMNS]
    as_json = "CAST(to_json(struct_pack(" + ", ".join(f'"{c}" := "{c}"' for c in data_columns) + ")) AS VARCHAR)"
    rules = [
        Rule("NOT utf8_ok", None, "'not valid UTF-8 text'"),
        Rule("shape_error IS NOT NULL", None, "shape_error"),
        Rule("user_id IS NULL", "user_id", "'missing user_id'"),
        Rule("event IS NULL", "event", "'missing event'"),
        Rule("ts_text IS NULL", "timestamp", "'missing timestamp'"),
        Rule(bad_offset_sql("ts_text"), "timestamp", f"'UTC offset out of range (at most 18 hours) in ' || {quoted_value('ts_text')}"),
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
        SELECT {LINE} AS line, coalesce({RAW}, {as_json}) AS raw, {UTF8_OK} AS utf8_ok, {SHAPE_ERROR} AS shape_error,
            {_value('user_id', present)} AS user_id,
            {_value('event', present)} AS event,
            {_value('timestamp', present)} AS ts_text,
            {timestamp_sql(_value('timestamp', present))} AS ts,
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
