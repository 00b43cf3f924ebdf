"""Stored backtests: each ``leadlight backtest`` run keeps its figures, so reports read them, not recompute.

One row per judged definition in ``backtest_results`` (migration 50): the
headline figures as columns, the definition's whole JSON entry in ``document``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import duckdb

from leadlight.timeutil import utcnow

TABLE = "backtest_results"


def store_backtest(con: duckdb.DuckDBPyConnection, document: dict[str, Any], definition_hash: str | None) -> str:
    """Write every definition of a backtest document under a new ``run_id``; returns it."""
    ran_at = utcnow()
    run_id = f"b{ran_at:%Y%m%dT%H%M%S%f}"
    for entry in document["definitions"]:
        auc_ci = (entry.get("intervals_90") or {}).get("auc") or [None, None]
        con.execute(
            f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, ran_at, entry["name"], entry.get("model_id"), definition_hash, document.get("judged_on"),
             _moment(document.get("from")), _moment(document.get("to")), entry.get("rows"), entry.get("buyers"),
             entry.get("auc"), auc_ci[0], auc_ci[1], entry.get("lift_top_decile"), entry.get("conversion_multiple"),
             entry.get("warning"), json.dumps({**entry, "judged_on": document.get("judged_on")}, default=str)],
        ).fetchall()
    return run_id


def latest_backtest(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The definitions of the most recent stored run (their full entries), or [] when none was stored."""
    rows = con.execute(
        f"SELECT document FROM {TABLE} WHERE run_id = (SELECT max(run_id) FROM {TABLE}) ORDER BY definition DESC"
    ).fetchall()
    return [json.loads(r[0]) for r in rows]


def _moment(text: str | None) -> datetime | None:
    return None if not text else datetime.fromisoformat(text.rstrip("Z"))
