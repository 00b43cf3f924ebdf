"""``first_days``: did the user do it within N days of sign-up (the activation or "aha" moment).

Sign-up is ``users.created_at`` when known, else the user's first activity.
As of D we only know what happened before D: a user who signed up two days
before D and already did it counts as activated; one who has not done it
*yet* counts as not activated, even if their N days are not over. Each day
therefore only adds activations, and a value as of D never changes later.

At account level: how many of the account's users activated (``measure:
count``), or their share of the account's users seen before D (``share``).
"""

from __future__ import annotations

from typing import Any

import ibis

from leadlight.config.signals import FirstDaysSignal
from leadlight.signals.activity import filter_key
from leadlight.signals.context import Context
from leadlight.signals.words import event_words, number, plural, span_phrase

Params = FirstDaysSignal


def fill(spec: FirstDaysSignal) -> Any:
    if spec.level == "user":
        return False
    return 0 if spec.measure == "count" else None


def prepare(spec: FirstDaysSignal, ctx: Context) -> None:
    """Sign-ups fall back on each user's first activity: one more measure of the shared plan."""
    if ctx.plan is not None:
        ctx.plan.first(None)


def _activated(spec: FirstDaysSignal, ctx: Context) -> ibis.Table:
    """``[account_id,] user_id`` of the users who did it within N days of sign-up (computed once per definition)."""

    def hits() -> ibis.Table:
        rows = ctx.activity.matching(spec)
        rows = rows.filter(rows.user_id.notnull())
        j = rows.inner_join(ctx.signups, "user_id")
        days = int(spec.within_td.total_seconds()) // 86400
        # Exact on daily rollup rows too: N >= 1 whole days, so a row that straddles
        # the sign-up moment ends before sign-up + N.
        hit = j.filter((j.ts_last >= j.signup) & (j.ts_first < j.signup + ibis.interval(days=days)))
        return hit.select("account_id", "user_id").distinct()

    if ctx.plan is None:
        activated = hits()
    else:  # account- and user-level signals with the same definition share one scan
        key = ("first_days", filter_key(spec.filters), spec.events, spec.within_td)
        activated = ctx.plan.shared(key, hits)
    activated = activated.filter(activated[ctx.key].notnull())
    return activated.select(*dict.fromkeys([ctx.key, "user_id"])).distinct()


def compile(spec: FirstDaysSignal, ctx: Context) -> ibis.Table:
    activated = _activated(spec, ctx)
    if spec.level == "user":
        return activated.select("user_id", **{spec.name: ibis.literal(True)})
    counted = activated.group_by("account_id").aggregate(activated=activated.user_id.count().cast("int64"))
    if spec.measure == "count":
        return counted.select("account_id", **{spec.name: counted.activated})
    rows = ctx.plan.pairs if ctx.plan is not None else ctx.activity.all_rows
    rows = rows.filter(rows.account_id.notnull() & rows.user_id.notnull())
    people = rows.select("account_id", "user_id").distinct()
    users = people.group_by("account_id").aggregate(users=people.user_id.count())
    j = users.left_join(counted, "account_id")
    share = ibis.coalesce(j.activated, 0).cast("float64") / j.users.cast("float64")
    return j.select("account_id", **{spec.name: share})


def sentence(spec: FirstDaysSignal, value: Any) -> str:
    """A ``label`` says what they did, in the past tense: 'invited a teammate'."""
    within = f"within {span_phrase(spec.within)} of sign-up"
    if spec.level == "user":
        what = spec.label or event_words(spec.events)
        return f"{what} {within}" if value else f"not yet {what} {within}"
    did = spec.label or f"did {event_words(spec.events)}"
    if spec.measure == "share":
        if value is None or value != value:
            return f"no users yet ({did} {within})"
        return f"{round(float(value) * 100)}% of users {did} {within}"
    return f"{number(value or 0)} {plural('user', value or 0)} {did} {within}"
