"""How close can signals get to the floor at all? The bench definition's aggregates as hand-written DuckDB SQL.

    python bench/engine_bound.py [--events 10000000] [--repeat 5]

``leadlight bench`` compares Leadlight's signals + scores with the floor (one
plain ``GROUP BY account_id, event`` scan of the same Parquet events). This
script asks what part of that gap belongs to DuckDB itself: on the same
Parquet file it times, best of ``--repeat``, interleaved:

* ``floor``: the floor query of ``leadlight bench``;
* ``pairs_count``: ``GROUP BY account_id, user_id`` with only ``count(*)``, the
  grain every signal needs (distinct users, per-person scores);
* ``bound_single_pass`` / ``bound_split``: the per-(account, user) aggregates
  the bench definition needs, written by hand as one statement (no Ibis, no
  scoring, no ``first_days``), stored as a temp table like Leadlight's plan
  does; ``split`` reads the history before the longest window for the
  all-history measures only, the way Leadlight's plan does;
* ``first_days``: the one extra scan for "invited a teammate within 7 days of
  sign-up", as a hand-written semi-join;
* ``leadlight``: Leadlight's own signals + scores over the same file.

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

DAYS = 90
COUNTS = ("invites_14d", "docs_28d", "pro_exports_28d", "paywall_7d", "pricing_14d", "events_7d", "events_28d")


def _at(days_before_as_of: int) -> str:
    return f"TIMESTAMP '{START + timedelta(days=DAYS - days_before_as_of)}'"


def aggregates() -> str:
    """Every per-(account, user) measure of BENCH_SIGNALS, one FILTERed aggregate each."""
    event_bits = " ".join(f"WHEN '{name}' THEN {1 << i}" for i, name in enumerate(sorted(EVENT_NAMES)))
    day0 = f"DATE '{(START + timedelta(days=DAYS - 28)).date()}'"
    return f"""
        count(*) FILTER (WHERE event = 'Teammate Invited' AND timestamp >= {_at(14)}) AS invites_14d,
        count(*) FILTER (WHERE event IN ('Document Created', 'Document Shared') AND timestamp >= {_at(28)}) AS docs_28d,
        count(*) FILTER (WHERE event = 'Export Run' AND timestamp >= {_at(28)}
                         AND coalesce(properties ->> '$.plan' = 'pro', false)) AS pro_exports_28d,
        count(*) FILTER (WHERE event IN ('Paywall Hit', 'Plan Limit Reached') AND timestamp >= {_at(7)}) AS paywall_7d,
        count(*) FILTER (WHERE event = 'Pricing' AND timestamp >= {_at(14)}) AS pricing_14d,
        count(*) FILTER (WHERE timestamp >= {_at(7)}) AS events_7d,
        count(*) FILTER (WHERE timestamp >= {_at(28)}) AS events_28d,
        bit_or(CASE WHEN timestamp >= {_at(28)} THEN 1::BIGINT << datediff('day', {day0}, timestamp::DATE)::INT END)
            AS days_28d,
        bit_or(CASE event {event_bits} END) FILTER (WHERE timestamp >= {_at(28)}) AS features_28d,
        max(timestamp) AS last_seen, min(timestamp) AS first_seen
    """


def queries(events: str) -> dict[str, str]:
    as_of, window = _at(0), _at(28)
    single = f"SELECT account_id, user_id, {aggregates()} FROM {events} WHERE timestamp < {as_of} GROUP BY ALL"
    old = (
        f"SELECT account_id, user_id, max(timestamp) AS last_seen, min(timestamp) AS first_seen "
        f"FROM {events} WHERE timestamp < {window} GROUP BY ALL"
    )
    recent = (
        f"SELECT account_id, user_id, {aggregates()} FROM {events} "
        f"WHERE timestamp >= {window} AND timestamp < {as_of} GROUP BY ALL"
    )
    split = (
        f"SELECT account_id, user_id, max(last_seen) AS last_seen, min(first_seen) AS first_seen, "
        f"{', '.join(f'sum({c}) AS {c}' for c in COUNTS)}, bit_or(days_28d) AS days_28d, "
        f"bit_or(features_28d) AS features_28d "
        f"FROM ({recent} UNION ALL BY NAME {old}) GROUP BY ALL"
    )
    first_days = f"""
        WITH signups AS (SELECT user_id, created_at AS signup FROM users WHERE created_at < {as_of})
        SELECT DISTINCT e.account_id, e.user_id FROM {events} e JOIN signups s USING (user_id)
        WHERE e.event = 'Teammate Invited' AND e.timestamp < {as_of}
          AND e.timestamp >= s.signup AND e.timestamp < s.signup + INTERVAL 7 DAY"""
    store = "CREATE OR REPLACE TEMP TABLE bound AS "
    return {
        "floor": f"SELECT account_id, event, count(*) FROM {events} GROUP BY ALL",
        "pairs_count": f"SELECT account_id, user_id, count(*) FROM {events} GROUP BY ALL",
        "bound_single_pass": store + single,
        "bound_split": store + split,
        "first_days": store + first_days,
    }


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
        sql = queries(f"read_parquet('{path}')")
        engine, config = duckdb_engine(con), parse_config(BENCH_SIGNALS)

        def leadlight() -> None:
            accounts, users = _scored(engine, config, START + timedelta(days=DAYS))
            accounts.to_pyarrow()
            users.to_pyarrow()

        work = {name: (lambda q=q: con.execute(q).fetchall()) for name, q in sql.items()}
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
