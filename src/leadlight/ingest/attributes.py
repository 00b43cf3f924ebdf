"""Attribute columns of accounts and users: added as they arrive, typed by their data.

A column is BIGINT when every non-empty value is a whole number (up to 18
digits), DOUBLE when every one is a number, else VARCHAR. A file with text in
a numeric column makes it VARCHAR, and the report names the line and value
that did it (``12000,50``: a decimal comma). Once the stored values are all
numbers again (the file was fixed and loaded again), the column is a number
again: a column's type follows its data, never one bad value forever.
"""

from __future__ import annotations

import duckdb

from leadlight.ingest.validation import quoted_value

_INTEGRAL = "regexp_full_match({v}, '\\s*[-+]?\\d{{1,18}}\\s*')"
_NUMERIC = "try_cast({v} AS DOUBLE) IS NOT NULL"


def _types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return dict(con.execute(f'SELECT column_name, column_type FROM (DESCRIBE "{table}")').fetchall())


def _wanted(integral: bool | None, numeric: bool | None) -> str:
    return "BIGINT" if integral else "DOUBLE" if numeric else "VARCHAR"


def add_attribute_columns(con: duckdb.DuckDBPyConnection, kind: str, extras: list[str], checked: str, bad: str,
                          line: str, file_name: str) -> list[str]:
    """Add or widen ``kind``'s attribute columns for the good rows of ``checked``; returns warnings."""
    existing = _types(con, kind)
    warnings = []
    for column in extras:
        v = f'"{column}"'
        integral, numeric, texts, numbers = con.execute(
            f"SELECT bool_and({_INTEGRAL.format(v=v)}), bool_and({_NUMERIC.format(v=v)}), "
            f"count(*) FILTER (WHERE NOT {_NUMERIC.format(v=v)}), count(*) FILTER (WHERE {_NUMERIC.format(v=v)}) "
            f"FROM {checked} WHERE {bad} = 0 AND {v} IS NOT NULL"
        ).fetchall()[0]
        wanted = _wanted(integral, numeric)
        have = existing.get(column)
        if wanted == "VARCHAR" and numbers and texts <= max(3, numbers // 20):
            rows = con.execute(
                f"SELECT {line}, {quoted_value(v)} FROM {checked} WHERE {bad} = 0 AND {v} IS NOT NULL "
                f"AND NOT {_NUMERIC.format(v=v)} ORDER BY {line} LIMIT 3").fetchall()
            where = ", ".join(f"line {n} has {text}" for n, text in rows)
            warnings.append(f"{file_name}: column {column} is stored as text because {where}, not a number; "
                            "fix the value and ingest the file again to make the column a number")
        if have is None:
            con.execute(f'ALTER TABLE "{kind}" ADD COLUMN "{column}" {wanted}')
        elif have != wanted and have != "VARCHAR" and not (have == "DOUBLE" and wanted == "BIGINT"):
            widened = "DOUBLE" if {have, wanted} == {"BIGINT", "DOUBLE"} else "VARCHAR"
            con.execute(f'ALTER TABLE "{kind}" ALTER COLUMN "{column}" TYPE {widened}')
    return warnings


def settle_attribute_types(con: duckdb.DuckDBPyConnection, kind: str, extras: list[str]) -> list[str]:
    """Narrow text attribute columns of ``kind`` whose stored values are all numbers now; returns notes."""
    notes = []
    types = _types(con, kind)
    for column in extras:
        if types.get(column) != "VARCHAR":
            continue
        v = f'"{column}"'
        integral, numeric = con.execute(
            f"SELECT bool_and({_INTEGRAL.format(v=v)}), bool_and({_NUMERIC.format(v=v)}) FROM \"{kind}\" "
            f"WHERE {v} IS NOT NULL AND trim({v}) <> ''"
        ).fetchall()[0]
        wanted = _wanted(integral, numeric)
        if wanted != "VARCHAR":
            con.execute(f'ALTER TABLE "{kind}" ALTER COLUMN "{column}" TYPE {wanted} USING '
                        f"CAST(nullif(trim({v}), '') AS {wanted})")
            notes.append(f"{kind}.{column} holds only numbers again: it is a number column ({wanted}) once more")
    return notes
