"""PQA: an account's people rolled up, plus points for account signals and a k-of-N trigger.

Output columns (added to the account frame): ``rollup_value`` (best or mean
eligible PQL score, or the PQL count), ``pqa_rollup`` (its points),
``pqa_rule_<i>``, ``trig_<i>`` (booleans), ``triggers_fired``, ``pqa_trigger``
(its points), ``people``, ``pql_users``, ``points``, ``score`` (0-100), ``pqa``.
People who are disqualified do not count in the roll-up.
"""

from __future__ import annotations

import ibis

from leadlight.config.scoring import PqaConfig
from leadlight.scoring import rules


def rollup(people: ibis.Table) -> ibis.Table:
    """``account_id, people, pql_users, best_score, mean_score`` from scored people."""
    linked = people.filter(people.account_id.notnull())
    eligible = ibis.ifelse(linked.disqualified, ibis.null("float64"), linked.score)
    return linked.group_by("account_id").aggregate(
        people=linked.count(),
        pql_users=linked.pql.cast("int64").sum(),
        best_score=eligible.max(),
        mean_score=eligible.mean(),
    )


def score_accounts(accounts: ibis.Table, people: ibis.Table, config: PqaConfig) -> ibis.Table:
    """``accounts`` (account signals) with the PQA columns added."""
    r = rollup(people)
    j = accounts.left_join(r, "account_id")
    table = j.select(
        *[j[c] for c in accounts.columns],
        people=ibis.coalesce(j.people, ibis.literal(0)).cast("int64"),
        pql_users=ibis.coalesce(j.pql_users, ibis.literal(0)).cast("int64"),
        best_score=ibis.coalesce(j.best_score, ibis.literal(0.0)),
        mean_score=ibis.coalesce(j.mean_score, ibis.literal(0.0)).round(4),
    )
    roll = config.rollup
    if roll.method == "pql_count":
        value = table.pql_users.cast("float64")
        share = ibis.least(value, ibis.literal(float(roll.cap))) / ibis.literal(float(roll.cap))
    else:
        value = table.best_score if roll.method == "max" else table.mean_score
        share = value / ibis.literal(100.0)
    # One select for every PQA column (each built from the expressions before it), not a chain of
    # mutates: the same SQL values, and a much smaller expression tree to compile.
    pqa_rollup = (share * ibis.literal(float(roll.points))).round(4)
    cols: dict[str, ibis.Value] = {"rollup_value": value, "pqa_rollup": pqa_rollup}
    rule_points = []
    for i, rule in enumerate(config.rules):
        column = rules.column_for(table, rule.signal, f"scoring.pqa.rules[{i}]")
        rule_points.append(rules.points(column, rule))
        cols[f"pqa_rule_{i}"] = rule_points[-1]
    trig = config.triggers
    fired: ibis.Value = ibis.literal(0)
    if trig is not None:
        for i, cond in enumerate(trig.of):
            holds = rules.holds(rules.column_for(table, cond.signal, f"scoring.pqa.triggers.of[{i}]"), cond)
            cols[f"trig_{i}"] = holds
            fired = fired + holds.cast("int64")
    fired = fired.cast("int64")
    on = fired >= ibis.literal(trig.k) if trig else ibis.literal(False)
    pqa_trigger = ibis.ifelse(on, ibis.literal(float(trig.points if trig else 0.0)), ibis.literal(0.0))
    total = pqa_rollup + pqa_trigger
    for points in rule_points:
        total = total + points
    extra = roll.points + (max(trig.points, 0.0) if trig else 0.0)
    maximum = rules.max_points(config.rules, extra=extra, override=config.max_points)
    score = rules.to_score(total, maximum)
    qualifies = on if (trig and trig.qualifies) else ibis.literal(False)
    cols.update(
        triggers_fired=fired, pqa_trigger=pqa_trigger, trigger_on=on, points=total.round(4), score=score,
        pqa=(score >= ibis.literal(float(config.threshold))) | qualifies,
    )
    return table.mutate(**cols)
