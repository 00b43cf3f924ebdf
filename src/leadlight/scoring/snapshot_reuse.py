"""A re-score that explains only what changed: each stored row's inputs, and the earlier rows a snapshot copies.

A stored score row (``account_scores``, ``user_scores``) is a function of its *inputs*: the scored row (every
signal value, rule points, score, flags, ...); for a person also the account's name; for an account its
firmographics and owner, sales status, model figures and its people's inputs (they choose the champion and
decision makers). Under the same *basis* (definition hash, thresholds, Leadlight's version and code: what turns
inputs into words) equal inputs make the same row but for its moment. So each row's inputs are hashed in SQL
and stored with the snapshot (``snapshot_row_inputs``, the basis in ``snapshot_basis``); a later snapshot with
the same basis copies the stored rows whose inputs hash the same, and explains only the others.

Time alone changes rows (recency, decay, windows sliding): "changed" is decided by comparing values as of the
new moment, never by which accounts had events.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from leadlight.scoring.reasons_sql import ident
from leadlight.storage.snapshots import ACCOUNT_SCORES, BASIS, ROW_INPUTS, USER_SCORES, has_table

USER_INPUTS, ACCOUNT_INPUTS = "_ll_user_inputs", "_ll_account_inputs"
USERS_KEPT, ACCOUNTS_KEPT = "_ll_users_kept", "_ll_accounts_kept"
TEMP = (USER_INPUTS, ACCOUNT_INPUTS, USERS_KEPT, ACCOUNTS_KEPT)
# the latest build in this process: rows kept from which snapshot, rows explained (tests and benches read it)
LAST: dict[str, Any] = {}


def basis(constants: dict[str, Any]) -> str:
    """What turns equal inputs into equal rows: the definition, thresholds, version and code."""
    from leadlight.storage.recipes import code_digest

    doc = [constants.get(k) for k in ("definition_hash", "leadlight_version", "pqa_threshold", "pql_threshold")]
    return hashlib.sha256(json.dumps([doc, code_digest()], default=str).encode()).hexdigest()


def hash_inputs(con: Any, accounts: str, users: str, kinds: dict[str, dict[str, str]]) -> None:
    """Temp tables of each scored row's inputs hash: ``_ll_user_inputs`` and ``_ll_account_inputs``
    (``_ll_row, id, h``; ``single``: the id is on one row only). Reads ``_ll_info``, ``_ll_status`` and
    ``_ll_predictions`` (``snapshot_sql``)."""
    def row(alias: str, table: str) -> str:
        return ", ".join(f"{alias}.{ident(c)}" for c in kinds[table] if c != "_ll_row")

    once = "count(*) OVER (PARTITION BY id) = 1 AS single"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {USER_INPUTS} AS SELECT *, {once} FROM (SELECT u._ll_row, "
                f"u.user_id AS id, u.account_id, hash({row('u', users)}, i.name) AS h FROM {users} u "
                f"LEFT JOIN _ll_info i ON i.account_id = u.account_id)").fetchall()
    people = f"SELECT account_id, bit_xor(h) AS h, count(*) AS n FROM {USER_INPUTS} GROUP BY account_id"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {ACCOUNT_INPUTS} AS SELECT *, {once} FROM (SELECT a._ll_row, "
                f"a.account_id AS id, hash({row('a', accounts)}, i, s.status, p, m.h, m.n) AS h FROM {accounts} a "
                f"LEFT JOIN _ll_info i ON i.account_id = a.account_id "
                f"LEFT JOIN _ll_status s ON s.account_id = a.account_id "
                f"LEFT JOIN _ll_predictions p ON p.account_id = a.account_id "
                f"LEFT JOIN ({people}) m ON m.account_id IS NOT DISTINCT FROM a.account_id)").fetchall()


def previous(con: Any, basis_: str) -> datetime | None:
    """The latest stored snapshot made under ``basis_`` whose rows are still there (None: explain everything)."""
    if not has_table(con, ROW_INPUTS):
        return None
    found = con.execute(f"SELECT max(as_of) FROM {BASIS} b WHERE basis = ? AND EXISTS (SELECT 1 FROM "
                        f"{ACCOUNT_SCORES} s WHERE s.as_of = b.as_of)", [basis_]).fetchall()
    return found[0][0] if found else None


def keep_unchanged(con: Any, earlier: datetime) -> tuple[int, int]:
    """Temp tables of the rows whose inputs hash as they did at ``earlier`` and whose row is stored there once
    (``_ll_row, id``): ``_ll_accounts_kept`` and ``_ll_users_kept``; returns how many of each."""
    out = []
    for kept, inputs, entity, stored, key in ((ACCOUNTS_KEPT, ACCOUNT_INPUTS, "account", ACCOUNT_SCORES, "account_id"),
                                              (USERS_KEPT, USER_INPUTS, "user", USER_SCORES, "user_id")):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {kept} AS SELECT c._ll_row, c.id FROM {inputs} c "
                    f"JOIN {ROW_INPUTS} p ON p.id = c.id AND p.inputs = c.h WHERE c.single AND p.as_of = ? "
                    f"AND p.entity = '{entity}' AND c.id IN (SELECT {key} FROM {stored} WHERE as_of = ? "
                    f"GROUP BY {key} HAVING count(*) = 1)", [earlier, earlier]).fetchall()
        out.append(con.execute(f"SELECT count(*) FROM {kept}").fetchall()[0][0])
    LAST.update(earlier=earlier, accounts_kept=out[0], users_kept=out[1])
    return out[0], out[1]


def left_to_explain(con: Any, accounts: str, users: str, todo_accounts: str, todo_users: str) -> None:
    """The scored rows to explain: accounts not kept, and the people who are not kept or whose account is
    explained (its champion and decision makers are chosen among all its people)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {todo_accounts} AS SELECT * FROM {accounts} "
                f"WHERE _ll_row NOT IN (SELECT _ll_row FROM {ACCOUNTS_KEPT})").fetchall()
    con.execute(f"CREATE OR REPLACE TEMP TABLE {todo_users} AS SELECT * FROM {users} "
                f"WHERE _ll_row NOT IN (SELECT _ll_row FROM {USERS_KEPT}) "
                f"OR account_id IN (SELECT account_id FROM {todo_accounts})").fetchall()


def copied(stored: str, key: str, kept: str, columns: list[str], earlier: datetime) -> tuple[str, list[Any]]:
    """SQL (and its parameter) of the kept rows as stored at ``earlier``, in ``columns`` (SQL expressions
    over the stored row ``s``: the moment and provenance are the new snapshot's)."""
    return (f"SELECT {', '.join(columns)} FROM {stored} s WHERE s.as_of = ? AND s.{key} IN (SELECT id FROM {kept})",
            [earlier])


def row_inputs_sql() -> str:
    """SQL of the ``(as_of, entity, id, inputs)`` rows to store (``as_of`` a parameter): ids on one row only."""
    return (f"SELECT CAST(? AS TIMESTAMP) AS as_of, 'account' AS entity, id, h AS inputs FROM {ACCOUNT_INPUTS} "
            f"WHERE single AND id IS NOT NULL UNION ALL SELECT CAST(? AS TIMESTAMP), 'user', id, h "
            f"FROM {USER_INPUTS} WHERE single AND id IS NOT NULL")
