"""``attribute``: a column of the accounts (or users) table, numeric or categorical.

Point-in-time caveat: attributes are *current* values (the latest accounts or
users file loaded), not values as of D: a company that grew from 40 to 400
employees shows 400 for every past date. Use them for fit, and be careful
using them to explain past behaviour in a backtest.
"""

from __future__ import annotations

from typing import Any

import ibis

from leadlight.config.signals import AttributeSignal
from leadlight.errors import ConfigError
from leadlight.signals.context import Context
from leadlight.storage.schema import ACCOUNTS, USERS

Params = AttributeSignal
FILL: Any = None


def compile(spec: AttributeSignal, ctx: Context) -> ibis.Table:
    return compile_all([spec], ctx)


def compile_all(specs: list[AttributeSignal], ctx: Context) -> ibis.Table:
    """Every attribute signal of one level from one read of its table: ``key, <name>...``."""
    name = ACCOUNTS if ctx.level == "account" else USERS
    table = ctx.engine.table(name)
    for spec in specs:
        if spec.column not in table.columns or spec.column == ctx.key:
            allowed = ", ".join(c for c in table.columns if c != ctx.key)
            raise ConfigError(
                f"signal {spec.name!r}: the {name} table has no column {spec.column!r}",
                hint=f"use one of: {allowed}",
            )
    table = table.filter(table[ctx.key].notnull())
    # One row per entity even if the input repeated one: max is deterministic on both engines.
    return table.group_by(ctx.key).aggregate(**{spec.name: table[spec.column].max() for spec in specs})


def sentence(spec: AttributeSignal, value: Any) -> str:
    what = spec.label or spec.column.replace("_", " ")
    if value is None or value != value:
        return f"{what}: unknown"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{what}: {value}"
