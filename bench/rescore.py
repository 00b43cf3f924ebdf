"""Re-score benchmark: what `leadlight score` costs when everything, one day or nothing is new.

    python bench/rescore.py [--accounts 300] [--days 365] [--project DIR] [--in-process-only | --full-only [--repeat 3]]

(the issue's figures: ``--accounts 3000 --days 365``, about 3M events).

Generates a company (or reuses ``--project``, a scored-or-not project made with ``leadlight generate`` +
``ingest``; it is copied, never changed), then times the real commands, each in a process of its own as a user
runs them: a full ``score`` (a first score: raw events only, the kept signal history left to the next score);
``score`` again with nothing new (the stored snapshot is reused); ``score`` after ingesting one more day of events
(the last day's events replayed a day later, new messageIds; this first re-score builds the kept history); ``accounts
--limit 5``; ``--help``. Then the same in one process (``in_process``: imports done, so what the scoring itself
costs): a full score, nothing new, one more day (building the kept history), a full recompute of that same data
that builds the kept signal history at once (``score(build_kept=True)``) and one from raw events only (no kept
history built or read),
then a second more day with where its time went (``second_day_breakdown``: bringing the kept history up to date,
the signal and score SQL, the rest of each step; ``second_day_vs_full``: it and each part as a share of the full
recompute from raw events, and the share that a full recompute pays the same way: explaining and storing every
account, reading leadlight.yml, ...; ``kept_rows``: the kept summary's size; ``changed_by_a_day``: the accounts
and people whose stored values differ between the last two snapshots, a day apart), and ``engine``: the engine work alone on those events, the way
``leadlight bench`` times its signals + scores (the project's own definition computed from raw events and scored,
fetched to Arrow; best of two); ``windows``: a re-score's signals + scores with the windows read from the kept
window partials against read from raw events, interleaved five times (``partials_vs_raw_windows_cpu``: median CPU
ratio). Prints one JSON document: wall and CPU seconds of each, the ratios, and the
machine's load average (other work on the machine slows the wall times, not the CPU seconds).
``--in-process-only`` skips the commands (still generating and ingesting through them).

``--full-only``: only the in-process full score (no snapshot to reuse, no kept signal history) and the engine's work, interleaved ``--repeat`` times in one
process (best and median of each), no commands; and where the full score's time goes: ``phases`` (its progress
steps) and ``parts`` (what is done inside and outside them; a part inside another is counted in both).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import duckdb

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")])}


def leadlight(*args: str) -> dict:
    """Run ``leadlight ARGS``; its wall and CPU seconds and what it printed on stdout (JSON when it was asked)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", "from leadlight.cli.app import main; main()", *args], env=ENV,
                          capture_output=True, text=True, check=True)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = {"seconds": round(wall, 2), "cpu_seconds": round(after.ru_utime + after.ru_stime
                                                           - before.ru_utime - before.ru_stime, 2)}
    if "--json" in args:
        out["result"] = json.loads(done.stdout)
    return out


def timed(work) -> dict:
    """Wall and CPU seconds (every thread of this process) of ``work()``."""
    began, cpu = time.perf_counter(), time.process_time()
    work()
    return {"seconds": round(time.perf_counter() - began, 3), "cpu_seconds": round(time.process_time() - cpu, 3)}


def forget_scores(project, kept: bool = True) -> None:
    """A cold start: no stored snapshot to reuse and (``kept``) no kept signal history or window partials."""
    from leadlight.storage.database import connect

    con = connect(project)
    con.execute("DELETE FROM derived_state WHERE starts_with(name, 'score_snapshot')").fetchall()
    if kept:
        con.execute("DELETE FROM signal_kept_state").fetchall()
        con.execute("DELETE FROM signal_kept").fetchall()
        con.execute("DELETE FROM signal_partials_state").fetchall()
        con.execute("DELETE FROM signal_partials").fetchall()
    con.close()


def engine_signals_and_scores(engine, config, as_of) -> None:
    """The engine's work alone, as ``leadlight bench`` times it (``score_definition`` from raw events): the
    project's definition (its signals and the people signals scoring adds) computed from raw events and scored,
    fetched to Arrow."""
    from leadlight.scoring.frames import score_definition
    from leadlight.scoring.snapshot import people_signals

    accounts, users = score_definition(engine, list(config.signals) + people_signals(config), config.scoring, as_of,
                                       incremental=False)
    accounts.to_pyarrow(), users.to_pyarrow()


