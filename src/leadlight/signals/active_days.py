"""``active_days``: on how many different UTC days it happened ("active on 12 days in the last 28 days")."""

from __future__ import annotations

from typing import Any, Callable

import ibis

from leadlight.config.signals import ActiveDaysSignal
from leadlight.signals.context import Context
from leadlight.signals.words import event_words, number, plural, window_phrase

Params = ActiveDaysSignal
FILL: Any = 0


def reduce(spec: ActiveDaysSignal, ctx: Context) -> Callable[[ibis.Table], ibis.Value] | None:
    """Days as bits (OR over the entity's pairs, then count the bits); ``compile`` for all-history or > 62-day windows."""
    if spec.window_td is None:
        return None
    column = ctx.plan.day_mask(spec, spec.window_td)
    if column is None:
        return None
    engine = ctx.engine
    return lambda pairs: engine.bit_count(engine.bit_or(pairs[column])).cast("int64")


def compile(spec: ActiveDaysSignal, ctx: Context) -> ibis.Table:
    rows = ctx.window(ctx.matching(spec), spec.window_td)
    return ctx.per_key(rows, **{spec.name: rows.day.nunique().cast("int64")})


def sentence(spec: ActiveDaysSignal, value: Any) -> str:
    days = f"{number(value or 0)} {plural('day', value or 0)}"
    if spec.label:
        return f"{spec.label} on {days} {window_phrase(spec.window)}"
    if spec.events:
        return f"{event_words(spec.events)} on {days} {window_phrase(spec.window)}"
    return f"active on {days} {window_phrase(spec.window)}"
