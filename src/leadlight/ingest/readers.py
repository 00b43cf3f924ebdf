"""Finding input files and reading them as numbered raw records.

NDJSON is read as raw text lines in large byte chunks and handed to DuckDB as
Arrow batches ``(line, raw, utf8_ok)``: the JSON parsing and validation happen
in DuckDB, vectorised (see ``segment.py``), because per-line Python parsing is
an order of magnitude too slow for tens of millions of events. Line numbers are
1-based and count every line of the file, blank ones included, so an error
report points at the line a text editor shows.
"""

from __future__ import annotations

import glob
import mmap
import threading
import hashlib
from dataclasses import dataclass
from pathlib import Path
from queue import Empty, Full, Queue
from typing import Iterable, Iterator

import numpy as np
import pyarrow as pa

from leadlight.errors import UsageError
from leadlight.ingest import documents
from leadlight.ingest.sniff import BOM, LINES, gzip_error, head, sniff_ndjson

NDJSON, CSV, PARQUET = "ndjson", "csv", "parquet"
_SUFFIXES = {".ndjson": NDJSON, ".jsonl": NDJSON, ".json": NDJSON, ".csv": CSV, ".tsv": CSV,
             ".parquet": PARQUET, ".pq": PARQUET}
FORMATS_BY_KIND = {
    "events": (NDJSON, CSV, PARQUET),
    "accounts": (CSV, PARQUET),
    "users": (CSV, PARQUET),
    "opportunities": (CSV, PARQUET),
}
CHUNK_BYTES = 64 << 20
LINES_SCHEMA = pa.schema([("line", pa.int64()), ("raw", pa.string()), ("utf8_ok", pa.bool_())])


@dataclass(frozen=True)
class InputFile:
    path: Path
    format: str
    compressed: bool

    @property
    def name(self) -> str:
        return self.path.name


def detect_format(path: Path) -> tuple[str, bool] | None:
    """``(format, gzip-compressed)`` from the file name, or None if it is not an input file."""
    suffixes = [s.lower() for s in path.suffixes]
    compressed = bool(suffixes) and suffixes[-1] == ".gz"
    if compressed:
        suffixes = suffixes[:-1]
    fmt = _SUFFIXES.get(suffixes[-1]) if suffixes else None
    if fmt is None or (compressed and fmt == PARQUET):
        return None
    return fmt, compressed


def expand_inputs(paths: Iterable[str | Path], kind: str) -> list[InputFile]:
    """Every input file named by ``paths``: files, directories (their supported files) or globs.

    Raises ``UsageError`` naming the path when nothing matches or a file's format
    cannot hold ``kind``.
    """
    allowed = FORMATS_BY_KIND[kind]
    found: list[InputFile] = []
    for given in paths:
        text = str(given)
        path = Path(text).expanduser()
        if path.is_dir():
            members = sorted(p for p in path.iterdir() if p.is_file() and _fits(p, allowed))
            if not members:
                raise UsageError(f"{path} holds no {kind} files", hint=f"{kind} are read from {_describe(allowed)} files")
            found.extend(_input(p, allowed) for p in members)
        elif path.is_file():
            found.append(_input(path, allowed))
        elif glob.has_magic(text):
            matches = sorted(Path(m) for m in glob.glob(str(path), recursive=True) if Path(m).is_file())
            matches = [m for m in matches if _fits(m, allowed)]
            if not matches:
                raise UsageError(f"no {kind} file matches {text}", hint=f"{kind} are read from {_describe(allowed)} files")
            found.extend(_input(m, allowed) for m in matches)
        else:
            raise UsageError(f"file not found: {text}", hint="check the path (directories and globs work too)")
    unique: dict[Path, InputFile] = {}
    for f in found:
        unique.setdefault(f.path, f)
    return list(unique.values())


def _fits(path: Path, allowed: tuple[str, ...]) -> bool:
    detected = detect_format(path)
    return detected is not None and detected[0] in allowed


