"""A snapshot's rows set-wise on the engine's DuckDB connection (``rows_sql``), staged in temp tables in the
stored shape (``account_scores``, ``user_scores``): the task stores them with one ``INSERT ... SELECT`` each.

The scored accounts and people are computed once into temp tables; account names and status are joined
in SQL, the model's predictions (when one is trained) from a small Arrow table. With ``reuse``, each row's
inputs are hashed (``snapshot_reuse``): the rows whose inputs hash as in the latest snapshot of the same basis
are copied from it, and only the others are explained. Every temp object but the staged rows is dropped
before returning.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from typing import Any

from leadlight.scoring import rows_sql, snapshot_reuse
from leadlight.scoring.reasons_sql import drop_reasons, ident, reason_lists, temp_table
from leadlight.storage.snapshots import ACCOUNT_SCORES, USER_SCORES, StagedRows

ACCOUNTS, USERS, MEMBERS = "_ll_snap_accounts", "_ll_snap_users", "_ll_snap_members"
TODO_ACCOUNTS, TODO_USERS = "_ll_todo_accounts", "_ll_todo_users"  # what is left to explain when rows are kept
PREDICTIONS = {"probability": "DOUBLE", "model_reasons": "VARCHAR", "expected_value": "DOUBLE", "motion": "VARCHAR",
               "motion_reason": "VARCHAR", "self_serve_probability": "DOUBLE", "deal_size": "DOUBLE",
               "uplift": "DOUBLE", "uplift_reliable": "BOOLEAN"}
_TEMP = (ACCOUNTS, USERS, MEMBERS, TODO_ACCOUNTS, TODO_USERS, "_ll_info", "_ll_status", "_ll_members",
         "_ll_personas", "_ll_predictions", *snapshot_reuse.TEMP)
_STAGED = itertools.count()


def build(engine: Any, config: Any, specs: dict, scored: tuple[Any, Any], info: Any, status: Any,
          predictions: dict[str, dict] | None, constants: dict[str, Any],
          reuse: bool = False) -> tuple[StagedRows, StagedRows, tuple[str, StagedRows] | None]:
    """``(accounts, users, row_inputs)``: the rows to store, staged, and (with ``reuse``) the basis and staged
    ``(as_of, entity, id, inputs)`` rows to store beside them. ``scored``: the scored accounts and users (Ibis,
    on ``engine``); ``info``, ``status``: Ibis tables of account names and sales status; ``predictions``: the
    model's figures per account id (``snapshot._predictions``); ``constants``: columns equal on every row."""
    con, compile_ = engine.connection, engine.backend.compile
    scoring = config.scoring
    try:
        for name, table in ((ACCOUNTS, scored[0]), (USERS, scored[1])):
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT *, row_number() OVER () AS _ll_row "
                        f"FROM ({compile_(table)})").fetchall()
        for name, table in (("_ll_info", info), ("_ll_status", status)):
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {compile_(table)}").fetchall()
        _predictions_table(con, predictions)
        kinds = {t: kinds_of(con, t) for t in (ACCOUNTS, USERS)}
        accounts, users, earlier, row_inputs = ACCOUNTS, USERS, None, None
        snapshot_reuse.LAST.clear()
        if reuse:
            basis = snapshot_reuse.basis(constants)
            snapshot_reuse.hash_inputs(con, ACCOUNTS, USERS, kinds)
            earlier = snapshot_reuse.previous(con, basis)
            if earlier is not None and any(snapshot_reuse.keep_unchanged(con, earlier)):
                accounts, users = TODO_ACCOUNTS, TODO_USERS
                snapshot_reuse.left_to_explain(con, ACCOUNTS, USERS, accounts, users)
            else:
                earlier = None
            row_inputs = (basis, stage(con, "inputs", snapshot_reuse.row_inputs_sql(), [constants["as_of"]] * 2))
        extra = set(kinds_of(con, "_ll_info"))
        activity = scoring.people.activity or rows_sql.ACTIVITY
        rows_sql.personas(con, users)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {MEMBERS} AS "
                    f"{rows_sql.user_rows(users, kinds[USERS], scoring, specs, activity)}").fetchall()
        con.execute("CREATE OR REPLACE TEMP TABLE _ll_members AS "
                    f"{rows_sql.people_of_accounts(MEMBERS, scoring.people.decision_makers)}").fetchall()
        reasons = {table: reason_lists(con, table, "_ll_row", terms, groups, scoring.reasons) for table, terms, groups in (
            (users, rows_sql.person_terms(scoring.pql, specs), 1), (accounts, rows_sql.account_terms(scoring, specs), 3))}
        account_sql = rows_sql.account_rows(accounts, kinds[ACCOUNTS], specs, extra, reasons[accounts])
        user_sql = (f"SELECT m.* EXCLUDE (_ll_row, _admin, _inviter, _excluded, _dm_rank), "
                    f"coalesce(r.g0, '[]') AS reasons, i.name AS account_name FROM {MEMBERS} m "
                    f"LEFT JOIN ({reasons[users]}) r ON r._ll_row = m._ll_row "
                    f"LEFT JOIN _ll_info i ON i.account_id = m.account_id"
                    + (f" WHERE m._ll_row NOT IN (SELECT _ll_row FROM {snapshot_reuse.USERS_KEPT})" if earlier else ""))
        return (stored(con, ACCOUNT_SCORES, account_sql, constants, ("account_id", snapshot_reuse.ACCOUNTS_KEPT, earlier)),
                stored(con, USER_SCORES, user_sql, constants, ("user_id", snapshot_reuse.USERS_KEPT, earlier)),
                row_inputs)
    finally:
        for name in _TEMP:
            con.execute(f"DROP TABLE IF EXISTS {name}").fetchall()
        for name in (ACCOUNTS, USERS, TODO_ACCOUNTS, TODO_USERS):
            drop_reasons(con, name)