def in_process(project: Path, next_day: Path, second_day: Path) -> dict:
    """The scoring's own cost, imports done: full, nothing new, one more day, full again on that data (with and
    without kept history), a second more day with its breakdown, engine."""
    from leadlight.config import load_config
    from leadlight.scoring.snapshot import latest_as_of, score_snapshot  # noqa: F401  (imported before timing)
    from leadlight.signals import incremental
    from leadlight.storage import Project
    from leadlight.storage.engine import open_engine
    from leadlight.tasks.ingest import ingest
    from leadlight.tasks.score import score

    p = Project(project)
    out: dict = {}
    forget_scores(p)
    out["full_score"] = timed(lambda: score(p))
    out["nothing_new"] = timed(lambda: score(p))
    ingest(p, [next_day], "events")
    out["after_one_more_day"] = timed(lambda: score(p))
    forget_scores(p)
    out["full_score_same_data"] = timed(lambda: score(p, build_kept=True))
    forget_scores(p)
    with mock.patch.object(incremental, "kept_activity", lambda *args, **kwargs: None):
        out["full_score_same_data_raw_events"] = timed(lambda: score(p))
    forget_scores(p, kept=False)
    score(p, build_kept=True)  # brings the kept history back to this data
    ingest(p, [second_day], "events")
    out["second_day_breakdown"] = breakdown(lambda progress: score(p, progress=progress))
    config = load_config(p)
    engine = open_engine(p, config)
    as_of = latest_as_of(engine)

    runs = [timed(lambda: engine_signals_and_scores(engine, config, as_of)) for _ in range(2)]
    out["engine"] = min(runs, key=lambda r: r["seconds"])
    engine.close()
    full = out["full_score_same_data"]["seconds"]
    out["one_more_day_vs_full"] = round(out["after_one_more_day"]["seconds"] / full, 3)
    out["one_more_day_vs_full_raw_events"] = round(
        out["after_one_more_day"]["seconds"] / out["full_score_same_data_raw_events"]["seconds"], 3)
    out["one_more_day_vs_full_cpu"] = round(
        out["after_one_more_day"]["cpu_seconds"] / out["full_score_same_data"]["cpu_seconds"], 3)
    out["nothing_new_vs_full"] = round(out["nothing_new"]["seconds"] / out["full_score"]["seconds"], 3)
    out["full_vs_engine"] = round(full / out["engine"]["seconds"], 2)
    out["second_day_vs_full"] = where_it_goes(out["second_day_breakdown"], out["full_score_same_data_raw_events"])
    out["kept_rows"] = kept_rows(p)
    out["changed_by_a_day"] = changed_by_a_day(p)
    out["windows"] = windows_side_by_side(p)
    return out


def windows_side_by_side(project, repeat: int = 5) -> dict:
    """The signals + scores of a re-score (kept history up to date) with the windows read from the kept window
    partials and from raw events, interleaved ``repeat`` times in one process (best and median of each): the
    ratio holds on a busy machine where the wall times do not."""
    import statistics

    from leadlight.config import load_config
    from leadlight.scoring.frames import score_definition
    from leadlight.scoring.snapshot import latest_as_of, people_signals
    from leadlight.signals import partials
    from leadlight.storage.engine import open_engine

    config = load_config(project)
    engine = open_engine(project, config)
    specs = list(config.signals) + people_signals(config)
    as_of = latest_as_of(engine)

    def work() -> None:
        accounts, users = score_definition(engine, specs, config.scoring, as_of)
        accounts.to_pyarrow(), users.to_pyarrow()

    runs: dict = {"partials": [], "raw_windows": []}
    try:
        for _ in range(repeat + 1):  # the first of each builds its recipe: left out
            runs["partials"].append(timed(work))
            with mock.patch.object(partials, "attach", lambda *args, **kwargs: None):
                runs["raw_windows"].append(timed(work))
    finally:
        engine.close()
    out = {label: {"best": min(r[1:], key=lambda x: x["seconds"]),
                   "median_seconds": round(statistics.median(x["seconds"] for x in r[1:]), 3),
                   "median_cpu_seconds": round(statistics.median(x["cpu_seconds"] for x in r[1:]), 3)}
           for label, r in runs.items()}
    out["partials_vs_raw_windows_cpu"] = round(out["partials"]["median_cpu_seconds"]
                                               / out["raw_windows"]["median_cpu_seconds"], 3)
    return out


