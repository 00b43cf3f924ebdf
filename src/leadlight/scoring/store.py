"""Score snapshots in the project's DuckDB file: ``account_scores`` and ``user_scores``.

One row per entity per snapshot, keyed by ``as_of``; each row records the
``definition_hash`` (signals + scoring config), the ``leadlight_version`` and
``scored_at``, so every account has a score history and every score says which
definition made it. Re-scoring an as_of replaces that snapshot, in one
transaction. Lists and objects (reasons, champion, ...) are JSON text.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from leadlight.errors import NotFound, NotReady
from leadlight.timeutil import iso

ACCOUNT_SCORES = "account_scores"
USER_SCORES = "user_scores"

DDL = {
    ACCOUNT_SCORES: """
        CREATE TABLE IF NOT EXISTS account_scores (
            as_of TIMESTAMP NOT NULL, account_id VARCHAR NOT NULL, name VARCHAR, domain VARCHAR,
            score DOUBLE, points DOUBLE, probability DOUBLE,
            fit VARCHAR, fit_score DOUBLE, intent VARCHAR, intent_score DOUBLE, quadrant VARCHAR, priority INTEGER,
            pqa BOOLEAN, people BIGINT, pql_users BIGINT, triggers_fired BIGINT,
            reasons VARCHAR, fit_reasons VARCHAR, intent_reasons VARCHAR, model_reasons VARCHAR,
            champion VARCHAR, decision_makers VARCHAR,
            definition_hash VARCHAR NOT NULL, leadlight_version VARCHAR NOT NULL, scored_at TIMESTAMP NOT NULL
        )""",
    USER_SCORES: """
        CREATE TABLE IF NOT EXISTS user_scores (
            as_of TIMESTAMP NOT NULL, user_id VARCHAR NOT NULL, account_id VARCHAR, email VARCHAR, title VARCHAR,
            seniority VARCHAR, department VARCHAR, score DOUBLE, points DOUBLE, pql BOOLEAN,
            disqualifiers VARCHAR, flags VARCHAR, link_method VARCHAR, link_account_id VARCHAR,
            activity DOUBLE, reasons VARCHAR,
            definition_hash VARCHAR NOT NULL, leadlight_version VARCHAR NOT NULL, scored_at TIMESTAMP NOT NULL
        )""",
}
JSON_COLUMNS = {"reasons", "fit_reasons", "intent_reasons", "model_reasons", "champion", "decision_makers",
                "disqualifiers", "flags"}


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in DDL.values():
        con.execute(ddl)


def write_snapshot(con: duckdb.DuckDBPyConnection, as_of: datetime, accounts: pd.DataFrame, users: pd.DataFrame) -> None:
    """Replace the snapshot at ``as_of`` with these rows (columns as in ``DDL``)."""
    ensure_tables(con)
    con.begin()
    try:
        for table, frame in ((ACCOUNT_SCORES, accounts), (USER_SCORES, users)):
            columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
            con.execute(f"DELETE FROM {table} WHERE as_of = ?", [as_of])
            con.register("_ll_rows", frame.reindex(columns=columns))
            con.execute(f"INSERT INTO {table} SELECT * FROM _ll_rows")
            con.unregister("_ll_rows")
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _has_tables(con: duckdb.DuckDBPyConnection) -> bool:
    names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    return ACCOUNT_SCORES in names and USER_SCORES in names


def snapshot_as_of(con: duckdb.DuckDBPyConnection, as_of: datetime | None = None) -> datetime:
    """The stored snapshot to read: exactly ``as_of`` when given, else the latest."""
    hint = "run `leadlight score` first (it stores a snapshot)"
    if not _has_tables(con):
        raise NotReady("no scores yet", hint=hint)
    if as_of is None:
        latest = con.execute(f"SELECT max(as_of) FROM {ACCOUNT_SCORES}").fetchone()[0]
        if latest is None:
            raise NotReady("no scores yet", hint=hint)
        return latest
    found = con.execute(f"SELECT count(*) FROM {ACCOUNT_SCORES} WHERE as_of = ?", [as_of]).fetchone()[0]
    if not found:
        known = [iso(r[0]) for r in con.execute(
            f"SELECT DISTINCT as_of FROM {ACCOUNT_SCORES} ORDER BY as_of DESC LIMIT 5").fetchall()]
        raise NotReady(
            f"no snapshot as of {iso(as_of)}",
            # the exact moment: a bare date on the command line would mean the end of that day
            hint=f"run `leadlight score --as-of {as_of.isoformat()}Z`"
            + (f", or pick a stored one: {', '.join(known)}" if known else ""),
        )
    return as_of


def read_rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """Rows as dicts, JSON columns decoded."""
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    out = []
    for values in cur.fetchall():
        row = dict(zip(names, values))
        for key in JSON_COLUMNS & row.keys():
            row[key] = json.loads(row[key]) if row[key] is not None else None
        out.append(row)
    return out


def account_history(con: duckdb.DuckDBPyConnection, account_id: str) -> list[dict[str, Any]]:
    """Every stored score of one account, oldest first."""
    if not _has_tables(con):
        raise NotReady("no scores yet", hint="run `leadlight score` first")
    rows = con.execute(
        f"SELECT as_of, score, pqa, quadrant, probability, definition_hash FROM {ACCOUNT_SCORES} "
        "WHERE account_id = ? ORDER BY as_of", [account_id]).fetchall()
    if not rows:
        raise NotFound(f"account {account_id!r} has no scores", hint="check the id with `leadlight accounts`")
    return [
        {"as_of": r[0], "score": r[1], "pqa": r[2], "quadrant": r[3], "probability": r[4], "definition_hash": r[5]}
        for r in rows
    ]
