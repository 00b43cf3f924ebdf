"""A snapshot's rows set-wise on the engine's DuckDB connection (``rows_sql``): two queries in the stored shape
(``account_scores``, ``user_scores``) over temp tables, staged (``storage.staged``): the task stores each with
one ``INSERT ... SELECT``, with no round trip through Python.

Each scored table is read once, into a temp table already in its stored shape (names, status, champions and
the model's predictions joined on; what the reasons read kept beside): people (``_ll_snap_people``) first, since the
accounts' champions are chosen from them, then accounts (``_ll_snap_accounts``). The reasons are built over those
(``reasons_sql``), and each staged query is those rows with their reasons joined on, keyed by the temp
table's ``rowid``. The temp tables stay until both queries are stored or read (or the next build on the
connection).
"""

from __future__ import annotations

import json
from typing import Any

from leadlight.scoring import rows_sql
from leadlight.scoring.reasons_sql import ident, reason_lists, reason_tables, reads, temp_table
from leadlight.storage.snapshots import ACCOUNT_SCORES, USER_SCORES
from leadlight.storage.staged import Scratch, StagedRows, evict

ACCOUNTS, USERS = "_ll_snap_accounts", "_ll_snap_people"
PREDICTIONS = {"probability": "DOUBLE", "model_reasons": "VARCHAR", "expected_value": "DOUBLE", "motion": "VARCHAR",
               "motion_reason": "VARCHAR", "self_serve_probability": "DOUBLE", "deal_size": "DOUBLE",
               "uplift": "DOUBLE", "uplift_reliable": "BOOLEAN"}
_TEMP = (ACCOUNTS, USERS, "_ll_info", "_ll_snap_people_of", "_ll_personas", "_ll_predictions",
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
        accounts, users = (f"({compile_(table)})" for table in scored)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _ll_info AS {compile_(info)}").fetchall()
        rows_sql.personas(con, users)
        person_terms = rows_sql.person_terms(scoring.pql, specs)
        read = reads(person_terms)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {USERS} AS " + rows_sql.user_rows(
            users, kinds_of(con, f"SELECT * FROM {users}"), scoring, specs,
            scoring.people.activity or rows_sql.ACTIVITY, read)).fetchall()
        con.execute("CREATE OR REPLACE TEMP TABLE _ll_snap_people_of AS "
                    f"{rows_sql.people_of_accounts(USERS, scoring.people.decision_makers)}").fetchall()
        user_reasons = reason_lists(con, USERS, rows_sql.with_inputs(USERS, read), person_terms, 1,
                                    scoring.reasons, shared=True)

        if predictions:
            _predictions_table(con, predictions)
        account_terms = rows_sql.account_terms(scoring, specs)
        read = reads(account_terms)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {ACCOUNTS} AS " + rows_sql.account_rows(
            accounts, kinds_of(con, f"SELECT * FROM {accounts}"), specs, set(kinds_of(con, "_ll_info")),
            compile_(status), bool(predictions), read)).fetchall()
        account_reasons = reason_lists(con, ACCOUNTS, rows_sql.with_inputs(ACCOUNTS, read), account_terms, 3,
                                       scoring.reasons)

        account_sql = (f"SELECT a.*, coalesce(r.g0, '[]') AS reasons, coalesce(r.g1, '[]') AS fit_reasons, "
                       f"coalesce(r.g2, '[]') AS intent_reasons FROM {ACCOUNTS} a "
                       f"LEFT JOIN ({account_reasons}) r ON r._ll_row = a.rowid")
        user_sql = (f"SELECT m.*, coalesce(r.g0, '[]') AS reasons FROM {USERS} m "
                    f"LEFT JOIN ({user_reasons}) r ON r._ll_row = m.rowid")
        have = ("reasons", "fit_reasons", "intent_reasons", *(PREDICTIONS if predictions else ()))
        return (stored(scratch, ACCOUNT_SCORES, account_sql, {*rows_sql.ACCOUNT_COLUMNS, *have}, constants),
                stored(scratch, USER_SCORES, user_sql, {*rows_sql.PEOPLE_COLUMNS, "reasons"}, constants))
    except BaseException:
        scratch.drop()
        raise


def kinds_of(con: Any, table: str) -> dict[str, str]:
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE {table}").fetchall()}


def stored(scratch: Scratch, table: str, sql: str, have: set[str], constants: dict[str, Any]) -> StagedRows:
    """The rows of ``sql`` (which has the columns ``have``) in ``table``'s columns and types (``constants`` on
    every row; the stored columns it lacks NULL), staged."""
    columns, params = [], []
    kinds = kinds_of(scratch.con, table)
    for name, kind in kinds.items():
        if name in constants:
            columns.append(f"CAST(? AS {kind}) AS {ident(name)}")
            params.append(constants[name])
        else:
            columns.append(f"CAST({ident(name) if name in have else 'NULL'} AS {kind}) AS {ident(name)}")
    return StagedRows(scratch, f"SELECT {', '.join(columns)} FROM ({sql})", params, FLAGS.get(table, ()),
                      list(kinds))


def _predictions_table(con: Any, predictions: dict[str, dict]) -> None:
    columns = {"account_id": ("VARCHAR", list(predictions))}
    for name, kind in PREDICTIONS.items():
        values = [predictions[a].get(name) for a in predictions]
        if name == "model_reasons":
            values = [None if v is None else json.dumps(v, default=str) for v in values]
        columns[name] = (kind, values)
    temp_table(con, "_ll_predictions", columns)
