"""``velocity``: the last window against the average window of the baseline before it.

"A big influx of new users": with ``measure: new_users, window: 7d, baseline:
28d`` the value is the number of users whose first event in the account falls
in the last 7 days, minus (or divided by, ``compare: ratio``) the weekly
average of such users over the 28 days before. ``active_users`` averages the
distinct users of each 7-day slice of the baseline; ``events`` counts events.
"""

from __future__ import annotations

from typing import Any, Callable

import ibis

from leadlight.config.signals import VelocitySignal
from leadlight.signals import asof
from leadlight.signals.context import Context
from leadlight.signals.words import event_words, number, span_phrase, window_phrase

Params = VelocitySignal
FILL: Any = None  # filled per compare mode in fill()

_NOUN = {"new_users": "new users", "active_users": "active users", "events": "events"}


def fill(spec: VelocitySignal) -> Any:
    return 0.0 if spec.compare == "difference" else None


def reduce(spec: VelocitySignal, ctx: Context) -> Callable[[ibis.Table], ibis.Value] | None:
    """Recent and baseline amounts from the shared (account, user) pairs (``compile`` past 62 slices)."""
    w, b = spec.window_td, spec.baseline_td
    plan, as_of = ctx.plan, ctx.as_of
    if spec.measure == "new_users":
        first = plan.first(spec)

        def amounts(pairs: ibis.Table) -> tuple[ibis.Value, ibis.Value]:
            ts = pairs[first]
            recent = pairs.user_id.count(where=ts >= asof.at(as_of - w))
            return recent, pairs.user_id.count(where=(ts >= asof.at(as_of - w - b)) & (ts < asof.at(as_of - w)))
    elif spec.measure == "active_users":
        mask = plan.slice_mask(spec, w, int(b / w) + 1)
        if mask is None:
            return None
        engine = ctx.engine

        def amounts(pairs: ibis.Table) -> tuple[ibis.Value, ibis.Value]:
            bits, known = pairs[mask], pairs.user_id.notnull()
            recent = pairs.user_id.count(where=(bits & 1) == 1)
            return recent, ibis.coalesce(engine.bit_count(bits >> 1).sum(where=known), 0)
    else:
        recent_col, all_col = plan.count(spec, w), plan.count(spec, w + b)

        def amounts(pairs: ibis.Table) -> tuple[ibis.Value, ibis.Value]:
            recent = ibis.coalesce(pairs[recent_col].sum(), 0)
            return recent, ibis.coalesce(pairs[all_col].sum(), 0) - recent

    def value(pairs: ibis.Table) -> ibis.Value:
        recent, base = amounts(pairs)
        return _compare(spec, recent.cast("float64"), base.cast("float64"))

    return value


def _compare(spec: VelocitySignal, recent: ibis.Value, base: ibis.Value) -> ibis.Value:
    average = base * (spec.window_td / spec.baseline_td)
    if spec.compare == "difference":
        value = recent - average
    else:
        value = (average == 0).ifelse(ibis.null("float64"), recent / average)
    return value.cast("float64")


def compile(spec: VelocitySignal, ctx: Context) -> ibis.Table:
    w, b = spec.window_td, spec.baseline_td
    rows = ctx.matching(spec)
    key = ctx.key
    if spec.measure == "new_users":
        rows = rows.filter(rows.user_id.notnull())
        first = rows.group_by([key, "user_id"]).aggregate(ts=rows.ts_first.min())
        first = first.filter(first.ts >= asof.at(ctx.as_of - w - b))
        sliced = first.select(key, amount=ibis.literal(1, type="int64"), slice=asof.slice_index(ctx.as_of, first.ts, w))
    elif spec.measure == "active_users":
        rows = ctx.window(rows.filter(rows.user_id.notnull()), w + b)
        sliced = rows.select(key, "user_id", slice=asof.slice_index(ctx.as_of, rows.ts_last, w)).distinct()
        sliced = sliced.select(key, "slice", amount=ibis.literal(1, type="int64"))
    else:
        rows = ctx.window(rows, w + b)
        sliced = rows.select(key, amount=rows.n, slice=asof.slice_index(ctx.as_of, rows.ts_last, w))
    per = sliced.group_by(key).aggregate(
        recent=(sliced.slice == 0).ifelse(sliced.amount, 0).sum().cast("float64"),
        base=(sliced.slice > 0).ifelse(sliced.amount, 0).sum().cast("float64"),
    )
    return per.select(key, **{spec.name: _compare(spec, per.recent, per.base)})


def sentence(spec: VelocitySignal, value: Any) -> str:
    what = spec.label or _NOUN[spec.measure] + (f" ({event_words(spec.events)})" if spec.events else "")
    per = f"the average {span_phrase(spec.window)} of the {span_phrase(spec.baseline)} before"
    if value is None or value != value:
        return f"{what} {window_phrase(spec.window)}: nothing to compare with in {per.removeprefix('the average ')}"
    if spec.compare == "ratio":
        return f"{number(value)}x the usual {what} {window_phrase(spec.window)} (vs {per})"
    sign = "+" if value > 0 else ""
    return f"{sign}{number(value)} {what} {window_phrase(spec.window)} vs {per}"
