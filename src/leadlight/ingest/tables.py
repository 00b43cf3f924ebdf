"""Accounts, users and opportunities: validated, then upserted by their key.

A file's rows are staged, checked in SQL (``RULES``), and merged into the
canonical table: a key already there is updated with the columns the file
has (columns it lacks keep their values), a new key is inserted. Within a
file the last row of a key wins; the rows it replaces count as duplicates.

Accounts and users may carry further columns (firmographics, user
attributes). Each becomes a column of the table, typed BIGINT or DOUBLE when
every non-empty value is a number, else VARCHAR, so fit rules and models can
use it. A later file with text in a numeric attribute widens it to VARCHAR.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable

import duckdb

from leadlight.ingest.quarantine import Quarantine
from leadlight.ingest.readers import META_COLUMNS, InputFile, iter_table_batches
from leadlight.ingest.validation import Reject, Rule, Tally, failure_message, first_failure_index, quoted_value
from leadlight.storage.database import table_columns
from leadlight.storage.schema import CANONICAL_COLUMNS

STAGED, CHECKED = "ingest_rows", "ingest_checked"
KEYS = {"accounts": "account_id", "users": "user_id", "opportunities": "opportunity_id"}
STAGES, SOURCES = ("open", "won", "lost"), ("sales", "self_serve")
_TRUE, _FALSE = ("true", "t", "yes", "y", "1"), ("false", "f", "no", "n", "0")


def _v(column: str) -> str:
    return f"""nullif(trim(CAST("{column}" AS VARCHAR)), '')"""


def _when(column: str) -> str:
    return f"date_trunc('second', timezone('UTC', try_cast({_v(column)} AS TIMESTAMPTZ)))"


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


# CRMs write 'Closed Won' (Salesforce), 'closedwon' (HubSpot): the same stages as won / lost.
_STAGE = f"regexp_replace(lower(trim({_v('stage')})), '^closed[ _-]*', '')"


def _typed(kind: str, present: set[str]) -> dict[str, str]:
    """SQL for each canonical column the file has, converted to its table type."""
    exprs = {
        "domain": f"lower({_v('domain')})",
        "employees": f"CAST(try_cast({_v('employees')} AS DOUBLE) AS BIGINT)",
        "created_at": _when("created_at"),
        "closed_at": _when("closed_at"),
        "email_confirmed": f"CASE WHEN lower({_v('email_confirmed')}) IN {_in(_TRUE)} THEN true "
        f"WHEN lower({_v('email_confirmed')}) IN {_in(_FALSE)} THEN false END",
        "stage": _STAGE,
        "amount": f"try_cast({_v('amount')} AS DOUBLE)",
        "source": f"coalesce(lower({_v('source')}), 'sales')" if "source" in present else "'sales'",
    }
    wanted = [c for c in CANONICAL_COLUMNS[kind] if c in present or (kind, c) == ("opportunities", "source")]
    return {c: exprs.get(c, _v(c)) for c in wanted}


def _events_shaped(present: set[str]) -> bool:
    """An events export loaded with the wrong --kind: its columns must not become attributes."""
    return {"event", "timestamp"} <= present


def _rules(kind: str, present: set[str]) -> list[Rule]:
    key = KEYS[kind]
    wrong_kind = [Rule("true", None, f"'this looks like an events file (it has event and timestamp columns), not "
                                      f"{kind}: load it with --kind events'")] if _events_shaped(present) else []
    rules = [
        *wrong_kind,
        Rule("NOT utf8_ok", None, "'not valid UTF-8 text'"),
        Rule("shape_error IS NOT NULL", None, "shape_error"),
        Rule(f"{_v(key)} IS NULL", key, f"'missing {key}'") if key in present
        else Rule("true", key, f"'the file has no {key} column'"),
    ]

    def bad_time(column: str, required: bool = False) -> None:
        if column in present:
            if required:
                rules.append(Rule(f"{_v(column)} IS NULL", column, f"'missing {column}'"))
            rules.append(Rule(f"{_v(column)} IS NOT NULL AND {_when(column)} IS NULL", column,
                              f"'unparseable date ' || {quoted_value(_v(column))}"))
        elif required:
            rules.append(Rule("true", column, f"'the file has no {column} column'"))

    if kind == "accounts" and "employees" in present:
        number = f"try_cast({_v('employees')} AS DOUBLE)"
        rules.append(Rule(f"{_v('employees')} IS NOT NULL AND ({number} IS NULL OR {number} <> floor({number}))",
                          "employees", f"'employees must be an integer, not ' || {quoted_value(_v('employees'))}"))
    if kind == "users":
        bad_time("created_at")
        if "email_confirmed" in present:
            rules.append(Rule(f"{_v('email_confirmed')} IS NOT NULL AND lower({_v('email_confirmed')}) NOT IN "
                              f"{_in(_TRUE + _FALSE)}", "email_confirmed",
                              f"'email_confirmed must be true or false, not ' || {quoted_value(_v('email_confirmed'))}"))
    if kind == "opportunities":
        account = " AND ".join(f"{_v(c)} IS NULL" for c in ("account_id", "domain") if c in present) or "true"
        rules.append(Rule(account, "account_id", "'needs an account_id or a domain'"))
        bad_time("created_at", required=True)
        bad_time("closed_at")
        if "stage" in present:
            rules.append(Rule(f"{_STAGE} IS NULL", "stage", "'missing stage; use open, won or lost'"))
            rules.append(Rule(f"{_STAGE} NOT IN {_in(STAGES)}", "stage",
                              f"'stage must be open, won or lost, not ' || {quoted_value(_v('stage'))}"))
        else:
            rules.append(Rule("true", "stage", "'the file has no stage column (open, won or lost)'"))
        if "amount" in present:
            rules.append(Rule(f"{_v('amount')} IS NOT NULL AND try_cast({_v('amount')} AS DOUBLE) IS NULL", "amount",
                              f"'amount must be a number, not ' || {quoted_value(_v('amount'))}"))
        if "source" in present:
            rules.append(Rule(f"{_v('source')} IS NOT NULL AND lower({_v('source')}) NOT IN {_in(SOURCES)}", "source",
                              f"'source must be sales or self_serve, not ' || {quoted_value(_v('source'))}"))
    return rules


def load_table(
    con: duckdb.DuckDBPyConnection,
    source: InputFile,
    kind: str,
    quarantine: Quarantine,
    now: datetime,
    on_batch: Callable[[int], None] = lambda n: None,
) -> Tally:
    """Upsert one accounts/users/opportunities file inside the caller's transaction."""
    tally = Tally()
    staged = False
    for batch in iter_table_batches(source):
        con.register("ingest_batch", batch)
        verb = "INSERT INTO" if staged else "CREATE OR REPLACE TEMP TABLE"
        con.execute(f"{verb} {STAGED} {'AS ' if not staged else ''}SELECT * FROM ingest_batch")
        con.unregister("ingest_batch")
        staged = True
        on_batch(batch.num_rows)
    if not staged:
        return tally
    columns = [c for c in table_columns(con, STAGED) if c not in META_COLUMNS]
    present = set(columns)
    typed = _typed(kind, present)
    extras = [c for c in columns if c not in CANONICAL_COLUMNS[kind]] if kind != "opportunities" else []
    rules = _rules(kind, present)
    field, message = failure_message(rules, "bad")
    raw_json = "CAST(to_json(struct_pack(" + ", ".join(f'"{c}" := "{c}"' for c in columns) + ")) AS VARCHAR)"
    selected = ", ".join([f'{expr} AS "{c}"' for c, expr in typed.items()] + [f'{_v(c)} AS "{c}"' for c in extras])
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {CHECKED} AS
        WITH checked AS (SELECT *, {first_failure_index(rules)} AS bad FROM {STAGED})
        SELECT line, bad, {selected},
            CASE WHEN bad > 0 THEN coalesce(raw, {raw_json}) END AS raw,
            CASE WHEN bad > 0 THEN {field} END AS reject_field,
            CASE WHEN bad > 0 THEN {message} END AS reject_message
        FROM checked"""
    )
    rows = con.execute(
        f"SELECT line, raw, reject_field, reject_message FROM {CHECKED} WHERE bad > 0 ORDER BY line"
    ).fetchall()
    rejects = [(raw, Reject(str(source.path), line, f, m)) for line, raw, f, m in rows]
    quarantine.add(rejects)
    tally.note([r for _, r in rejects])
    # Without its key column (or in an events file) every row was rejected above: nothing to count or merge.
    keyed = KEYS[kind] in present and not _events_shaped(present)
    distinct_keys = f'count(DISTINCT "{KEYS[kind]}") FILTER (WHERE bad = 0)' if keyed else "0"
    read, good, distinct = con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE bad = 0), {distinct_keys} FROM {CHECKED}"
    ).fetchone()
    if keyed:
        _add_attribute_columns(con, kind, extras)
        _upsert(con, kind, [*typed, *extras])
    tally.add(read=read, loaded=distinct, duplicates=good - distinct, rejected=read - good)
    con.execute(f"DROP TABLE {CHECKED}")
    con.execute(f"DROP TABLE {STAGED}")
    return tally


def _add_attribute_columns(con: duckdb.DuckDBPyConnection, kind: str, extras: list[str]) -> None:
    existing = dict(con.execute(f'SELECT column_name, column_type FROM (DESCRIBE "{kind}")').fetchall())
    for column in extras:
        values = f'"{column}"'
        integral, numeric = con.execute(
            f"SELECT bool_and(regexp_full_match({values}, '\\s*[-+]?\\d{{1,18}}\\s*')), "
            f"bool_and(try_cast({values} AS DOUBLE) IS NOT NULL) FROM {CHECKED} WHERE bad = 0 AND {values} IS NOT NULL"
        ).fetchone()
        wanted = "BIGINT" if integral else "DOUBLE" if numeric else "VARCHAR"
        have = existing.get(column)
        if have is None:
            con.execute(f'ALTER TABLE "{kind}" ADD COLUMN "{column}" {wanted}')
        elif have != wanted and have != "VARCHAR" and not (have == "DOUBLE" and wanted == "BIGINT"):
            widened = "DOUBLE" if {have, wanted} == {"BIGINT", "DOUBLE"} else "VARCHAR"
            con.execute(f'ALTER TABLE "{kind}" ALTER COLUMN "{column}" TYPE {widened}')


def _upsert(con: duckdb.DuckDBPyConnection, kind: str, columns: list[str]) -> None:
    key = KEYS[kind]
    latest = f"(SELECT * FROM {CHECKED} WHERE bad = 0 QUALIFY row_number() OVER (PARTITION BY \"{key}\" ORDER BY line DESC) = 1)"
    updates = ", ".join(f'"{c}" = s."{c}"' for c in columns if c != key)
    if updates:
        con.execute(f'UPDATE "{kind}" AS t SET {updates} FROM {latest} AS s WHERE t."{key}" = s."{key}"')
    names = ", ".join(f'"{c}"' for c in columns)
    con.execute(
        f'INSERT INTO "{kind}" ({names}) SELECT {names} FROM {latest} AS s '
        f'WHERE NOT EXISTS (SELECT 1 FROM "{kind}" AS t WHERE t."{key}" = s."{key}")'
    )
