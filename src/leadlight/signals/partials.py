"""Kept partials of the windowed measures: what a re-score reads instead of every day of every window.

A windowed measure (``plan.py``: a count, a day mask, a slice mask, an event
mask, each from a window start) is a sum or an OR over the UTC days its
window holds. ``signal_partials`` keeps, per (account, user, UTC day), the
day's *slots*: the partial values those measures are made of (the day's
matching events; the OR of the matching names' bits; the epoch seconds of the
day's first and last match), one column each (``s0``..``s15``; a definition's slots past 16 are not kept,
and the measures reading them read raw events). A re-score as of any
second reads the whole days of each window from it and, from raw events, only
the part of the window's first day it cuts and the current day (exact at any
second; a slice mask's day meets at most two of its slices when they are a day
or longer, so its first and last match say which). A slice under a day reads
raw events.

Rows are keyed by ``definition``, a digest of the slots (which events,
property filters, names and kinds: what the signal definitions ask for). A
changed definition (a new ``leadlight.yml``, a new event name a breadth
signal counts) builds them again from raw events, and says so. They follow
the kept history (``incremental.py``) step for step: from the midnight the
longest window can reach back to, up to ``until``; late events and the days
``until`` moves over are added as rows of their own (merged when read, as
their measures merge; compacted once they grow by half); users whose identity
links changed are recomputed; a rebuild of the kept history rebuilds them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Sequence

import duckdb
import ibis

from leadlight.signals import incremental
from leadlight.signals.activity import Activity, PartialHistory, property_predicate
from leadlight.signals.plan import Slot
from leadlight.storage.engine import Engine
from leadlight.storage.schema import EVENTS

PARTIALS = "signal_partials"
STATE = "signal_partials_state"
FORMAT = 1  # bump when what a slot holds changes
_MERGE = {"count": "sum", "events": "bit_or", "first": "min", "last": "max"}
DAY = timedelta(days=1)
COLUMNS = 16  # slot columns of signal_partials (migration 71)


@dataclass(frozen=True)
class Definition:
    """The slots kept for a definition, the longest window reading each, its digest."""

    slots: tuple[Slot, ...]
    reaches: tuple[timedelta, ...]
    digest: str
    truncated: bool = False  # more slots than columns: the measures reading the others read raw events

    @property
    def reach(self) -> timedelta:
        """How far back the longest window reaches."""
        return max(self.reaches)

    @property
    def index(self) -> dict[tuple, int]:
        return {slot.key: i for i, slot in enumerate(self.slots)}


def definition(engine: Engine, specs: Sequence[Any], activity: Activity) -> Definition | None:
    """The partials ``specs`` need (None when no measure reads any). Declaring the plan to find them reads the
    event names a breadth signal counts, so it is remembered per definition in this process (a run loop's),
    and forgotten when a measure asks for a slot it lacks (``PartialHistory.missed``)."""
    from leadlight.signals.compile import declared_plan  # compile builds on this package's modules

    key = _key(engine, specs)
    if key not in _DEFINITIONS:
        slots = declared_plan(engine, specs, activity).partial_slots()
        found = None
        if slots:
            kept = sorted(slots, key=lambda s: repr(s.key))[:COLUMNS]
            reaches = tuple(slots[s] + DAY for s in kept)  # a day more: whole days of any moment of until's day
            described = [[repr(s.key), r // DAY] for s, r in zip(kept, reaches)]
            digest = hashlib.sha1(json.dumps([FORMAT, described]).encode()).hexdigest()[:16]
            found = Definition(tuple(kept), reaches, digest, len(slots) > COLUMNS)
        if len(_DEFINITIONS) >= 16:
            _DEFINITIONS.clear()
        _DEFINITIONS[key] = found
    return _DEFINITIONS[key]


_DEFINITIONS: dict[str, Definition | None] = {}


def _key(engine: Engine, specs: Sequence[Any]) -> str:
    from leadlight.signals.compile import definition_key

    return json.dumps([str(engine.project.root) if engine.project else None, definition_key(specs)], sort_keys=True)


def attach(engine: Engine, specs: Sequence[Any], activity: Activity, update: incremental.KeptUpdate,
           note: Callable[[str], None]) -> PartialHistory | None:
    """Bring the partials of ``specs`` to ``activity.kept.until`` (after the kept history's ``update``); what
    the plan reads them as, or None when it reads raw events for the windows (no windows, or a failure)."""
    if not engine.has_table(PARTIALS):
        return None
    found = definition(engine, specs, activity)
    if found is None:
        return None
    until = activity.kept.until  # type: ignore[union-attr]
    try:
        if not _refresh(engine, found, until, update, note):
            return None
    except duckdb.Error as err:
        note(f"kept window partials not updated ({type(err).__name__}): windows read every day's events")
        return None
    key = _key(engine, specs)
    missed = (lambda: None) if found.truncated else (lambda: _DEFINITIONS.pop(key, None))
    return PartialHistory(engine.table(PARTIALS), found.digest, found.index, until, missed)


def _refresh(engine: Engine, found: Definition, until: datetime, update: incremental.KeptUpdate,
             note: Callable[[str], None]) -> bool:
    con = engine.connection
    run = incremental._run
    first_day = (until - found.reach).date()  # the earliest day a window as of a moment of until's day holds
    state = run(con, f"SELECT definition, first_day, until, events_seen, identity, kept_rows, compacted_rows "
                     f"FROM {STATE}")
    reason = _distrust(state, found, first_day, update)
    if reason is None and state[0][2] > until:
        return False
    events = incremental._scalar(con, f"SELECT count(*) FROM {EVENTS}")
    con.begin()
    try:
        if reason is not None:
            if not update.rebuilt:  # a rebuilt kept history has said so already
                note(f"building the kept window partials from the events since {first_day}: {reason}")
            run(con, f"DELETE FROM {PARTIALS}")
            rows = compacted = _insert(engine, found, until, f"SELECT * FROM {EVENTS} WHERE timestamp >= ? "
                                                      f"AND timestamp < ?", [_midnight(first_day), until])
        else:
            _, kept_from, old_until, seen, identity, rows, compacted = state[0]
            kept_from = _midnight(kept_from)
            if identity != update.identity and update.moved is not None:
                run(con, f"DELETE FROM {PARTIALS} WHERE {update.moved.where}")
                _insert(engine, found, until, f"SELECT * FROM ({update.moved.events_sql}) WHERE timestamp >= ?",
                        [seen, old_until, kept_from], keep=update.moved.where)
            if events > seen:  # late events: appended since, stamped before the old cutoff
                _insert(engine, found, until, f"SELECT * FROM {EVENTS} WHERE rowid >= ? AND timestamp >= ? "
                                       f"AND timestamp < ?", [seen, kept_from, old_until])
            if until > old_until:
                _insert(engine, found, until, f"SELECT * FROM {EVENTS} WHERE timestamp >= ? AND timestamp < ?",
                        [max(old_until, _midnight(first_day)), until])
            rows = incremental._scalar(con, f"SELECT count(*) FROM {PARTIALS}")
            if rows > 1.5 * max(compacted, 1):
                rows = compacted = _compact(con, found, first_day)
            else:
                first_day = kept_from.date()
        run(con, f"DELETE FROM {STATE}")
        run(con, f"INSERT INTO {STATE} VALUES (?, ?, ?, ?, ?, ?, ?, current_timestamp)",
            [found.digest, first_day, until, events, update.identity, rows, compacted])
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return True


def _distrust(state: list[tuple], found: Definition, first_day: Any, update: incremental.KeptUpdate) -> str | None:
    """Why the kept partials must be built again from raw events (None when they can be brought up to date)."""
    if not state:
        return "nothing kept yet"
    digest, kept_from, _, _, identity, _, _ = state[0]
    if digest != found.digest:
        return "the windowed signals changed"
    if update.rebuilt:
        return "the kept signal history was rebuilt"
    if kept_from > first_day:
        return "a window reaches further back"
    if identity != update.identity and (update.moved is None or identity != update.identity_before):
        return "identity links changed"
    return None


def _midnight(day: Any) -> datetime:
    return datetime(day.year, day.month, day.day)


def _insert(engine: Engine, found: Definition, until: datetime, events_sql: str, params: list,
            keep: str | None = None) -> int:
    def select() -> str:
        grouped = _SQL.get(found.digest)
        if grouped is None:
            grouped = _SQL[found.digest] = _day_sql(engine, found)
        merged = {f"s{i}": f"{_MERGE[slot.kind]}(g.s{i})::BIGINT" for i, slot in enumerate(found.slots)}
        days = incremental.resolved(grouped.replace(_UNTIL_SQL, f"TIMESTAMP '{until:%Y-%m-%d %H:%M:%S}'"),
                                    ["day"], merged, keep)
        return f"SELECT '{found.digest}' AS definition, * FROM ({days})"

    return incremental.summarise(engine, PARTIALS, events_sql, params, select)


_SQL: dict[str, str] = {}  # the day-partials SELECT per definition digest: the same every run
# Where the SQL holds the cutoff of the update (cached SQL serves every day): replaced by it before running.
_UNTIL = datetime(1900, 1, 1, 0, 0, 1)
_UNTIL_SQL = "MAKE_TIMESTAMP(1900, 1, 1, 0, 0, 1.0)"


def _day_sql(engine: Engine, found: Definition) -> str:
    """SQL: the slots of the raw events of ``_SOURCE`` per UTC day and the ids that resolve them (``user_id``,
    ``anonymous_id``, ``group_id``), for the days and ids some slot matches."""
    rows = engine.table(incremental._SOURCE)
    rows = rows.filter(rows.event.notnull())
    matches = {}
    for slot in found.slots:
        key = slot.key[1]
        if key not in matches:
            spec = slot.spec
            cond = ibis.literal(True)
            if spec is not None and spec.filters:
                cond = property_predicate(engine, rows.properties, spec.filters)
            if spec is not None and spec.events:
                cond = cond & rows.event.isin(sorted(spec.events))
            matches[key] = cond
    # A slot holds the days its longest window can read as of a moment of until's day; none before.
    until = ibis.literal(_UNTIL, type="timestamp")
    order = list(matches)
    rows = rows.mutate(**{f"_hit{i}": cond for i, cond in enumerate(matches.values())})
    rows = rows.mutate(**{f"_in{i}": rows[f"_hit{order.index(slot.key[1])}"] & (
        rows.timestamp >= until - ibis.interval(days=reach // DAY))
        for i, (slot, reach) in enumerate(zip(found.slots, found.reaches))})
    rows = rows.filter(ibis.or_(*(rows[f"_in{i}"] for i in range(len(found.slots)))))
    values = {f"s{i}": _slot(engine, rows, slot, rows[f"_in{i}"]) for i, slot in enumerate(found.slots)}
    days = rows.group_by(["user_id", "anonymous_id", "group_id", rows.timestamp.date().name("day")]).aggregate(
        **values)
    return ibis.to_sql(days, dialect="duckdb")


def _slot(engine: Engine, rows: ibis.Table, slot: Slot, hit: ibis.Value) -> ibis.Value:
    if slot.kind == "count":
        return rows.count(where=hit).cast("int64")
    if slot.kind in ("first", "last"):
        seconds = rows.timestamp.epoch_seconds().cast("int64")
        return seconds.min(where=hit) if slot.kind == "first" else seconds.max(where=hit)
    names = slot.names or ()
    bits = [(name, ibis.literal(1 << i, type="int64")) for i, name in enumerate(names)]
    guard = slot.spec is None or not slot.spec.events  # names read from the data: one more bit for any other
    other = ibis.literal(1 << len(names), type="int64") if guard else ibis.null("int64")
    mask = rows.event.cases(*bits, else_=other).cast("int64")
    return engine.bit_or(hit.ifelse(mask, ibis.null("int64")))


def _compact(con: Any, found: Definition, first_day: Any) -> int:
    """One row per (account, user, day) again, from ``first_day`` on; returns how many."""
    merged = ", ".join(f"{_MERGE[slot.kind]}(s{i})::BIGINT AS s{i}" for i, slot in enumerate(found.slots))
    run = incremental._run
    run(con, f"CREATE OR REPLACE TEMP TABLE _leadlight_partials_compact AS SELECT definition, account_id, "
             f"user_id, day, {merged} FROM {PARTIALS} WHERE day >= ? GROUP BY ALL", [first_day])
    run(con, f"DELETE FROM {PARTIALS}")
    run(con, f"INSERT INTO {PARTIALS} BY NAME SELECT * FROM _leadlight_partials_compact")
    run(con, "DROP TABLE _leadlight_partials_compact")
    return incremental._scalar(con, f"SELECT count(*) FROM {PARTIALS}")
