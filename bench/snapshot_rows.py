"""Snapshot rows benchmark: what explaining and storing a snapshot cost, apart from the signals and scores.

    PYTHONPATH=src:. python3 bench/snapshot_rows.py --project DIR [--repeat 5] [--days-later 3]

``DIR``: a project made by ``leadlight generate`` + ``ingest`` (copied, never changed). The signals and scores
as of ``--days-later`` days after the latest event are computed once into temp tables; then, ``--repeat``
times, the snapshot's rows are built from them (``scoring.snapshot_sql.build``: explaining), stored in a
transaction (``storage.snapshots.write_snapshot``: storing) and written to disk (``CHECKPOINT``, what closing
the connection does after a score), and removed again. Prints one JSON document: CPU and wall seconds of each
part (best and median) and the load average. Put another checkout's ``src`` first on ``PYTHONPATH`` to time
its code on the same project (the bench only needs ``build`` and ``write_snapshot``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

PARTS = ("explaining", "storing", "checkpoint")


def measure(project: Path, repeat: int, days_later: float) -> dict:
    from leadlight.config import load_config
    from leadlight.scoring import snapshot as snapshots, snapshot_sql
    from leadlight.scoring.flags import person_flags, self_serve_buyers
    from leadlight.scoring.frames import score_frames
    from leadlight.scoring.status import account_status
    from leadlight.signals import compute_signals
    from leadlight.storage import Project
    from leadlight.storage.engine import open_engine
    from leadlight.storage.snapshots import write_snapshot

    p = Project(project)
    config = load_config(p)
    engine = open_engine(p, config)
    try:
        as_of = snapshots.latest_as_of(engine) + timedelta(days=days_later)
        specs = list(config.signals) + snapshots.people_signals(config)
        frames = compute_signals(engine, specs, as_of)
        scored = score_frames(frames, person_flags(engine, as_of), config.scoring, self_serve_buyers(engine, as_of))
        con = engine.connection
        for name, table in (("_bench_accounts", scored[0]), ("_bench_users", scored[1])):
            con.execute(f"CREATE TEMP TABLE {name} AS {engine.backend.compile(table)}").fetchall()
        tables = engine.backend.table("_bench_accounts"), engine.backend.table("_bench_users")
        constants = {"as_of": as_of, "definition_hash": snapshots.definition_hash(config),
                     "leadlight_version": snapshots.__version__, "scored_at": as_of,
                     "pqa_threshold": config.scoring.pqa.threshold, "pql_threshold": config.scoring.pql.threshold}
        runs: dict[str, list[tuple[float, float]]] = {part: [] for part in PARTS}
        for _ in range(repeat):
            clock = [(time.perf_counter(), time.process_time())]
            built = snapshot_sql.build(engine, config, {s.name: s for s in specs}, tables,
                                       snapshots._account_info(engine), account_status(engine, as_of), None, constants)
            clock.append((time.perf_counter(), time.process_time()))
            con.begin()
            write_snapshot(con, as_of, built[0], built[1])
            con.commit()
            clock.append((time.perf_counter(), time.process_time()))
            con.execute("CHECKPOINT").fetchall()
            clock.append((time.perf_counter(), time.process_time()))
            for part, before, after in zip(PARTS, clock, clock[1:]):
                runs[part].append((after[0] - before[0], after[1] - before[1]))
            for table in ("account_scores", "user_scores"):
                con.execute(f"DELETE FROM {table} WHERE as_of = ?", [as_of]).fetchall()
            con.execute("CHECKPOINT").fetchall()
    finally:
        engine.close()
    runs["total"] = [tuple(map(sum, zip(*parts))) for parts in zip(*(runs[p] for p in PARTS))]
    return {part: {"cpu_seconds_best": round(min(c for _, c in found), 4),
                   "cpu_seconds_median": round(statistics.median(c for _, c in found), 4),
                   "seconds_best": round(min(w for w, _ in found), 4)} for part, found in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--days-later", type=float, default=3.0)
    args = parser.parse_args()
    out: dict = {"load_average_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="leadlight-bench-snapshot-rows-") as tmp:
        copy = Path(tmp) / "p"
        shutil.copytree(args.project, copy)
        out.update(measure(copy, args.repeat, args.days_later))
        import leadlight

        out["leadlight"] = str(Path(leadlight.__file__).parent)
    out["load_average_after"] = os.getloadavg()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
