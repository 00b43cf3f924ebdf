"""NDJSON read as numbered raw lines: chunk edges, CRLF, blank lines, bad UTF-8, gzip."""

from __future__ import annotations

import gzip
import hashlib
import json
import random

import pytest

from leadlight.ingest import readers
from leadlight.ingest.readers import NDJSON, InputFile, iter_line_batches

SMALL_CHUNK = 4096  # the smallest window a file is mapped in


def read_lines(path, compressed=False, chunk_bytes=SMALL_CHUNK):
    source = InputFile(path, NDJSON, compressed)
    rows = []
    for batch in iter_line_batches(source, chunk_bytes=chunk_bytes):
        rows.extend(zip(*(batch.column(c).to_pylist() for c in ("line", "raw", "utf8_ok"))))
    return rows


def expected_lines(data: bytes):
    """What an editor shows: every line numbered, newline left out (raw may keep it)."""
    body = data[:-1] if data.endswith(b"\n") else data
    return [] if not data else [(i, piece) for i, piece in enumerate(body.split(b"\n"), start=1)]


def some_text(seed: int) -> bytes:
    rnd = random.Random(seed)
    lines = []
    for i in range(900):
        kind = rnd.random()
        if kind < 0.05:
            lines.append(b"")
        elif kind < 0.1:
            lines.append(b"  \t")
        elif kind < 0.15:
            lines.append(json.dumps({"n": i, "s": "é" * rnd.randint(0, 50)}, ensure_ascii=False).encode() + b"\r")
        elif kind < 0.17:
            lines.append(b"x" * rnd.randint(5000, 12000))  # longer than a chunk
        else:
            lines.append(json.dumps({"n": i, "pad": "y" * rnd.randint(0, 300)}).encode())
    text = b"\n".join(lines)
    return text if seed % 2 else text + b"\n"


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("compressed", [False, True])
def test_lines_match_a_plain_split_across_chunk_edges(tmp_path, seed, compressed):
    data = some_text(seed)
    path = tmp_path / ("e.ndjson.gz" if compressed else "e.ndjson")
    path.write_bytes(gzip.compress(data) if compressed else data)
    got = [(line, raw.removesuffix("\n"), ok) for line, raw, ok in read_lines(path, compressed)]
    assert got == [(n, text.decode(), True) for n, text in expected_lines(data)]


def test_invalid_utf8_marks_only_its_own_line(tmp_path):
    good = json.dumps({"a": "b" * 100}).encode()
    data = b"\n".join([good] * 30 + [b'{"bad": "\xff\xfe"}'] + [good] * 30) + b"\n"
    path = tmp_path / "e.ndjson"
    path.write_bytes(data)
    rows = read_lines(path)
    assert [line for line, _, ok in rows if not ok] == [31]
    assert len(rows) == 61 and rows[-1][0] == 61


def test_the_digest_is_the_files_sha256(tmp_path):
    data = some_text(5)
    path = tmp_path / "e.ndjson"
    path.write_bytes(data)
    digest = hashlib.sha256()
    for _ in iter_line_batches(InputFile(path, NDJSON, False), chunk_bytes=SMALL_CHUNK, digest=digest):
        pass
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()


def test_events_load_the_same_in_small_chunks(ws, monkeypatch):
    lines = [json.dumps({"type": "track", "userId": f"u{i}", "event": "E", "messageId": f"m{i % 700}",
                         "timestamp": "2026-02-01T10:00:00Z", "properties": {"pad": "z" * (i % 90)}})
             for i in range(1000)]
    lines[10] = "not json"
    monkeypatch.setattr(readers, "CHUNK_BYTES", SMALL_CHUNK)
    report = ws.load("e.ndjson", "\n".join(lines) + "\n")
    assert (report["read"], report["loaded"], report["duplicates"], report["rejected"]) == (1000, 700, 299, 1)
    # The first line of each message wins, whichever chunk the later ones are in.
    assert ws.rows("SELECT count(*) FROM events WHERE user_id <> 'u' || substr(message_id, 2)") == [(1,)]
    # Line 11 (m10) was rejected, so m10's first good line is u710's.
    assert ws.rows("SELECT user_id FROM events WHERE message_id = 'm10'") == [("u710",)]


def test_a_message_without_id_is_keyed_by_the_md5_of_its_line_without_its_ending(ws):
    line = '{"type":"track","userId":"u1","event":"A","timestamp":"2026-02-01T10:00:00Z"}'
    ws.load("e.ndjson", line + "\r\n" + line + "\n")  # the same message, once from Windows and once from Unix
    assert ws.rows("SELECT message_id FROM events") == [(hashlib.md5(line.encode()).hexdigest(),)]
