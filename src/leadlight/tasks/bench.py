"""``leadlight bench``: time signal computation against the floor, a plain DuckDB scan of the same events.

The bench writes N synthetic events as time-sorted Parquet (DuckDB, seconds
for 10M), then times:

* the floor: one plain DuckDB ``GROUP BY account_id, event`` scan of that Parquet;
* the signals: a representative definition (one or more signals of every kind,
  with windows, a property filter, a ratio), computed from scratch from the
  same Parquet and fetched to Arrow (``compute_signals(..., incremental=False)``);
* scoring on top, once ``leadlight.scoring`` exists (until then ``scored`` is false).

``ratio = seconds / floor_seconds``; lower is better.
"""

from __future__ import annotations

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

    for name in ("accounts", "users", "identities", "aliases"):
        con.execute(DDL[name]).fetchall()
    con.execute(f"CREATE OR REPLACE VIEW events_resolved AS SELECT * FROM read_parquet('{path}')").fetchall()
    con.execute(
        f"INSERT INTO accounts (account_id, employees) SELECT 'a' || i, 10 + i % 500 FROM range({users // 10 + 1}) t(i)"
    ).fetchall()
    con.execute(
        f"INSERT INTO users (user_id, account_id, created_at) SELECT 'u' || i, 'a' || (i // 10), "
        f"TIMESTAMP '{START}' + to_seconds((i * 3600 % (60 * 86400))::BIGINT) FROM range({users}) t(i)"
    ).fetchall()


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
    """Generate ``events`` events, time the floor and the signals; return the contract's JSON document."""
    if events < 1000:
        from leadlight.errors import UsageError

        raise UsageError(f"--events {events} is too few to time", hint="use at least 1000, e.g. --events 10000000")
    users = max(100, events // 200)
    specs = list(parse_config(BENCH_SIGNALS).signals)
    as_of = START + timedelta(days=days)
    with tempfile.TemporaryDirectory(prefix="leadlight-bench-") as tmp:
        path = Path(tmp) / "events.parquet"
        con = duckdb.connect(str(Path(tmp) / "bench.duckdb"))
        con.execute("SET TimeZone = 'UTC'").fetchall()
        with progress.step(f"writing {events:,} events"):
            write_events(con, path, events, days, users, seed)
            _setup(con, path, users)
        with progress.step("timing the floor (plain group-by scan)"):
            floor = _timed(
                lambda: con.execute(
                    f"SELECT account_id, event, count(*) FROM read_parquet('{path}') GROUP BY ALL"
                ).fetchall(),
                repeat=3,
            )
        engine = duckdb_engine(con)

        def signals() -> None:
            frames = compute_signals(engine, specs, as_of, incremental=False)
            frames.accounts.to_pyarrow()
            frames.users.to_pyarrow()

        with progress.step(f"timing {len(specs)} signals"):
            seconds = _timed(signals, repeat=2 if events <= 20_000_000 else 1)
        result: dict[str, Any] = {
            "events": events,
            "seconds": round(seconds, 3),
            "events_per_second": round(events / seconds),
            "floor_seconds": round(floor, 3),
            "ratio": round(seconds / floor, 2),
            "signals": len(specs),
            "accounts": users // 10 + 1,
            "scored": False,
            "note": "times signals only: scoring is not built yet",
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
        if spark:
            result["spark_seconds"] = round(_spark_seconds(path, con, specs, as_of, progress), 3)
        con.close()
    return result


def _spark_seconds(path: Path, con: duckdb.DuckDBPyConnection, specs: list, as_of: datetime, progress: Progress) -> float:
    import ibis

    from leadlight.storage.engine import Engine, spark_session

    session = spark_session("local[2]")
    out = path.parent
    for name in ("accounts", "users", "identities"):
        con.execute(f"COPY {name} TO '{out / name}.parquet' (FORMAT parquet)").fetchall()
        session.read.parquet(str(out / f"{name}.parquet")).createOrReplaceTempView(name)
    session.read.parquet(str(path)).createOrReplaceTempView("events_resolved")
    engine = Engine("spark", ibis.pyspark.connect(session))

    def signals() -> None:
        frames = compute_signals(engine, specs, as_of, incremental=False)
        frames.accounts.to_pyarrow()
        frames.users.to_pyarrow()

    with progress.step("timing the same signals on Spark local[2]"):
        return _timed(signals)
