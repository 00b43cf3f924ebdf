"""Kept history: what a re-score reuses, so that it costs what the new events cost, not what history costs.

Every signal value is an aggregate of activity per (account, user) pair
(``plan.py``). The measures that read all history without a window (counts,
first and last moments, which events) are sums, minimums, maximums and ORs:
a summary of the old events merges exactly with the new ones. The table
``signal_kept`` is that summary: rows of (filter slice, account, user, event)
with the number of events and their first and last timestamps, for the
resolved activity before ``until`` (the UTC midnight before as_of).
``signal_kept_state`` records what it was built from. The windows read raw
events from their own start (time-sorted storage skips the older row
groups), and only the events their measures name (``Plan._kept_parts``).

A score as of a moment after the latest event (identity as known now: see
``identity.as_of``) first brings the summary up to date:

* the events table only grows, so the events appended since the last update
  are found by position; those stamped before ``until`` (late arrivals) are
  merged into the summary, and when ``until`` moves to a later midnight the
  raw events in between are merged too. Rows of one key then repeat; a
  compaction sums them once they reach half the summary's size;
* it is rebuilt from every event, and the progress output says why, when it
  cannot be trusted: nothing kept yet (or only the mark a first score left),
  the identity links changed (a group or identify call re-linked or stitched
  someone, so old events may belong to another user or account now), events
  were removed, the signals' property filters need a slice it lacks, or its
  format changed.

Building it costs about what the signals from raw events cost, so a caller that may never score again
(``leadlight score``, ``engine.memo["defer_kept"]``) leaves it to the next score: a first score, with nothing
kept, reads raw events and only marks the state (format ``DEFERRED``); the score after builds it.

A moment earlier than the summary's cutoff (or identity as of a past moment)
is computed from raw events, leaving the summary as it is. Values are the same
either way (tests/unit/signals/test_incremental.py and the property test
tests/functional/test_rescore_property.py compare with a full recompute).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Sequence

import duckdb
import ibis

from leadlight.config.signals import EventSignal, PropertyFilter
from leadlight.identity import as_of as identity_as_of
from leadlight.signals.activity import Activity, KeptHistory, filter_key, property_predicate
from leadlight.storage.engine import Engine
from leadlight.storage.schema import ALIASES, EVENTS, IDENTITIES

KEPT = "signal_kept"
STATE = "signal_kept_state"
LINKS = "signal_kept_links"
_LINKS_NOW = (f"SELECT 'account' AS kind, user_id AS key, account_id AS target FROM {IDENTITIES} "
              f"UNION ALL SELECT 'alias', anonymous_id, user_id FROM {ALIASES}")
_MOVED = "_leadlight_kept_moved"
_RELINK_AT_MOST = 2000  # users whose history is recomputed one by one; more (or a tenth of all): rebuilt
FORMAT = 1  # bump when what the summary holds changes: kept state of another format is rebuilt
DEFERRED = 0  # the format of the state a first score leaves when it defers the building to the next
_SOURCE = "_leadlight_kept_source"


def slices(specs: Sequence[Any]) -> dict[str, tuple[PropertyFilter, ...]]:
    """Filter slices the specs need: '' (all events) plus one per distinct filter set."""
    out: dict[str, tuple[PropertyFilter, ...]] = {"": ()}
    for s in specs:
        if isinstance(s, EventSignal) and s.filters:
            out[filter_key(s.filters)] = s.filters
    return out


def kept_activity(engine: Engine, specs: Sequence[Any], as_of: datetime,
                  note: Callable[[str], None] = lambda _: None) -> Activity | None:
    """Raw activity before ``as_of`` with the kept summary up to date, or None when it does not apply (not
    DuckDB, a read-only file, identity as of a past moment, a moment before the summary's cutoff)."""
    con = engine.connection
    if engine.name != "duckdb" or con is None or not engine.has_table(KEPT) or not engine.has_table(EVENTS):
        return None
    if identity_as_of.tables(engine, as_of) != identity_as_of.STORED:
        return None
    until = datetime(as_of.year, as_of.month, as_of.day)
    try:
        update = refresh(engine, specs, until, note)
        if update is None:
            return None
        activity = Activity.from_events(engine, as_of)
        activity.kept = KeptHistory(engine, engine.table(KEPT), until)
        from leadlight.signals import partials  # it reads this module's helpers

        activity.partials = partials.attach(engine, specs, activity, update, note)
        return activity
    except duckdb.Error as err:  # e.g. a project opened read-only: compute from raw events
        note(f"kept history not updated ({type(err).__name__}): computing from every event")
        return None
    finally:
        try:
            con.execute(f"DROP TABLE IF EXISTS {_MOVED}").fetchall()  # left by a relink for the partials
        except duckdb.Error:
            pass


@dataclass(frozen=True)
class Moved:
    """Users whose identity links changed (``_MOVED``): the rows of theirs (``where``, over resolved rows: the
    ones to drop, then the ones to keep of what is summarised again) and the events to summarise again
    (``events_sql`` with two parameters, events seen and until)."""

    where: str
    events_sql: str


@dataclass(frozen=True)
class KeptUpdate:
    """What ``refresh`` did: rebuilt from every event, or kept with the identity fingerprint it had before and
    the users it recomputed (the kept partials of ``partials.py`` follow the same way)."""

    rebuilt: bool
    identity_before: str | None
    identity: str
    moved: Moved | None = None


def refresh(engine: Engine, specs: Sequence[Any], until: datetime, note: Callable[[str], None]) -> KeptUpdate | None:
    """Bring ``signal_kept`` to the events before ``until``; None when it is ahead of ``until`` (left as is)."""
    con = engine.connection
    wanted = slices(specs)
    events = _scalar(con, f"SELECT count(*) FROM {EVENTS}")
    identity = _identity(con)
    state = _run(con, f"SELECT until, events_seen, identity, slices, format, kept_rows, compacted_rows FROM {STATE}")
    reason = _distrust(con, state, wanted)
    if reason is None and state[0][0] > until:
        return None
    if not state and engine.memo.get("defer_kept"):
        _run(con, f"INSERT INTO {STATE} VALUES (?, 0, ?, '[]', {DEFERRED}, 0, 0, current_timestamp)", [until, identity])
        return None
    moved = None
    con.begin()
    try:
        if reason is None and state[0][2] != identity:
            reason, moved = _relink(engine, wanted, state[0][0], state[0][1], note)
        if reason is not None:
            note(f"rebuilding the kept signal history from every event: {reason}")
            _run(con, f"DELETE FROM {KEPT}")
            kept_rows = compacted = _insert(engine, wanted, f"SELECT * FROM {EVENTS} WHERE timestamp < ?", [until])
        else:
            old_until, seen, _, _, _, kept_rows, compacted = state[0]
            if events > seen:  # late events: appended since, stamped before the cutoff
                _insert(engine, wanted, f"SELECT * FROM {EVENTS} WHERE rowid >= ? AND timestamp < ?", [seen, old_until])
            if until > old_until:
                _insert(engine, wanted, f"SELECT * FROM {EVENTS} WHERE timestamp >= ? AND timestamp < ?",
                                 [old_until, until])
            kept_rows = _scalar(con, f"SELECT count(*) FROM {KEPT}")
            if kept_rows > 1.5 * max(compacted, 1):
                kept_rows = compacted = _compact(con)
        if reason is not None or state[0][2] != identity:
            _run(con, f"DELETE FROM {LINKS}")
            _run(con, f"INSERT INTO {LINKS} {_LINKS_NOW}")
        _run(con, f"DELETE FROM {STATE}")
        _run(con, f"INSERT INTO {STATE} VALUES (?, ?, ?, ?, ?, ?, ?, current_timestamp)",
             [until, events, identity, json.dumps(sorted(wanted)), FORMAT, kept_rows, compacted])
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return KeptUpdate(reason is not None, state[0][2] if state else None, identity, moved)


def _distrust(con: Any, state: list[tuple], wanted: dict[str, Any]) -> str | None:
    """Why the kept summary cannot be used as it is (None when it can)."""
    if not state:
        return "nothing kept yet"
    _, seen, _, kept_slices, fmt, _, _ = state[0]
    if fmt == DEFERRED:
        return "the first score left it to the next"
    if fmt != FORMAT:
        return "it was kept in an older format"
    if not set(wanted) <= set(json.loads(kept_slices)):
        return "the signals filter event properties in a new way"
    if _scalar(con, f"SELECT count(*) FROM {EVENTS} WHERE rowid < ?", [seen]) != seen:
        return "events were removed"
    return None


def _relink(engine: Engine, wanted: dict[str, tuple], until: datetime, seen: int,
            note: Callable[[str], None]) -> tuple[str | None, Moved | None]:
    """Identity links changed since the summary was kept: recompute the summary of the users they touch (the
    users whose account changed; for a changed alias its old and new user, and the anonymous activity).
    Returns why a rebuild is better instead (too many users touched), or who moved (``_MOVED`` is left for
    the kept partials, dropped by ``kept_activity``)."""
    con = engine.connection
    _run(con, f"""CREATE OR REPLACE TEMP TABLE {_MOVED} AS
        WITH now AS ({_LINKS_NOW}), changed AS (
            (SELECT * FROM now EXCEPT SELECT kind, key, target FROM {LINKS})
            UNION ALL (SELECT kind, key, target FROM {LINKS} EXCEPT SELECT * FROM now))
        SELECT key AS user_id, kind FROM changed WHERE kind = 'account'
        UNION SELECT target, kind FROM changed WHERE kind = 'alias' AND target IS NOT NULL
        UNION SELECT key, kind FROM changed WHERE kind = 'alias'""")
    moved, aliases = _run(con, f"SELECT count(DISTINCT user_id), count(*) FILTER (kind = 'alias') FROM {_MOVED}")[0]
    users = _scalar(con, f"SELECT count(*) FROM {IDENTITIES}")
    if moved > max(_RELINK_AT_MOST, users // 10):
        return f"identity links changed for {moved} users", None
    anonymous = " OR user_id IS NULL" if aliases else ""  # a stitched visitor's events had no user
    users_moved = f"SELECT user_id FROM {_MOVED}"
    who = Moved(f"user_id IN ({users_moved}){anonymous}",
                f"SELECT * FROM {EVENTS} WHERE rowid < ? AND timestamp < ? AND (user_id IN ({users_moved}) OR "
                f"coalesce(user_id, anonymous_id) IN (SELECT anonymous_id FROM {ALIASES} "
                f"WHERE user_id IN ({users_moved})){anonymous})")
    _run(con, f"DELETE FROM {KEPT} WHERE {who.where}")
    _insert(engine, wanted, who.events_sql, [seen, until], keep=who.where)
    note(f"identity links changed for {moved} user{'s' if moved != 1 else ''}: "
         "their kept signal history was recomputed")
    return None, who


def _identity(con: Any) -> str:
    """A fingerprint of what resolves an event's user and account: aliases and identity links."""
    row = _run(con, f"SELECT (SELECT sum(hash(anonymous_id, user_id)) FROM {ALIASES}), "
                    f"(SELECT sum(hash(user_id, account_id)) FROM {IDENTITIES}), (SELECT count(*) FROM {IDENTITIES})")
    return ":".join(str(v) for v in row[0])


def _insert(engine: Engine, wanted: dict[str, tuple], events_sql: str, params: list, keep: str | None = None) -> int:
    """Summarise the resolved activity of the events ``events_sql`` selects (the resolved rows ``keep`` holds for)
    into ``signal_kept``; rows added."""
    def sql() -> str:
        grouped = _SUMMARY_SQL.get(tuple(wanted))
        if grouped is None:
            grouped = _SUMMARY_SQL[tuple(wanted)] = _summary_sql(engine, wanted)
        return resolved(grouped, ["filter_id", "event"], {"n": "sum(g.n)::BIGINT", "ts_first": "min(g.ts_first)",
                                                           "ts_last": "max(g.ts_last)"}, keep)

    return summarise(engine, KEPT, events_sql, params, sql)


def summarise(engine: Engine, table: str, events_sql: str, params: list, select: Callable[[], str]) -> int:
    """Insert into ``table`` what ``select()`` (SQL over the view ``_SOURCE``: the raw events ``events_sql``
    selects) makes of them; rows added."""
    con = engine.connection
    con.execute(f"CREATE OR REPLACE TEMP VIEW {_SOURCE} AS {_bind(events_sql, params)}").fetchall()  # type: ignore[union-attr]
    try:
        return int(_run(con, f"INSERT INTO {table} BY NAME {select()}")[0][0])  # DuckDB answers how many rows
    finally:
        con.execute(f"DROP VIEW IF EXISTS {_SOURCE}").fetchall()  # type: ignore[union-attr]


def resolved(grouped: str, keys: list[str], merged: dict[str, str], keep: str | None = None, *,
             aliases: str = ALIASES, identities: str = IDENTITIES) -> str:
    """SQL: the rows of ``grouped`` (raw events grouped by their ``user_id``, ``anonymous_id``, ``group_id`` and
    ``keys``) resolved to a user and an account as ``schema.resolved_events_sql`` resolves each event (which
    depends on those three ids only), merged (``merged``: column -> aggregate of ``g``) per (account, user,
    ``keys``); only the rows ``keep`` holds for. Resolving the groups, not every event, joins far fewer rows.
    ``aliases`` and ``identities``: identity as known now, or as of a moment (``identity.as_of.tables``)."""
    columns = ", ".join(f"g.{k}" for k in keys)
    aggregates = ", ".join(f"{expr} AS {name}" for name, expr in merged.items())
    sql = f"""SELECT {columns}, coalesce(i.account_id, g.group_id) AS account_id,
               coalesce(a.user_id, g.user_id) AS user_id, {aggregates}
        FROM ({grouped}) AS g
        LEFT JOIN {aliases} AS a ON a.anonymous_id = coalesce(g.user_id, g.anonymous_id)
        LEFT JOIN {identities} AS i ON i.user_id = coalesce(a.user_id, g.user_id)
        GROUP BY ALL"""
    return sql if keep is None else f"SELECT * FROM ({sql}) WHERE {keep}"


_SUMMARY_SQL: dict[tuple, str] = {}  # the summarising SELECT per set of filter slices: the same every run


def _summary_sql(engine: Engine, wanted: dict[str, tuple]) -> str:
    """SQL: the raw events of ``_SOURCE`` grouped per filter slice, event and the ids that resolve them."""
    rows = engine.table(_SOURCE)
    rows = rows.filter(rows.event.notnull())
    parts = []
    for key, filters in wanted.items():
        part = rows.filter(property_predicate(engine, rows.properties, filters)) if filters else rows
        parts.append(part.group_by(["user_id", "anonymous_id", "group_id", "event"]).aggregate(
            n=part.count().cast("int64"), ts_first=part.timestamp.min(), ts_last=part.timestamp.max(),
        ).mutate(filter_id=ibis.literal(key)))
    union = parts[0]
    for part in parts[1:]:
        union = union.union(part, distinct=False)
    return ibis.to_sql(union, dialect="duckdb")


def _compact(con: Any) -> int:
    """One row per (slice, account, user, event) again; returns how many."""
    _run(con, f"CREATE OR REPLACE TEMP TABLE _leadlight_kept_compact AS SELECT filter_id, account_id, user_id, event, "
              f"sum(n)::BIGINT AS n, min(ts_first) AS ts_first, max(ts_last) AS ts_last FROM {KEPT} GROUP BY ALL")
    _run(con, f"DELETE FROM {KEPT}")
    _run(con, f"INSERT INTO {KEPT} BY NAME SELECT * FROM _leadlight_kept_compact")
    _run(con, "DROP TABLE _leadlight_kept_compact")
    return _scalar(con, f"SELECT count(*) FROM {KEPT}")


def _bind(sql: str, params: list) -> str:
    """Parameters written into a view's SQL (views take none): positions and moments only."""
    for value in params:
        text = f"TIMESTAMP '{value:%Y-%m-%d %H:%M:%S}'" if isinstance(value, datetime) else str(int(value))
        sql = sql.replace("?", text, 1)
    return sql


def _scalar(con: Any, sql: str, params: list | None = None) -> Any:
    return _run(con, sql, params)[0][0]


def _run(con: Any, sql: str, params: list | None = None) -> list[tuple]:
    """Execute and drain the result: DuckDB 2 refuses the next query while one is pending."""
    return con.execute(sql, params or []).fetchall()
