"""Compile declared signals to Ibis and join them into one frame per level.

``compute_signals(engine, specs, as_of)`` returns lazy Ibis tables: run them
on DuckDB or Spark with ``.to_pandas()`` / ``.to_pyarrow()``. Populations, so
an entity with no activity still gets a row (counts 0, recency null):

* accounts: every row of ``accounts`` plus every account seen in activity before as_of;
* users: users created before as_of (or with no ``created_at``) plus users seen
  in activity before as_of, each with one ``account_id`` (identity link, else
  the users file, else the smallest account id seen in its activity).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any, Callable, Sequence

import ibis

from leadlight.config.signals import AttributeSignal, RatioSignal, check_signal_set
from leadlight.errors import ConfigError
from leadlight.identity import as_of as identity_as_of
from leadlight.signals import asof, attribute
from leadlight.signals.activity import Activity
from leadlight.signals.context import Context
from leadlight.signals.plan import Plan
from leadlight.storage import recipes
from leadlight.storage.engine import Engine
from leadlight.storage.schema import ACCOUNTS, USERS

KINDS = ("count", "distinct_users", "active_days", "recency", "velocity", "breadth", "first_days", "ratio", "attribute")


def kind_module(kind: str) -> ModuleType:
    if kind not in KINDS:
        raise ConfigError(f"signal kind {kind!r} is not known", hint=f"use one of: {', '.join(KINDS)}")
    return importlib.import_module(f"leadlight.signals.{kind}")


def fill_value(spec: Any) -> Any:
    module = kind_module(spec.kind)
    return module.fill(spec) if hasattr(module, "fill") else module.FILL


def sentence(spec: Any, value: Any) -> str:
    """A value of ``spec`` in words a rep understands: "7 teammates invited in the last 14 days"."""
    return kind_module(spec.kind).sentence(spec, value)


@dataclass
class SignalFrames:
    """Signal values as of one moment: ``accounts`` (account_id + account signals), ``users``."""

    accounts: ibis.Table
    users: ibis.Table
    as_of: datetime
    specs: tuple[Any, ...]
    source: str  # 'events' (raw events), 'kept' (raw events and the kept history summary), 'rollup' (a caller's)
    engine: Engine | None = field(default=None, repr=False, compare=False)  # where they run (scoring reuses it)


def spans(specs: Sequence[Any]) -> list:
    """Every time span the specs use (windows, baselines, first-days limits)."""
    out = []
    for s in specs:
        for attr in ("window_td", "baseline_td", "within_td"):
            value = getattr(s, attr, None)
            if value is not None:
                out.append(value)
    return out


def compute_signals(
    engine: Engine,
    specs: Sequence[Any],
    as_of: datetime,
    *,
    incremental: bool = True,
    activity: Activity | None = None,
) -> SignalFrames:
    """Every signal in ``specs`` as of ``as_of``: values come only from events with ``timestamp < as_of``.

    On DuckDB, as of a moment after the latest event, all-history measures read
    the kept history summary (brought up to date with the new events first; see
    ``incremental.py``) and windows read raw events from their start; otherwise,
    or with ``incremental=False``, everything is read from raw events. Both give
    the same values, through
    the same single-pass plan (``plan.py``): activity is aggregated once per
    (account, user) pair and materialised (that one scan runs here, eagerly);
    the returned frames are lazy Ibis tables over that small intermediate.
    On DuckDB the SQL is compiled once per definition and replayed after
    (``storage/recipes.py``).
    """
    specs = tuple(check_signal_set(list(specs)))
    as_of = as_of.replace(microsecond=0, tzinfo=None)
    given = activity is not None
    # Raw events need no Ibis tables unless the definition is built (a replay reads none).
    activity = activity or (activity_for(engine, specs, as_of, incremental) if incremental else None)

    def build() -> dict[str, ibis.Table]:
        frames = build_signals(engine, specs, activity or Activity.from_events(engine, as_of))
        return {"accounts": frames.accounts, "users": frames.users}

    if given:  # a caller's own activity rows: nothing to key them by
        tables = build()
    else:
        key = {"signals": definition_key(specs), "days": day_shape(specs, as_of), **activity_key(engine, activity)}
        tables = recipes.compiled(engine, key, build, volatile_names(engine, as_of), as_of)
    return SignalFrames(tables["accounts"], tables["users"], as_of, specs, _source(activity), engine)


def activity_for(engine: Engine, specs: Sequence[Any], as_of: datetime, incremental: bool) -> Activity:
    """Activity rows to compute ``specs`` from: with the kept history summary (brought up to date first) when it
    applies, else raw events only."""
    if incremental:
        from leadlight.signals.incremental import kept_activity

        kept = kept_activity(engine, specs, as_of, note=lambda message: _note(engine, message))
        if kept is not None:
            return kept
    return Activity.from_events(engine, as_of)


def _note(engine: Engine, message: str) -> None:
    """Tell whoever watches (the ``Progress`` a task left in ``engine.memo``) what the computation decided."""
    progress = engine.memo.get("progress")
    if progress is not None:
        progress.log(message)


def build_signals(engine: Engine, specs: Sequence[Any], activity: Activity) -> SignalFrames:
    """The signal frames as Ibis expressions (no cache): the single-pass plan, then one frame per level."""
    plan, levels = _declared(engine, specs, activity)
    accounts = levels["account"].frame(_accounts(engine, plan))
    users = levels["user"].frame(_users(engine, plan))
    return SignalFrames(accounts, users, activity.as_of, tuple(specs), _source(activity), engine)


def declared_plan(engine: Engine, specs: Sequence[Any], activity: Activity) -> Plan:
    """The single-pass plan with every measure ``specs`` ask for (nothing run but the plan's probes)."""
    return _declared(engine, specs, activity)[0]


def _declared(engine: Engine, specs: Sequence[Any], activity: Activity) -> tuple[Plan, dict[str, "_Level"]]:
    plan = Plan(activity)
    levels = {level: _Level(Context(engine, activity, level, plan), [s for s in specs if s.level == level])
              for level in ("account", "user")}
    for level in levels.values():
        level.declare()
    return plan, levels


def _source(activity: Activity | None) -> str:
    if activity is None:  # raw events
        return "events"
    return "kept" if activity.kept is not None else "rollup" if activity.from_rollup else "events"


def definition_key(models: Sequence[Any]) -> list[Any]:
    """A JSON-able key of config models (signal specs, scoring sections)."""
    return [[type(m).__name__, m.model_dump(mode="json")] for m in models]


def day_shape(specs: Sequence[Any], as_of: datetime) -> list[int]:
    """How many UTC days each span touches as of ``as_of``: the one thing about as_of's time of day the SQL's
    shape depends on (a day mask holds a window's days while they fit in 63 bits)."""
    last = as_of - timedelta(seconds=1)
    return [(last.date() - (as_of - span).date()).days for span in spans(specs)]


def activity_key(engine: Engine, activity: Activity | None) -> dict[str, Any]:
    """What besides the definition (and as_of) the compiled SQL depends on: engine, where activity comes from
    (``None``: raw events)."""
    if activity is None:
        return {"engine": engine.name, "rollup": False, "kept": False}
    partials = activity.partials.digest if activity.partials is not None else None
    return {"engine": engine.name, "rollup": activity.from_rollup, "kept": activity.kept is not None,
            "partials": partials}


def volatile_names(engine: Engine, as_of: datetime) -> dict[str, str]:
    """Identity as of ``as_of`` may live in per-run temp tables: their name prefix, mapped on replay."""
    tables = identity_as_of.tables(engine, as_of)
    if tables == identity_as_of.STORED:
        return {}
    return {"asof": tables.identities.removesuffix("_identities")}


@dataclass
class _Level:
    """The signals of one level: declared to the shared plan first, then joined into one frame."""

    ctx: Context
    specs: list
    reducers: dict[str, Callable[[ibis.Table], ibis.Value]] = field(default_factory=dict)
    own: list = field(default_factory=list)  # kinds that compute a table of their own

    def declare(self) -> None:
        for spec in self.specs:
            if isinstance(spec, (RatioSignal, AttributeSignal)):
                continue
            module = kind_module(spec.kind)
            if hasattr(module, "prepare"):
                module.prepare(spec, self.ctx)
            reducer = module.reduce(spec, self.ctx) if hasattr(module, "reduce") else None
            if reducer is None:
                self.own.append(spec)
            else:
                self.reducers[spec.name] = reducer

    def frame(self, population: ibis.Table) -> ibis.Table:
        key, frame = self.ctx.key, population
        if self.reducers:
            pairs = self.ctx.plan.pairs
            pairs = pairs.filter(pairs[key].notnull())
            frame = frame.left_join(
                pairs.group_by(key).aggregate(**{name: r(pairs) for name, r in self.reducers.items()}), key
            )
        for spec in self.own:
            frame = frame.left_join(kind_module(spec.kind).compile(spec, self.ctx), key)
        attributes = [s for s in self.specs if isinstance(s, AttributeSignal)]
        if attributes:
            frame = frame.left_join(attribute.compile_all(attributes, self.ctx), key)
        columns: dict[str, Any] = {c: frame[c] for c in population.columns}
        for spec in self.specs:
            if isinstance(spec, RatioSignal):
                continue
            fill = fill_value(spec)
            columns[spec.name] = frame[spec.name] if fill is None else ibis.coalesce(frame[spec.name], fill)
        frame = frame.select(**columns)
        ratios = {s.name: kind_module("ratio").derive(s, frame) for s in self.specs if isinstance(s, RatioSignal)}
        return frame.mutate(**ratios) if ratios else frame


def _accounts(engine: Engine, plan: Plan) -> ibis.Table:
    accounts = engine.table(ACCOUNTS)
    listed = accounts.select(account_id=accounts.account_id.cast("string"))
    pairs = plan.pairs
    seen = pairs.filter(pairs.account_id.notnull()).select(account_id=pairs.account_id.cast("string"))
    both = listed.union(seen, distinct=True)
    return both.filter(both.account_id.notnull())


def _users(engine: Engine, plan: Plan) -> ibis.Table:
    users = engine.table(USERS)
    users = users.filter(asof.created_before(users.created_at, plan.as_of))
    pairs = plan.pairs
    pairs = pairs.filter(pairs.user_id.notnull())
    ids = users.select(user_id=users.user_id.cast("string")).union(
        pairs.select(user_id=pairs.user_id.cast("string")), distinct=True
    )
    ids = ids.filter(ids.user_id.notnull())
    ident = identity_as_of.identities(engine, plan.as_of)
    linked = ident.group_by("user_id").aggregate(linked=ident.account_id.min())
    listed = users.group_by("user_id").aggregate(listed=users.account_id.min())
    seen = pairs.group_by("user_id").aggregate(seen=pairs.account_id.min())
    j = ids.left_join(linked, "user_id").left_join(listed, "user_id").left_join(seen, "user_id")
    return j.select("user_id", account_id=ibis.coalesce(j.linked, j.listed, j.seen))