# Parts of a re-score a full recompute does the same way (every account is explained and stored again: the moment
# moved, so recency and decay change most rows), as opposed to the signal and score computation a re-score reuses.
SAME_AS_FULL = ("step: explaining", "step: storing the snapshot", "leadlight.yml read", "inputs fingerprinted",
                "identity checked", "warnings", "engine closed")


def where_it_goes(breakdown: dict, full: dict) -> dict:
    """A re-score (``breakdown``) against a full recompute from raw events (``full``): the whole, each part, and the
    share a full recompute pays the same (``SAME_AS_FULL``): the floor of the ratio were the signals free."""
    def share(part: dict) -> dict:
        return {unit: round(part[unit] / full[unit], 3) for unit in ("seconds", "cpu_seconds")}

    parts = {label: share(part) for label, part in breakdown.items()
             if isinstance(part, dict) and "seconds" in part and label != "total"}
    same = {unit: sum(breakdown[label][unit] for label in SAME_AS_FULL if label in breakdown)
            for unit in ("seconds", "cpu_seconds")}
    return {"total": share(breakdown["total"]), "parts": parts, "same_as_a_full_recompute": share(same),
            "signals_and_scores": share(breakdown["step: computing signals and scores"])}


def kept_rows(project) -> dict:
    """Rows of events, of the kept signal history and of its window partials."""
    from leadlight.storage.database import connect

    con = connect(project, read_only=True)
    try:
        return {table: con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
                for table in ("events", "signal_kept", "signal_partials")}
    finally:
        con.close()


def changed_by_a_day(project) -> dict:
    """Between the last two stored snapshots (a day apart): how many accounts and people have any stored value
    that differs, and how many differ in each column. Time alone moves windows and recency, so a re-score
    explains and stores these rows again however few events arrived: that is its floor."""
    from leadlight.storage.database import connect

    con = connect(project, read_only=True)
    try:
        out = {}
        for table, key in (("account_scores", "account_id"), ("user_scores", "user_id")):
            moments = [r[0] for r in con.execute(f"SELECT DISTINCT as_of FROM {table} ORDER BY 1 DESC LIMIT 2")
                       .fetchall()]
            if len(moments) < 2:
                continue
            columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()
                       if r[0] not in ("as_of", "scored_at", key)]
            differs = [f'a."{c}" IS DISTINCT FROM b."{c}"' for c in columns]
            counts = con.execute(
                f"SELECT count(*), count(*) FILTER (WHERE {' OR '.join(differs)}), "
                + ", ".join(f"count(*) FILTER (WHERE {d})" for d in differs)
                + f" FROM {table} a JOIN {table} b USING ({key}) WHERE a.as_of = ? AND b.as_of = ?",
                moments).fetchall()[0]
            out[table] = {"rows": counts[0], "rows_changed": counts[1],
                          "by_column": {c: n for c, n in zip(columns, counts[2:]) if n}}
        return out
    finally:
        con.close()


def full_only(project: Path, repeat: int) -> dict:
    """The in-process full score against the engine's signals + scores, interleaved; best and median of each,
    and the full score's phases (wall and CPU seconds of each step, best run)."""
    import statistics

    from leadlight.config import load_config
    from leadlight.scoring.snapshot import latest_as_of
    from leadlight.storage import Project
    from leadlight.storage.engine import open_engine
    from leadlight.tasks.score import score

    p = Project(project)

    config = load_config(p)

    def engine_work() -> dict:  # as ``in_process`` times it: signals + scores fetched to Arrow, engine open
        engine = open_engine(p, config)
        try:
            as_of = latest_as_of(engine)
            return timed(lambda: engine_signals_and_scores(engine, config, as_of))
        finally:
            engine.close()

    full, engine = [], []
    forget_scores(p)
    score(p)  # warm: compiled recipes, imports
    parts = Parts()
    for _ in range(repeat):
        forget_scores(p)
        parts.clear()
        steps: dict = {}
        full.append(timed(lambda: score(p, progress=StepClock(steps))))
        steps["outside the steps"] = {
            unit: full[-1][unit] - sum(v[unit] for v in steps.values() if isinstance(v, dict))
            for unit in ("seconds", "cpu_seconds")}
        full[-1]["phases"] = rounded(steps)
        full[-1]["parts"] = rounded(parts)
        engine.append(engine_work())

    def summary(runs: list[dict]) -> dict:
        best = min(runs, key=lambda r: r["seconds"])
        return {"best": best, "median_seconds": round(statistics.median(r["seconds"] for r in runs), 3),
                "median_cpu_seconds": round(statistics.median(r["cpu_seconds"] for r in runs), 3)}

    out = {"full_score": summary(full), "engine": summary(engine)}
    out["full_vs_engine"] = round(out["full_score"]["best"]["seconds"] / out["engine"]["best"]["seconds"], 2)
    out["full_vs_engine_cpu"] = round(out["full_score"]["best"]["cpu_seconds"] / out["engine"]["best"]["cpu_seconds"], 2)
    return out


