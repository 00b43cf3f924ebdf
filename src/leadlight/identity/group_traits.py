"""Firmographics from Segment group calls, for accounts your accounts file does not describe.

A ``group`` call carries the workspace's traits (``name``, ``employees``,
``industry``, ``website``...). For each group id, the latest non-empty value of
each trait fills the matching ``accounts`` column when that column is empty:
an account seen only through group calls gets a row, and what an accounts file
says always wins. Like the accounts file, the values apply to all history.

The cells filled here are remembered (``account_group_fills``: account, column
and the value written), so a newer trait replaces an older one: loading the
group calls in batches gives the accounts that loading them at once gives. A
cell an accounts file has since set to another value is the file's. (One that a
file set to exactly the value already filled stays ours: no value is lost.)
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


def _latest_traits(events: str, columns: list[str]) -> str:
    """SQL: ``account_id`` and the latest value of each of ``columns`` that the group calls in ``events`` give."""
    return f"""SELECT group_id AS account_id, {', '.join(_latest(c) for c in columns)}
        FROM {events}
        WHERE type = 'group' AND nullif(trim(group_id), '') IS NOT NULL AND json_valid(traits)
        GROUP BY group_id"""


FILLS = "account_group_fills"


def fill_accounts(con: duckdb.DuckDBPyConnection) -> int:
    """Fill ``accounts`` columns no file set from the latest group traits, adding accounts seen only in group calls;
    returns rows added."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _ll_group_traits AS {_latest_traits(EVENTS, list(TRAITS))}")
    try:
        added = con.execute(
            f"""INSERT INTO {ACCOUNTS} (account_id)
            SELECT t.account_id FROM _ll_group_traits AS t
            WHERE NOT EXISTS (SELECT 1 FROM {ACCOUNTS} AS a WHERE a.account_id = t.account_id)"""
        ).fetchall()[0][0]
        for column in TRAITS:
            _fill(con, column)
    finally:
        con.execute("DROP TABLE IF EXISTS _ll_group_traits")
        con.execute("DROP TABLE IF EXISTS _ll_fill")
    return int(added)


def _fill(con: duckdb.DuckDBPyConnection, column: str) -> None:
    """Write the latest trait into the cells of ``column`` that are empty or still hold what we wrote last time."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ll_fill AS
        SELECT a.account_id, t.{column} AS value FROM {ACCOUNTS} AS a JOIN _ll_group_traits AS t USING (account_id)
        WHERE t.{column} IS NOT NULL AND (a.{column} IS NULL OR EXISTS (
            SELECT 1 FROM {FILLS} AS f
            WHERE f.account_id = a.account_id AND f.col = ? AND f.value = CAST(a.{column} AS VARCHAR)))""",
        [column],
    )
    con.execute(f"UPDATE {ACCOUNTS} AS a SET {column} = f.value FROM _ll_fill AS f WHERE a.account_id = f.account_id")
    con.execute(f"DELETE FROM {FILLS} WHERE col = ? AND account_id IN (SELECT account_id FROM _ll_fill)", [column])
    con.execute(f"INSERT INTO {FILLS} SELECT account_id, ?, CAST(value AS VARCHAR) FROM _ll_fill", [column])


def accounts_before_sql(con: duckdb.DuckDBPyConnection, events: str) -> str:
    """``accounts`` with each domain a group call filled as the group calls in ``events`` tell it.

    Identity as of D links users by domain only to accounts whose domain was known before D: a group call
    on day 10 that reveals a workspace's domain does not link its day-3 visitors. A file's domain applies as is.
    """
    known = con.execute(f"SELECT count(*) FROM duckdb_tables() WHERE table_name = '{FILLS}'").fetchall()[0][0]
    if not known:
        return f"SELECT * FROM {ACCOUNTS}"
    return f"""SELECT a.* REPLACE (CASE WHEN f.account_id IS NULL THEN a.domain ELSE t.domain END AS domain)
        FROM {ACCOUNTS} AS a
        LEFT JOIN {FILLS} AS f ON f.account_id = a.account_id AND f.col = 'domain' AND f.value = a.domain
        LEFT JOIN ({_latest_traits(events, ['domain'])}) AS t ON t.account_id = a.account_id"""
