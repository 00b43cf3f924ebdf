"""The load generator of ``bench/collector.py``: bounded HTTP/1.1 over keep-alive connections, one
``asyncio.Protocol`` a connection on uvloop (``drive``), a closed loop for peaks and an open loop on a schedule.

Every request is timed on ``time.monotonic()``, the clock the server's ``x-leadlight-timing`` header uses
(``LEADLIGHT_COLLECTOR_TIMING=1``), so a request's time splits into: the generator's own lag (it got the CPU
after the request was due), waiting for a free connection (all busy with slower replies), reaching the handler (kernel, the server's event loop queue, HTTP parsing), the door checks,
waiting for the log writer (the previous fsync), the write and fsync, the event loop taking the reply back up,
and the reply's way back.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import json
import os
import statistics
import time
import uuid
from collections import Counter, deque

from tests.collector_server import WRITE_KEY

AUTH = "Basic " + base64.b64encode(f"{WRITE_KEY}:".encode()).decode()
# The generator stands in for clients on other machines: on the server's own 2 cores it ran late whenever the
# server's threads or the drain had the CPU, and that lag was counted as the server's. At nice -5 the kernel runs
# it first when it wakes; it needs a tenth of a core, and whatever it takes from the server still shows in the
# latency (counted from each request's due time).
GENERATOR_NICE = -5
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


class Client(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection with at most one request in flight, driven by callbacks (no task or
    future a request: the generator's own CPU a request is what lets it keep its schedule beside the server)."""

    def __init__(self, load: "Load") -> None:
        self.load, self.transport, self.buffer, self.current = load, None, b"", None

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.load.connected(self)

    def send(self, due: float, issued: float, data: bytes) -> None:
        self.current = (due, issued, time.monotonic())
        self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.current is None:
            return
        head, length, timing = self.buffer[:end], 0, None
        for header in head.split(b"\r\n")[1:]:
            name, _, value = header.partition(b":")
            name = name.lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"x-leadlight-timing":
                timing = [float(t) for t in value.split()]
        if len(self.buffer) < end + 4 + length:
            return
        self.buffer = self.buffer[end + 4 + length:]
        (due, issued, sent), self.current = self.current, None
        self.load.record.rows.append((due, issued, sent, time.monotonic(), int(head[9:12]), timing))
        self.load.done(self)

    def connection_lost(self, exc) -> None:
        replying = self.current is not None
        if replying:  # a request without a reply: counted, never as a 200
            (due, issued, sent), self.current = self.current, None
            self.load.record.rows.append((due, issued, sent, time.monotonic(), 0, None))
        self.load.lost(self, replying)


class Load:
    """The connections of one phase: requests go to an idle connection, or wait in order for the next free one;
    in the open loop a request finding none opens another connection (up to ``most``), as more clients would."""

    def __init__(self, port: int, most: int) -> None:
        self.port, self.most, self.record = port, most, Record()
        self.idle: deque[Client] = deque()
        self.waiting: deque[tuple[float, float, bytes]] = deque()
        self.opened, self.opening, self.outstanding = 0, 0, 0
        self.finished = asyncio.get_running_loop().create_future()
        self.refill = None  # closed loop: () -> the next request's bytes, or None when the phase is over
        self.scheduled = False  # open loop: every request has been issued
        self.sending = 0  # closed loop: connections still sending
        self.clients: list[Client] = []

    async def open(self, n: int) -> None:
        self.opening += n
        await asyncio.gather(*(self._open() for _ in range(n)))

    async def _open(self) -> None:
        try:
            await asyncio.get_running_loop().create_connection(lambda: Client(self), "127.0.0.1", self.port)
        finally:
            self.opening -= 1

    def connected(self, client: Client) -> None:
        self.opened += 1
        self.clients.append(client)
        self.done(client, replied=False)

    def due(self, due: float, data: bytes) -> None:
        """Send a request due at ``due`` now (or as soon as a connection is free)."""
        self.outstanding += 1
        issued = time.monotonic()
        if self.idle:
            self.idle.popleft().send(due, issued, data)
            return
        self.waiting.append((due, issued, data))
        if self.opened + self.opening < self.most:
            self.opening += 1
            asyncio.get_running_loop().create_task(self._open())

    def done(self, client: Client, replied: bool = True) -> None:
        if replied:
            self._settled()
        if self.refill is not None:  # closed loop: this connection's next request, at once
            data = self.refill()
            if data is None:
                self._retire()
            else:
                self.outstanding += 1
                now = time.monotonic()
                client.send(now, now, data)
            return
        if self.waiting:
            client.send(*self.waiting.popleft())
        else:
            self.idle.append(client)

    def lost(self, client: Client, replying: bool) -> None:
        """A connection closed (by the server, or at the end): no request goes to it any more."""
        self.opened -= 1
        if client in self.idle:
            self.idle.remove(client)
        if replying:
            self._settled()
            if self.refill is not None:  # closed loop: one connection fewer to wait for
                self._retire()

    def _retire(self) -> None:
        """Closed loop: one connection has sent its last request."""
        self.sending -= 1
        if self.sending == 0 and not self.finished.done():
            self.finished.set_result(None)

    def _settled(self) -> None:
        self.outstanding -= 1
        if self.outstanding == 0 and self.scheduled and not self.finished.done():
            self.finished.set_result(None)

    def close(self, began: float) -> Record:
        self.record.seconds = time.monotonic() - began
        self.record.connections = len(self.clients)
        for client in self.clients:
            client.transport.close()
        return self.record


