"""Firmographics from Segment group calls, for accounts your accounts file does not describe.

A ``group`` call carries the workspace's traits (``name``, ``employees``,
``industry``, ``website``...). For each group id, the latest non-empty value of
each trait fills the matching ``accounts`` column when that column is empty:
an account seen only through group calls gets a row, and what an accounts file
says always wins. Like the accounts file, the values apply to all history.
"""

from __future__ import annotations

import duckdb

from leadlight.storage.schema import ACCOUNTS, EVENTS

# accounts column <- the group traits that may hold it (Segment's reserved group traits first).
TRAITS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "domain": ("domain", "website"),
    "employees": ("employees",),
    "industry": ("industry",),
    "country": ("country", "address.country"),
    "plan": ("plan",),
}
_TYPES = {"employees": "BIGINT"}


def _latest(column: str) -> str:
    texts = [f"nullif(trim(json_extract_string(traits, '$.{key}')), '')" for key in TRAITS[column]]
    value = f"coalesce({', '.join(texts)})"
    if column in _TYPES:
        value = f"TRY_CAST(TRY_CAST({value} AS DOUBLE) AS {_TYPES[column]})"
    return f"arg_max({value}, timestamp) FILTER (WHERE {value} IS NOT NULL) AS {column}"


def fill_accounts(con: duckdb.DuckDBPyConnection) -> int:
    """Fill empty ``accounts`` columns from group traits, adding accounts seen only in group calls; returns rows added."""
    columns = list(TRAITS)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ll_group_traits AS
        SELECT group_id AS account_id, {', '.join(_latest(c) for c in columns)}
        FROM {EVENTS}
        WHERE type = 'group' AND nullif(trim(group_id), '') IS NOT NULL AND json_valid(traits)
        GROUP BY group_id"""
    )
    try:
        added = con.execute(
            f"""INSERT INTO {ACCOUNTS} (account_id, {', '.join(columns)})
            SELECT t.account_id, {', '.join(f't.{c}' for c in columns)} FROM _ll_group_traits AS t
            WHERE NOT EXISTS (SELECT 1 FROM {ACCOUNTS} AS a WHERE a.account_id = t.account_id)"""
        ).fetchall()[0][0]
        con.execute(
            f"""UPDATE {ACCOUNTS} AS a SET {', '.join(f'{c} = coalesce(a.{c}, t.{c})' for c in columns)}
            FROM _ll_group_traits AS t
            WHERE a.account_id = t.account_id AND ({' OR '.join(f'a.{c} IS NULL' for c in columns)})"""
        )
    finally:
        con.execute("DROP TABLE IF EXISTS _ll_group_traits")
    return int(added)
