"""Fit (firmographic rules) and intent (product signals), each high or low: four quadrants.

Priority, best first: high fit and high intent (talk now), high fit low intent
(educate / re-activate), low fit high intent (self-serve or a light touch),
low fit low intent. Fit with no rules is high for every account; intent with
no rules is the PQA score against ``intent.threshold``.
"""

from __future__ import annotations

import ibis

from leadlight.config.scoring import AxisConfig
from leadlight.scoring import rules

QUADRANTS = ("high_fit_high_intent", "high_fit_low_intent", "low_fit_high_intent", "low_fit_low_intent")
PLAYS = {
    "high_fit_high_intent": "reach out now",
    "high_fit_low_intent": "educate and re-activate",
    "low_fit_high_intent": "let self-serve work; light touch",
    "low_fit_low_intent": "nurture",
}


def axis(table: ibis.Table, config: AxisConfig, name: str, default: ibis.Value) -> dict[str, ibis.Value]:
    """``<name>_rule_<i>``, ``<name>_score`` (0-100) and ``<name>`` ('high'/'low'), as expressions over ``table``."""
    cols: dict[str, ibis.Value] = {}
    for i, rule in enumerate(config.rules):
        column = rules.column_for(table, rule.signal, f"scoring.{name}.rules[{i}]")
        cols[f"{name}_rule_{i}"] = rules.points(column, rule)
    if config.rules:
        total = sum(cols.values(), ibis.literal(0.0))
        score = rules.to_score(total, rules.max_points(config.rules, override=config.max_points))
    else:
        score = default
    cols[f"{name}_score"] = score
    cols[name] = ibis.ifelse(score >= ibis.literal(float(config.threshold)), "high", "low")
    return cols


def place(table: ibis.Table, fit: AxisConfig, intent: AxisConfig) -> ibis.Table:
    """Adds fit, intent, ``quadrant`` and ``priority`` (0 = talk first) to scored accounts."""
    # One mutate for every column (each built from the expressions before it): the same SQL values,
    # and a much smaller expression tree to compile than a chain of mutates.
    cols = axis(table, fit, "fit", ibis.literal(100.0))
    cols.update(axis(table, intent, "intent", table.score))
    quadrant = cols["fit"].concat("_fit_", cols["intent"], "_intent")
    priority = (
        ibis.ifelse(cols["fit"] == "high", ibis.literal(0), ibis.literal(2))
        + ibis.ifelse(cols["intent"] == "high", ibis.literal(0), ibis.literal(1))
    )
    return table.mutate(**cols, quadrant=quadrant, priority=priority.cast("int64"))


def rank(quadrant: str) -> int:
    return QUADRANTS.index(quadrant)