class Record:
    """Each request's (due, issued, sent, received, status, server moments), and the connections used."""

    def __init__(self) -> None:
        self.rows: list[tuple[float, float, float, float, int, list[float] | None]] = []
        self.seconds = 0.0
        self.connections = 0
        self.nice = 0


async def closed_loop(port: int, pool: list[bytes], connections: int, seconds: float) -> Record:
    """Each connection sends its next request as soon as the last reply arrived, until the time or pool is spent."""
    load, queue = Load(port, connections), iter(pool)
    await load.open(connections)  # all connected first, then all start together
    began = time.monotonic()
    deadline = began + seconds
    load.sending = len(load.idle)
    load.refill = lambda: next(queue, None) if time.monotonic() < deadline else None
    while load.idle:
        load.done(load.idle.popleft(), replied=False)
    await load.finished
    return load.close(began)


async def open_loop(port: int, pool: list[bytes], rate: float, connections: int, most: int = 0) -> Record:
    """Requests due every 1/rate s whatever the replies do; latency counts from when each was due (a late send,
    for want of a free connection or of CPU for this generator, is part of it: no coordinated omission).

    ``connections`` are opened first; a request finding all of them busy opens another (up to ``most``), as
    another client of the collector would, and waits for it or for the first to be free."""
    load = Load(port, max(most, connections))
    await load.open(connections)
    began, n, i = time.monotonic(), len(pool), 0
    while i < n:
        now = time.monotonic()
        while i < n and began + i / rate <= now:
            load.due(began + i / rate, pool[i])
            i += 1
        if i < n:  # at least 1 ms: uvloop's timers count whole ms, and a shorter sleep would spin
            await asyncio.sleep(max(began + i / rate - time.monotonic(), 0.001))
    load.scheduled = True
    if load.outstanding:
        await load.finished
    return load.close(began)


def drive(phase, nice: int | None = GENERATOR_NICE) -> Record:
    """Run one load phase on uvloop when installed (less of the generator's CPU a request than asyncio's loop),
    with the generator's garbage collector paused and, where allowed, at nice ``nice`` (see ``GENERATOR_NICE``)."""
    try:
        import uvloop
    except ImportError:
        uvloop = None
    before = os.getpriority(os.PRIO_PROCESS, 0)
    try:
        if nice is not None:
            os.setpriority(os.PRIO_PROCESS, 0, nice)
    except OSError:  # not allowed (not root): the generator competes with the server as it is
        pass
    applied = os.getpriority(os.PRIO_PROCESS, 0)
    gc.disable()
    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop if uvloop else None) as runner:
            record = runner.run(phase)
    finally:
        gc.enable()
        os.setpriority(os.PRIO_PROCESS, 0, before)
    record.nice = applied
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
