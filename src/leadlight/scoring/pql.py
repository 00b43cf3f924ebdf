"""PQL: a person's points per signal condition, required conditions, disqualifiers, decay, threshold.

Output columns (added to the user frame): ``pql_rule_<i>`` (points of rule i
before decay), ``req_<i>`` / ``disq_<i>`` (booleans), ``decay`` (the factor),
``points``, ``score`` (0-100), ``qualified`` (every required condition holds),
``disqualified`` (any disqualifier holds) and ``pql``.
"""

from __future__ import annotations

import ibis

from leadlight.config.scoring import Condition, Decay, PqlConfig
from leadlight.scoring import rules


def gate(table: ibis.Table, item: Condition | str, where: str) -> ibis.BooleanValue:
    """A flag (a boolean column of the flags table) or a condition on a signal."""
    if isinstance(item, str):
        return ibis.coalesce(table[item], ibis.literal(False))
    return rules.holds(rules.column_for(table, item.signal, where, "user or account"), item)


def gate_name(item: Condition | str) -> str:
    """How a required condition or disqualifier is named in a lead's ``disqualifiers``."""
    return item if isinstance(item, str) else item.describe()


def decay_factor(table: ibis.Table, decay: Decay | None) -> ibis.FloatingValue:
    """1 without decay; with it, from whole days since the last activity (never active: 0)."""
    if decay is None:
        return ibis.literal(1.0)
    days = rules.column_for(table, decay.signal, "scoring.pql.decay", "user or account").cast("float64")
    if decay.kind == "half_life":
        factor = ibis.literal(0.5) ** (days / ibis.literal(float(decay.days)))
    else:
        factor = ibis.greatest(ibis.literal(0.0), ibis.literal(1.0) - days / ibis.literal(float(decay.days)))
    return ibis.coalesce(factor, ibis.literal(0.0))


def score_people(table: ibis.Table, config: PqlConfig) -> ibis.Table:
    """``table`` (user signals + account signals + flags) with the PQL columns added."""
    # One select for every PQL column (each built from the expressions before it), not a chain of
    # mutates: the same SQL values, and a much smaller expression tree to compile.
    decay = decay_factor(table, config.decay)
    cols: dict[str, ibis.Value] = {"decay": decay}
    rule_points = []
    for i, rule in enumerate(config.rules):
        column = rules.column_for(table, rule.signal, f"scoring.pql.rules[{i}]", "user or account")
        rule_points.append(rules.points(column, rule))
        cols[f"pql_rule_{i}"] = rule_points[-1]
    qualified: ibis.Value = ibis.literal(True)
    for i, item in enumerate(config.required):
        cols[f"req_{i}"] = gate(table, item, f"scoring.pql.required[{i}]")
        qualified = qualified & cols[f"req_{i}"]
    disqualified: ibis.Value = ibis.literal(False)
    for i, item in enumerate(config.disqualifiers):
        cols[f"disq_{i}"] = gate(table, item, f"scoring.pql.disqualifiers[{i}]")
        disqualified = disqualified | cols[f"disq_{i}"]
    total = sum(rule_points, ibis.literal(0.0)) * decay
    maximum = rules.max_points(config.rules, override=config.max_points)
    score = rules.to_score(total, maximum)
    cols.update(
        points=total.round(4), score=score, qualified=qualified, disqualified=disqualified,
        pql=qualified & ~disqualified & (score >= ibis.literal(float(config.threshold))),
    )
    return table.mutate(**cols)