def _input(path: Path, allowed: tuple[str, ...]) -> InputFile:
    detected = detect_format(path)
    if detected is None or detected[0] not in allowed:
        raise UsageError(f"{path} is not a supported file for this kind", hint=f"use {_describe(allowed)} files")
    return InputFile(path.resolve(), *detected)


def _describe(formats: tuple[str, ...]) -> str:
    names = {NDJSON: "NDJSON (.ndjson/.jsonl/.json, optionally .gz)", CSV: "CSV (.csv/.tsv, optionally .gz)", PARQUET: "Parquet"}
    return ", ".join(names[f] for f in formats)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(8 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def iter_line_batches(
    source: InputFile, chunk_bytes: int | None = None, digest: "hashlib._Hash | None" = None
) -> Iterator[pa.Table]:
    """The file's lines as Arrow tables ``(line, raw, utf8_ok)``, about ``chunk_bytes`` each.

    ``raw`` is the line as written, with its newline when it has one (a
    ``\\r`` before it included): lines are slices of the chunk read, found with
    numpy and never copied, except the one line that straddles two chunks. A
    chunk that is not valid UTF-8 is split in Python so only the offending
    lines are marked ``utf8_ok = false`` (those lines come without their
    newline). ``digest``, if given, is fed the bytes read (uncompressed files
    only), which saves a second pass to hash the file. A UTF-8 byte-order mark
    is dropped; a file whose lines end in a lone ``\\r`` (old Mac, some Excel
    exports) is read as if they ended in ``\\n``.
    """
    next_line = 1
    carry = b""  # the start of a line that continues in the next chunk
    first, lone_cr = True, False
    for chunk in _chunks(source, chunk_bytes or CHUNK_BYTES):
        if digest is not None:
            digest.update(chunk)
        if first:
            first = False
            if chunk.slice(0, min(3, chunk.size)).to_pybytes() == BOM:
                chunk = chunk.slice(3)
            window = chunk.slice(0, min(1 << 20, chunk.size)).to_pybytes()
            lone_cr = b"\n" not in window and b"\r" in window
        if lone_cr:
            chunk = pa.py_buffer(chunk.to_pybytes().replace(b"\r", b"\n"))
        ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)
        if len(ends) == 0:
            carry += chunk.to_pybytes()
            continue
        head = carry + chunk.slice(0, int(ends[0]) + 1).to_pybytes()
        carry = chunk.slice(int(ends[-1]) + 1).to_pybytes()
        batch = _lines(head, chunk, ends, next_line)
        next_line += batch.num_rows
        yield batch
    if carry:
        yield _lines(carry, None, None, next_line)


def iter_message_batches(source: InputFile, digest: "hashlib._Hash | None" = None) -> Iterator[pa.Table]:
    """An NDJSON file's messages as ``(line, raw, utf8_ok)`` tables: its lines, or the messages of the
    Segment batches (``{"batch": [...]}``) and pretty-printed documents it holds (see ``sniff``)."""
    found = sniff_ndjson(source.path, source.compressed)
    if found.layout != LINES:
        messages = documents.messages(source, found.layout, digest)
        if messages is not None:
            yield from messages
            return
    yield from iter_line_batches(source, digest=digest)


