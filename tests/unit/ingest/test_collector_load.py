"""The collector benchmark's load generator (``bench/collector_load.py``) must not hide a server's stall: in the open
loop a request's latency counts from when it was due, whether it waited for the server, a connection or the CPU."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.collector_load import closed_loop, drive, latency, open_loop, requests

STALL_SECONDS = 0.3


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the collector's clients
    lock = threading.Lock()
    seen = 0

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers["Content-Length"]))
        with _Handler.lock:  # one request at a time, like an event loop; the 20th stalls everyone
            _Handler.seen += 1
            if _Handler.seen == 20:
                time.sleep(STALL_SECONDS)
        body = b'{"success":true}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def stalling_server():
    _Handler.seen = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_open_loop_counts_a_stall_from_each_requests_due_time(stalling_server):
    rate, n = 100.0, 100
    record = drive(open_loop(stalling_server, requests("track", n, 0), rate, connections=4))
    figures = latency(record, 1)
    assert figures["requests_ok"] == n and record.connections == 4
    dues = sorted(r[0] for r in record.rows)
    assert dues[-1] - dues[0] == pytest.approx((n - 1) / rate, abs=1e-6)  # on schedule, whatever the replies did
    # the stall began with the 20th request (due at 0.19 s) and held every request due in the next 0.3 s: those
    # queued for the four connections too, and each counts from its due time, never from when it could be sent
    waited = sorted((r[3] - r[0] for r in record.rows), reverse=True)
    assert waited[0] >= STALL_SECONDS * 0.9
    assert sum(w >= 0.1 for w in waited) >= 15
    assert figures["p99_ms"] >= STALL_SECONDS * 0.8 * 1000


def test_closed_loop_stops_at_the_end_of_its_pool(stalling_server):
    record = drive(closed_loop(stalling_server, requests("batch", 30, 0), connections=3, seconds=30))
    assert len(record.rows) == 30 and all(r[4] == 200 for r in record.rows)
    assert latency(record, 100)["events_per_second"] > 0
