"""The bench definition's work as hand-written DuckDB SQL: how close to the floor signals and scores can get.

``leadlight bench`` times Leadlight's signals + scores against the floor (one
plain ``GROUP BY account_id, event`` of the same Parquet events). These
queries compute, by hand and without Ibis, the same per-(account, user)
aggregates the bench definition (``BENCH_SIGNALS``) needs, the one extra scan
of its ``first_days`` signals, and then every signal value and score (PQL per
person with decay and disqualifiers, PQA with roll-up, rules and k-of-N, fit,
intent, quadrant) as projections over those small tables: their time is the
engine's bound for that definition. ``tests/unit/signals/test_engine_bound.py``
holds them to Leadlight's own values, so the bound measures the same work.

Shapes tried and kept (10M events, 2 cores; ``bench/engine_bound.py`` times
them side by side): splitting at the longest window (``split``) beats one
pass with every FILTER over all history (``single_pass``), because the older
two thirds of the events only feed min / max; a finer split at every window
start did not help; folding ``first_days`` into the main pass (a join of
every event with users, or a list of invite times per pair) was slower than
its own filtered scan.
"""

from __future__ import annotations

from datetime import datetime, timedelta

COUNTS = ("invites_14d", "docs_28d", "pro_exports_28d", "paywall_7d", "pricing_14d", "events_7d", "events_28d")


def _at(as_of: datetime, days_before: int) -> str:
    return f"TIMESTAMP '{as_of - timedelta(days=days_before)}'"


def _aggregates(as_of: datetime, names: list[str]) -> str:
    """Every per-(account, user) measure of BENCH_SIGNALS, one FILTERed aggregate each."""
    event_bits = " ".join(f"WHEN '{name}' THEN {1 << i}" for i, name in enumerate(sorted(names)))
    day0 = f"DATE '{(as_of - timedelta(days=28)).date()}'"
    return f"""
        count(*) FILTER (WHERE event = 'Teammate Invited' AND timestamp >= {_at(as_of, 14)}) AS invites_14d,
        count(*) FILTER (WHERE event IN ('Document Created', 'Document Shared') AND timestamp >= {_at(as_of, 28)})
            AS docs_28d,
        count(*) FILTER (WHERE event = 'Export Run' AND timestamp >= {_at(as_of, 28)}
                         AND coalesce(properties ->> '$.plan' = 'pro', false)) AS pro_exports_28d,
        count(*) FILTER (WHERE event IN ('Paywall Hit', 'Plan Limit Reached') AND timestamp >= {_at(as_of, 7)})
            AS paywall_7d,
        count(*) FILTER (WHERE event = 'Pricing' AND timestamp >= {_at(as_of, 14)}) AS pricing_14d,
        count(*) FILTER (WHERE timestamp >= {_at(as_of, 7)}) AS events_7d,
        count(*) FILTER (WHERE timestamp >= {_at(as_of, 28)}) AS events_28d,
        bit_or(CASE WHEN timestamp >= {_at(as_of, 28)}
                    THEN 1::BIGINT << datediff('day', {day0}, timestamp::DATE)::INT END) AS days_28d,
        bit_or(CASE event {event_bits} END) FILTER (WHERE timestamp >= {_at(as_of, 28)}) AS features_28d,
        max(timestamp) AS last_seen, min(timestamp) AS first_seen
    """


