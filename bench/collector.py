"""Collector benchmark: a live collector on 127.0.0.1 under a bounded asyncio HTTP/1.1 load generator.

    python bench/collector.py [--seconds 8] [--connections 16] [--profile]

Phases, each bounded in time and requests (the generator shares the machine's cores with the server):

1. peak batches: closed loop, ``--connections`` keep-alive connections posting ``/v1/batch`` with 100 events;
2. peak single events: closed loop, ``/v1/track`` with one event per request;
3. half of each peak, open loop (requests sent on a fixed schedule, latency measured from the scheduled
   time, so a stall is not hidden): p50 / p99 / max latency.

Then how long the drain takes to have every acknowledged event in DuckDB. Every event has its own messageId,
and the figures count only HTTP 200 replies (a 429/503 is counted apart). Prints one JSON document.
``--profile`` runs the server under cProfile and prints its top functions (to find where the time goes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests import collector_server  # noqa: E402
from tests.collector_server import WRITE_KEY  # noqa: E402

AUTH = "Basic " + __import__("base64").b64encode(f"{WRITE_KEY}:".encode()).decode()


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
    if kind == "batch":
        return [request("/v1/batch", {"batch": [message(start + r * 100 + i) for i in range(100)]}) for r in range(n)]
    return [request("/v1/track", message(start + r)) for r in range(n)]


async def exchange(reader, writer, data: bytes) -> int:
    writer.write(data)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for header in head.split(b"\r\n"):
        if header[:15].lower() == b"content-length:":
            length = int(header[15:])
    await reader.readexactly(length)
    return status


async def closed_loop(port: int, pool: list[bytes], connections: int, seconds: float) -> dict:
    """Each connection sends its next request as soon as the last reply arrived, until the time or pool is spent."""
    statuses: Counter = Counter()
    latencies: list[float] = []
    queue = iter(pool)
    deadline = time.perf_counter() + seconds

    async def connection():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for data in queue:
            if time.perf_counter() >= deadline:
                break
            t = time.perf_counter()
            statuses[await exchange(reader, writer, data)] += 1
            latencies.append(time.perf_counter() - t)
        writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(connections)))
    return {"seconds": time.perf_counter() - began, "statuses": statuses, "latencies": latencies}


async def open_loop(port: int, pool: list[bytes], rate: float, connections: int) -> dict:
    """Requests due every 1/rate s; latency counts from when each was due (a late send is part of it)."""
    statuses: Counter = Counter()
    latencies: list[float] = []
    idle: asyncio.Queue = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    began = time.perf_counter()

    async def send(due: float, data: bytes):
        conn = await idle.get()
        statuses[await exchange(*conn, data)] += 1
        latencies.append(time.perf_counter() - due)
        idle.put_nowait(conn)

    tasks = []
    for i, data in enumerate(pool):
        due = began + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(due, data)))
    await asyncio.gather(*tasks)
    while not idle.empty():
        idle.get_nowait()[1].close()
    return {"seconds": time.perf_counter() - began, "statuses": statuses, "latencies": latencies}


def cpu_seconds(pid: int, thread: int | None = None) -> float:
    """User + system CPU seconds a process (all its threads), or one of its threads, has used so far."""
    stat = Path(f"/proc/{pid}/task/{thread}/stat" if thread else f"/proc/{pid}/stat")
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def phase(server, events_per_request: int, run) -> dict:
    """Run one load phase; its figures, with the CPU the server and this generator used during it."""
    pid = server.process.pid
    server_cpu, loop_cpu, own_cpu = cpu_seconds(pid), cpu_seconds(pid, pid), time.process_time()
    result = asyncio.run(run)
    result["server_cpu"] = cpu_seconds(pid) - server_cpu
    result["loop_cpu"] = cpu_seconds(pid, pid) - loop_cpu
    result["client_cpu"] = time.process_time() - own_cpu
    return summary(result, events_per_request)


def summary(result: dict, events_per_request: int) -> dict:
    ok = result["statuses"].get(200, 0)
    lat = sorted(result["latencies"]) or [0.0]
    cpu = result["server_cpu"]
    return {"requests_ok": ok, "server_cpu_seconds": round(cpu, 2), "client_cpu_seconds": round(result["client_cpu"], 2),
            "server_cpu_us_per_request": round(cpu / max(ok, 1) * 1e6, 1),
            # the event loop's thread alone: HTTP, checks, appends (the rest is the log writer and the drain)
            "http_thread_cpu_us_per_request": round(result["loop_cpu"] / max(ok, 1) * 1e6, 1),
            "requests_per_server_cpu_second": round(ok / cpu, 1) if cpu else None, "other_statuses": {str(k): v for k, v in result["statuses"].items() if k != 200},
            "requests_per_second": round(ok / result["seconds"], 1),
            "events_per_second": round(ok * events_per_request / result["seconds"], 1),
            "p50_ms": round(statistics.median(lat) * 1000, 2), "p99_ms": round(lat[int(0.99 * (len(lat) - 1))] * 1000, 2),
            "max_ms": round(lat[-1] * 1000, 2)}


def wait_for_drain(server, events: int, timeout: float = 300) -> float:
    began = time.perf_counter()
    while server.health()["collector"]["drain"]["loaded"] < events and time.perf_counter() - began < timeout:
        time.sleep(0.1)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--drain-every", type=float, default=1.0,
                        help="seconds between drains (a large value keeps the drain out of the load phases)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="leadlight-bench-collector-") as tmp:
        project = Path(tmp) / "p"
        project.mkdir()
        (project / "leadlight.yml").write_text(f"version: 1\nname: bench\ncollector:\n  drain_every: {args.drain_every}\n")
        server = collector_server.start(project, profile=Path(tmp) / "server.prof" if args.profile else None)
        out: dict = {"cpus": os.cpu_count(), "load_average_before": os.getloadavg()}
        try:
            rate_pool = int(30_000 * args.seconds)
            out["peak_batches_of_100"] = phase(server, 100, closed_loop(
                server.port, requests("batch", rate_pool // 100, 0), args.connections, args.seconds))
            out["peak_single_events"] = phase(server, 1, closed_loop(
                server.port, requests("track", 4000 * int(args.seconds), 10**8), args.connections, args.seconds))
            half_batches = out["peak_batches_of_100"]["requests_per_second"] / 2
            n = max(1, int(half_batches * args.seconds))
            out["half_peak_batches"] = phase(server, 100, open_loop(
                server.port, requests("batch", n, 2 * 10**8), half_batches, args.connections))
            half_singles = out["peak_single_events"]["requests_per_second"] / 2
            n = max(1, int(half_singles * args.seconds))
            out["half_peak_single_events"] = phase(server, 1, open_loop(
                server.port, requests("track", n, 3 * 10**8), half_singles, args.connections))
            out["log_flush_ms"] = {q: server.health()["collector"]["log"][f"flush_ms_{q}"] for q in ("p50", "p99")}
            accepted = sum(out[k]["requests_ok"] * (100 if "batch" in k else 1) for k in out if k.startswith(("peak", "half")))
            out["events_acknowledged"] = accepted
            health = server.health()["collector"]
            out["flushes"], out["appends"] = health["log"]["flushes"], health["log"]["appends"]
            if args.drain_every <= 60:
                out["drain_catch_up_seconds"] = round(wait_for_drain(server, accepted), 2)
                out["events_loaded"] = server.health()["collector"]["drain"]["loaded"]
        finally:
            began = time.perf_counter()
            server.stop(timeout=600)  # a graceful stop drains whatever is left
            out["stop_seconds"] = round(time.perf_counter() - began, 2)
            out["load_average_after"] = os.getloadavg()
        import duckdb

        con = duckdb.connect(str(project / ".leadlight" / "leadlight.duckdb"), read_only=True)
        out["events_in_duckdb"] = con.execute("SELECT count(*) FROM events").fetchall()[0][0]
        con.close()
        if args.profile:
            import pstats

            stats = pstats.Stats(str(Path(tmp) / "server.prof"))
            stats.sort_stats("tottime").print_stats(25)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