def _chunks(source: InputFile, chunk_bytes: int) -> Iterator[pa.Buffer]:
    """The file's bytes in chunks: memory-mapped windows of a plain file (no copy), or gunzipped reads."""
    if source.compressed:
        head(source.path, compressed=True, size=0)  # a file named .gz that is not gzip: say so
        try:
            with pa.input_stream(str(source.path), compression="gzip") as stream:
                while (chunk := stream.read_buffer(chunk_bytes)).size:
                    yield chunk
        except (OSError, pa.ArrowException) as err:
            raise gzip_error(source.path, err) from None
        return
    head(source.path, compressed=False, size=0)  # gzip bytes under a plain name: say so
    size = source.path.stat().st_size
    step = max(mmap.ALLOCATIONGRANULARITY, chunk_bytes // mmap.ALLOCATIONGRANULARITY * mmap.ALLOCATIONGRANULARITY)
    with open(source.path, "rb") as f:
        for offset in range(0, size, step):
            # A window per chunk, unmapped once its lines are dropped: mapping the whole
            # file would count every page read so far in the process's memory.
            window = mmap.mmap(f.fileno(), min(step, size - offset), offset=offset, access=mmap.ACCESS_READ)
            yield pa.py_buffer(window)


def _lines(head: bytes, chunk: pa.Buffer | None, ends: np.ndarray | None, first_line: int) -> pa.Table:
    """The line ``head``, then the lines of ``chunk`` between its first and last newline (``ends``)."""
    heads = _string_array(pa.py_buffer(head), np.array([0, len(head)], dtype=np.int64))
    arrays = [heads]
    if chunk is not None and len(ends) > 1:
        offsets = (ends - ends[0]).astype(np.int64)  # each line runs up to and including its newline
        body = chunk.slice(int(ends[0]) + 1, int(ends[-1] - ends[0]))
        arrays.append(_string_array(body, offsets))
    try:
        for array in arrays:
            array.validate(full=True)
    except pa.ArrowInvalid:
        tail = chunk.slice(int(ends[0]) + 1, int(ends[-1] - ends[0])).to_pybytes() if len(arrays) > 1 else b""
        text = head + tail
        return _split_lines_slowly(text[:-1] if text.endswith(b"\n") else text, first_line)
    batches, line = [], first_line
    for array in arrays:
        n = len(array)
        batches.append(pa.record_batch(
            [pa.array(np.arange(line, line + n, dtype=np.int64)), array, pa.array(np.ones(n, dtype=bool))],
            schema=LINES_SCHEMA))
        line += n
    return parallel_scan(pa.Table.from_batches(batches, schema=LINES_SCHEMA))


def _string_array(data: pa.Buffer, offsets: np.ndarray) -> pa.Array:
    """Strings ``data[offsets[i]:offsets[i + 1]]``, without copying ``data``."""
    if data.size < 2**31 - 1:
        return pa.StringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets.astype(np.int32)), data)
    return pa.LargeStringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets), data).cast(pa.string())


def parallel_scan(table: pa.Table, rows: int = 16_384) -> pa.Table:
    """The same table in several record batches: DuckDB scans one Arrow batch per thread."""
    return pa.Table.from_batches(table.to_batches(max_chunksize=rows), schema=table.schema)


def prefetch(batches: Iterator[pa.Table], depth: int = 2) -> Iterator[pa.Table]:
    """Read the next batches in a thread while DuckDB works on the current one.

    Reading, gunzip and splitting release the GIL, so this overlaps I/O with parsing.
    """
    queue: Queue = Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        queue.put(batch, timeout=0.1)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put(done)
        except BaseException as err:  # handed to the consumer, raised there
            queue.put(err)

    worker = threading.Thread(target=produce, name="leadlight-reader", daemon=True)
    worker.start()
    try:
        while (item := queue.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                queue.get_nowait()
            except Empty:
                worker.join(0.05)


def _split_lines_slowly(body: bytes, first_line: int) -> pa.Table:
    raws, oks = [], []
    for piece in body.split(b"\n"):
        try:
            raws.append(piece.decode("utf-8"))
            oks.append(True)
        except UnicodeDecodeError:
            raws.append(piece.decode("utf-8", errors="replace"))
            oks.append(False)
    n = len(raws)
    return parallel_scan(pa.table(
        [pa.array(np.arange(first_line, first_line + n, dtype=np.int64)), pa.array(raws, pa.string()), pa.array(oks)],
        schema=LINES_SCHEMA,
    ))