class Parts(dict):
    """Wall and CPU seconds of the parts of a score inside and outside its steps, by wrapping the functions that do
    them (where ``tasks.score`` and the scoring look them up)."""

    def __init__(self) -> None:
        super().__init__()
        import importlib

        import leadlight.scoring.snapshot_sql as setwise
        import leadlight.storage.engine as engines
        from leadlight.signals import incremental, partials
        import leadlight.tasks.derived as derived
        import leadlight.tasks.lint as lint
        import leadlight.tasks.score as task
        from leadlight.storage.engine import Engine

        try:  # an older checkout (PYTHONPATH=<it>/src) has no staged rows: its parts are left out
            staged = importlib.import_module("leadlight.storage.staged").StagedRows
        except ImportError:
            staged = None

        for owner, name, label in (
                (task, "load_config", "outside: reading leadlight.yml"),
                (task, "reusable_snapshot", "outside: reuse check (fingerprint of the inputs)"),
                (derived, "refresh_identity", "outside: identity up to date?"),
                (engines, "open_engine", "outside: opening the engine"),  # tasks.derived imports it when called
                (incremental, "refresh", "signals: kept history brought up to date (built on a first re-score)"),
                (partials, "_refresh", "signals: window partials brought up to date (built on a first re-score)"),
                (lint, "event_warnings", "outside: warnings"), (lint, "moment_warnings", "outside: warnings"),
                (Engine, "close", "outside: closing the engine (temp views)"),
                (task, "hold", "outside: the held connection, closed (DuckDB's checkpoint writes the snapshot)"),
                (setwise.rows_sql, "personas", "explaining: titles parsed (distinct)"),
                (setwise, "reason_lists", "explaining: reasons built per distinct input, sentences written"),
                (setwise, "stored", "explaining: the stored columns (older checkouts: fetched to Arrow)"),
                (staged, "insert_into", "storing: the staged rows' SQL run into the stored tables")):
            if owner is not None and hasattr(owner, name):
                setattr(owner, name, self.timing(getattr(owner, name), label, context=name == "hold"))

    def timing(self, work, label: str, context: bool = False):
        import contextlib
        import functools

        if context:  # the time of leaving the block (closing what it held)
            @contextlib.contextmanager
            def held(*args, **kwargs):
                manager = work(*args, **kwargs)
                value = manager.__enter__()
                try:
                    yield value
                except BaseException:
                    if not manager.__exit__(*sys.exc_info()):
                        raise
                else:
                    with timed_block(self, label):
                        manager.__exit__(None, None, None)
            return held

        @functools.wraps(work)
        def timed_work(*args, **kwargs):
            with timed_block(self, label):
                return work(*args, **kwargs)
        return timed_work


class StepClock:
    """A ``Progress`` that adds each step's wall and CPU seconds to ``spent`` (``timed_block``) under
    ``prefix + step``, and keeps what it logs under ``notes``."""

    def __init__(self, spent: dict, prefix: str = "") -> None:
        self.spent, self.prefix = spent, prefix

    @contextmanager
    def step(self, description: str, total: int | None = None):
        with timed_block(self.spent, self.prefix + description):
            yield self

    def advance(self, amount: float = 1) -> None:
        pass

    def log(self, message: str) -> None:
        self.spent.setdefault("notes", []).append(message)


def rounded(spent: dict) -> dict:
    """``spent`` with its seconds rounded to the millisecond."""
    return {k: ({m: round(x, 3) for m, x in v.items()} if isinstance(v, dict) else v) for k, v in spent.items()}


