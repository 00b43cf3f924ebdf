"""A look at a file's first bytes before reading it: compression, text encoding, CSV delimiter, NDJSON layout.

What is found and is not the default (a ``;`` delimiter, Latin-1 text, a
pretty-printed Segment batch) is said in plain words in ``Sniffed.notes`` so
the ingest report can show it; what cannot be read is an ``InputError``
naming the file.
"""

from __future__ import annotations

import codecs
import gzip
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from leadlight.errors import InputError

SAMPLE_BYTES = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"
BOM = b"\xef\xbb\xbf"
DELIMITERS = (",", ";", "\t", "|")
LINES, BATCH_LINES, DOCUMENT = "lines", "batch_lines", "document"


@dataclass
class Sniffed:
    encoding: str = "utf-8"
    delimiter: str = ","
    layout: str = LINES
    notes: list[str] = field(default_factory=list)


def gzip_error(path: Path, err: BaseException) -> InputError:
    return InputError(f"{path}: the gzip data is truncated or damaged ({err})",
                      hint="copy the file again, or check it with: gzip -t FILE")


def head(path: Path, compressed: bool, size: int = SAMPLE_BYTES) -> bytes:
    """The first ``size`` bytes of the file's content (gunzipped), checking the name's promise of gzip."""
    with open(path, "rb") as f:
        start = f.read(2)
    if compressed and start != GZIP_MAGIC and start:
        raise InputError(f"{path} is named .gz but is not gzip-compressed", hint="rename it without .gz")
    if not compressed and start == GZIP_MAGIC:
        raise InputError(f"{path} looks compressed (gzip) but its name does not end in .gz",
                         hint=f"rename it to {path.name}.gz (or gunzip it)")
    if not compressed:
        with open(path, "rb") as f:
            return f.read(size)
    try:
        with gzip.open(path, "rb") as f:
            return f.read(size)
    except (OSError, EOFError, zlib.error) as err:
        raise gzip_error(path, err) from None


def _decodes_as_utf8(sample: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return True
    except UnicodeDecodeError:
        return False


def sniff_csv(path: Path, compressed: bool) -> Sniffed:
    """The encoding (UTF-8, else Windows-1252 / Latin-1) and the delimiter of a CSV file's header line."""
    sample = head(path, compressed)
    found = Sniffed()
    if sample.startswith(BOM):
        sample = sample[len(BOM):]
    if not _decodes_as_utf8(sample):
        found.encoding = "cp1252"
        try:
            sample.decode("cp1252")
        except UnicodeDecodeError:
            found.encoding = "latin-1"
        found.notes.append(f"{path.name}: not UTF-8; read as {'Windows-1252' if found.encoding == 'cp1252' else 'Latin-1'} text")
    text = sample.decode(found.encoding, errors="replace")
    first = text.splitlines()[0] if text else ""
    counts = {d: _count_outside_quotes(first, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    if counts[best] and best != ",":
        found.delimiter = best
        found.notes.append(f"{path.name}: fields separated by {'tab' if best == chr(9) else repr(best)}")
    return found


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            count += 1
    return count


def sniff_ndjson(path: Path, compressed: bool) -> Sniffed:
    """``LINES`` (one message a line), ``BATCH_LINES`` (a Segment ``{"batch": [...]}`` a line), or
    ``DOCUMENT`` (one or more pretty-printed JSON documents: a batch, a list or a message)."""
    sample = head(path, compressed, 64 << 10)
    found = Sniffed()
    text = sample.removeprefix(BOM).lstrip()
    if not text:
        return found
    if text[:1] == b"[":
        found.layout = DOCUMENT
    elif text[:1] == b"{":
        first = text.split(b"\n", 1)[0]
        try:
            message = json.loads(first)
        except ValueError:
            if b"\n" in text.rstrip():  # a line that is not JSON on its own: a document spread over lines
                found.layout = DOCUMENT
            return _noted(found, path)
        if isinstance(message, dict) and isinstance(message.get("batch"), list) and "type" not in message:
            found.layout = BATCH_LINES
    return _noted(found, path)


def _noted(found: Sniffed, path: Path) -> Sniffed:
    if found.layout == BATCH_LINES:
        found.notes.append(f"{path.name}: Segment batch calls; each message in them is loaded")
    elif found.layout == DOCUMENT:
        found.notes.append(f"{path.name}: a JSON document over several lines; its messages are loaded")
    return found
