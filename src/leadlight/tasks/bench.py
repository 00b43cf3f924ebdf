"""``leadlight bench``: time signals and scores against the floor, a plain DuckDB scan of the same events.

The bench writes N synthetic events once, as time-sorted Parquet (DuckDB,
seconds for 10M); both timings read that one file (``events_resolved`` is a
view over it), so they see identical input. It then times, best of a few runs:

* the floor: one plain DuckDB ``GROUP BY account_id, event`` scan of that Parquet;
* the signals: a representative definition (one or more signals of every kind,
  both levels, windows, a property filter, a ratio), computed from scratch
  (``compute_signals(..., incremental=False)``) and fetched to Arrow;
* signals + scores: the same, then PQL / PQA / fit / intent / quadrant on top
  (``leadlight.scoring.score_frames``): the scored accounts fetched to Arrow, the scored people (stored in a
  temp table by both) counted, as the bound does;
* the bound: the same definition's signals and scores as hand-written DuckDB
  SQL (``bench_bound.py``, no Ibis, checked equal to Leadlight's values by
  ``tests/unit/signals/test_engine_bound.py``): how close to the floor any
  implementation on this engine can get; ``bound_signals_seconds`` its
  aggregates and first_days scan alone.

``seconds`` is signals + scores; ``ratio = seconds / floor_seconds`` (lower is
better) and ``ratio_to_bound = seconds / bound_seconds``; ``signals_seconds``
/ ``signals_ratio`` / ``signals_ratio_to_bound`` time the signals alone;
``bound_seconds`` / ``bound_ratio`` the hand-written bound. The first
signals + scores run of a definition also builds and compiles its Ibis
expressions (``first_run_seconds``); the timed runs after it replay the
compiled SQL (``storage/recipes.py``). ``cpu_seconds`` / ``bound_cpu_seconds``
are the least process CPU time (DuckDB's threads included) of a signals +
scores / bound run, and ``cpu_ratio_to_bound`` their ratio: steadier than wall
time on a shared machine; ``load_average`` is the 1-minute load at the end. Every figure printed is measured in this run.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from leadlight.config import parse_config
from leadlight.progress import SILENT, Progress
from leadlight.signals import compute_signals
from leadlight.storage.engine import duckdb_engine
from leadlight.tasks import bench_bound

EVENT_NAMES = [
    "Signed Up", "Project Created", "Document Created", "Teammate Invited", "Invite Accepted", "Comment Added",
    "Document Shared", "Integration Connected", "Export Run", "API Key Created", "Paywall Hit",
    "Plan Limit Reached", "Pricing", "Docs",
]
START = datetime(2026, 1, 1)

BENCH_SIGNALS = """
signals:
  - {name: invites_14d, kind: count, event: Teammate Invited, window: 14d}
  - {name: docs_28d, kind: count, event: [Document Created, Document Shared], window: 28d}
  - {name: pro_exports_28d, kind: count, event: Export Run, where: {plan: pro}, window: 28d}
  - {name: paywall_7d, kind: count, event: [Paywall Hit, Plan Limit Reached], window: 7d}
  - {name: pricing_views_14d, kind: count, event: Pricing, window: 14d}
  - {name: active_users_7d, kind: distinct_users, window: 7d}
  - {name: active_users_28d, kind: distinct_users, window: 28d}
  - {name: active_days_28d, kind: active_days, window: 28d}
  - {name: days_since_active, kind: recency}
  - {name: new_users_trend, kind: velocity, window: 7d, baseline: 28d}
  - {name: features_28d, kind: breadth, window: 28d}
  - {name: invited_first_week, kind: first_days, event: Teammate Invited, within: 7d, measure: share}
  - {name: invites_per_active_user, kind: ratio, numerator: invites_14d, denominator: active_users_7d}
  - {name: employees, kind: attribute, column: employees}
  - {name: user_events_7d, kind: count, level: user, window: 7d}
  - {name: user_active_days_28d, kind: active_days, level: user, window: 28d}
  - {name: user_days_since_active, kind: recency, level: user}
  - {name: user_invited_first_week, kind: first_days, level: user, event: Teammate Invited, within: 7d}
scoring:  # every section adds up to 100 points
  pql:
    rules:
      - {signal: user_events_7d, op: ">=", value: 5, points: 20}
      - {signal: user_active_days_28d, op: ">=", value: 10, points: 30}
      - {signal: user_invited_first_week, op: "==", value: true, points: 50}
    decay: {kind: half_life, days: 14, signal: user_days_since_active}
  pqa:
    rules:
      - {signal: invites_14d, op: ">=", value: 3, points: 20}
      - {signal: active_users_7d, op: ">=", value: 5, points: 20}
      - {signal: paywall_7d, op: ">=", value: 1, points: 10}
      - {signal: pricing_views_14d, op: ">=", value: 2, points: 5}
    triggers:
      k: 2
      of:
        - {signal: pro_exports_28d, op: ">=", value: 1}
        - {signal: new_users_trend, op: ">", value: 0}
        - {signal: features_28d, op: ">=", value: 8}
      points: 15
  fit:
    rules:
      - {signal: employees, op: ">=", value: 50, points: 50}
  intent:
    rules:
      - {signal: active_days_28d, op: ">=", value: 14, points: 50}
      - {signal: invites_per_active_user, op: ">=", value: 0.5, points: 50}
