"""A snapshot's rows set-wise on the engine's DuckDB connection (``rows_sql``): two queries in the stored shape
(``account_scores``, ``user_scores``) over temp tables, staged (``storage.staged``): the task stores each with
one ``INSERT ... SELECT``, with no round trip through Python.

The scored accounts and people are computed once into temp tables; account names and status are joined
in SQL, the model's predictions (when one is trained) from a small Arrow table. The temp tables stay until
both queries are stored or read (or the next build on the connection).
"""

from __future__ import annotations

import json
from typing import Any

from leadlight.scoring import rows_sql
from leadlight.scoring.reasons_sql import ident, reason_lists, reason_tables, temp_table
from leadlight.storage.snapshots import ACCOUNT_SCORES, USER_SCORES
from leadlight.storage.staged import Scratch, StagedRows, evict

ACCOUNTS, USERS = "_ll_snap_accounts", "_ll_snap_users"
PREDICTIONS = {"probability": "DOUBLE", "model_reasons": "VARCHAR", "expected_value": "DOUBLE", "motion": "VARCHAR",
               "motion_reason": "VARCHAR", "self_serve_probability": "DOUBLE", "deal_size": "DOUBLE",
               "uplift": "DOUBLE", "uplift_reliable": "BOOLEAN"}
_TEMP = (ACCOUNTS, USERS, "_ll_info", "_ll_status", "_ll_members", "_ll_personas", "_ll_predictions",
         *reason_tables(ACCOUNTS), *reason_tables(USERS))
FLAGS = {ACCOUNT_SCORES: ("pqa",), USER_SCORES: ("pql",)}  # what a score's summary counts


def build(engine: Any, config: Any, specs: dict, scored: tuple[Any, Any], info: Any, status: Any,
          predictions: dict[str, dict] | None, constants: dict[str, Any]) -> tuple[StagedRows, StagedRows]:
    """``(accounts, users)``: the rows to store, staged. ``scored``: the scored accounts and users (Ibis, on
    ``engine``); ``info``, ``status``: Ibis tables of account names and sales status; ``predictions``: the
    model's figures per account id (``snapshot._predictions``); ``constants``: columns equal on every row."""
    con, compile_ = engine.connection, engine.backend.compile
    scoring = config.scoring
    evict(con)
    scratch = Scratch(con, _TEMP)
    try:
        for name, table in ((ACCOUNTS, scored[0]), (USERS, scored[1])):
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT *, row_number() OVER () AS _ll_row "
                        f"FROM ({compile_(table)})").fetchall()
        for name, table in (("_ll_info", info), ("_ll_status", status)):
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {compile_(table)}").fetchall()
        _predictions_table(con, predictions)
        kinds = {t: kinds_of(con, t) for t in (ACCOUNTS, USERS)}
        extra = set(kinds_of(con, "_ll_info"))
        activity = scoring.people.activity or rows_sql.ACTIVITY
        rows_sql.personas(con, USERS)
        # people's rows are a projection: computed where they are read (the champion's pass reads a few columns)
        members = f"({rows_sql.user_rows(USERS, kinds[USERS], scoring, specs, activity)})"
        con.execute("CREATE OR REPLACE TEMP TABLE _ll_members AS "
                    f"{rows_sql.people_of_accounts(members, scoring.people.decision_makers)}").fetchall()
        reasons = {table: reason_lists(con, table, "_ll_row", terms, groups, scoring.reasons) for table, terms, groups in (
            (USERS, rows_sql.person_terms(scoring.pql, specs), 1), (ACCOUNTS, rows_sql.account_terms(scoring, specs), 3))}
        account_sql = rows_sql.account_rows(ACCOUNTS, kinds[ACCOUNTS], specs, extra, reasons[ACCOUNTS])
        user_sql = (f"SELECT m.* EXCLUDE (_ll_row, _admin, _inviter, _excluded, _dm_rank), "
                    f"coalesce(r.g0, '[]') AS reasons, i.name AS account_name FROM {members} m "
                    f"LEFT JOIN ({reasons[USERS]}) r ON r._ll_row = m._ll_row "
                    f"LEFT JOIN _ll_info i ON i.account_id = m.account_id")
        return (stored(scratch, ACCOUNT_SCORES, account_sql, constants),
                stored(scratch, USER_SCORES, user_sql, constants))
    except BaseException:
        scratch.drop()
        raise


def kinds_of(con: Any, table: str) -> dict[str, str]:
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE {table}").fetchall()}


def stored(scratch: Scratch, table: str, sql: str, constants: dict[str, Any]) -> StagedRows:
    """The rows of ``sql`` in ``table``'s columns and types (``constants`` on every row), staged."""
    have = set(kinds_of(scratch.con, f"SELECT * FROM ({sql})"))
    columns, params = [], []
    for name, kind in kinds_of(scratch.con, table).items():
        if name in constants:
            columns.append(f"CAST(? AS {kind}) AS {ident(name)}")
            params.append(constants[name])
        else:
            columns.append(f"CAST({ident(name) if name in have else 'NULL'} AS {kind}) AS {ident(name)}")
    return StagedRows(scratch, f"SELECT {', '.join(columns)} FROM ({sql})", params, FLAGS.get(table, ()))


def _predictions_table(con: Any, predictions: dict[str, dict] | None) -> None:
    found = predictions or {}
    columns = {"account_id": ("VARCHAR", list(found))}
    for name, kind in PREDICTIONS.items():
        values = [found[a].get(name) for a in found]
        if name == "model_reasons":
            values = [None if v is None else json.dumps(v, default=str) for v in values]
        columns[name] = (kind, values)
    temp_table(con, "_ll_predictions", columns)
