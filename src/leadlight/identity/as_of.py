"""Identity as it was known at a moment, so values as of D never change when later events arrive.

Identity is learned from events: a group call links a user to a workspace, an
identify call stitches a visitor's anonymous events to a user and reveals an
email domain. Resolved over all events, a group call on day 10 moves the
user's day-3 events into the account, and a score as of day 5 would change
once day 10 is loaded. So as of D, Leadlight resolves identity again from the
events before D only, with the same SQL as ``resolve`` (the users and
accounts files have no history: they apply as they are; a domain only group
calls gave an account counts once such a call came before D). When no event is at
or after D, that is exactly the stored identity, which is used as is: daily
scoring of the latest data pays nothing.

``tables(engine, as_of)`` names what to read: resolved events and identities.
On DuckDB they are temp tables on the engine's connection; on Spark they are
resolved in the project's DuckDB file and served as Parquet, like the stored
tables. Each moment is resolved once per engine while the data stays the same.
"""

from __future__ import annotations

import itertools
import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator, Sequence

import duckdb
import ibis

from leadlight.config.project import IdentityConfig
from leadlight.identity.domains import DomainRules
from leadlight.identity.group_traits import accounts_before_sql
from leadlight.identity.linking import ACTIVITY_PARTIALS, TRAIT_PARTIALS, rebuild_identities, trait_parts
from leadlight.identity.stitching import rebuild_aliases
from leadlight.storage.database import connect
from leadlight.storage.engine import Engine
from leadlight.storage.schema import ALIASES, EVENTS, EVENTS_RESOLVED, IDENTITIES, USERS, resolved_events_sql


@dataclass(frozen=True)
class IdentityTables:
    """Tables to read as of a moment: ``events`` (the shape of events_resolved), ``identities`` and the
    ``aliases`` they were resolved with (None where only the first two are served: Spark)."""

    events: str
    identities: str
    aliases: str | None = None


STORED = IdentityTables(EVENTS_RESOLVED, IDENTITIES, ALIASES)
_NAMES = itertools.count()
# Moments kept per engine, least recently used dropped first (a backtest walks through many). A batch of moments
# read together (a training set's snapshots) must fit: its tables all stay alive while its queries run.
KEEP = 12


def batches(engine: Engine, moments: Sequence[datetime]) -> Iterator[list[datetime]]:
    """``moments`` in groups of at most ``KEEP``: a group's tables all stay resolved while a query reads them.

    On DuckDB the events' per-user activity is first summed once for all of them (``prepare``)."""
    prepare(engine, moments)
    for i in range(0, len(moments), KEEP):
        yield list(moments[i:i + KEEP])


def prepare(engine: Engine, moments: Sequence[datetime]) -> None:
    """Before resolving identity as of many ``moments``: sum each person's activity (the bulk of a resolution)
    once, in parts between consecutive moments, so that each moment merges the parts before it instead of
    reading every earlier event again; likewise the traits of identify calls (their JSON parsed once). DuckDB
    only (Spark resolves in its own connection); exact: sums, firsts and lasts of the parts before a moment are
    those of the events before it."""
    con = engine.connection
    wanted = sorted({d.replace(microsecond=0, tzinfo=None) for d in moments})
    if engine.name != "duckdb" or con is None or len(wanted) < 2 or not engine.has_table(EVENTS):
        return
    state = _data_state(engine)
    if engine.memo.get("identity_parts", (None,))[0] == (tuple(wanted), state):
        return
    name = f"_leadlight_asof_{os.getpid()}_{next(_NAMES)}_parts"
    part = "CASE " + " ".join(f"WHEN timestamp < {_stamp(d)} THEN {i}" for i, d in enumerate(wanted)) + " END"
    con.execute(ACTIVITY_PARTIALS.format(parts=name, part=part, events=EVENTS, end=_stamp(wanted[-1])))
    con.execute(TRAIT_PARTIALS.format(traits=trait_parts(name), part=part, events=EVENTS, end=_stamp(wanted[-1])))
    old = engine.memo.get("identity_parts")
    engine.memo["identity_parts"] = ((tuple(wanted), state), name, {d: i for i, d in enumerate(wanted)})
    if old is not None:
        for table in (old[1], trait_parts(old[1])):
            con.execute(f"DROP TABLE IF EXISTS {table}")
    engine._owned.append(lambda: [_drop_quietly(con, table) for table in (name, trait_parts(name))])


def _drop_quietly(con: duckdb.DuckDBPyConnection, table: str) -> None:
    try:
        con.execute(f"DROP TABLE IF EXISTS {table}")
    except duckdb.Error:  # the connection may already be closed by its owner
        pass


def _stamp(moment: datetime) -> str:
    return f"TIMESTAMP '{moment.strftime('%Y-%m-%d %H:%M:%S')}'"


def _parts_for(engine: Engine, as_of: datetime) -> tuple[str, int] | None:
    """The prepared activity parts and the last part before ``as_of``, when ``prepare`` covered it."""
    prepared = engine.memo.get("identity_parts")
    if prepared is None or prepared[0][1] != _data_state(engine):
        return None
    part = prepared[2].get(as_of.replace(microsecond=0, tzinfo=None))
    return None if part is None else (prepared[1], part)


def events(engine: Engine, as_of: datetime | None) -> ibis.Table:
    """Resolved events with users and accounts as known just before ``as_of`` (None: as known now)."""
    return engine.table(tables(engine, as_of).events)


def identities(engine: Engine, as_of: datetime | None) -> ibis.Table:
    """The ``identities`` table as known just before ``as_of`` (None: as known now)."""
    return engine.table(tables(engine, as_of).identities)


