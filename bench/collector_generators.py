"""Two load generators against one collector, interleaved: does a generator change what the benchmark measures?

    git show 85d964b:bench/collector_load.py > /tmp/old_load.py
    python bench/collector_generators.py /tmp/old_load.py [--batches] [--rate R] [--runs 5] [--seconds 5]

Starts one collector (``tests/collector_server.py``, default settings) and runs the single-event open-loop phase of
``bench/collector.py`` (``--batches``: the batch phase, 100 events a request) with this tree's generator
(``bench/collector_load.py``, single events at ``--open-connections``, batches at ``--connections``, as
``bench/collector.py`` does) and with OTHER (a ``collector_load.py`` of another version, at ``--connections``),
alternating which goes first. The rate is half of the peak this tree's generator measures first, unless
``--rate`` is given. For each it prints
the p99, the p99 without the generator's own lag, the server handler's p99 and the generator's CPU microseconds a
request, with the load average; one JSON document on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench import collector_load as this  # noqa: E402
from tests import collector_server  # noqa: E402


def load_module(path: str):
    spec = importlib.util.spec_from_file_location("other_collector_load", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def phase(generator, port: int, pool: list[bytes], rate: float, connections: int, per: int) -> dict:
    load, cpu = os.getloadavg()[0], time.process_time()
    run = generator.open_loop(port, pool, rate, connections)
    record = generator.drive(run) if hasattr(generator, "drive") else asyncio.run(run)
    cpu = time.process_time() - cpu
    figures = generator.latency(record, per)
    return {"p99_ms": figures["p99_ms"], "p99_ms_without_generator_lag": figures["p99_ms_without_generator_lag"],
            "server_handler_p99_ms": figures.get("server_handler_p99_ms"), "p50_ms": figures["p50_ms"],
            "requests_ok": figures["requests_ok"], "load_average_1min": round(load, 2),
            "generator_cpu_us_per_request": round(cpu / max(figures["requests_ok"], 1) * 1e6, 1),
            "slowest_1pct_mean_ms": figures.get("slowest_1pct_mean_ms")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", help="the other generator: a collector_load.py file")
    parser.add_argument("--batches", action="store_true", help="batches of 100 events instead of single events")
    parser.add_argument("--rate", type=float, help="requests a second (default: half of the peak)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16, help="the other generator's connections")
    parser.add_argument("--open-connections", type=int, default=64, help="this generator's connections")
    args = parser.parse_args()
    other = load_module(args.other)
    out: dict = {"cpus": os.cpu_count(), "load_average_before": os.getloadavg(), "other": args.other,
                 "this": [], "other_runs": []}
    with tempfile.TemporaryDirectory(prefix="leadlight-bench-generators-") as tmp:
        project = Path(tmp) / "project"
        project.mkdir()
        (project / "leadlight.yml").write_text("version: 1\nname: bench\n")
        server = collector_server.start(project, env={"LEADLIGHT_COLLECTOR_TIMING": "1"})
        try:
            kind, per = ("batch", 100) if args.batches else ("track", 1)
            base, rate = 0, args.rate
            if rate is None:
                peak = this.drive(this.closed_loop(server.port, this.requests(kind, int(4000 * args.seconds / per), 0),
                                                   args.connections, args.seconds))
                rate = this.latency(peak, per)["requests_per_second"] / 2
                base = len(peak.rows) * per
            out.update(rate=rate, events_per_request=per)
            n = int(rate * args.seconds)
            for run in range(args.runs):
                order = [("this", this, args.connections if args.batches else args.open_connections),
                         ("other_runs", other, args.connections)]
                for name, generator, connections in (order if run % 2 == 0 else order[::-1]):
                    pool = this.requests(kind, n, base)
                    base += n * per
                    figures = phase(generator, server.port, pool, rate, connections, per)
                    out[name].append(figures)
                    print(f"{name}: p99 {figures['p99_ms']} ms (without its lag {figures['p99_ms_without_generator_lag']}, "
                          f"handler {figures['server_handler_p99_ms']}), {figures['generator_cpu_us_per_request']} us "
                          f"a request, load {figures['load_average_1min']}", file=sys.stderr, flush=True)
        finally:
            server.stop(timeout=300)
    for name in ("this", "other_runs"):
        out[f"{name}_p99_ms_each_run"] = [f["p99_ms"] for f in out[name]]
    out["load_average_after"] = os.getloadavg()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