def kinds_of(con: Any, table: str) -> dict[str, str]:
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE {table}").fetchall()}


def stored(con: Any, table: str, sql: str, constants: dict[str, Any],
           kept: tuple[str, str, datetime | None]) -> StagedRows:
    """The rows of ``sql`` in ``table``'s columns and types (``constants`` on every row), staged; with them, when
    ``kept = (key, kept table, earlier)`` names an earlier snapshot, the kept rows as stored then."""
    have = set(kinds_of(con, f"SELECT * FROM ({sql})"))
    new, old, params = [], [], []
    for name, kind in kinds_of(con, table).items():
        column = ident(name)
        if name in constants:
            new.append(f"CAST(? AS {kind}) AS {column}")
            old.append(f"CAST(? AS {kind}) AS {column}")
            params.append(constants[name])
        else:
            new.append(f"CAST({column if name in have else 'NULL'} AS {kind}) AS {column}")
            old.append(f"CAST({'s.' + column if name in have else 'NULL'} AS {kind}) AS {column}")
    select, values = f"SELECT {', '.join(new)} FROM ({sql})", list(params)
    key, kept_table, earlier = kept
    if earlier is not None:
        copied, more = snapshot_reuse.copied(table, key, kept_table, old, earlier)
        select, values = f"{select} UNION ALL {copied}", values + params + more
    return stage(con, table, select, values, FLAGS.get(table, ()))


FLAGS = {ACCOUNT_SCORES: ("pqa",), USER_SCORES: ("pql",)}  # what a score's summary counts


def stage(con: Any, what: str, sql: str, params: list[Any], flags: tuple[str, ...] = ()) -> StagedRows:
    """The rows of ``sql`` in a temp table of their own (a snapshot may be held while another is built)."""
    name = f"_ll_staged_{what}_{next(_STAGED)}"
    con.execute(f"CREATE TEMP TABLE {name} AS {sql}", params).fetchall()
    return StagedRows(con, name, flags)


def _predictions_table(con: Any, predictions: dict[str, dict] | None) -> None:
    found = predictions or {}
    columns = {"account_id": ("VARCHAR", list(found))}
    for name, kind in PREDICTIONS.items():
        values = [found[a].get(name) for a in found]
        if name == "model_reasons":
            values = [None if v is None else json.dumps(v, default=str) for v in values]
        columns[name] = (kind, values)
    temp_table(con, "_ll_predictions", columns)
