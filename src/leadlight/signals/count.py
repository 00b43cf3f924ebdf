"""``count``: how many matching events happened in the window ("7 teammates invited in the last 14 days")."""

from __future__ import annotations

from typing import Any, Callable

import ibis

from leadlight.config.signals import CountSignal
from leadlight.signals.context import Context
from leadlight.signals.words import counted, event_words, number, plural, window_phrase

Params = CountSignal
FILL: Any = 0


def reduce(spec: CountSignal, ctx: Context) -> Callable[[ibis.Table], ibis.Value]:
    column = ctx.plan.count(spec, spec.window_td)
    return lambda pairs: pairs[column].sum().cast("int64")


def compile(spec: CountSignal, ctx: Context) -> ibis.Table:
    rows = ctx.window(ctx.matching(spec), spec.window_td)
    return ctx.per_key(rows, **{spec.name: rows.n.sum().cast("int64")})


def sentence(spec: CountSignal, value: Any) -> str:
    noun = counted(spec.label, value) if spec.label else f"{event_words(spec.events)} {plural('event', value)}"
    return f"{number(value or 0)} {noun} {window_phrase(spec.window)}"
