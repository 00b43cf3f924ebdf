"""The load generator of ``bench/collector.py``: bounded asyncio HTTP/1.1 over keep-alive connections.

Every request is timed on ``time.monotonic()``, the clock the server's ``x-leadlight-timing`` header uses
(``LEADLIGHT_COLLECTOR_TIMING=1``), so a request's time splits into: the generator's own lag (it got the CPU
after the request was due), waiting for a free connection (all busy with slower replies), reaching the handler (kernel, the server's event loop queue, HTTP parsing), the door checks,
waiting for the log writer (the previous fsync), the write and fsync, the event loop taking the reply back up,
and the reply's way back.
"""

from __future__ import annotations

import asyncio
import base64
import json
import statistics
import time
import uuid
from collections import Counter

from tests.collector_server import WRITE_KEY

AUTH = "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode()
PARTS = ("generator_lag", "connection_wait", "to_handler", "checks", "wait_for_writer", "write_fsync", "loop_wakeup", "reply")


def message(i: int) -> dict:
    """An event shaped like the Python SDK's (library context, properties, timestamps, messageId)."""
    return {"type": "track", "userId": f"user-{i % 5000}", "event": ("Document Created", "Report Exported")[i % 2],
            "properties": {"plan": "team", "count": i % 17, "path": "/app/docs/123"},
            "context": {"library": {"name": "analytics-python", "version": "2.4.0"}, "groupId": f"acc-{i % 500}"},
            "timestamp": "2026-11-30T10:00:00.123456+00:00", "messageId": str(uuid.uuid4()), "integrations": {}}


def request(path: str, body: dict) -> bytes:
    data = json.dumps(body).encode()
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: {AUTH}\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode()
    return head + data


def requests(kind: str, n: int, start: int) -> list[bytes]:
    """``n`` requests: batches of 100 events (``kind`` "batch") or single tracks, every event a new messageId."""
    if kind == "batch":
        return [request("/v1/batch", {"batch": [message(start + r * 100 + i) for i in range(100)]}) for r in range(n)]
    return [request("/v1/track", message(start + r)) for r in range(n)]


async def exchange(reader, writer, data: bytes) -> tuple[int, list[float] | None]:
    """Send one request; its status and the server's timing moments (when it sent them)."""
    writer.write(data)
    head = await reader.readuntil(b"\r\n\r\n")
    status, length, timing = int(head[9:12]), 0, None
    for header in head.split(b"\r\n"):
        name = header[:header.find(b":")].lower()
        if name == b"content-length":
            length = int(header[15:])
        elif name == b"x-leadlight-timing":
            timing = [float(t) for t in header[19:].split()]
    await reader.readexactly(length)
    return status, timing


class Record:
    """Each request's (due, issued, sent, received, status, server moments)."""

    def __init__(self) -> None:
        self.rows: list[tuple[float, float, float, float, int, list[float] | None]] = []
        self.seconds = 0.0

    async def send(self, conn, data: bytes, due: float, issued: float) -> None:
        sent = time.monotonic()
        status, timing = await exchange(*conn, data)
        self.rows.append((due, issued, sent, time.monotonic(), status, timing))


async def closed_loop(port: int, pool: list[bytes], connections: int, seconds: float) -> Record:
    """Each connection sends its next request as soon as the last reply arrived, until the time or pool is spent."""
    record, queue = Record(), iter(pool)
    deadline = time.monotonic() + seconds

    async def connection():
        conn = await asyncio.open_connection("127.0.0.1", port)
        for data in queue:
            if time.monotonic() >= deadline:
                break
            now = time.monotonic()
            await record.send(conn, data, now, now)
        conn[1].close()

    began = time.monotonic()
    await asyncio.gather(*(connection() for _ in range(connections)))
    record.seconds = time.monotonic() - began
    return record


async def open_loop(port: int, pool: list[bytes], rate: float, connections: int) -> Record:
    """Requests due every 1/rate s whatever the replies do; latency counts from when each was due (a late send,
    for want of a free connection or of CPU for this generator, is part of it: no coordinated omission)."""
    record, idle = Record(), asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    began = time.monotonic()

    async def send(due: float, data: bytes):
        issued = time.monotonic()
        conn = await idle.get()
        await record.send(conn, data, due, issued)
        idle.put_nowait(conn)

    tasks = []
    for i, data in enumerate(pool):
        due = began + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(due, data)))
    await asyncio.gather(*tasks)
    while not idle.empty():
        idle.get_nowait()[1].close()
    record.seconds = time.monotonic() - began
    return record


def _parts(due: float, issued: float, sent: float, received: float, timing: list[float]) -> dict[str, float]:
    start, checked, began, done, end = timing
    return dict(zip(PARTS, (max(issued - due, 0.0), sent - issued, start - sent, checked - start, max(began - checked, 0.0), done - began,
                            max(end - done, 0.0), received - end)))


def _quantile(ordered: list[float], q: float) -> float:
    return ordered[int(q * (len(ordered) - 1))] if ordered else 0.0


def latency(record: Record, events_per_request: int) -> dict:
    """Throughput, latency quantiles and where the time went (median request, and the slowest 1%)."""
    ok = [r for r in record.rows if r[4] == 200]
    lat = sorted(r[3] - r[0] for r in ok) or [0.0]
    p99 = _quantile(lat, 0.99)
    statuses = Counter(r[4] for r in record.rows if r[4] != 200)
    out = {"requests_ok": len(ok), "other_statuses": {str(k): v for k, v in statuses.items()},
           "requests_per_second": round(len(ok) / record.seconds, 1),
           "events_per_second": round(len(ok) * events_per_request / record.seconds, 1),
           "p50_ms": round(statistics.median(lat) * 1000, 2), "p99_ms": round(p99 * 1000, 2),
           "max_ms": round(lat[-1] * 1000, 2),
           # the same from when the generator got round to the request: without its own lag (a loaded machine)
           "p99_ms_without_generator_lag": round(_quantile(sorted(r[3] - max(r[1], r[0]) for r in ok), 0.99) * 1000, 2)}
    handled = sorted(r[5][-1] - r[5][0] for r in ok if r[5])
    if handled:  # the server's own share: from its handler starting to its reply (x-leadlight-timing), which no
        # load generator on the same cores can lengthen; the target stays the client-observed p99 above
        out["server_handler_p99_ms"] = round(_quantile(handled, 0.99) * 1000, 2)
    timed = [_parts(*r[:4], r[5]) for r in ok if r[5]]
    slow = [_parts(*r[:4], r[5]) for r in ok if r[5] and r[3] - r[0] >= p99]
    if timed:
        out["median_of_each_part_ms"] = {p: round(statistics.median(t[p] for t in timed) * 1000, 2) for p in PARTS}
    if slow:
        out["slowest_1pct_mean_ms"] = {p: round(statistics.fmean(t[p] for t in slow) * 1000, 2) for p in PARTS}
    return out
