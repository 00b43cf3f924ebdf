"""Reasons set-wise in DuckDB: the same lists ``explain`` builds row by row, for every row of a table at once.

Each reason a row can have is a ``Term``: when it fires, its contribution (both SQL over the row) and
what its value and sentence depend on (``key``, SQL), and the columns it reads. Sentences are written in
Python by ``explain`` once per distinct key (people share a few values), joined back, ranked like
``explain.top`` and aggregated into JSON arrays. Numbers are rounded as Python rounds them (``printf``:
correctly rounded, ties to even), so a stored list decodes to exactly what ``explain`` gives.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from leadlight.scoring import explain

_ENCODE = json.JSONEncoder(default=str).encode


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def text(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def number(value: float) -> str:
    """A DOUBLE literal exactly equal to ``value`` (a bare literal would be a DECIMAL)."""
    return f"CAST('{value!r}' AS DOUBLE)"


def rounded(sql: str, places: int) -> str:
    """``round(x, places)`` as Python rounds (DuckDB's round differs on ties and near-ties)."""
    return f"CAST(printf('%.{places}f', {sql}) AS DOUBLE)"


def plain_number(sql: str) -> str:
    """``explain.plain_float`` of a DOUBLE: NaN and infinities null, rounded to 4 places. A value DuckDB's round
    leaves as it is Python's leaves too (most are: rule points, scores), so only the others are formatted."""
    return (f"(CASE WHEN isnan({sql}) OR isinf({sql}) THEN NULL WHEN {sql} = round({sql}, 4) THEN {sql} "
            f"ELSE {rounded(sql, 4)} END)")


def points(sql: str) -> str:
    """``float(row.get(column) or 0.0)`` of a plain DOUBLE column, as ``explain`` reads rule points."""
    return f"coalesce({plain_number(sql)}, 0.0)"


def as_json(sql: str, kind: str) -> str:
    """JSON text of ``explain.plain(value)`` for a column of DuckDB type ``kind`` (``null`` for none): whole
    floats as integers, as ``json.dumps`` writes them."""
    if kind in ("DOUBLE", "FLOAT", "REAL"):
        return (f"(CASE WHEN {sql} IS NULL OR isnan({sql}) OR isinf({sql}) THEN 'null' "
                f"WHEN {sql} = trunc({sql}) AND abs({sql}) < 1e38 THEN CAST(CAST({sql} AS HUGEINT) AS VARCHAR) "
                f"ELSE CAST(to_json({rounded(sql, 4)}) AS VARCHAR) END)")
    if kind == "BOOLEAN" or "INT" in kind:
        return f"coalesce(CAST({sql} AS VARCHAR), 'null')"
    if kind == "VARCHAR":
        return f"coalesce(CAST(to_json({sql}) AS VARCHAR), 'null')"
    return f"coalesce(CAST(to_json(CAST({sql} AS VARCHAR)) AS VARCHAR), 'null')"  # dates: as json.dumps(default=str)


def temp_table(con: Any, name: str, columns: dict[str, tuple[str, list]]) -> None:
    """A temp table from Python lists of equal length (``{column: (DuckDB type, values)}``), passed as list
    parameters: building an Arrow table from lists would load pandas, a third of a second for a few rows."""
    select = ", ".join(f"unnest(?::{kind}[]) AS {ident(column)}" for column, (kind, _) in columns.items())
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {select}",
                [values for _, values in columns.values()]).fetchall()


@dataclass(frozen=True)
class Term:
    """One reason a row may have: in list ``group``, named ``signal``."""

    group: int
    signal: str
    fires: str  # SQL: the row has this reason
    contribution: str  # SQL: score points (unrounded)
    key: str  # SQL: what the value and sentence depend on
    words: Callable[[Any], tuple[Any, str]]  # key -> (value, sentence)
    reads: tuple[str, ...] = ()  # the columns the SQL above reads


def said(specs: Any, signal: str) -> Callable[[Any], tuple[Any, str]]:
    """A value of ``signal`` -> (its plain value, its sentence)."""
    def words(value: Any) -> tuple[Any, str]:
        value = explain.plain(value)
        return value, explain.say(specs, signal, value)

    return words


def rule_term(group: int, rule: Any, column: str, scale: float, specs: Any) -> Term:
    """A points rule: ``column`` holds its points (before decay), the reason reads ``rule.signal``."""
    got = points(ident(column))
    return Term(group, rule.signal, f"{got} <> 0", f"{got} * {number(scale)}", ident(rule.signal),
                said(specs, rule.signal), (column, rule.signal))


def reads(terms: list[Term]) -> list[str]:
    """Every column the terms read, once each, in order."""
    return list(dict.fromkeys(c for t in terms for c in t.reads))


