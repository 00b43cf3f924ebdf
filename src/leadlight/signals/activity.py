"""Activity rows: what signal kinds read, whether raw events or summed rows (kept history, a rollup).

Every kind is written once against this shape::

    account_id, user_id, event, day (DATE, UTC), n (events), ts_first, ts_last

A raw event is one row (``n = 1``, ``ts_first = ts_last = timestamp``); a
summed row (with a ``filter_id``: the kept history of ``incremental.py``, or a
caller's daily rollup) stands for the events of one (account, user, event,
filter slice) group over a span. Only events with a name count as activity (track calls and page views);
identify and group calls say who someone is, not what they did.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

import ibis

from leadlight.config.signals import EventSignal, PropertyFilter
from leadlight.identity import as_of as identity_as_of
from leadlight.signals import asof
from leadlight.storage.engine import Engine
from leadlight.storage.schema import EVENTS

COLUMNS = ("account_id", "user_id", "event", "day", "n", "ts_first", "ts_last")


def filter_key(filters: tuple[PropertyFilter, ...]) -> str:
    """A short stable id for a set of property filters ('' for none): the rollup keeps one slice per id."""
    if not filters:
        return ""
    canonical = json.dumps(sorted(json.dumps(f.model_dump(mode="json"), sort_keys=True) for f in filters))
    return hashlib.sha1(canonical.encode()).hexdigest()[:12]


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def property_predicate(engine: Engine, properties: ibis.Value, filters: tuple[PropertyFilter, ...]) -> ibis.Value:
    """True for events whose JSON properties pass every filter (absent properties fail all but ne/not_in)."""
    result = ibis.literal(True)
    for f in filters:
        v = engine.json_text(properties, f.property)
        if f.op == "eq":
            cond = v == _text(f.value)
        elif f.op == "ne":
            cond = v.isnull() | (v != _text(f.value))
        elif f.op == "in":
            cond = v.isin([_text(x) for x in f.value])  # type: ignore[union-attr]
        elif f.op == "not_in":
            cond = v.isnull() | ~v.isin([_text(x) for x in f.value])  # type: ignore[union-attr]
        elif f.op == "exists":
            cond = v.notnull()
        else:
            number = v.try_cast("float64")
            limit = float(f.value)  # type: ignore[arg-type]
            cond = {"gt": number > limit, "gte": number >= limit, "lt": number < limit, "lte": number <= limit}[f.op]
        result = result & cond.fill_null(False)
    return result


def raw_events(engine: Engine, as_of: datetime | None = None) -> ibis.Table:
    """Resolved events as activity rows (plus ``properties`` for filtering), with identity as known at ``as_of``."""
    e = identity_as_of.events(engine, as_of)
    e = e.filter(e.event.notnull())
    return e.select(
        "account_id",
        "user_id",
        "event",
        day=e.timestamp.date(),
        n=ibis.literal(1, type="int64"),
        ts_first=e.timestamp,
        ts_last=e.timestamp,
        properties=e.properties,
    )


def named_events(engine: Engine) -> ibis.Table:
    """Every named event's ``timestamp``, identity left unresolved: where the span of history and whether any
    exists are read. On DuckDB from the stored events, not the resolved view: its left joins keep every event
    row once at least and change no timestamp, but join identity to every row first."""
    stored = engine.name == "duckdb" and engine.has_table(EVENTS)
    e = engine.table(EVENTS) if stored else identity_as_of.events(engine, None)
    return e.filter(e.event.notnull()).select("timestamp")


@dataclass(frozen=True)
class KeptHistory:
    """A summary of the activity before ``until``, kept between runs (``incremental.py``).

    ``table``: rows ``filter_id, account_id, user_id, event, n, ts_first, ts_last``, several per
    (slice, account, user, event) at times (they merge by sum, min and max). Exact for every measure
    that reads all history with no window: counts, first and last moments, which events.
    """

    engine: Engine
    table: ibis.Table
    until: datetime

    def with_recent(self, recent: ibis.Table, flags: dict[str, tuple[Any, Any]]) -> ibis.Table:
        """The summary plus raw activity rows from ``until`` on in its shape: one copy per filter slice
        in ``flags`` (the plan's property filter sets), and every row once in slice ''."""
        parts = [_summary_shape(self.table, self.table.filter_id, ibis.null("date"))]
        for key, (filters, _) in {"": ((), None), **flags}.items():
            rows = recent
            if filters:
                rows = rows.filter(property_predicate(self.engine, rows.properties, filters))
            parts.append(_summary_shape(rows, ibis.literal(key), rows.day))
        out = parts[0]
        for part in parts[1:]:
            out = out.union(part, distinct=False)
        return out


@dataclass(frozen=True)
class PartialHistory:
    """Kept per-day partials of the windowed measures (``partials.py``): ``table`` rows ``definition, account_id,
    user_id, day, s0, s1, ...`` (several per day at times: they merge as their measures do), complete for the UTC
    days before ``until`` from the earliest day a window can start at; ``index``: each slot's column number."""

    table: ibis.Table
    digest: str
    index: dict[tuple, int]
    until: datetime
    missed: Callable[[], None] = lambda: None  # told when a measure asks for a slot they lack


def _summary_shape(rows: ibis.Table, filter_id: ibis.Value, day: ibis.Value) -> ibis.Table:
    """Summed activity rows with nullable types throughout, so kept and raw rows stack."""
    return rows.select(filter_id=filter_id.cast("string"), account_id=rows.account_id.cast("string"),
                       user_id=rows.user_id.cast("string"), event=rows.event.cast("string"), day=day.cast("date"),
                       n=rows.n.cast("int64"), ts_first=rows.ts_first.cast("timestamp"),
                       ts_last=rows.ts_last.cast("timestamp"))


@dataclass
class Activity:
    """Activity rows before ``as_of``, and how to pick the ones a signal asks for."""

    engine: Engine
    rows: ibis.Table  # history only (ts_last < as_of); has filter_id when from_rollup
    as_of: datetime
    from_rollup: bool
    kept: KeptHistory | None = None  # raw rows, with a summary of those before kept.until (``plan.py``)
    partials: PartialHistory | None = None  # with kept: the windowed measures' days before kept.until

    @classmethod
    def from_events(cls, engine: Engine, as_of: datetime) -> "Activity":
        return cls(engine, asof.history(raw_events(engine, as_of), as_of), as_of, False)

    @classmethod
    def from_table(cls, engine: Engine, rollup: ibis.Table, as_of: datetime) -> "Activity":
        return cls(engine, asof.history(rollup, as_of), as_of, True)

    def event_names(self) -> ibis.Table:
        """``event``: every event name of the activity, once."""
        if self.kept is not None:
            kept = self.kept.table
            recent = self.rows.filter(self.rows.ts_last >= asof.day_start(self.as_of))  # kept.until
            return kept.filter(kept.filter_id == "").select("event").union(recent.select("event"), distinct=True)
        rows = self.rows.filter(self.all_predicate(self.rows))
        return rows.select("event").distinct()

    def event_names_sql(self) -> tuple[str, list] | None:
        """``event_names`` as plain SQL and its parameters, on DuckDB over the stored events (whose names the
        resolved ones keep: resolving joins identity onto every event row); None where only the Ibis query
        applies (Spark, a rollup, a kept summary in another table). A re-score asks for the names each time: this
        builds and compiles no Ibis for them."""
        engine = self.engine
        if engine.name != "duckdb" or engine.connection is None or self.from_rollup or not engine.has_table(EVENTS):
            return None
        named = f"SELECT event FROM {EVENTS} WHERE event IS NOT NULL AND timestamp < ?"
        if self.kept is None:
            return f"SELECT DISTINCT event FROM ({named})", [self.as_of]
        kept = getattr(self.kept.table.op(), "name", None)
        if not isinstance(kept, str) or kept.startswith("_"):
            return None
        midnight = datetime(self.as_of.year, self.as_of.month, self.as_of.day)  # asof.day_start's
        return (f'SELECT event FROM "{kept}" WHERE filter_id = \'\' UNION {named} AND timestamp >= ?',
                [self.as_of, midnight])

    def all_predicate(self, rows: ibis.Table) -> ibis.Value:
        """True for the rows that stand for every activity once (the rollup's unfiltered slice)."""
        return rows.filter_id == "" if self.from_rollup else ibis.literal(True)

    @property
    def all_rows(self) -> ibis.Table:
        """Every activity once (the rollup's unfiltered slice)."""
        return self.rows.filter(self.rows.filter_id == "") if self.from_rollup else self.rows

    def matching(self, spec: EventSignal) -> ibis.Table:
        """Rows of the events ``spec`` names that pass its property filters."""
        t = self.rows
        if self.from_rollup:
            t = t.filter(t.filter_id == filter_key(spec.filters))
        elif spec.filters:
            t = t.filter(property_predicate(self.engine, t.properties, spec.filters))
        names = spec.events
        if names:
            t = t.filter(t.event.isin(list(names)))
        return t
