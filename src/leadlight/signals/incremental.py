"""Incremental signals: a daily rollup refreshed only for the days that changed.

How it works. The table ``signal_rollup`` holds one row per (UTC day,
account, user, event name, filter slice) with the number of events and their
first and last timestamps; slice ``''`` holds every event, and each distinct
set of property filters used by a signal gets its own slice (the events
passing those filters). Every signal kind reads *activity rows* (see
``activity.py``) and is exact on rollup rows when as_of falls on midnight and
its windows are whole days (``asof.day_aligned``); ``compute_signals`` then
reads the rollup instead of the events. Other as-ofs (``2026-03-31T14:00``)
or hour windows read raw events: same code, same values, slower.

Refresh. ``signal_rollup_days`` remembers, per slice and day, a fingerprint
of that day's resolved events: their count and the sum of a hash over
(message_id, user, account, event, timestamp, properties). A refresh computes
today's fingerprints in one grouped scan (about the cost of the bench floor),
and rebuilds rollup rows only for days whose fingerprint differs: a new day of
events rebuilds one day, a late event rebuilds its day, and a re-resolved
identity (an anonymous user stitched, a user linked to an account) changes the
fingerprints of exactly the days it touches, so those are rebuilt too. Nothing
is trusted that was not checked, so the result equals a full recompute
(tested in tests/unit/signals/test_incremental.py).

Why this design: signals are read many times (every score, every training
cutoff, every backtest month) and history only grows at its end. Reading the
rollup (rows ~ active user-days x events) instead of every event is what
keeps scoring cheap; the fingerprint scan keeps it exact without asking the
ingest and identity code to report what they touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Sequence

import ibis

from leadlight.config.signals import EventSignal, PropertyFilter
from leadlight.identity import as_of as identity_as_of
from leadlight.signals import asof
from leadlight.signals.activity import Activity, filter_key, property_predicate, raw_events
from leadlight.storage.engine import Engine
from leadlight.storage.schema import EVENTS_RESOLVED

ROLLUP = "signal_rollup"
ROLLUP_DAYS = "signal_rollup_days"



@dataclass
class RefreshReport:
    days_total: int
    days_rebuilt: int
    slices: int
    rows: int


def slices(specs: Sequence[Any]) -> dict[str, tuple[PropertyFilter, ...]]:
    """Filter slices the specs need: '' (all events) plus one per distinct filter set."""
    out: dict[str, tuple[PropertyFilter, ...]] = {"": ()}
    for s in specs:
        if isinstance(s, EventSignal) and s.filters:
            out[filter_key(s.filters)] = s.filters
    return out


def eligible(engine: Engine, specs: Sequence[Any], as_of: datetime, spans: list[timedelta]) -> bool:
    """The rollup answers exactly (and is kept) only on DuckDB, at midnight, for whole-day spans, and only with
    identity as known now: as of a moment with later events, identity is resolved again (``identity.as_of``)."""
    return (
        engine.name == "duckdb" and engine.connection is not None and asof.day_aligned(as_of, spans)
        and identity_as_of.tables(engine, as_of) == identity_as_of.STORED
    )


def refresh_rollup(engine: Engine, specs: Sequence[Any]) -> RefreshReport:
    """Bring ``signal_rollup`` up to date with the resolved events, rebuilding only changed days."""
    con = engine.connection
    if con is None:
        raise ValueError("the rollup lives in the DuckDB file; open a DuckDB engine")
    wanted = slices(specs)
    _run(con, 
        f"CREATE OR REPLACE TEMP TABLE _fingerprints AS "
        f"SELECT CAST(timestamp AS DATE) AS day, count(*) AS events, "
        f"CAST(sum(hash(message_id, user_id, account_id, event, timestamp, properties)) AS VARCHAR) AS fingerprint "
        f"FROM {EVENTS_RESOLVED} WHERE event IS NOT NULL GROUP BY 1"
    )
    placeholders = ", ".join("?" for _ in wanted)
    _run(con, f"DELETE FROM {ROLLUP} WHERE filter_id NOT IN ({placeholders})", list(wanted))
    _run(con, f"DELETE FROM {ROLLUP_DAYS} WHERE filter_id NOT IN ({placeholders})", list(wanted))
    rebuilt: set[date] = set()
    for key, filters in wanted.items():
        changed = [
            r[0]
            for r in _run(con, 
                f"""SELECT coalesce(f.day, d.day) FROM _fingerprints f
                    FULL OUTER JOIN (SELECT * FROM {ROLLUP_DAYS} WHERE filter_id = ?) d ON f.day = d.day
                    WHERE f.day IS NULL OR d.day IS NULL OR f.events <> d.events OR f.fingerprint <> d.fingerprint""",
                [key],
            )
        ]
        if not changed:
            continue
        rebuilt.update(changed)
        _run(con, "CREATE OR REPLACE TEMP TABLE _changed AS SELECT unnest(?::DATE[]) AS day", [changed])
        _run(con, f"DELETE FROM {ROLLUP} WHERE filter_id = ? AND day IN (SELECT day FROM _changed)", [key])
        _run(con, f"DELETE FROM {ROLLUP_DAYS} WHERE filter_id = ? AND day IN (SELECT day FROM _changed)", [key])
        sql = ibis.to_sql(_rollup_expr(engine, key, filters, _ranges(changed)), dialect="duckdb")
        _run(con, f"INSERT INTO {ROLLUP} BY NAME {sql}")
        _run(con, 
            f"INSERT INTO {ROLLUP_DAYS} SELECT ?, day, events, fingerprint FROM _fingerprints "
            f"WHERE day IN (SELECT day FROM _changed)",
            [key],
        )
    days_total = _run(con, "SELECT count(*) FROM _fingerprints")[0][0]
    rows = _run(con, f"SELECT count(*) FROM {ROLLUP}")[0][0]
    return RefreshReport(days_total, len(rebuilt), len(wanted), rows)


def _run(con: Any, sql: str, params: list | None = None) -> list[tuple]:
    """Execute and drain the result: DuckDB 2 refuses the next query while one is pending."""
    return con.execute(sql, params or []).fetchall()


def rollup_activity(engine: Engine, specs: Sequence[Any], as_of: datetime) -> Activity:
    """Refresh the rollup, then read activity before ``as_of`` from it."""
    refresh_rollup(engine, specs)
    return Activity.from_table(engine, engine.table(ROLLUP), as_of)


def _ranges(days: list[date]) -> list[tuple[datetime, datetime]]:
    """Changed days as few [start, end) timestamp ranges, so time-sorted storage can skip the rest."""
    out: list[tuple[datetime, datetime]] = []
    for d in sorted(days):
        start = datetime(d.year, d.month, d.day)
        if out and out[-1][1] == start:
            out[-1] = (out[-1][0], start + timedelta(days=1))
        else:
            out.append((start, start + timedelta(days=1)))
    return out


def _rollup_expr(engine: Engine, key: str, filters: tuple, ranges: list[tuple[datetime, datetime]]) -> ibis.Table:
    rows = raw_events(engine)
    in_days = ibis.or_(*(asof.between(rows.ts_last, lo, hi) for lo, hi in ranges))
    rows = rows.filter(in_days)
    if filters:
        rows = rows.filter(property_predicate(engine, rows.properties, filters))
    grouped = rows.group_by(["day", "account_id", "user_id", "event"]).aggregate(
        n=rows.n.sum(), ts_first=rows.ts_first.min(), ts_last=rows.ts_last.max()
    )
    return grouped.mutate(filter_id=ibis.literal(key))