"""


def write_events(con: duckdb.DuckDBPyConnection, path: Path, events: int, days: int, users: int, seed: int) -> None:
    """Synthetic resolved events, sorted by time, straight to Parquet (about 10 users per account)."""
    names = ", ".join(f"'{n}'" for n in EVENT_NAMES)
    span = days * 86400
    con.execute(f"SELECT setseed({(seed % 1000) / 1000})").fetchall()
    con.execute(
        f"""COPY (
            SELECT 'm' || i AS message_id, 'track' AS type, 'u' || u AS user_id, NULL::VARCHAR AS anonymous_id,
                   [{names}][1 + (hash(i, 7) % {len(EVENT_NAMES)})::INT] AS event,
                   TIMESTAMP '{START}' + to_seconds((i * {span} // {events})::BIGINT) AS timestamp,
                   'a' || (u // 10) AS group_id, 'a' || (u // 10) AS account_id,
                   CASE WHEN hash(i, 3) % 4 = 0 THEN '{{"plan": "pro"}}' END AS properties,
                   NULL::VARCHAR AS traits, 'bench' AS source_file
            FROM (SELECT i, (hash(i) % {users})::BIGINT AS u FROM range({events}) t(i))
            ORDER BY timestamp
        ) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)"""
    ).fetchall()


def _setup(con: duckdb.DuckDBPyConnection, path: Path, users: int) -> None:
    from leadlight.storage.schema import DDL

    for name in ("accounts", "users", "identities", "aliases", "opportunities"):
        con.execute(DDL[name]).fetchall()
    con.execute(f"CREATE OR REPLACE VIEW events_resolved AS SELECT * FROM read_parquet('{path}')").fetchall()
    con.execute(
        f"INSERT INTO accounts (account_id, employees) SELECT 'a' || i, 10 + i % 500 FROM range({users // 10 + 1}) t(i)"
    ).fetchall()
    con.execute(
        f"INSERT INTO users (user_id, account_id, created_at) SELECT 'u' || i, 'a' || (i // 10), "
        f"TIMESTAMP '{START}' + to_seconds((i * 3600 % (60 * 86400))::BIGINT) FROM range({users}) t(i)"
    ).fetchall()


def _generate(database: str, path: str, events: int, days: int, users: int, seed: int) -> None:
    con = duckdb.connect(database)
    con.execute("SET TimeZone = 'UTC'").fetchall()
    con.execute("SET enable_progress_bar = false").fetchall()
    # The sort that writes 100M events would otherwise take most of the machine's memory: spill to disk instead.
    con.execute("SET memory_limit = '4GB'").fetchall()
    con.execute(f"SET temp_directory = '{Path(path).parent / 'spill'}'").fetchall()
    write_events(con, Path(path), events, days, users, seed)
    _setup(con, Path(path), users)
    con.close()


def _timed(work: Any, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def run_bench(
    events: int = 1_000_000, days: int = 90, seed: int = 1, spark: bool = False, progress: Progress = SILENT
) -> dict[str, Any]:
    """Generate ``events`` events, time the floor, the signals and signals + scores; return the JSON document."""
    if events < 1000:
        from leadlight.errors import UsageError

        raise UsageError(f"--events {events} is too few to time", hint="use at least 1000, e.g. --events 10000000")
    users = max(100, events // 200)
    config = parse_config(BENCH_SIGNALS)
    specs = list(config.signals)
    as_of = START + timedelta(days=days)
    repeat = 5 if events <= 20_000_000 else 1  # best of 5 interleaved: two runs of best-of-3 differed by 0.3x
    with tempfile.TemporaryDirectory(prefix="leadlight-bench-") as tmp:
        path = Path(tmp) / "events.parquet"
        database = Path(tmp) / "bench.duckdb"
        with progress.step(f"writing {events:,} events"):
            # In a child process, so peak_rss_mb measures the timed work, not the big sort that writes the file.
            child = multiprocessing.get_context("spawn").Process(
                target=_generate, args=(str(database), str(path), events, days, users, seed)
            )
            child.start()
            child.join()
            if child.exitcode != 0:
                raise RuntimeError(f"generating the bench events failed (exit code {child.exitcode})")
        con = duckdb.connect(str(database))
        con.execute("SET TimeZone = 'UTC'").fetchall()
        con.execute("SET enable_progress_bar = false").fetchall()
        engine = duckdb_engine(con)
        counted: dict[str, int] = {}

        hand_written = bench_bound.queries(f"read_parquet('{path}')", as_of, EVENT_NAMES)

        def floor() -> None:
            con.execute(hand_written["floor"]).fetchall()

        def bound_signals() -> None:
            con.execute(hand_written["split"]).fetchall()
            con.execute(hand_written["first_days"]).fetchall()

        def bound() -> None:
            bound_signals()
            con.execute(hand_written["users"]).fetchall()
            con.sql(hand_written["accounts"]).to_arrow_table()
            counted["bound_accounts"] = con.execute("SELECT count(*) FROM bound_users").fetchall()[0][0]

        def signals() -> None:
            frames = compute_signals(engine, specs, as_of, incremental=False)
            counted["accounts"] = frames.accounts.to_pyarrow().num_rows
            counted["users"] = frames.users.to_pyarrow().num_rows

        def scores() -> None:
            accounts, users_ = _scored(engine, config, as_of)
            counted["scored_accounts"] = accounts.to_pyarrow().num_rows
            counted["scored_users"] = users_.count().to_pyarrow().as_py()

        with progress.step("timing the floor, the hand-written bound, the signals, signals + scores"):
            # The first run of a definition builds and compiles its Ibis expressions (later runs replay the SQL).
            first = _timed(scores)
            signals()
            # Interleaved, so a busy machine slows them all alike.
            floors, bounds, bound_sig, sig, total, cpu, bound_cpu = [], [], [], [], [], [], []
            for _ in range(repeat):
                floors.append(_timed(floor))
                bound_sig.append(_timed(bound_signals))
                before = time.process_time()
                bounds.append(_timed(bound))
                bound_cpu.append(time.process_time() - before)
                sig.append(_timed(signals))
                before = time.process_time()
                total.append(_timed(scores))
                cpu.append(time.process_time() - before)
        floor_s, bound_s, signals_s, seconds = min(floors), min(bounds), min(sig), min(total)
        bound_signals_s = min(bound_sig)
        # CPU seconds (DuckDB's threads included) move less than wall seconds on a busy machine.
        cpu_s, bound_cpu_s = min(cpu), min(bound_cpu)
        result: dict[str, Any] = {
            "events": con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0],
            "seconds": round(seconds, 3),
            "events_per_second": round(events / seconds),
            "floor_seconds": round(floor_s, 3),
            "ratio": round(seconds / floor_s, 2),
            "signals_seconds": round(signals_s, 3),
            "signals_ratio": round(signals_s / floor_s, 2),
            "scores_seconds": round(max(seconds - signals_s, 0.0), 3),
            "bound_seconds": round(bound_s, 3),
            "bound_ratio": round(bound_s / floor_s, 2),
            "ratio_to_bound": round(seconds / bound_s, 2),
            "bound_signals_seconds": round(bound_signals_s, 3),
            "signals_ratio_to_bound": round(signals_s / bound_signals_s, 2),
            "first_run_seconds": round(first, 3),
            "cpu_seconds": round(cpu_s, 3),
            "bound_cpu_seconds": round(bound_cpu_s, 3),
            "cpu_ratio_to_bound": round(cpu_s / bound_cpu_s, 2),
            "load_average": round(os.getloadavg()[0], 2),
            "signals": len(specs),
            "accounts": counted["accounts"],
            "users": counted["users"],
            "scored": counted["scored_accounts"] == counted["accounts"]
            and counted["bound_accounts"] == counted["scored_users"] == counted["users"],
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
        if spark:
            result["spark_seconds"] = round(_spark_seconds(path, con, specs, as_of, progress), 3)
        engine.close()
        con.close()
    return result


def _scored(engine: Any, config: Any, as_of: datetime) -> tuple[Any, Any]:
    from leadlight.scoring.frames import score_definition

    return score_definition(engine, config.signals, config.scoring, as_of, incremental=False)


def _spark_seconds(path: Path, con: duckdb.DuckDBPyConnection, specs: list, as_of: datetime, progress: Progress) -> float:
    import ibis

    from leadlight.storage.engine import Engine, spark_session

    session = spark_session("local[2]")
    out = path.parent
    for name in ("accounts", "users", "identities", "opportunities"):
        con.execute(f"COPY {name} TO '{out / name}.parquet' (FORMAT parquet)").fetchall()
        session.read.parquet(str(out / f"{name}.parquet")).createOrReplaceTempView(name)
    session.read.parquet(str(path)).createOrReplaceTempView("events_resolved")
    engine = Engine("spark", ibis.pyspark.connect(session))

    def signals() -> None:
        frames = compute_signals(engine, specs, as_of, incremental=False)
        frames.accounts.to_pyarrow()
        frames.users.to_pyarrow()

    with progress.step("timing the same signals on Spark local[2]"):
        try:
            return _timed(signals, repeat=2)  # the first run also warms the JVM up
        finally:
            engine.close()
