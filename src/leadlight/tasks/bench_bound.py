"""The bench definition's work as hand-written DuckDB SQL: how close to the floor signals can get at all.

``leadlight bench`` times Leadlight's signals + scores against the floor (one
plain ``GROUP BY account_id, event`` of the same Parquet events). These
queries compute, by hand and without Ibis or scoring, the same per-(account,
user) aggregates the bench definition (``BENCH_SIGNALS``) needs, and the one
extra scan of its ``first_days`` signals: their time is the engine's bound for
that definition. ``tests/unit/signals/test_engine_bound.py`` holds them to
Leadlight's own values, so the bound measures the same work.
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
    ``first_days`` signals need (``bound_first_days``).
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
    }