def queries(events: str, as_of: datetime, names: list[str]) -> dict[str, str]:
    """Hand-written SQL over ``events`` (a table or ``read_parquet(...)``) as of ``as_of``; ``names``: every event name.

    ``floor``: the bench's floor; ``pairs_count``: the (account, user) grain with one count; ``single_pass`` /
    ``split``: the definition's aggregates, stored (``bound_pairs``) like Leadlight's plan stores them, as one
    pass or split at the longest window (Leadlight's shape); ``first_days``: the one extra scan its
    ``first_days`` signals need (``bound_first_days``); ``users`` / ``accounts``: every signal value and score
    from those two tables (``users`` is stored as ``bound_users``, ``accounts`` is the result).
    """
    end, window = _at(as_of, 0), _at(as_of, 28)
    single = (
        f"SELECT account_id, user_id, {_aggregates(as_of, names)} FROM {events} "
        f"WHERE timestamp < {end} GROUP BY ALL"
    )
    old = (
        f"SELECT account_id, user_id, max(timestamp) AS last_seen, min(timestamp) AS first_seen "
        f"FROM {events} WHERE timestamp < {window} GROUP BY ALL"
    )
    recent = (
        f"SELECT account_id, user_id, {_aggregates(as_of, names)} FROM {events} "
        f"WHERE timestamp >= {window} AND timestamp < {end} GROUP BY ALL"
    )
    split = (
        f"SELECT account_id, user_id, max(last_seen) AS last_seen, min(first_seen) AS first_seen, "
        f"{', '.join(f'sum({c}) AS {c}' for c in COUNTS)}, bit_or(days_28d) AS days_28d, "
        f"bit_or(features_28d) AS features_28d "
        f"FROM ({recent} UNION ALL BY NAME {old}) GROUP BY ALL"
    )
    first_days = f"""
        WITH signups AS (SELECT user_id, created_at AS signup FROM users WHERE created_at < {end})
        SELECT DISTINCT e.account_id, e.user_id FROM {events} e JOIN signups s USING (user_id)
        WHERE e.event = 'Teammate Invited' AND e.timestamp < {end}
          AND e.timestamp >= s.signup AND e.timestamp < s.signup + INTERVAL 7 DAY"""
    store = "CREATE OR REPLACE TEMP TABLE {} AS ".format
    pairs, activated = store("bound_pairs"), store("bound_first_days")
    return {
        "floor": f"SELECT account_id, event, count(*) FROM {events} GROUP BY ALL",
        "pairs_count": f"SELECT account_id, user_id, count(*) FROM {events} GROUP BY ALL",
        "single_pass": pairs + single,
        "split": pairs + split,
        "first_days": activated + first_days,
        **_scores(as_of),
    }


def _days_before(as_of: datetime, column: str) -> str:
    return f"(date_diff('second', {column}, {_at(as_of, 0)}) // 86400)"


