"""``distinct_users``: how many different people in the account did it ("4 users exported in the last 28 days")."""

from __future__ import annotations

from typing import Any, Callable

import ibis

from leadlight.config.signals import DistinctUsersSignal
from leadlight.signals.context import Context
from leadlight.signals.words import counted, event_words, number, plural, window_phrase

Params = DistinctUsersSignal
FILL: Any = 0


def reduce(spec: DistinctUsersSignal, ctx: Context) -> Callable[[ibis.Table], ibis.Value]:
    # A user did it in the window when their (account, user) pair counts a matching event there.
    column = ctx.plan.count(spec, spec.window_td)
    return lambda pairs: pairs.user_id.count(where=pairs[column] > 0).cast("int64")


def compile(spec: DistinctUsersSignal, ctx: Context) -> ibis.Table:
    rows = ctx.window(ctx.matching(spec), spec.window_td)
    return ctx.per_key(rows, **{spec.name: rows.user_id.nunique().cast("int64")})


def sentence(spec: DistinctUsersSignal, value: Any) -> str:
    if spec.label:
        return f"{number(value or 0)} {counted(spec.label, value)} {window_phrase(spec.window)}"
    if spec.events:
        return f"{number(value or 0)} {plural('user', value)} did {event_words(spec.events)} {window_phrase(spec.window)}"
    return f"{number(value or 0)} active {plural('user', value)} {window_phrase(spec.window)}"