def breakdown(work) -> dict:
    """Wall and CPU seconds of ``work()`` (a ``score``), split by where they went: bringing the kept signal
    history up to date, the SQL of compiled definitions (signals, then scores), the progress steps, the rest."""
    from leadlight.signals import incremental
    from leadlight.storage import engine as engines

    spent: dict = {}

    def timing(label, fn):
        def wrapped(*args, **kwargs):
            with timed_block(spent, label):
                return fn(*args, **kwargs)
        return wrapped

    statements: list = []

    class Statements:
        """A connection that times each statement a replay runs (the slow ones are listed)."""

        def __init__(self, con):
            self.con = con

        def execute(self, sql, *args):
            began, cpu = time.perf_counter(), time.process_time()
            rows = self.con.execute(sql, *args).fetchall()
            wall, used = time.perf_counter() - began, time.process_time() - cpu
            if wall > 0.01:
                statements.append({"sql": " ".join(sql.split())[:110], "seconds": round(wall, 3),
                                   "cpu_seconds": round(used, 3)})
            return mock.Mock(fetchall=lambda: rows)

        def __getattr__(self, name):
            return getattr(self.con, name)

    def replay(engine, *args, **kwargs):
        con, engine.connection = engine.connection, Statements(engine.connection)
        try:
            return original_replay(engine, *args, **kwargs)
        finally:
            engine.connection = con

    original_replay = engines.Engine.replay

    from leadlight.tasks import derived, lint, score as score_task

    patches = [mock.patch.object(incremental, "refresh", timing("kept history update", incremental.refresh)),
               mock.patch.object(engines.Engine, "replay", timing("compiled SQL replayed", replay)),
               mock.patch.object(engines.Engine, "scratch", timing("scratch tables built", engines.Engine.scratch)),
               mock.patch.object(engines.Engine, "close", timing("engine closed", engines.Engine.close)),
               mock.patch.object(score_task, "load_config", timing("leadlight.yml read", score_task.load_config)),
               mock.patch.object(score_task, "reusable_snapshot",
                                 timing("inputs fingerprinted", score_task.reusable_snapshot)),
               mock.patch.object(derived, "refresh_identity", timing("identity checked", derived.refresh_identity)),
               mock.patch.object(lint, "event_warnings", timing("warnings", lint.event_warnings)),
               mock.patch.object(lint, "moment_warnings", timing("warnings", lint.moment_warnings))]
    for patch in patches:
        patch.start()
    try:
        total = timed(lambda: work(StepClock(spent, "step: ")))
    finally:
        for patch in patches:
            patch.stop()
    return {"total": total, **rounded(spent), "slowest replayed statements": sorted(statements, key=lambda x: -x["seconds"])[:8]}


@contextmanager
def timed_block(spent: dict, label: str):
    began, cpu = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        was = spent.setdefault(label, {"seconds": 0.0, "cpu_seconds": 0.0})
        was["seconds"] += time.perf_counter() - began
        was["cpu_seconds"] += time.process_time() - cpu