def reason_lists(con: Any, name: str, table: str, terms: list[Term], groups: int, positives: int,
                 negatives: int = 2, *, shared: bool = False) -> str:
    """SQL of ``(_ll_row, g0, g1, ...)``: each row's JSON reason lists (only rows with a reason; NULL for a list it
    has none in), as ``explain.top`` orders them, in the text ``storage.snapshots`` writes. ``table``: a table or a
    parenthesised query on ``con`` with a unique ``_ll_row`` and the columns the terms read. What it keeps is in
    temp tables named after ``name`` (``reason_tables``), which the SQL reads: use it before dropping them.

    ``shared``: thousands of rows (people) share a few inputs. Their rows are grouped by the columns the terms
    read, the lists built once per group (``<name>_inputs``) and given back to each of its rows by unnesting
    the group's row keys (no join on the inputs). Plain columns group fast; the written inputs (contributions
    as text) cost more to group than the few thousand distinct ones cost to write."""
    if not terms:
        lists = ", ".join(f"NULL::VARCHAR AS g{g}" for g in range(groups))
        return f"SELECT NULL AS _ll_row, {lists} WHERE false"
    if not shared or not all(t.reads for t in terms):
        return _lists(con, name, table, terms, groups, positives, negatives)
    inputs = f"{name}_inputs"
    columns = ", ".join(ident(c) for c in reads(terms))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {inputs} AS SELECT {columns}, list(_ll_row) AS _ll_rows "
                f"FROM {table} GROUP BY ALL").fetchall()
    lists = _lists(con, name, f"(SELECT rowid AS _ll_row, {columns} FROM {inputs})", terms, groups, positives,
                   negatives)
    kept = ", ".join(f"l.g{g}" for g in range(groups))
    return (f"SELECT unnest(d._ll_rows) AS _ll_row, {kept} FROM {inputs} d "
            f"JOIN ({lists}) l ON l._ll_row = d.rowid")


def _lists(con: Any, name: str, table: str, terms: list[Term], groups: int, positives: int,
           negatives: int) -> str:
    """``reason_lists`` of every row of ``table``, gathered row by term."""
    long, said_as = f"{name}_long", f"{name}_said"
    # every reason of every row, with its key as text (to join on) and as itself (v<term>: for the sentence)
    each = [f"SELECT _ll_row AS id, {n} AS term, {term.group} AS grp, printf('%.1f', {term.contribution}) AS c, "
            f"(CASE WHEN {term.key} IS NULL THEN 'N' ELSE 'V' || CAST({term.key} AS VARCHAR) END) AS k, "
            f"{term.key} AS v{n} FROM {table} WHERE {term.fires}" for n, term in enumerate(terms)]
    con.execute(f"CREATE OR REPLACE TEMP TABLE {long} AS {' UNION ALL BY NAME '.join(each)}").fetchall()
    # a reason's JSON text is all known from its term and key but the contribution: written here, once each
    said: dict[str, list] = {"term": [], "k": [], "head": [], "tail": []}
    values = ", ".join(f"v{n}" for n in range(len(terms)))
    for n, k, *value in con.execute(f"SELECT DISTINCT term, k, {values} FROM {long}").fetchall():
        plain, sentence = terms[n].words(value[n])
        said["term"].append(n)
        said["k"].append(k)
        said["head"].append(f'{{"signal": {_ENCODE(terms[n].signal)}, "value": {_ENCODE(plain)}, "contribution": ')
        said["tail"].append(f', "text": {_ENCODE(sentence)}}}')
    temp_table(con, said_as, {"term": ("INTEGER", said["term"]), "k": ("VARCHAR", said["k"]),
                              "head": ("VARCHAR", said["head"]), "tail": ("VARCHAR", said["tail"])})
    # explain.top: the reasons worth nothing (in term order) and the positive ones (largest first, then by
    # signal), then the most negative; per row, each side's keys are sorted (list_grade_up) and the reasons'
    # texts picked in that order. printf rounds as Python's round() and writes the figure as its repr does.
    by_signal = sorted(range(len(terms)), key=lambda n: (terms[n].signal, n))
    signal_rank = "CASE term " + " ".join(f"WHEN {n} THEN {r}" for r, n in enumerate(by_signal)) + " END"
    side = "(CASE WHEN c = 0 THEN 0 WHEN c > 0 THEN 1 ELSE 2 END)"
    key = (f"{{'side': {side}, 'c': CASE {side} WHEN 1 THEN -c WHEN 2 THEN c ELSE 0 END, "
           f"'then': CASE WHEN {side} = 0 THEN term ELSE {signal_rank} END}}")
    reasons = (f"SELECT id, grp, {side} AS side, {key} AS k, j FROM (SELECT r.id, r.grp, r.term, "
               f"CAST(r.c AS DOUBLE) AS c, concat(s.head, r.c, s.tail) AS j FROM {long} r "
               f"JOIN {said_as} s ON s.term = r.term AND s.k = r.k)")

    def best(sides: str, n: int) -> str:
        where = f"FILTER (WHERE {sides})"
        return f"coalesce(list_select(list(j) {where}, list_grade_up(list(k) {where}))[1:{int(n)}], [])"

    # each list grouped by row and list first, then a row's lists side by side (a row without reasons of a
    # list has none: NULL); grouping by row alone with a filter per list cost a third more
    each = (f"SELECT id, grp, '[' || array_to_string(list_concat({best('side < 2', positives)}, "
            f"{best('side = 2', negatives)}), ', ') || ']' AS l FROM ({reasons}) GROUP BY id, grp")
    if groups == 1:
        return f"SELECT id AS _ll_row, l AS g0 FROM ({each})"
    lists = ", ".join(f"any_value(l) FILTER (WHERE grp = {g}) AS g{g}" for g in range(groups))
    return f"SELECT id AS _ll_row, {lists} FROM ({each}) GROUP BY id"


def reason_tables(name: str) -> tuple[str, ...]:
    """The temp tables ``reason_lists`` keeps under ``name``."""
    return tuple(f"{name}{suffix}" for suffix in ("_inputs", "_long", "_said"))
