"""Collector benchmark: a live collector on 127.0.0.1 under a bounded asyncio HTTP/1.1 load generator.

    python bench/collector.py [--seconds 5] [--runs 3] [--connections 16] [--open-connections 64] [--preload N]
                              [--compare KEY=VALUE ... | --baseline SRC] [--rates BATCHES SINGLES]
                              [--sustained-peak] [--serve] [--profile]

Phases, each bounded in time and requests. The generator (``bench/collector_load.py``) runs in this process,
sharing the machine's cores with the server: a callback client on uvloop, its garbage collector paused and at nice
-5 during a phase, so that it keeps its schedule (its CPU share, its nice and the connections it used are printed):

1. peak batches: closed loop, ``--connections`` keep-alive connections posting ``/v1/batch`` with 100 events, until
   ``--seconds`` or 300 requests a second of it (``--sustained-peak``: 700), whichever comes first;
2. peak single events: closed loop, ``/v1/track`` with one event per request (at most 4,000 a second; 10,000);
3. half of each peak, open loop (requests sent on a fixed schedule, single events over ``--open-connections``
   connections, batches over ``--connections``; latency measured from the scheduled time, so a stall is not
   hidden), ``--runs`` times: p50 / p99 / max, and where the time of the median and of
   the slowest 1% of requests went (the server's ``x-leadlight-timing`` moments on the same clock).

Each phase prints the load average, the CPU seconds of the server's HTTP thread, log writer and drain (in the
server — ``drain_thread`` is the drain's own thread, the rest DuckDB's and Arrow's — and in its drain worker
process) and of the generator, and the p99 inside the server's handler
(``server_handler_p99_ms``, from its timing header: what the server adds, which a generator sharing the cores
cannot lengthen; the target stays the client-observed p99). Then how long the drain takes to have every
acknowledged event in DuckDB. Every event has its own messageId; only HTTP 200 replies count.

``--compare drain_worker=false`` or ``--compare 'log_commit="thread"'`` (any ``collector:`` settings) runs a second server with those settings and
every phase on both, interleaved (A, B, B, A, ...), so both see the same machine; the half-peak rates are
half of A's peaks for both. ``--serve`` loads the whole ``leadlight serve`` (web app, its middleware and the
collector) instead of the collector alone. ``--profile`` runs the server under cProfile and prints its top
functions.

``--preload N`` starts each server from a database already holding N events (the cost of history).
``--baseline SRC`` runs the second server from another source tree (e.g. ``/work/main/src``) instead, same
settings, interleaved the same way. ``--rates`` fixes the half-peak phases' request rates (both variants well
below their peaks, where half of A's peak could be near B's). Each phase's p50/p99 is printed to stderr as it
ends; with the server's spans (``LEADLIGHT_COLLECTOR_TIMING=1``, always on here) each phase also says what the
server was doing while its slowest requests waited (``bench/collector_trace.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench.collector_load import closed_loop, drive, latency, open_loop, requests  # noqa: E402
from bench.collector_trace import fetch_spans, preload, trace_figures  # noqa: E402
from tests import collector_server  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | None, thread: int | None = None) -> float:
    """User + system CPU seconds a process (all its threads), or one of its threads, has used so far."""
    if pid is None:
        return 0.0
    try:
        stat = Path(f"/proc/{pid}/task/{thread}/stat" if thread else f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


class Variant:
    """One server under test: its project, its ``collector:`` overrides, and the figures of its phases."""

    def __init__(self, name: str, settings: dict, tmp: Path, drain_every: float, serve: bool, profile: bool,
                 preload_events: int = 0, src: str | None = None) -> None:
        self.name, self.settings, self.figures = name, settings, {}
        self.project = tmp / name
        self.project.mkdir()
        collector = {"drain_every": drain_every, **settings}
        (self.project / "leadlight.yml").write_text(f"version: 1\nname: bench\ncollector: {json.dumps(collector)}\n")
        if preload_events:
            self.figures["preloaded"] = preload(self.project, preload_events)
        self.profile = tmp / f"{name}.prof" if profile else None
        self.src = src
        self.server = collector_server.start(self.project, env={"LEADLIGHT_COLLECTOR_TIMING": "1"},
                                             profile=self.profile, serve=serve, src=Path(src) if src else None)

    def cpu(self) -> dict[str, float]:
        pid, health = self.server.process.pid, self.server.health()["collector"]
        threads = health.get("threads", {})
        total, loop, writer = cpu_seconds(pid), cpu_seconds(pid, pid), cpu_seconds(pid, threads.get("log_writer"))
        worker = health["drain"].get("worker_pid")
        return {"server_process": total, "http_thread": loop, "log_writer": writer,
                "drain_in_server": total - loop - writer, "drain_thread": cpu_seconds(pid, threads.get("drain")),
                "drain_worker": cpu_seconds(worker), "worker_pid": worker}

    def phases(self):
        """(name, figures) of every load phase run so far."""
        for key, value in self.figures.items():
            if key.startswith("peak"):
                yield key, value
            elif key == "half_peak_runs":
                for run in value:
                    yield from run.items()

    def phase(self, events_per_request: int, run) -> dict:
        """Run one load phase; its figures, with the CPU the server and this generator used during it."""
        load_before, cpu_before, own = os.getloadavg()[0], self.cpu(), time.process_time()
        began = time.monotonic()
        record = drive(run)
        ended = time.monotonic()
        own, cpu_after = time.process_time() - own, self.cpu()
        figures = latency(record, events_per_request)
        figures["connections"], figures["generator_nice"] = record.connections, record.nice
        figures["phase_seconds"] = round(record.seconds, 2)  # a peak phase ends at its last request if sooner
        print(f"{self.name} {self.src or 'this tree'}: {events_per_request}/request p50 {figures['p50_ms']} ms "
              f"p99 {figures['p99_ms']} ms (in the server's handler {figures.get('server_handler_p99_ms')} ms), "
              f"{figures['requests_per_second']} req/s, load {load_before:.2f}, generator "
              f"{own / max(ended - began, 1e-9):.0%} of a core at nice {record.nice}, {record.connections} connections",
              file=sys.stderr, flush=True)
        spans = fetch_spans(self.server.url, began)
        if spans:
            figures["during_the_phase"] = trace_figures(record.rows, spans, figures["p99_ms"] / 1000, began, ended)
        if cpu_after["worker_pid"] != cpu_before["worker_pid"]:  # a starved worker was replaced: the new one's
            cpu_before["drain_worker"] = 0.0  # CPU only (the old one's last seconds are not counted)
        cpu = {k: round(cpu_after[k] - cpu_before[k], 2) for k in cpu_before if k != "worker_pid"}
        cpu["generator"] = round(own, 2)
        ok = max(figures["requests_ok"], 1)
        figures.update({
            "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "cpu_seconds": cpu,
            "server_cpu_us_per_request": round((cpu["server_process"] + cpu["drain_worker"]) / ok * 1e6, 1),
            "http_thread_cpu_us_per_request": round(cpu["http_thread"] / ok * 1e6, 1),
            "drain_cpu_seconds_per_traffic_second": round((cpu["drain_in_server"] + cpu["drain_worker"]) / record.seconds, 3),
            "generator_cpu_share": round(own / record.seconds, 3),
        })
        return figures


def parse_setting(text: str) -> tuple[str, object]:
    key, _, value = text.partition("=")
    return key, json.loads(value) if value not in ("", None) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per phase")
    parser.add_argument("--runs", type=int, default=3, help="repetitions of the half-peak phases")
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections of the peak phases")
    parser.add_argument("--open-connections", type=int, default=64,
                        help="connections of the single-event half-peak (open-loop) phases: enough that a request "
                        "rarely waits for one, as it would not with as many clients (batches keep --connections)")
    parser.add_argument("--compare", nargs="+", metavar="KEY=VALUE", help="a second server with these collector settings")
    parser.add_argument("--baseline", metavar="SRC", help="a second server running the leadlight of another source "
                        "tree (e.g. /work/main/src), interleaved with this one's")
    parser.add_argument("--rates", type=float, nargs=2, metavar=("BATCHES", "SINGLES"),
                        help="requests per second of the 'half-peak' phases instead of half of A's peaks")
    parser.add_argument("--sustained-peak", action="store_true",
                        help="enough requests for the peak phases to last --seconds (by default they stop after "
                        "300 batches or 4,000 single events a second of phase: on the idle machine a burst of about "
                        "1 s and 3 s, with fewer drains in it); the half-peak rates follow these peaks")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--serve", action="store_true", help="load the whole `leadlight serve` (web app + collector)")
    parser.add_argument("--preload", type=int, default=0, metavar="N",
                        help="start from a database already holding N events (the cost of history)")
    parser.add_argument("--drain-every", type=float, default=1.0,
                        help="seconds between drains (a large value keeps the drain out of the load phases)")
    args = parser.parse_args()
    out: dict = {"cpus": os.cpu_count(), "load_average_before": os.getloadavg(), "seconds_per_phase": args.seconds}
    with tempfile.TemporaryDirectory(prefix="leadlight-bench-collector-") as tmp:
        variants = [Variant("A", {}, Path(tmp), args.drain_every, args.serve, args.profile, args.preload)]
        if args.compare:
            variants.append(Variant("B", dict(map(parse_setting, args.compare)), Path(tmp), args.drain_every,
                                    args.serve, args.profile, args.preload))
        elif args.baseline:
            variants.append(Variant("B", {}, Path(tmp), args.drain_every, args.serve, args.profile, args.preload,
                                    src=args.baseline))
        try:
            run_phases(variants, args)
            for v in variants:
                health = v.server.health()["collector"]
                v.figures["log_flush_ms"] = {q: health["log"][f"flush_ms_{q}"] for q in ("p50", "p99")}
                v.figures["log_segments"] = {k: health["log"].get(k) for k in ("segments_sealed", "segments_over_zeros", "slow_spells")}
                v.figures["drain_worker"] = {k: health["drain"].get(f"worker_{k}") for k in ("policy", "starvations")}
                v.figures["events_acknowledged"] = sum(
                    f["requests_ok"] * (100 if "batch" in k else 1) for k, f in v.phases())
            if args.drain_every <= 60:
                wait_for_drain(variants)
        finally:
            for v in variants:
                began = time.perf_counter()
                v.server.stop(timeout=600)  # a graceful stop drains whatever is left
                v.figures["stop_seconds"] = round(time.perf_counter() - began, 2)
            out["load_average_after"] = os.getloadavg()
        for v in variants:
            v.figures["events_in_duckdb"] = events_in_duckdb(v.project)
            out[v.name] = {"collector_settings": v.settings or "defaults", "source": v.src or str(ROOT / "src"),
                           **v.figures}
            if v.profile:
                import pstats

                pstats.Stats(str(v.profile)).sort_stats("tottime").print_stats(25)
    print(json.dumps(out, indent=2))


def run_phases(variants: list[Variant], args) -> None:
    """Peaks, then ``--runs`` rounds at half of A's peaks; the variants' order alternates from phase to phase."""
    step = [0]

    def each(run_one) -> None:
        order = variants if step[0] % 2 == 0 else variants[::-1]
        step[0] += 1
        for v in order:
            run_one(v)

    port = lambda v: v.server.port  # noqa: E731
    s, c, base = args.seconds, args.connections, [0]

    def ids(n: int) -> int:
        base[0] += n
        return base[0] - n

    batches, singles = (700, 10_000) if args.sustained_peak else (300, 4000)  # requests a second of phase, at most
    each(lambda v: v.figures.__setitem__("peak_batches_of_100", v.phase(100, closed_loop(
        port(v), requests("batch", int(batches * s), ids(int(batches * s) * 100)), c, s))))
    each(lambda v: v.figures.__setitem__("peak_single_events", v.phase(1, closed_loop(
        port(v), requests("track", int(singles * s), ids(int(singles * s))), c, s))))
    a = variants[0].figures
    rates = {"batches": a["peak_batches_of_100"]["requests_per_second"] / 2,
             "single_events": a["peak_single_events"]["requests_per_second"] / 2}
    if args.rates:  # fixed rates instead: both variants well below their peaks on a busy machine
        rates = {"batches": args.rates[0], "single_events": args.rates[1]}
    for v in variants:
        v.figures["half_peak_rates_per_second"] = rates
        v.figures["half_peak_runs"] = []
    for _ in range(args.runs):
        for v in variants:
            v.figures["half_peak_runs"].append({})
        for kind, per in (("batches", 100), ("single_events", 1)):
            n = max(1, int(rates[kind] * s))
            each(lambda v: v.figures["half_peak_runs"][-1].__setitem__(f"half_peak_{kind}", v.phase(per, open_loop(
                port(v), requests("batch" if per == 100 else "track", n, ids(n * per)), rates[kind],
                args.open_connections if per == 1 else c))))
    for v in variants:
        runs = v.figures["half_peak_runs"]
        v.figures["half_peak_summary"] = {kind: {
            "p99_ms_each_run": [r[kind]["p99_ms"] for r in runs],
            "p99_ms_median": statistics.median(r[kind]["p99_ms"] for r in runs),
            "p99_ms_without_generator_lag_each_run": [r[kind]["p99_ms_without_generator_lag"] for r in runs],
            "server_handler_p99_ms_each_run": [r[kind].get("server_handler_p99_ms") for r in runs],
            "generator_cpu_share_each_run": [r[kind]["generator_cpu_share"] for r in runs],
            "p50_ms_each_run": [r[kind]["p50_ms"] for r in runs],
            "server_cpu_us_per_request": [r[kind]["server_cpu_us_per_request"] for r in runs],
            "drain_cpu_seconds_per_traffic_second": [r[kind]["drain_cpu_seconds_per_traffic_second"] for r in runs],
            "load_average_1min": [r[kind]["load_average_1min"][0] for r in runs],
        } for kind in ("half_peak_batches", "half_peak_single_events")}


def wait_for_drain(variants: list[Variant], timeout: float = 300) -> None:
    """How long after the last load phase each server has every acknowledged event in DuckDB (all timed from the
    same moment, so the one polled first has no head start)."""
    began, waiting = time.perf_counter(), list(variants)
    while waiting and time.perf_counter() - began < timeout:
        for v in list(waiting):
            if v.server.health()["collector"]["drain"]["loaded"] >= v.figures["events_acknowledged"]:
                v.figures["drain_catch_up_seconds"] = round(time.perf_counter() - began, 2)
                waiting.remove(v)
        time.sleep(0.05)


def events_in_duckdb(project: Path) -> int:
    import duckdb

    con = duckdb.connect(str(project / ".leadlight" / "leadlight.duckdb"), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM events").fetchall()[0][0]
    finally:
        con.close()


if __name__ == "__main__":
    main()
