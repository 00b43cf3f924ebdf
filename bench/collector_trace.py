"""What the collector was doing while its slowest requests waited (``bench/collector.py``), and a preloaded project.

The server records spans (``leadlight.ingest.collector.trace``: drain steps, garbage collections, slow log
writes, moments its event loop or a plain thread woke up late) on the ``time.monotonic()`` clock the generator
times its requests with. For each kind of span: how many there were during the phase, their total and longest
time, and the share of the slowest 1% of requests — and of all requests, for comparison — that overlap one.
A kind that overlaps most slow requests but few others is what made them slow.
"""

from __future__ import annotations

import bisect
import time
from collections import defaultdict
from pathlib import Path

import httpx


def fetch_spans(url: str, since: float) -> list[tuple[str, float, float]]:
    try:
        return [tuple(s) for s in httpx.get(url + "/healthz", params={"trace": since}, timeout=10).json().get("trace", [])]
    except (httpx.HTTPError, ValueError):
        return []


def overlaps(intervals: list[tuple[float, float]], spans: list[tuple[float, float]]) -> float:
    """The share of ``intervals`` that overlap at least one of ``spans``."""
    if not intervals:
        return 0.0
    spans = sorted(spans)
    starts = [s for s, _ in spans]
    longest = max((e - s for s, e in spans), default=0.0)
    hit = 0
    for lo, hi in intervals:
        i = bisect.bisect_right(starts, hi)  # spans starting before the interval ends
        j = bisect.bisect_left(starts, lo - longest)
        if any(spans[k][1] >= lo for k in range(j, i)):
            hit += 1
    return hit / len(intervals)


def trace_figures(rows: list, spans: list[tuple[str, float, float]], p99: float, began: float, ended: float) -> dict:
    """Per kind of span in ``[began, ended]``: count, total and longest ms, share of slow and of all requests hit,
    and of the log writes + fsyncs over 20 ms (what else was using the disk then)."""
    ok = [r for r in rows if r[4] == 200]
    slow_fsyncs = [(s, e) for n, s, e in spans if n == "log.write_fsync" and e - s > 0.020 and began <= e and s <= ended]
    every = [(r[0], r[3]) for r in ok]
    slow = [(r[0], r[3]) for r in ok if r[3] - r[0] >= p99]
    by_name: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for name, start, end in spans:
        if end >= began and start <= ended:
            by_name[name].append((start, end))
    out = {}
    for name, found in sorted(by_name.items()):
        lengths = [e - s for s, e in found]
        out[name] = {"count": len(found), "total_ms": round(sum(lengths) * 1000, 1),
                     "max_ms": round(max(lengths) * 1000, 1),
                     "slow_hit": round(overlaps(slow, found), 2), "all_hit": round(overlaps(every, found), 2),
                     "slow_fsync_hit": round(overlaps(slow_fsyncs, found), 2)}
    return out


def preload(project: Path, events: int) -> dict:
    """Put ``events`` events like the generator's (same users and accounts, each its own messageId) into the
    project's DuckDB file, resolve identities once and note them current, as a project with that history would be."""
    from leadlight.config import load_config
    from leadlight.identity import resolve
    from leadlight.identity.freshness import inputs_fingerprint, record_fingerprint
    from leadlight.storage.database import connect
    from leadlight.storage.project import Project

    began = time.perf_counter()
    located = Project.locate(str(project))
    con = connect(located)
    try:
        con.execute(
            "INSERT INTO events (message_id, type, user_id, anonymous_id, event, timestamp, group_id, properties, traits,"
            " source_file) SELECT gen_random_uuid()::VARCHAR, 'track', 'user-' || (i % 5000), NULL,"
            " CASE WHEN i % 2 = 0 THEN 'Document Created' ELSE 'Report Exported' END,"
            " TIMESTAMP '2026-11-30 10:00:00' - to_seconds(i % 86400), 'acc-' || (i % 500),"
            " '{\"plan\":\"team\",\"count\":' || (i % 17) || '}', NULL, 'preload' FROM range(?) AS t(i)", [events])
        identity = load_config(located).identity
        resolve(con, identity)
        record_fingerprint(con, inputs_fingerprint(con, identity))
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return {"events": events, "seconds": round(time.perf_counter() - began, 1)}
