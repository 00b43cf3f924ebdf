"""Conditions and points as Ibis expressions, so one definition scores on DuckDB and on Spark.

A condition over a null value is false (``missing`` is the one op true on null):
an account that never exported does not pass ``exports >= 0``.
"""

from __future__ import annotations

from typing import Any, Sequence

import ibis

from leadlight.config.scoring import Condition, Rule
from leadlight.errors import ConfigError


def _literal(value: Any, column: ibis.Value) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return ibis.literal(float(value), type="float64") if column.type().is_numeric() else value


def holds(column: ibis.Value, condition: Condition) -> ibis.BooleanValue:
    """``condition`` tested on ``column``: a boolean expression that is never null."""
    op, value = condition.op, condition.value
    if op == "missing":
        return column.isnull()
    if op == "exists":
        return column.notnull()
    numeric = column.type().is_numeric()
    if op in (">=", ">", "<=", "<") and not numeric:
        raise ConfigError(
            f"{condition.describe()}: signal {condition.signal!r} is not a number, so {op} cannot compare it",
            hint="use op: ==, != or in for text signals",
        )
    if isinstance(value, str) and numeric:
        raise ConfigError(
            f"{condition.describe()}: signal {condition.signal!r} is a number but the value {value!r} is text",
            hint="write the value as a number",
        )
    if op in ("in", "not_in"):
        values = [float(v) if numeric and not isinstance(v, bool) else v for v in value]  # type: ignore[union-attr]
        test = column.isin(values)
        test = test if op == "in" else ~test
    else:
        rhs = _literal(value, column)
        if column.type().is_string() and not isinstance(rhs, str):
            rhs = str(value).lower() if isinstance(value, bool) else str(value)
        test = {
            ">=": column >= rhs, ">": column > rhs, "<=": column <= rhs, "<": column < rhs,
            "==": column == rhs, "!=": column != rhs,
        }[op]
    return ibis.coalesce(test, ibis.literal(False))


def points(column: ibis.Value, rule: Rule) -> ibis.FloatingValue:
    """``rule.points`` when the rule holds, else 0."""
    return ibis.ifelse(holds(column, rule), ibis.literal(float(rule.points)), ibis.literal(0.0))


def max_points(rules: Sequence[Rule], extra: float = 0.0, override: float | None = None) -> float:
    """The points that make a score of 100: all positive points a section can give."""
    if override is not None:
        return float(override)
    return sum(max(r.points, 0.0) for r in rules) + extra


def to_score(total: ibis.FloatingValue, maximum: float) -> ibis.FloatingValue:
    """Points -> 0-100, rounded to one decimal (the same on every engine)."""
    if maximum <= 0:
        return ibis.literal(0.0)
    clamped = ibis.greatest(ibis.least(total, ibis.literal(float(maximum))), ibis.literal(0.0))
    # x 100 / max, not x (100 / max): DuckDB types float literals as DECIMAL, and multiplying by
    # 1.1111111111111112 overflows DECIMAL(18); a division of decimals gives a DOUBLE.
    return (clamped * ibis.literal(100.0) / ibis.literal(float(maximum))).round(1)


def column_for(table: ibis.Table, signal: str, where: str, levels: str = "account") -> ibis.Value:
    """The column of ``signal`` in a scored frame, with an error that says what is available."""
    if signal not in table.columns:
        raise ConfigError(
            f"{where}: signal {signal!r} is not {'an' if levels[0] in 'aeiou' else 'a'} {levels}-level signal "
            "declared under signals:",
            hint="declare it under signals: (with level: " + levels.split(" ")[0] + "), or fix the name",
        )
    return table[signal]
