"""How long the collector's drain keeps the GIL from the thread that answers requests.

    python bench/collector_gil.py [--events 66000] [--drains 8] [--against OTHER/src] [--profile]

A real ``Collector`` (its drain worker included) on a throwaway project: each round appends ``--events`` events
(what one drain sees at half of the batch peak) to its log as the HTTP routes would, then drains them with
``drain_now`` while a *probe* thread (standing in for the event loop) sleeps 0.2 ms again and again and records how
late it wakes up. A late wake-up is time the probe waited for the GIL (or for a CPU, which other load on the machine
adds: hence ``--against``, which runs another source tree's collector the same way, alternating round by round, so
both see the same machine). The switch interval is the serving one (1 ms). Printed per variant: the drain's wall
seconds, the drain thread's CPU seconds, and the probe's lateness: total, p99, max, and the number of waits over
1 ms and over 5 ms. Every figure comes with the load average. ``--profile`` also splits the drain thread's CPU
seconds (cProfile on the thread's CPU clock) into Python functions, other C calls and waits (``gil_figures``), and
names the costliest functions; CPU seconds of one thread depend little on the load.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE_SLEEP = 0.0002


def one_round(project: Path, events: int, start: int) -> dict:
    """Append ``events`` events and drain them with the probe running (in the variant's own process)."""
    from bench.collector_load import message
    from leadlight.ingest.collector.messages import accept
    lines = b"".join(accept({"batch": [message(start + i) for i in range(100)]}, None, source="default",
                            received_at="2026-11-30T10:00:01.000Z").data for _ in range(events // 100))
    collector = RUNNING["collector"]
    collector.append(lines).result(60)
    late, stop = [], threading.Event()

    def probe() -> None:
        while not stop.is_set():
            asked = time.perf_counter()
            time.sleep(PROBE_SLEEP)
            late.append(time.perf_counter() - asked - PROBE_SLEEP)

    thread = threading.Thread(target=probe)
    profile = cProfile.Profile(time.thread_time) if PROFILE else None
    began, cpu = time.perf_counter(), time.thread_time()
    thread.start()
    if profile is not None:
        profile.enable()
    collector.drain_now()
    if profile is not None:
        profile.disable()
    wall, cpu = time.perf_counter() - began, time.thread_time() - cpu
    stop.set()
    thread.join()
    late.sort()
    gil = gil_figures(profile) if profile is not None else {}
    return {"drain_seconds": round(wall, 3), "drain_thread_cpu_seconds": round(cpu, 3), **gil,
            "probe_late_total_ms": round(sum(late) * 1000, 1),
            "probe_late_p99_ms": round(late[int(0.99 * (len(late) - 1))] * 1000, 2) if late else 0.0,
            "probe_late_max_ms": round(late[-1] * 1000, 2) if late else 0.0,
            "waits_over_1ms": sum(x > 0.001 for x in late), "waits_over_5ms": sum(x > 0.005 for x in late),
            "load_average_1min": round(os.getloadavg()[0], 2)}


RUNNING: dict = {}
PROFILE = os.environ.get("LEADLIGHT_GIL_PROFILE") == "1"
RELEASING = ("execute", "acquire", "sleep", "wait", "fsync")  # C calls that give the GIL up while they run


def gil_figures(profile: cProfile.Profile) -> dict:
    """The drain thread's CPU seconds (``--profile``: cProfile on the thread's CPU clock) split three ways: in
    Python functions, in other C calls, in waits and other calls that release the GIL. cProfile does not see
    DuckDB's methods (pybind11), so the CPU the calling thread spends inside DuckDB counts as its Python caller's:
    the first two together are an upper bound of the time the drain held the GIL."""
    python = other = released = 0.0
    top = []
    for (filename, _, name), (_, _, own, _, _) in pstats.Stats(profile).stats.items():
        if filename != "~":
            python += own
        elif any(word in name for word in RELEASING):
            released += own
        else:
            other += own
        top.append((own, f"{Path(filename).name}:{name}"))
    top.sort(reverse=True)
    return {"drain_cpu_in_python_s": round(python, 4), "drain_cpu_in_other_c_calls_s": round(other, 4),
            "drain_cpu_with_gil_released_s": round(released, 4),
            "drain_cpu_top": [f"{name} {own * 1000:.1f} ms" for own, name in top[:6]]}


def serve_rounds() -> None:
    """The variant's process: read ``{"events", "start"}`` a line, answer each round's figures a line."""
    from leadlight.storage.project import Project
    from leadlight.tasks.collect import GIL_SWITCH_SECONDS, Collector

    project = Path(sys.argv[2])
    (project / "leadlight.yml").write_text('version: 1\nname: bench\ncollector: {"drain_every": 3600}\n')
    collector = Collector(Project.locate(str(project)))
    sys.setswitchinterval(GIL_SWITCH_SECONDS)
    with collector.owning("bench"):
        RUNNING["collector"] = collector
        print(json.dumps({"ready": True}), flush=True)
        for line in sys.stdin:
            request = json.loads(line)
            print(json.dumps(one_round(project, request["events"], request["start"])), flush=True)


def start(src: Path, project: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(src), str(ROOT)])}
    process = subprocess.Popen([sys.executable, __file__, "--serve-rounds", str(project)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, env=env)
    assert json.loads(process.stdout.readline())["ready"]
    return process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=66_000, help="events a drain (multiple of 100)")
    parser.add_argument("--drains", type=int, default=8)
    parser.add_argument("--against", metavar="SRC", help="another source tree, e.g. /work/main/src")
    parser.add_argument("--profile", action="store_true",
                        help="split the drain thread's CPU into Python, other C calls and GIL-free calls (cProfile)")
    args = parser.parse_args()
    if args.profile:
        os.environ["LEADLIGHT_GIL_PROFILE"] = "1"
    sources = {"A": ROOT / "src"} | ({"B": Path(args.against)} if args.against else {})
    out: dict = {"cpus": os.cpu_count(), "load_average_before": os.getloadavg(), "events_a_drain": args.events}
    with tempfile.TemporaryDirectory(prefix="leadlight-bench-gil-") as tmp:
        processes = {}
        for name, src in sources.items():
            (Path(tmp) / name).mkdir()
            processes[name] = start(src, Path(tmp) / name)
        rounds: dict = {name: [] for name in sources}
        try:
            for i in range(args.drains):
                order = list(sources) if i % 2 == 0 else list(sources)[::-1]
                for name in order:
                    processes[name].stdin.write(json.dumps({"events": args.events, "start": i * args.events}) + "\n")
                    processes[name].stdin.flush()
                    rounds[name].append(json.loads(processes[name].stdout.readline()))
                    print(name, rounds[name][-1], file=sys.stderr, flush=True)
        finally:
            for process in processes.values():
                process.stdin.close()
                process.wait(120)
        for name, src in sources.items():
            runs = rounds[name][1:]  # the first drain also starts DuckDB's threads and the worker's imports
            out[name] = {"source": str(src), "rounds": rounds[name], "median_without_the_first": {
                key: statistics.median(r[key] for r in runs) for key in runs[0] if key != "load_average_1min"}}
    out["load_average_after"] = os.getloadavg()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve-rounds"]:
        serve_rounds()
    else:
        main()
