"""``train``'s preconditions read from the project's DuckDB file with plain SQL: no pandas, no Ibis.

The same facts ``label_times.facts`` reads through the engine (its fallback on
Spark and for lead lists): the span of history (named events and
opportunities, as ``label_times.data_range``), and when the target's won
opportunities were created, their account filled from ``domain`` when only
that was given, as ``storage.opportunities.opportunities_by_account`` does.
A refusal then costs a few small queries and no heavy import.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from leadlight.config.model import ModelConfig
from leadlight.labels.calendar import ACTIVITY, ARRIVAL, OUTCOME_SOURCES, Facts, History
from leadlight.storage.schema import ACCOUNTS, EVENTS, OPPORTUNITIES

SPAN = f"""
    SELECT (SELECT min(timestamp) FROM {EVENTS} WHERE event IS NOT NULL),
           (SELECT max(timestamp) FROM {EVENTS} WHERE event IS NOT NULL),
           (SELECT min(created_at) FROM {OPPORTUNITIES}),
           (SELECT max(created_at) FROM {OPPORTUNITIES})"""
WON = f"""
    SELECT o.created_at
    FROM {OPPORTUNITIES} AS o
    LEFT JOIN (SELECT lower(domain) AS domain, min(account_id) AS account_id FROM {ACCOUNTS}
               WHERE domain IS NOT NULL GROUP BY lower(domain)) AS d ON lower(o.domain) = d.domain
    WHERE coalesce(o.account_id, d.account_id) IS NOT NULL AND lower(o.stage) = 'won'
      AND lower(o.source) IN (SELECT unnest(?::VARCHAR[])) AND o.created_at IS NOT NULL
    ORDER BY o.created_at"""


def read_facts(con: duckdb.DuckDBPyConnection, config: ModelConfig) -> Facts | None:
    """The facts, or None where they need the engine: a lead list (arrivals are parsed from attribute text) or
    a project whose tables are not all there (or not in the current schema) yet."""
    if config.eligibility == ARRIVAL:
        return None
    try:
        ev_lo, ev_hi, op_lo, op_hi = con.execute(SPAN).fetchall()[0]
        if ev_lo is None:  # no named event: eligibility by arrival, unless set to activity
            if config.eligibility != ACTIVITY:
                return None
        won = tuple(row[0] for row in con.execute(WON, [list(OUTCOME_SOURCES[config.target])]).fetchall())
    except duckdb.Error:  # a table missing, or a file not yet migrated: the engine's reading migrates and decides
        return None
    los = [x for x in (ev_lo, op_lo) if x is not None]
    his = [x for x in (ev_hi, op_hi, ev_lo) if x is not None]
    known = History(_naive(min(los)) if los else None, _naive(max(his)) if his else None, False)
    return Facts(known, ACTIVITY, won)


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)
