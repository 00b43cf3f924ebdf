"""Segment batch calls and pretty-printed JSON, read as one message per row.

Segment's HTTP API and many exports hold ``{"batch": [message, ...]}``
documents (one per line, or one spread over many lines); a hand-written file
is often a pretty-printed list. These are rare and small next to NDJSON, so
they are parsed in Python and handed on as the same ``(line, raw, utf8_ok)``
rows the fast NDJSON reader makes: each message re-serialised, its ``line``
the line its document starts on. Keys of a batch other than ``batch`` (such
as ``context`` or ``sentAt``) fill messages that lack them.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from leadlight.errors import InputError
from leadlight.ingest.sniff import BATCH_LINES, BOM, gzip_error

if TYPE_CHECKING:
    import hashlib

    from leadlight.ingest.readers import InputFile

MAX_DOCUMENT_BYTES = 1 << 30
ROWS_PER_TABLE = 50_000
_SCHEMA = pa.schema([("line", pa.int64()), ("raw", pa.string()), ("utf8_ok", pa.bool_())])
_SKIPPED = ("batch", "writeKey")


def _read(source: "InputFile", digest: "hashlib._Hash | None") -> str:
    if source.path.stat().st_size > MAX_DOCUMENT_BYTES:
        raise InputError(f"{source.path}: a JSON document over {MAX_DOCUMENT_BYTES >> 20} MB",
                         hint="write one message per line (NDJSON) instead")
    try:
        data = gzip.open(source.path, "rb").read() if source.compressed else source.path.read_bytes()
    except (OSError, EOFError, zlib.error) as err:
        raise gzip_error(source.path, err) from None
    if digest is not None:
        digest.update(data)
    return data.removeprefix(BOM).decode("utf-8", errors="replace")


def _expand(document: object) -> list[object]:
    """The messages a document holds: a batch's, a list's items, or the document itself."""
    if isinstance(document, list):
        return [m for item in document for m in _expand(item)]
    if isinstance(document, dict) and isinstance(document.get("batch"), list) and "type" not in document:
        shared = {k: v for k, v in document.items() if k not in _SKIPPED}
        return [{**shared, **m} if isinstance(m, dict) else m for m in document["batch"]]
    return [document]


def messages(source: "InputFile", layout: str, digest: "hashlib._Hash | None" = None) -> Iterator[pa.Table] | None:
    """The file's messages as tables, or None when it is not whole JSON documents after all (read it as lines)."""
    text = _read(source, digest)
    rows: list[tuple[int, str]] = []
    if layout == BATCH_LINES:
        for number, line in enumerate(text.split("\n"), start=1):
            try:
                found = _expand(json.loads(line)) if line.strip() else []
            except ValueError:
                found = [None]
            rows.extend((number, line if m is None else json.dumps(m, ensure_ascii=False)) for m in found)
    else:
        decoder, at, line = json.JSONDecoder(), 0, 1
        while True:
            start = len(text) - len(text[at:].lstrip())
            if start >= len(text):
                break
            line += text.count("\n", at, start)
            try:
                document, at = decoder.raw_decode(text, start)
            except ValueError:
                return None
            rows.extend((line, json.dumps(m, ensure_ascii=False)) for m in _expand(document))
            line += text.count("\n", start, at)
    return _tables(rows)


def _tables(rows: list[tuple[int, str]]) -> Iterator[pa.Table]:
    for i in range(0, len(rows), ROWS_PER_TABLE):
        part = rows[i:i + ROWS_PER_TABLE]
        yield pa.table([pa.array([r[0] for r in part], pa.int64()), pa.array([r[1] for r in part], pa.string()),
                        pa.array(np.ones(len(part), dtype=bool))], schema=_SCHEMA)
