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
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import Any, Sequence

import ibis

from leadlight.config.signals import RatioSignal, check_signal_set
from leadlight.errors import ConfigError
from leadlight.signals import asof
from leadlight.signals.activity import Activity
from leadlight.signals.context import Context
from leadlight.storage.engine import Engine
from leadlight.storage.schema import ACCOUNTS, IDENTITIES, USERS

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
    source: str  # 'events' (read raw events) or 'rollup' (the incremental daily rollup)


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

    On DuckDB, when as_of is a midnight and every window is whole days, values
    are read from the incremental daily rollup (refreshed first, only for days
    that changed; see ``incremental.py``); otherwise, or with
    ``incremental=False``, from raw events. Both give the same values.
    """
    specs = tuple(check_signal_set(list(specs)))
    as_of = as_of.replace(microsecond=0, tzinfo=None)
    if activity is None and incremental:
        from leadlight.signals import incremental as rollup

        if rollup.eligible(engine, specs, as_of, spans(specs)):
            activity = rollup.rollup_activity(engine, specs, as_of)
    if activity is None:
        activity = Activity.from_events(engine, as_of)
    accounts = _frame(engine, activity, [s for s in specs if s.level == "account"], _accounts(engine, activity), "account")
    users = _frame(engine, activity, [s for s in specs if s.level == "user"], _users(engine, activity), "user")
    return SignalFrames(accounts, users, as_of, specs, "rollup" if activity.from_rollup else "events")


def _frame(engine: Engine, activity: Activity, specs: list, population: ibis.Table, level: str) -> ibis.Table:
    ctx = Context(engine, activity, level)
    key = ctx.key
    frame = population
    for spec in specs:
        if isinstance(spec, RatioSignal):
            continue
        part = kind_module(spec.kind).compile(spec, ctx)
        frame = frame.left_join(part, key)
    columns: dict[str, Any] = {c: frame[c] for c in population.columns}
    for spec in specs:
        if isinstance(spec, RatioSignal):
            continue
        fill = fill_value(spec)
        columns[spec.name] = frame[spec.name] if fill is None else ibis.coalesce(frame[spec.name], fill)
    frame = frame.select(**columns)
    ratios = {s.name: kind_module("ratio").derive(s, frame) for s in specs if isinstance(s, RatioSignal)}
    return frame.mutate(**ratios) if ratios else frame


def _accounts(engine: Engine, activity: Activity) -> ibis.Table:
    accounts = engine.table(ACCOUNTS)
    listed = accounts.select(account_id=accounts.account_id.cast("string"))
    rows = activity.all_rows
    seen = rows.filter(rows.account_id.notnull()).select(account_id=rows.account_id.cast("string"))
    both = listed.union(seen, distinct=True)
    return both.filter(both.account_id.notnull())


def _users(engine: Engine, activity: Activity) -> ibis.Table:
    users = engine.table(USERS)
    users = users.filter(asof.created_before(users.created_at, activity.as_of))
    rows = activity.all_rows
    rows = rows.filter(rows.user_id.notnull())
    ids = users.select(user_id=users.user_id.cast("string")).union(
        rows.select(user_id=rows.user_id.cast("string")), distinct=True
    )
    ids = ids.filter(ids.user_id.notnull())
    ident = engine.table(IDENTITIES)
    linked = ident.group_by("user_id").aggregate(linked=ident.account_id.min())
    listed = users.group_by("user_id").aggregate(listed=users.account_id.min())
    seen = rows.group_by("user_id").aggregate(seen=rows.account_id.min())
    j = ids.left_join(linked, "user_id").left_join(listed, "user_id").left_join(seen, "user_id")
    return j.select("user_id", account_id=ibis.coalesce(j.linked, j.listed, j.seen))

