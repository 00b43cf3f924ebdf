"""What a re-score pays besides its data: each part's wall and CPU seconds, this checkout against another.

    python bench/score_overhead.py --project P --data D [--baseline /work/main] [--mode loop|command] [--runs 3]

``P``: a project made with ``leadlight generate`` + ``ingest`` (copied, never changed); ``D``: its generated data
(the last day's events are replayed one and two days later, as ``bench/rescore.py`` does). Per run and checkout,
interleaved: the copy is scored (kept history built, compiled SQL recorded), one more day is ingested and scored,
then a second more day is ingested and that re-score is timed: in the same process as the first, with the
connection held as ``run --every`` holds it (``--mode loop``), or in a fresh process as a command runs it
(``--mode command``: Ibis' backend import and DuckDB's checkpoint on close included). Each part is timed by wrapping
the function that does it; ``data``: the replayed signal and score SQL, the snapshot's explaining and storing SQL,
the kept history's and window partials' updates; ``rest``: everything else, the overhead. Prints one JSON document
with the load average. ``--baseline``: another checkout (its ``src`` first on the path).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ("engine.replay", "snapshot_sql.build", "store", "incremental.refresh", "partials._refresh")
PARTS = (("leadlight.storage.engine", "Engine.replay", "engine.replay"),
         ("leadlight.scoring.snapshot_sql", "build", "snapshot_sql.build"),
         ("leadlight.tasks.score", "store", "store"),
         ("leadlight.signals.incremental", "refresh", "incremental.refresh"),
         ("leadlight.signals.partials", "_refresh", "partials._refresh"),
         ("leadlight.storage.engine", "open_engine", "open_engine"),
         ("leadlight.storage.engine", "Engine.table", "engine.table"),
         ("leadlight.storage.engine", "Engine.serve", "engine.serve"),
         ("leadlight.storage.engine", "Engine.close", "engine.close"),
         ("leadlight.storage.recipes", "_digest", "recipes._digest"),
         ("leadlight.signals.partials", "definition", "partials.definition"),
         ("leadlight.tasks.lint", "event_warnings", "lint.event_warnings"),
         ("leadlight.tasks.lint", "moment_warnings", "lint.moment_warnings"),
         ("leadlight.tasks.score", "reusable_snapshot", "reusable_snapshot"),
         ("leadlight.tasks.derived", "refresh_identity", "refresh_identity"),
         ("leadlight.scoring.snapshot", "latest_as_of", "latest_as_of"))


def worker(project: Path, days: list[Path], mode: str) -> dict:
    """In this process: the warm-up and the timed re-score (see the module doc)."""
    import contextlib
    import functools
    import importlib
    import time

    from leadlight.storage import Project
    from leadlight.storage.database import hold
    from leadlight.tasks.ingest import ingest
    from leadlight.tasks.score import score

    p = Project(project)
    spent: dict = {}

    def wrap(owner, name, label):
        work = getattr(owner, name)

        @functools.wraps(work)
        def timed(*args, **kwargs):
            began, cpu = time.perf_counter(), time.process_time()
            try:
                return work(*args, **kwargs)
            finally:
                part = spent.setdefault(label, {"seconds": 0.0, "cpu_seconds": 0.0, "calls": 0})
                part["seconds"] += time.perf_counter() - began
                part["cpu_seconds"] += time.process_time() - cpu
                part["calls"] += 1
        setattr(owner, name, timed)

    held = contextlib.ExitStack()
    if mode == "loop":  # the run loop's process: one more day scored in it first (its caches warm), then the next
        held.enter_context(hold(p))
        ingest(p, [days[0]], "events")
        score(p)
        ingest(p, [days[1]], "events")
    for module, name, label in PARTS:
        owner = importlib.import_module(module)
        if "." in name:
            owner, name = getattr(owner, name.split(".")[0]), name.split(".")[1]
        if hasattr(owner, name):
            wrap(owner, name, label)
    with held:  # a loop's connection stays open after its score: its closing is not timed
        began, cpu = time.perf_counter(), time.process_time()
        score(p)
        total = {"seconds": time.perf_counter() - began, "cpu_seconds": time.process_time() - cpu}
    data = sum(spent.get(label, {}).get("cpu_seconds", 0.0) for label in DATA)
    rounded = {k: {m: round(v, 4) for m, v in part.items()} for k, part in sorted(spent.items())}
    return {"total": {m: round(v, 3) for m, v in total.items()}, "data_cpu_seconds": round(data, 3),
            "rest_cpu_seconds": round(total["cpu_seconds"] - data, 3), "parts": rounded}


def prepare(project: Path, days: list[Path], env: dict, mode: str) -> None:
    """Score the copy (building the kept history; its compiled SQL recorded); for a command, also ingest one more
    day and score it, then ingest the next (the command is timed on it)."""
    code = ("from pathlib import Path; from leadlight.storage import Project; from leadlight.tasks.score import score; "
            f"from leadlight.tasks.ingest import ingest; p = Project(Path({str(project)!r})); score(p, build_kept=True)")
    if mode == "command":
        code += (f"; ingest(p, [Path({str(days[0])!r})], 'events'); score(p); "
                 f"ingest(p, [Path({str(days[1])!r})], 'events')")
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)


def one_run(source: Path, checkout: Path, days: list[Path], mode: str, tmp: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(checkout / "src"), str(checkout)])}
    project = tmp / "p"
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(source, project)
    prepare(project, days, env, mode)
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); from bench.score_overhead import worker; "
            f"from pathlib import Path; print(json.dumps(worker(Path({str(project)!r}), "
            f"[Path(d) for d in {[str(d) for d in days]!r}], {mode!r})))")
    done = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with (e.g. /work/main)")
    parser.add_argument("--mode", choices=("loop", "command"), default="loop")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from bench.rescore import one_more_day

    sides = {"this": ROOT, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    out: dict = {"load_average_before": os.getloadavg(), "mode": args.mode,
                 "runs": {label: [] for label in sides}}
    with tempfile.TemporaryDirectory(prefix="leadlight-bench-overhead-") as tmp:
        days = [Path(tmp) / f"day{n}.ndjson" for n in (1, 2)]
        for n, day in enumerate(days, start=1):
            one_more_day(args.data / "events.ndjson.gz", day, days=n)
        for _ in range(args.runs):
            for label, checkout in sides.items():
                out["runs"][label].append(one_run(args.project, checkout, days, args.mode, Path(tmp)))
    out["rest_cpu_seconds"] = {label: [r["rest_cpu_seconds"] for r in runs] for label, runs in out["runs"].items()}
    out["total_cpu_seconds"] = {label: [r["total"]["cpu_seconds"] for r in runs] for label, runs in out["runs"].items()}
    out["load_average_after"] = os.getloadavg()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
