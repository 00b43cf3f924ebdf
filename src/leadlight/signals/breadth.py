"""``breadth``: how many different features (event names) were used ("8 different features used in the last 28 days")."""

from __future__ import annotations

from typing import Any, Callable

import ibis

from leadlight.config.signals import BreadthSignal
from leadlight.signals.context import Context
from leadlight.signals.words import number, plural, window_phrase

Params = BreadthSignal
FILL: Any = 0


def reduce(spec: BreadthSignal, ctx: Context) -> Callable[[ibis.Table], ibis.Value] | None:
    """Features as bits, one per event name (OR over the entity's pairs, count the bits); ``compile`` past 63 names."""
    names = list(spec.events) if spec.events else ctx.plan.event_names()
    if not names:
        return None
    column = ctx.plan.event_mask(spec, spec.window_td, names)
    if column is None:
        return None
    engine, known = ctx.engine, ibis.literal((1 << len(names)) - 1, type="int64")
    return lambda pairs: engine.bit_count(engine.bit_or(pairs[column]) & known).cast("int64")


def compile(spec: BreadthSignal, ctx: Context) -> ibis.Table:
    rows = ctx.window(ctx.matching(spec), spec.window_td)
    return ctx.per_key(rows, **{spec.name: rows.event.nunique().cast("int64")})


def sentence(spec: BreadthSignal, value: Any) -> str:
    noun = spec.label or f"different {plural('feature', value or 0)} used"
    return f"{number(value or 0)} {noun} {window_phrase(spec.window)}"
