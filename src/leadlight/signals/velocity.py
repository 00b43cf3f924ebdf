"""``velocity``: the last window against the average window of the baseline before it.

"A big influx of new users": with ``measure: new_users, window: 7d, baseline:
28d`` the value is the number of users whose first event in the account falls
in the last 7 days, minus (or divided by, ``compare: ratio``) the weekly
average of such users over the 28 days before. ``active_users`` averages the
distinct users of each 7-day slice of the baseline; ``events`` counts events.
"""

from __future__ import annotations

from typing import Any

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
    average = per.base * (w / b)
    if spec.compare == "difference":
        value = per.recent - average
    else:
        value = (average == 0).ifelse(ibis.null("float64"), per.recent / average)
    return per.select(key, **{spec.name: value.cast("float64")})


def sentence(spec: VelocitySignal, value: Any) -> str:
    what = spec.label or _NOUN[spec.measure] + (f" ({event_words(spec.events)})" if spec.events else "")
    per = f"the average {span_phrase(spec.window)} of the {span_phrase(spec.baseline)} before"
    if value is None or value != value:
        return f"{what} {window_phrase(spec.window)}: nothing to compare with in {per.removeprefix('the average ')}"
    if spec.compare == "ratio":
        return f"{number(value)}x the usual {what} {window_phrase(spec.window)} (vs {per})"
    sign = "+" if value > 0 else ""
    return f"{sign}{number(value)} {what} {window_phrase(spec.window)} vs {per}"
