"""Accounts, users and opportunities: validated, then upserted by their key.

A file's columns are checked first (``columns.check_columns``: the wrong
``--kind`` or a missing column refuses the whole file, once). Its rows are
staged, checked in SQL (``_rules``), and merged into the canonical table: a
key already there is updated with the columns the file has (columns it lacks
keep their values) and counted as ``updated`` or ``unchanged``; a new key is
inserted (``loaded``). Within a file the last row of a key wins; the rows it
replaces count as duplicates.

Accounts and users may carry further columns (firmographics, user
attributes). Each becomes a column of the table, typed BIGINT or DOUBLE when
every non-empty value is a number, else VARCHAR (``attributes``).

Opportunity stages: ``opportunities.stages`` in leadlight.yml maps a CRM's
names to won / lost / open; ``Closed Won`` / ``closedwon`` are won,
``Closed Lost`` / ``closedlost`` lost, any other stage not starting with
"closed" is open. The stage as written is kept in ``stage_raw``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Callable

import duckdb

from leadlight.config.ingest import OpportunitiesConfig, stage_key
from leadlight.ingest.attributes import add_attribute_columns, settle_attribute_types
from leadlight.ingest.columns import check_columns
from leadlight.ingest.quarantine import Quarantine
from leadlight.ingest.readers import InputFile
from leadlight.ingest.tabular import LINE, META_COLUMNS, RAW, SHAPE_ERROR, UTF8_OK, open_table
from leadlight.ingest.timestamps import timestamp_sql
from leadlight.ingest.validation import Reject, Rule, Tally, failure_message, first_failure_index, quoted_value, sql_text
from leadlight.storage.database import table_columns
from leadlight.storage.schema import CANONICAL_COLUMNS

STAGED, CHECKED = "ingest_rows", "ingest_checked"
BAD = "_ll_bad"
KEYS = {"accounts": "account_id", "users": "user_id", "opportunities": "opportunity_id"}
STAGES, SOURCES = ("open", "won", "lost"), ("sales", "self_serve")
_TRUE, _FALSE = ("true", "t", "yes", "y", "1"), ("false", "f", "no", "n", "0")
_BUILTIN_STAGES = {"won": "won", "closedwon": "won", "lost": "lost", "closedlost": "lost", "open": "open"}
MAX_EMPLOYEES = 10**12


def _v(column: str) -> str:
    return f"""nullif(trim(CAST("{column}" AS VARCHAR)), '')"""


def _when(column: str) -> str:
    return timestamp_sql(_v(column))


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(sql_text(v) for v in values) + ")"


def stage_sql(config: OpportunitiesConfig, present: set[str]) -> str:
    """SQL giving won / lost / open for the ``stage`` column; NULL for a missing or unknown closed stage."""
    key = f"regexp_replace(lower({_v('stage')}), '[^a-z0-9]', '', 'g')"
    mapping = {**_BUILTIN_STAGES, **{stage_key(name): outcome for name, outcome in config.stages.items()}}
    cases = " ".join(f"WHEN {key} IN {_in(tuple(k for k, v in mapping.items() if v == outcome))} THEN '{outcome}'"
                     for outcome in STAGES if outcome in mapping.values())
    by_probability = ""
    if config.stages_by_probability and "probability" in present:
        text = f"replace({_v('probability')}, '%', '')"
        pct = f"(CASE WHEN contains({text}, '.') AND try_cast({text} AS DOUBLE) <= 1 THEN 100 ELSE 1 END * try_cast({text} AS DOUBLE))"
        by_probability = f"WHEN {pct} >= 100 THEN 'won' WHEN {pct} = 0 THEN 'lost'"
    return f"(CASE WHEN {key} IS NULL THEN NULL {cases} {by_probability} WHEN prefix({key}, 'closed') THEN NULL " \
           "ELSE 'open' END)"


def _typed(kind: str, present: set[str], stages: OpportunitiesConfig) -> dict[str, str]:
    """SQL for each canonical column the file has, converted to its table type."""
    exprs = {
        "domain": f"lower({_v('domain')})",
        "employees": f"try_cast(try_cast({_v('employees')} AS DOUBLE) AS BIGINT)",
        "created_at": _when("created_at"),
        "closed_at": _when("closed_at"),
        "email_confirmed": f"CASE WHEN lower({_v('email_confirmed')}) IN {_in(_TRUE)} THEN true "
        f"WHEN lower({_v('email_confirmed')}) IN {_in(_FALSE)} THEN false END",
        "stage": stage_sql(stages, present),
        "amount": f"try_cast({_v('amount')} AS DOUBLE)",
        "source": f"coalesce(lower({_v('source')}), 'sales')" if "source" in present else "'sales'",
    }
    wanted = [c for c in CANONICAL_COLUMNS[kind] if c in present or (kind, c) == ("opportunities", "source")]
    typed = {c: exprs.get(c, _v(c)) for c in wanted}
    if kind == "opportunities":
        typed["stage_raw"] = _v("stage")
    return typed


def _rules(kind: str, present: set[str], stages: OpportunitiesConfig) -> list[Rule]:
    key = KEYS[kind]
    rules = [
        Rule(f"NOT {UTF8_OK}", None, "'not valid UTF-8 text'"),
        Rule(f"{SHAPE_ERROR} IS NOT NULL", None, SHAPE_ERROR),
        Rule(f"{_v(key)} IS NULL", key, f"'missing {key}'"),
    ]

    def bad_time(column: str, required: bool = False) -> None:
        if required:
            rules.append(Rule(f"{_v(column)} IS NULL", column, f"'missing {column}'"))
        if column in present:
            rules.append(Rule(f"{_v(column)} IS NOT NULL AND {_when(column)} IS NULL", column,
                              f"'unparseable date ' || {quoted_value(_v(column))}"))

    if kind == "accounts" and "employees" in present:
        number = f"try_cast({_v('employees')} AS DOUBLE)"
        rules.append(Rule(f"{_v('employees')} IS NOT NULL AND ({number} IS NULL OR {number} <> floor({number}) "
                          f"OR abs({number}) > {MAX_EMPLOYEES})", "employees",
                          f"'employees must be a whole number up to {MAX_EMPLOYEES:,}, not ' || {quoted_value(_v('employees'))}"))
    if kind == "users":
        bad_time("created_at")
        if "email_confirmed" in present:
            rules.append(Rule(f"{_v('email_confirmed')} IS NOT NULL AND lower({_v('email_confirmed')}) NOT IN "
                              f"{_in(_TRUE + _FALSE)}", "email_confirmed",
                              f"'email_confirmed must be true or false, not ' || {quoted_value(_v('email_confirmed'))}"))
    if kind == "opportunities":
        account = " AND ".join(f"{_v(c)} IS NULL" for c in ("account_id", "domain") if c in present)
        rules.append(Rule(account, "account_id", "'needs an account_id or a domain'"))
        bad_time("created_at", required=True)
        bad_time("closed_at")
        rules.append(Rule(f"{_v('stage')} IS NULL", "stage", "'missing stage'"))
        rules.append(Rule(f"{stage_sql(stages, present)} IS NULL", "stage",
                          f"'stage ' || {quoted_value(_v('stage'))} || ' is closed but neither won nor lost: map it "
                          f"under opportunities.stages in leadlight.yml'"))
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
    *,
    columns: Mapping[str, str] | None = None,
    stages: OpportunitiesConfig | None = None,
) -> Tally:
    """Upsert one accounts/users/opportunities file inside the caller's transaction.

    ``columns`` is ``ingest.columns.<kind>`` and ``stages`` the ``opportunities:`` section of leadlight.yml.
    Raises ``InputError`` (nothing loaded) when the file's columns do not fit ``kind``.
    """
    stages = stages or OpportunitiesConfig()
    tally = Tally()
    table = open_table(source, kind, columns)
    tally.notes.extend(table.notes)
    if not table.headers:
        tally.warnings.append(f"{source.path} is empty: nothing to load")
        return tally
    check_columns(str(source.path), kind, table.headers, table.names)
    staged = False
    for batch in table.batches:
        con.register("ingest_batch", batch)
        verb = "INSERT INTO" if staged else "CREATE OR REPLACE TEMP TABLE"
        con.execute(f"{verb} {STAGED} {'AS ' if not staged else ''}SELECT * FROM ingest_batch")
        con.unregister("ingest_batch")
        staged = True
        on_batch(batch.num_rows)
    if not staged:
        tally.warnings.append(f"{source.path} has a header but no records: nothing to load")
        return tally
    names = [c for c in table_columns(con, STAGED) if c not in META_COLUMNS]
    present = set(names)
    typed = _typed(kind, present, stages)
    extras = [c for c in names if c not in CANONICAL_COLUMNS[kind]] if kind != "opportunities" else []
    rules = _rules(kind, present, stages)
    field, message = failure_message(rules, BAD)
    raw_json = "CAST(to_json(struct_pack(" + ", ".join(f'"{c}" := "{c}"' for c in names) + ")) AS VARCHAR)"
    selected = ", ".join([f'{expr} AS "{c}"' for c, expr in typed.items()] + [f'{_v(c)} AS "{c}"' for c in extras])
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {CHECKED} AS
        WITH checked AS (SELECT *, {first_failure_index(rules)} AS {BAD} FROM {STAGED})
        SELECT {LINE}, {BAD}, {selected},
            CASE WHEN {BAD} > 0 THEN coalesce({RAW}, {raw_json}) END AS {RAW},
            CASE WHEN {BAD} > 0 THEN {field} END AS _ll_reject_field,
            CASE WHEN {BAD} > 0 THEN {message} END AS _ll_reject_message
        FROM checked"""
    )
    rows = con.execute(
        f"SELECT {LINE}, {RAW}, _ll_reject_field, _ll_reject_message FROM {CHECKED} WHERE {BAD} > 0 ORDER BY {LINE}"
    ).fetchall()
    rejects = [(raw, Reject(str(source.path), line, f, m)) for line, raw, f, m in rows]
    quarantine.add(rejects)
    tally.note([r for _, r in rejects])
    key = KEYS[kind]
    read, good, distinct = con.execute(
        f'SELECT count(*), count(*) FILTER (WHERE {BAD} = 0), count(DISTINCT "{key}") FILTER (WHERE {BAD} = 0) '
        f"FROM {CHECKED}"
    ).fetchall()[0]
    if read and not good:
        tally.warnings.append(f"{source.path}: every record was rejected (first: line {rejects[0][1].line}, "
                              f"{rejects[0][1].message})")
    tally.warnings.extend(add_attribute_columns(con, kind, extras, CHECKED, BAD, LINE, source.name))
    inserted, updated = _upsert(con, kind, [*typed, *extras])
    tally.notes.extend(settle_attribute_types(con, kind, extras))
    tally.add(read=read, loaded=inserted, duplicates=good - distinct, rejected=read - good)
    tally.updated += updated
    tally.unchanged += distinct - inserted - updated
    con.execute(f"DROP TABLE {CHECKED}")
    con.execute(f"DROP TABLE {STAGED}")
    return tally


