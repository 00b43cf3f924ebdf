"""Conditions and points as Ibis expressions, so one definition scores on DuckDB and on Spark.

A condition over a null value is false (``missing`` is the one op true on null):
an account that never exported does not pass ``exports >= 0``.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

import ibis

from leadlight.config.scoring import Condition, Rule
from leadlight.errors import ConfigError


def _literal(value: Any, column: ibis.Value) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return ibis.literal(float(value), type="float64") if column.type().is_numeric() else value


def _yes_no_as_words(column: ibis.Value, value: Any) -> tuple[ibis.Value, Any]:
    """A yes/no column loaded as text (true, TRUE, False: as CRMs and spreadsheets write it) tested
    against ``value: true``: compare the words, whatever their case."""
    values = value if isinstance(value, list) else [value]
    if not column.type().is_string() or not any(isinstance(v, bool) for v in values):
        return column, value
    words = [str(v).lower() if isinstance(v, bool) else v for v in values]
    return column.strip().lower(), words if isinstance(value, list) else words[0]


def _check_value_kind(column: ibis.Value, condition: Condition) -> None:
    """A number signal takes numbers, a yes/no signal true / false (or 1 / 0): else a ConfigError, not a crash."""
    values = condition.value if isinstance(condition.value, list) else [condition.value]
    kind = column.type()
    if kind.is_numeric():
        wrong = next((v for v in values if isinstance(v, (bool, str))), None)
        wanted, hint = "a number", "write the value as a number"
    elif kind.is_boolean():
        wrong = next((v for v in values if isinstance(v, str)), None)
        wanted, hint = "yes/no", "write the value as true or false"
    else:
        return
    if wrong is not None:
        what = "yes/no" if isinstance(wrong, bool) else "text"
        raise ConfigError(
            f"{condition.describe()}: signal {condition.signal!r} is {wanted} "
            f"but the value {json.dumps(wrong)} is {what}",
            hint=hint,
        )


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
            hint="use op: ==, != or in for text; if the column should hold numbers, one value in the file is not "
            "a plain number (such as 1,200 or n/a): fix it and ingest the file again",
        )
    _check_value_kind(column, condition)
    column, value = _yes_no_as_words(column, value)
    if op in ("in", "not_in"):
        values = [float(v) if numeric and not isinstance(v, bool) else v for v in value]  # type: ignore[union-attr]
        test = column.isin(values)
        test = test if op == "in" else ~test
    else:
        rhs = _literal(value, column)
        if column.type().is_string() and not isinstance(rhs, str):
            rhs = str(value)
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