def _scores(as_of: datetime) -> dict[str, str]:
    """``users``: people with their signals and PQL score (stored, as ``bound_users``); ``accounts``: accounts
    with their signals, PQA score, fit, intent and quadrant. Both read ``bound_pairs`` and ``bound_first_days``."""
    # The bench's identities predate is_internal (no column: nobody is internal).
    flags = "coalesce(i.is_personal, false) OR coalesce(i.is_disposable, false) OR coalesce(i.is_student, false) " \
            "OR coalesce(b.bought, false)"
    users = f"""CREATE OR REPLACE TEMP TABLE bound_users AS
        WITH per_user AS (
            SELECT user_id, min(account_id) AS seen, sum(events_7d) AS user_events_7d,
                   bit_count(bit_or(days_28d)) AS user_active_days_28d, max(last_seen) AS last_seen
            FROM bound_pairs WHERE user_id IS NOT NULL GROUP BY ALL),
        listed AS (SELECT user_id, min(account_id) AS listed FROM users
                   WHERE created_at IS NULL OR created_at < {_at(as_of, 0)} GROUP BY ALL),
        linked AS (SELECT user_id, min(account_id) AS linked FROM identities GROUP BY ALL),
        buyers AS (SELECT DISTINCT account_id, true AS bought FROM opportunities WHERE stage = 'won'
                   AND source = 'self_serve' AND coalesce(closed_at, created_at) < {_at(as_of, 0)}),
        people AS (
            SELECT user_id, coalesce(k.linked, l.listed, p.seen) AS account_id, coalesce(p.user_events_7d, 0) AS ev7,
                   coalesce(p.user_active_days_28d, 0) AS days28, {_days_before(as_of, "p.last_seen")} AS idle,
                   f.user_id IS NOT NULL AS invited
            FROM per_user p FULL JOIN listed l USING (user_id) LEFT JOIN linked k USING (user_id)
            LEFT JOIN (SELECT DISTINCT user_id FROM bound_first_days) f USING (user_id)),
        points AS (
            SELECT *, ((CASE WHEN ev7 >= 5 THEN 20 ELSE 0 END) + (CASE WHEN days28 >= 10 THEN 30 ELSE 0 END)
                       + (CASE WHEN invited THEN 50 ELSE 0 END)) * coalesce(0.5 ** (idle / 14.0), 0.0) AS total
            FROM people)
        SELECT p.user_id, p.account_id, ev7, days28, idle, invited, round(greatest(least(total, 100.0), 0.0), 1) AS score,
               {flags} AS disqualified, NOT ({flags}) AND round(greatest(least(total, 100.0), 0.0), 1) >= 50 AS pql
        FROM points p LEFT JOIN identities i USING (user_id) LEFT JOIN buyers b ON b.account_id = p.account_id"""
    accounts = f"""
        WITH per_account AS (
            SELECT account_id, sum(invites_14d) AS invites, sum(docs_28d) AS docs, sum(pro_exports_28d) AS pro_exports,
                   sum(paywall_7d) AS paywall, sum(pricing_14d) AS pricing,
                   count(user_id) FILTER (events_7d > 0) AS users_7d, count(user_id) FILTER (events_28d > 0) AS users_28d,
                   bit_count(bit_or(days_28d)) AS days28, bit_count(bit_or(features_28d)) AS features,
                   {_days_before(as_of, "max(last_seen)")} AS idle, count(user_id) AS users,
                   count(user_id) FILTER (first_seen >= {_at(as_of, 7)})
                   - 0.25 * count(user_id) FILTER (first_seen >= {_at(as_of, 35)} AND first_seen < {_at(as_of, 7)}) AS trend
            FROM bound_pairs WHERE account_id IS NOT NULL GROUP BY ALL),
        activated AS (SELECT account_id, count(*) AS n FROM bound_first_days GROUP BY ALL),
        roll AS (SELECT account_id, count(*) AS people, count(*) FILTER (pql) AS pqls,
                        max(score) FILTER (NOT disqualified) AS best FROM bound_users GROUP BY ALL),
        signals AS (
            SELECT account_id, coalesce(invites, 0) AS invites, coalesce(paywall, 0) AS paywall,
                   coalesce(pricing, 0) AS pricing, coalesce(pro_exports, 0) AS pro_exports,
                   coalesce(users_7d, 0) AS users_7d, coalesce(days28, 0) AS days28,
                   coalesce(features, 0) AS features, coalesce(trend, 0.0) AS trend, idle,
                   coalesce(n, 0) / users AS activated_share, e.employees,
                   CASE WHEN coalesce(users_7d, 0) = 0 THEN NULL ELSE coalesce(invites, 0) / users_7d END AS per_user,
                   coalesce(r.best, 0.0) AS best, coalesce(r.pqls, 0) AS pqls
            FROM (SELECT account_id FROM accounts UNION SELECT account_id FROM per_account) a
            LEFT JOIN per_account USING (account_id) LEFT JOIN activated USING (account_id)
            LEFT JOIN (SELECT account_id, max(employees) AS employees FROM accounts GROUP BY ALL) e USING (account_id)
            LEFT JOIN roll r USING (account_id)),
        points AS (
            SELECT *, round(best / 100 * 30, 4) + (CASE WHEN invites >= 3 THEN 20 ELSE 0 END)
                   + (CASE WHEN users_7d >= 5 THEN 20 ELSE 0 END) + (CASE WHEN paywall >= 1 THEN 10 ELSE 0 END)
                   + (CASE WHEN pricing >= 2 THEN 5 ELSE 0 END)
                   + (CASE WHEN (pro_exports >= 1)::INT + (trend > 0)::INT + (features >= 8)::INT >= 2 THEN 15 ELSE 0 END)
                   AS total,
                   CASE WHEN employees >= 50 THEN 100.0 ELSE 0.0 END AS fit_score,
                   (CASE WHEN days28 >= 14 THEN 50 ELSE 0 END) + (CASE WHEN per_user >= 0.5 THEN 50 ELSE 0 END) AS intent_score
            FROM signals)
        SELECT *, round(greatest(least(total, 100.0), 0.0), 1) AS score, round(greatest(least(total, 100.0), 0.0), 1) >= 50 AS pqa,
               CASE WHEN fit_score >= 50 THEN 'high' ELSE 'low' END || '_fit_'
               || CASE WHEN intent_score >= 50 THEN 'high' ELSE 'low' END || '_intent' AS quadrant
        FROM points"""
    return {"users": users, "accounts": accounts}