def _upsert(con: duckdb.DuckDBPyConnection, kind: str, columns: list[str]) -> tuple[int, int]:
    """Merge the checked rows into ``kind``; returns (keys inserted, existing keys whose values changed)."""
    key = KEYS[kind]
    latest = f'(SELECT * FROM {CHECKED} WHERE {BAD} = 0 QUALIFY row_number() OVER (PARTITION BY "{key}" ORDER BY {LINE} DESC) = 1)'
    types = dict(con.execute(f'SELECT column_name, column_type FROM (DESCRIBE "{kind}")').fetchall())
    others = [c for c in columns if c != key]
    changed = " OR ".join(f't."{c}" IS DISTINCT FROM TRY_CAST(s."{c}" AS {types[c]})' for c in others) or "false"
    ((updated,),) = con.execute(
        f'SELECT count(t."{key}") FILTER (WHERE {changed}) '
        f'FROM {latest} AS s LEFT JOIN "{kind}" AS t ON t."{key}" = s."{key}"'
    ).fetchall()
    if others and updated:
        sets = ", ".join(f'"{c}" = s."{c}"' for c in others)
        con.execute(f'UPDATE "{kind}" AS t SET {sets} FROM {latest} AS s WHERE t."{key}" = s."{key}" AND ({changed})')
    names = ", ".join(f'"{c}"' for c in columns)
    ((inserted,),) = con.execute(
        f'INSERT INTO "{kind}" ({names}) SELECT {names} FROM {latest} AS s '
        f'WHERE NOT EXISTS (SELECT 1 FROM "{kind}" AS t WHERE t."{key}" = s."{key}")'
    ).fetchall()
    return inserted, updated
