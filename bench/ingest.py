"""Ingest benchmark: a synthetic Segment NDJSON file loaded into a fresh project.

    python bench/ingest.py --events 10000000 [--gzip] [--keep DIR]

Prints one JSON document with what was measured: events, file size, seconds
for the load itself and for the identity resolution that follows it, events
per second, the CPU seconds used, the peak RSS of the process that ran the
ingest, and the machine's load average around the run (other work slows it).
The ingest runs in a child process so the generator's memory is not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb


def write_events(path: Path, n: int, gzip: bool) -> None:
    """Segment messages like a real product's: mostly track, some page/identify/group, 0.2% resent."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    codec = ", COMPRESSION gzip" if gzip else ""
    con.execute(
        f"""COPY (
        WITH base AS (
            SELECT i, CASE WHEN i % 500 = 7 THEN i - 1 ELSE i END AS msg, (hash(i) % 100)::BIGINT AS r,
                   'u' || (hash(i * 7) % 200000) AS user_id, 'acc' || (hash(i * 7) % 200000 % 5000) AS account_id,
                   TIMESTAMP '2025-01-01' + to_seconds((i * 31536000 // {n})::BIGINT) AS ts
            FROM range({n}) AS t(i))
        SELECT CASE WHEN r < 80 THEN 'track' WHEN r < 92 THEN 'page' WHEN r < 98 THEN 'identify' ELSE 'group' END AS type,
               'msg-' || msg AS messageId,
               user_id AS userId,
               'anon-' || (hash(i * 13) % 400000) AS anonymousId,
               CASE WHEN r < 80 THEN ['Document Created', 'Comment Added', 'Teammate Invited', 'Export Run'][1 + r % 4] END
                   AS event,
               CASE WHEN r >= 80 AND r < 92 THEN ['Pricing', 'Docs', 'Billing'][1 + r % 3] END AS name,
               CASE WHEN r >= 98 THEN account_id END AS groupId,
               strftime(ts, '%Y-%m-%dT%H:%M:%S.') || lpad((i % 1000)::VARCHAR, 3, '0') || 'Z' AS timestamp,
               CASE WHEN r < 92 THEN {{'template': 'blank', 'count': r, 'path': '/app/doc'}} END AS properties,
               CASE WHEN r >= 92 THEN {{'email': user_id || '@example.com', 'plan': 'team'}} END AS traits,
               {{'groupId': account_id, 'library': {{'name': 'analytics.js', 'version': '4.1.0'}}, 'ip': '10.0.0.1'}}
                   AS context
        FROM base) TO '{path}' (FORMAT json{codec})"""
    )
    con.close()


class Timer:
    """A Progress that records how long each step took."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def step(self, description: str, total: float | None = None):
        start = time.perf_counter()

        class _Step:
            def advance(self, amount: float = 1) -> None:
                pass

        yield _Step()
        self.seconds[description] = self.seconds.get(description, 0.0) + time.perf_counter() - start

    def log(self, message: str) -> None:
        pass


def run_ingest(data: Path, project_dir: Path) -> dict:
    from leadlight.storage import Project
    from leadlight.tasks.ingest import ingest
    from leadlight.tasks.init import init_project

    init_project(project_dir)
    timer = Timer()
    start, cpu_start = time.perf_counter(), time.process_time()
    report = ingest(Project(project_dir), [data], "events", progress=timer)
    total, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    load = sum(s for d, s in timer.seconds.items() if d.startswith("events "))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    return {
        "events": report["read"],
        "loaded": report["loaded"],
        "duplicates": report["duplicates"],
        "rejected": report["rejected"],
        "load_seconds": round(load, 2),
        "events_per_second": round(report["read"] / load),
        "resolve_seconds": round(timer.seconds.get("resolving identities", 0.0), 2),
        "total_seconds": round(total, 2),
        "events_per_second_with_resolve": round(report["read"] / total),
        "cpu_seconds_with_resolve": round(cpu, 2),
        "peak_rss_mb": round(peak / 2**20),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--gzip", action="store_true", help="write events.ndjson.gz instead of plain NDJSON")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_ingest(Path(args.child[0]), Path(args.child[1]))))
        return
    with tempfile.TemporaryDirectory(prefix="leadlight-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        data = work / ("events.ndjson.gz" if args.gzip else "events.ndjson")
        start = time.perf_counter()
        write_events(data, args.events, args.gzip)
        generated = time.perf_counter() - start
        load_before = os.getloadavg()[0]
        child = subprocess.run([sys.executable, __file__, "--child", str(data), str(work / "project")],
                               capture_output=True, text=True)
        if child.returncode != 0:
            sys.stderr.write(child.stderr)
            raise SystemExit(child.returncode)
        result = json.loads(child.stdout)
        result.update({"file_mb": round(data.stat().st_size / 2**20), "generate_seconds": round(generated, 2),
                       # Other work on the machine slows the run: the 1-minute load average before and after.
                       "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
                       "cpus": os.cpu_count()})
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