def one_more_day(events: Path, out: Path, days: int = 1) -> int:
    """The last day's events ``days`` later, with new messageIds, as NDJSON; returns how many."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    source = f"read_ndjson('{events}', format = 'newline_delimited', columns = {{'type': 'VARCHAR', 'userId': 'VARCHAR', "\
             "'anonymousId': 'VARCHAR', 'event': 'VARCHAR', 'name': 'VARCHAR', 'groupId': 'VARCHAR', "\
             "'messageId': 'VARCHAR', 'timestamp': 'TIMESTAMPTZ', 'properties': 'JSON', 'traits': 'JSON', 'context': 'JSON'})"
    con.execute(f"""COPY (
        WITH e AS (SELECT * FROM {source}), last AS (SELECT max(timestamp) AS ts FROM e)
        SELECT type, userId, anonymousId, event, name, groupId, messageId || '-next-day-{days}' AS messageId,
               strftime(timezone('UTC', timestamp) + INTERVAL {days} DAY, '%Y-%m-%dT%H:%M:%SZ') AS timestamp,
               properties, traits, context
        FROM e, last WHERE e.timestamp > last.ts - INTERVAL 1 DAY
    ) TO '{out}' (FORMAT json)""")
    return con.execute(f"SELECT count(*) FROM read_ndjson('{out}')").fetchall()[0][0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--project", type=Path, help="reuse this project (copied) and the data next to it")
    parser.add_argument("--data", type=Path, help="the generated data of --project (default: its ../data)")
    parser.add_argument("--full-only", action="store_true", help="only the in-process full score vs the engine")
    parser.add_argument("--repeat", type=int, default=3, help="--full-only: runs of each")
    parser.add_argument("--in-process-only", action="store_true", help="skip the commands, time in one process only")
    args = parser.parse_args()
    out: dict = {"load_average_before": os.getloadavg()}
    if args.full_only:
        main_full_only(args, out)
        return
    with tempfile.TemporaryDirectory(prefix="leadlight-bench-rescore-") as tmp:
        project, data = Path(tmp) / "p", Path(tmp) / "data"
        if args.project:
            shutil.copytree(args.project, project)
            data = args.data or args.project.parent / "data"
        else:
            leadlight("generate", "--out", str(data), "--accounts", str(args.accounts), "--days", str(args.days), "--json")
            leadlight("init", str(project), "--json")
            for name, kind in (("accounts.csv", "accounts"), ("users.csv", "users"),
                               ("opportunities.csv", "opportunities"), ("events.ndjson.gz", "events")):
                leadlight("ingest", str(data / name), "--kind", kind, "--project", str(project), "--json")
        con = duckdb.connect(str(project / ".leadlight" / "leadlight.duckdb"))
        out["events"] = con.execute("SELECT count(*) FROM events").fetchall()[0][0]
        con.execute("DELETE FROM derived_state WHERE starts_with(name, 'score_snapshot')")  # a cold start
        if con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'signal_kept_state'").fetchall()[0][0]:
            con.execute("DELETE FROM signal_kept_state")  # nothing kept either (a project made by an older version)
        con.close()
        p = ["--project", str(project)]
        fresh = Path(tmp) / "in-process"  # the same data, for the in-process figures
        shutil.copytree(project, fresh)
        next_day, second_day = Path(tmp) / "next-day.ndjson", Path(tmp) / "second-day.ndjson"
        out["one_more_day_events"] = one_more_day(data / "events.ndjson.gz", next_day)
        one_more_day(data / "events.ndjson.gz", second_day, days=2)
        if not args.in_process_only:
            out["full_score"] = leadlight("score", *p, "--json")
            out["nothing_new"] = leadlight("score", *p, "--json")
            out["ingest_one_more_day"] = leadlight("ingest", str(next_day), "--kind", "events", *p, "--json")
            out["after_one_more_day"] = leadlight("score", *p, "--json")
            out["accounts_limit_5"] = leadlight("accounts", "--limit", "5", *p, "--json")
            out["help"] = leadlight("--help")
        code = (f"import json, sys; sys.path[:0] = {[str(ROOT / 'src'), str(ROOT)]!r}; from bench.rescore import "
                f"in_process; from pathlib import Path; print(json.dumps(in_process(Path({str(fresh)!r}), "
                f"Path({str(next_day)!r}), Path({str(second_day)!r}))))")
        shutil.rmtree(project)
        done = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True, check=True)
        out["in_process"] = json.loads(done.stdout.strip().splitlines()[-1])
    if args.in_process_only:
        out["load_average_after"] = os.getloadavg()
        print(json.dumps(out, indent=2))
        return
    for key in ("full_score", "nothing_new", "after_one_more_day", "accounts_limit_5"):
        out[key].pop("result", None)
    out["ingest_one_more_day"] = {k: v for k, v in out["ingest_one_more_day"].items() if k != "result"}
    out["nothing_new_vs_full"] = round(out["nothing_new"]["seconds"] / out["full_score"]["seconds"], 3)
    out["one_more_day_vs_full"] = round(out["after_one_more_day"]["seconds"] / out["full_score"]["seconds"], 3)
    out["full_vs_engine"] = round(out["full_score"]["seconds"] / out["in_process"]["engine"]["seconds"], 2)
    out["load_average_after"] = os.getloadavg()
    print(json.dumps(out, indent=2))


def main_full_only(args: argparse.Namespace, out: dict) -> None:
    """``--full-only``: on a copy of ``--project`` (or a generated company), in a process of its own."""
    with tempfile.TemporaryDirectory(prefix="leadlight-bench-rescore-") as tmp:
        project = Path(tmp) / "p"
        if args.project:
            shutil.copytree(args.project, project)
        else:
            data = Path(tmp) / "data"
            leadlight("generate", "--out", str(data), "--accounts", str(args.accounts), "--days", str(args.days), "--json")
            leadlight("init", str(project), "--json")
            for name, kind in (("accounts.csv", "accounts"), ("users.csv", "users"),
                               ("opportunities.csv", "opportunities"), ("events.ndjson.gz", "events")):
                leadlight("ingest", str(data / name), "--kind", kind, "--project", str(project), "--json")
        code = (f"import json, sys; sys.path[:0] = {[str(ROOT / 'src'), str(ROOT)]!r}; from bench.rescore import "
                f"full_only; from pathlib import Path; print(json.dumps(full_only(Path({str(project)!r}), "
                f"{args.repeat})))")
        done = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True, check=True)
        out["in_process"] = json.loads(done.stdout.strip().splitlines()[-1])
    out["load_average_after"] = os.getloadavg()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
