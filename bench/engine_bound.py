"""How close can signals get to the floor at all? The bench definition's aggregates as hand-written DuckDB SQL.

    python bench/engine_bound.py [--events 10000000] [--repeat 5]

``leadlight bench`` compares Leadlight's signals + scores with the floor (one
plain ``GROUP BY account_id, event`` scan of the same Parquet events). This
script breaks down what part of that gap belongs to DuckDB itself (``leadlight
bench`` prints the total as ``bound_seconds``): on the same
Parquet file it times, best of ``--repeat``, interleaved:

* ``floor``: the floor query of ``leadlight bench``;
* ``pairs_count``: ``GROUP BY account_id, user_id`` with only ``count(*)``, the
  grain every signal needs (distinct users, per-person scores);
* ``single_pass`` / ``split``: the per-(account, user) aggregates the bench
  definition needs, written by hand as one statement (no Ibis, no scoring, no
  ``first_days``; ``leadlight.tasks.bench_bound``), stored as a temp table like
  Leadlight's plan does; ``split`` reads the history before the longest window
  for the all-history measures only, the way Leadlight's plan does;
* ``first_days``: the one extra scan for "invited a teammate within 7 days of
  sign-up", as a hand-written semi-join;
* ``users`` / ``accounts``: every signal value and score (PQL, PQA, fit,
  intent, quadrant) as projections over those two small tables;
* ``leadlight``: Leadlight's own signals + scores over the same file (the
  first run compiles the definition; the best of ``--repeat`` replays it).

It prints one JSON document of measured seconds and each one's ratio to the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import duckdb

from leadlight.tasks.bench import BENCH_SIGNALS, EVENT_NAMES, START, _generate, _scored
from leadlight.tasks.bench_bound import queries

DAYS = 90


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from leadlight.config import parse_config
    from leadlight.storage.engine import duckdb_engine

    with tempfile.TemporaryDirectory(prefix="leadlight-bound-") as tmp:
        path, database = Path(tmp) / "events.parquet", Path(tmp) / "bench.duckdb"
        _generate(str(database), str(path), args.events, DAYS, max(100, args.events // 200), 1)
        con = duckdb.connect(str(database))
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")
        sql = queries(f"read_parquet('{path}')", START + timedelta(days=DAYS), EVENT_NAMES)
        engine, config = duckdb_engine(con), parse_config(BENCH_SIGNALS)

        def leadlight() -> None:
            accounts, users = _scored(engine, config, START + timedelta(days=DAYS))
            accounts.to_pyarrow()
            users.to_pyarrow()

        work = {name: (lambda q=q: con.execute(q).fetchall()) for name, q in sql.items()}
        # the hand-written bound as ``leadlight bench`` times it: aggregates, first_days, then every score
        work["bound"] = lambda: [work[step]() for step in ("split", "first_days", "users", "accounts")]
        work["leadlight"] = leadlight
        best = {name: float("inf") for name in work}
        for _ in range(args.repeat):
            for name, run in work.items():
                start = time.perf_counter()
                run()
                best[name] = min(best[name], time.perf_counter() - start)
        floor = best["floor"]
        result = {
            "events": args.events,
            "cores": os.cpu_count(),
            "load_average": os.getloadavg()[0],
            "seconds": {name: round(s, 3) for name, s in best.items()},
            "ratio_to_floor": {name: round(s / floor, 2) for name, s in best.items()},
        }
        engine.close()
        con.close()
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
