"""``recency``: whole days since the last matching event before as_of ("last exported 3 days ago").

No matching event ever gives null (not a sentinel number), so a rule like
``recency <= 7`` is simply false for an account that never did it.
"""

from __future__ import annotations

from typing import Any, Callable

import ibis

from leadlight.config.signals import RecencySignal
from leadlight.signals import asof
from leadlight.signals.context import Context
from leadlight.signals.words import event_words

Params = RecencySignal
FILL: Any = None


def reduce(spec: RecencySignal, ctx: Context) -> Callable[[ibis.Table], ibis.Value]:
    column = ctx.plan.last(spec)
    return lambda pairs: asof.whole_days_before(ctx.as_of, pairs[column].max())


def compile(spec: RecencySignal, ctx: Context) -> ibis.Table:
    rows = ctx.matching(spec)
    last = ctx.per_key(rows, last_seen=rows.ts_last.max())
    return last.select(ctx.key, **{spec.name: asof.whole_days_before(ctx.as_of, last.last_seen)})


def sentence(spec: RecencySignal, value: Any) -> str:
    what = spec.label or (event_words(spec.events) if spec.events else "active")
    if value is None or value != value:
        return f"never {what}" if spec.label or spec.events else "no activity yet"
    days = int(value)
    when = "today" if days == 0 else "yesterday" if days == 1 else f"{days} days ago"
    return f"last {what} {when}"
