"""CSV and Parquet input as Arrow tables of text, with Leadlight's column names.

``open_table`` reads the header (CSV: after sniffing the encoding and the
delimiter, see ``sniff``), maps it to column names (``columns``) and hands
back a ``TableInput``: the headers, the names, plain-words notes on what was
found, and the rows as Arrow tables. Besides the data columns each table has
the bookkeeping columns ``META_COLUMNS``; their ``_ll_`` prefix cannot clash
with a data column, whose names never start with ``_``.

CSV: every value is text, ``_ll_line`` is the record's first physical line
(the header is line 1) and ``_ll_raw`` its original text. Trailing empty
header cells (Excel's ``a,b,,``) are dropped with the empty values under
them. Parquet: values keep their types (nested ones become JSON text),
``_ll_line`` is the 1-based row index and ``_ll_raw`` NULL (the row is
rendered as JSON when needed).
"""

from __future__ import annotations

import csv
import gzip
import json
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from leadlight.errors import InputError
from leadlight.ingest.columns import map_columns
from leadlight.ingest.readers import PARQUET, InputFile, parallel_scan
from leadlight.ingest.sniff import gzip_error, sniff_csv

LINE, RAW, UTF8_OK, SHAPE_ERROR = "_ll_line", "_ll_raw", "_ll_utf8_ok", "_ll_shape_error"
META_COLUMNS = (LINE, RAW, UTF8_OK, SHAPE_ERROR)
TABLE_BATCH_ROWS = 100_000
csv.field_size_limit(1 << 30)


@dataclass
class TableInput:
    """One CSV or Parquet file, opened: its header as written, the column names, and its rows."""

    source: InputFile
    headers: list[str]
    names: list[str]
    batches: Iterator[pa.Table]
    notes: list[str] = field(default_factory=list)


def open_table(source: InputFile, kind: str, configured: Mapping[str, str] | None = None,
               batch_rows: int = TABLE_BATCH_ROWS) -> TableInput:
    """Open ``source`` as a ``kind`` input; ``configured`` is ``ingest.columns.<kind>`` from leadlight.yml."""
    if source.format == PARQUET:
        return _parquet(source, kind, configured, batch_rows)
    return _csv(source, kind, configured, batch_rows)


def _renames(source: InputFile, renamed: list[tuple[str, str]]) -> list[str]:
    if not renamed:
        return []
    pairs = ", ".join(f"{h!r} as {n}" for h, n in renamed[:20]) + (", ..." if len(renamed) > 20 else "")
    return [f"{source.name}: columns read as {pairs}"]


def _parquet(source: InputFile, kind: str, configured, batch_rows: int) -> TableInput:
    try:
        parquet = pq.ParquetFile(source.path)
    except (pa.ArrowException, OSError) as err:
        raise InputError(f"{source.path} cannot be read as Parquet: {err}", hint="check the file is complete") from None
    headers = list(parquet.schema_arrow.names)
    names, renamed = map_columns(headers, kind, configured)

    def batches() -> Iterator[pa.Table]:
        first = 1
        for batch in parquet.iter_batches(batch_size=batch_rows):
            n = batch.num_rows
            columns = [_flat(c) for c in batch.columns]
            meta = [pa.array(np.arange(first, first + n, dtype=np.int64)), pa.nulls(n, pa.string()),
                    pa.array(np.ones(n, dtype=bool)), pa.nulls(n, pa.string())]
            first += n
            yield parallel_scan(pa.table(meta + columns, names=[*META_COLUMNS, *names]))

    return TableInput(source, headers, names, batches(), _renames(source, renamed))


def _flat(column: pa.Array) -> pa.Array:
    """Nested values (a struct of properties, a list) as JSON text; others as they are."""
    if pa.types.is_nested(column.type):
        return pa.array([None if v is None else json.dumps(v, default=str) for v in column.to_pylist()], pa.string())
    return column


class _LineTap:
    """Hands lines to ``csv.reader`` and remembers them, so a record's original text is known."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.taken: list[str] = []
        self.consumed = 0

    def __iter__(self) -> "_LineTap":
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.taken.append(line)
        self.consumed += 1
        return line


def _csv(source: InputFile, kind: str, configured, batch_rows: int) -> TableInput:
    sniffed = sniff_csv(source.path, source.compressed)
    opener = gzip.open if source.compressed else open
    encoding = "utf-8-sig" if sniffed.encoding == "utf-8" else sniffed.encoding
    f = opener(source.path, "rt", encoding=encoding, errors="surrogateescape", newline="")
    tap = _LineTap(iter(f))
    reader = csv.reader(tap, delimiter=sniffed.delimiter)
    try:
        headers = next(reader)
    except StopIteration:
        headers = []
    except csv.Error as err:
        f.close()
        raise InputError(f"{source.path}: cannot read the CSV header: {err}", hint="check the file is CSV") from None
    except (OSError, EOFError, zlib.error) as err:
        f.close()
        raise gzip_error(source.path, err) from None
    while headers and not headers[-1].strip():
        headers.pop()  # Excel's trailing empty columns
    try:
        names, renamed = map_columns(headers, kind, configured)
    except InputError as err:
        f.close()
        raise InputError(f"{source.path}: {err.message}", hint=err.hint) from None
    return TableInput(source, headers, names, _csv_rows(f, tap, reader, source, names, batch_rows),
                      sniffed.notes + _renames(source, renamed))


def _csv_rows(f, tap: _LineTap, reader, source: InputFile, names: list[str], batch_rows: int) -> Iterator[pa.Table]:
    width = len(names)
    with f:
        rows: dict[str, list] = {k: [] for k in (*META_COLUMNS, *names)}
        while width:
            tap.taken.clear()
            start = tap.consumed + 1
            try:
                record = next(reader)
                problem = None
            except StopIteration:
                break
            except csv.Error as err:
                record, problem = [], f"not a CSV record: {err}"
            except (OSError, EOFError, zlib.error) as err:
                raise gzip_error(source.path, err) from None
            raw = "".join(tap.taken).rstrip("\r\n")
            if problem is None and (not record or not any(v.strip() for v in record)):
                continue  # a blank line (or one of empty cells only)
            while len(record) > width and not record[-1].strip():
                record.pop()
            ok = not _has_surrogates(raw)
            if problem is None and len(record) != width:
                problem = f"has {len(record)} fields; the header has {width}"
            rows[LINE].append(start)
            rows[RAW].append(raw if ok else raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
            rows[UTF8_OK].append(ok)
            rows[SHAPE_ERROR].append(problem)
            values = record if problem is None and ok else [None] * width
            for name, value in zip(names, values):
                rows[name].append(value)
            if len(rows[LINE]) >= batch_rows:
                yield _text_table(rows)
                rows = {k: [] for k in rows}
        if rows[LINE]:
            yield _text_table(rows)


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def _text_table(rows: dict[str, list]) -> pa.Table:
    types = {LINE: pa.int64(), UTF8_OK: pa.bool_()}
    return parallel_scan(pa.table({k: pa.array(v, types.get(k, pa.string())) for k, v in rows.items()}))