def tables(engine: Engine, as_of: datetime | None) -> IdentityTables:
    if as_of is None or not engine.has_table(EVENTS if engine.name == "duckdb" else EVENTS_RESOLVED):
        return STORED  # nothing to re-resolve from (e.g. the bench's bare event file)
    state = _data_state(engine)
    latest = state[1]
    if latest is None or latest < as_of:
        return STORED
    memo: dict[tuple, IdentityTables] = engine.memo.setdefault("identity_as_of", {})
    key = (as_of, state)
    if key in memo:
        memo[key] = memo.pop(key)  # now the most recently used
        return memo[key]
    if len(memo) >= KEEP:
        _forget(engine, memo.pop(next(iter(memo))))
    memo[key] = _resolve(engine, as_of)
    return memo[key]


def _data_state(engine: Engine) -> tuple[Any, ...]:
    """What the resolution depends on, cheaply: events (count, latest) and users (count)."""
    if engine.connection is not None:  # DuckDB answers these from table statistics, without Ibis' overhead
        return engine.connection.execute(
            f"SELECT (SELECT count(*) FROM {EVENTS}), (SELECT max(timestamp) FROM {EVENTS}), (SELECT count(*) FROM {USERS})"
        ).fetchall()[0]
    source = engine.table(EVENTS_RESOLVED)
    row = source.aggregate(n=source.count(), latest=source.timestamp.max()).to_pandas().iloc[0]
    latest = None if row.latest is None or row.latest != row.latest else row.latest.to_pydatetime()
    return (int(row.n), latest, int(engine.table(USERS).count().to_pandas()))


def _resolve(engine: Engine, as_of: datetime) -> IdentityTables:
    prefix = f"_leadlight_asof_{os.getpid()}_{next(_NAMES)}"
    rules = engine.memo.get("domain_rules")
    if rules is None:  # one per engine: it remembers the domains it classified, the same at every moment
        rules = engine.memo["domain_rules"] = DomainRules.from_config(engine.identity or IdentityConfig())
    if engine.name == "duckdb" and engine.connection is not None:
        return resolve_before(engine.connection, as_of, rules, prefix, _parts_for(engine, as_of))
    return _serve_to_spark(engine, as_of, rules, prefix)


def resolve_before(con: duckdb.DuckDBPyConnection, as_of: datetime, rules: DomainRules, prefix: str,
                   parts: tuple[str, int] | None = None) -> IdentityTables:
    """Temp tables ``<prefix>_identities`` and ``<prefix>_events_resolved`` from the events before ``as_of``
    (``parts``: the activity summed by ``prepare``, and the last part before ``as_of``)."""
    before, aliases, ident = f"{prefix}_events", f"{prefix}_aliases", f"{prefix}_identities"
    stamp = as_of.strftime("%Y-%m-%d %H:%M:%S")
    con.execute(f"CREATE OR REPLACE TEMP VIEW {before} AS SELECT * FROM {EVENTS} WHERE timestamp < TIMESTAMP '{stamp}'")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {aliases} AS SELECT * FROM {ALIASES} LIMIT 0")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {ident} AS SELECT * FROM {IDENTITIES} LIMIT 0")
    con.execute(f"CREATE OR REPLACE TEMP VIEW {prefix}_accounts AS {accounts_before_sql(con, before)}")
    rebuild_aliases(con, events=before, aliases=aliases, parts=parts)
    rebuild_identities(con, rules, events=before, aliases=aliases, identities=ident, accounts=f"{prefix}_accounts",
                       parts=parts)
    resolved = f"{prefix}_events_resolved"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {resolved} AS {resolved_events_sql(before, aliases, ident)}")
    return IdentityTables(resolved, ident, aliases)


def _serve_to_spark(engine: Engine, as_of: datetime, rules: DomainRules, prefix: str) -> IdentityTables:
    """Resolve in the project's DuckDB file, then serve both tables to Spark as Parquet."""
    if engine.project is None:
        raise RuntimeError("resolving identity as of a moment on Spark needs the project's DuckDB file")
    out = engine.project.exchange_dir / prefix
    out.mkdir(parents=True, exist_ok=True)
    con = connect(engine.project)
    try:
        names = resolve_before(con, as_of, rules, prefix)
        con.execute(f"COPY (SELECT * FROM {names.events} ORDER BY timestamp) TO '{out / 'events.parquet'}' (FORMAT parquet)")
        con.execute(f"COPY {names.identities} TO '{out / 'identities.parquet'}' (FORMAT parquet)")
    finally:
        con.close()
    session = engine.backend._session
    served = IdentityTables(f"{prefix}_events_resolved", f"{prefix}_identities")
    session.read.parquet(str(out / "events.parquet")).createOrReplaceTempView(served.events)
    session.read.parquet(str(out / "identities.parquet")).createOrReplaceTempView(served.identities)
    engine._owned.append(lambda: _forget(engine, served))
    return served


def _forget(engine: Engine, names: IdentityTables) -> None:
    if engine.name == "duckdb" and engine.connection is not None:
        prefix = names.identities.removesuffix("_identities")
        for view in (names.events, f"{prefix}_events", f"{prefix}_accounts"):
            engine.connection.execute(f"DROP VIEW IF EXISTS {view}")
        for table in (names.identities, names.aliases):
            engine.connection.execute(f"DROP TABLE IF EXISTS {table}")
        return
    session = engine.backend._session
    for view in (names.events, names.identities):
        session.catalog.dropTempView(view)
    if engine.project is not None:
        shutil.rmtree(engine.project.exchange_dir / names.identities.removesuffix("_identities"), ignore_errors=True)
