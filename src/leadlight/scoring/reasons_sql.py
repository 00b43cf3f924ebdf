"""Reasons set-wise in DuckDB: the same lists ``explain`` builds row by row, for every row of a table at once.

Each reason a row can have is a ``Term``: when it fires, its contribution (both SQL over the row) and
what its value and sentence depend on (``key``, SQL). Sentences are written in Python by ``explain``
once per distinct key (people share a few values), joined back, ranked like ``explain.top`` and
aggregated into JSON arrays. Numbers are rounded as Python rounds them (``printf``: correctly rounded,
ties to even), so a stored list decodes to exactly what ``explain`` gives.
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
                said(specs, rule.signal))


def reason_lists(con: Any, table: str, row: str, terms: list[Term], groups: int, positives: int,
                 negatives: int = 2) -> str:
    """SQL of ``(row, g0, g1, ...)``: each row's JSON reason lists (only rows with a reason), as ``explain.top``
    orders them, in the text ``storage.snapshots`` writes. ``table`` is a table on ``con``, ``row`` its key
    column; what it keeps is in temp tables named after ``table`` (``drop_reasons`` removes them), which the
    SQL reads: use it before dropping them.

    A row's lists depend only on which of its terms fire, with what contribution (as written: one decimal) and
    key, and thousands of people share a few such inputs: the rows are grouped by their inputs (one struct, with
    the keys of its rows: ``<table>_inputs``), the lists built once per input (``<table>_lists``) and given back
    to each of its rows by unnesting those keys (no join on the struct)."""
    if not terms:
        lists = ", ".join(f"NULL::VARCHAR AS g{g}" for g in range(groups))
        return f"SELECT NULL AS {ident(row)}, {lists} WHERE false"
    distinct, lists = f"{table}_inputs", f"{table}_lists"
    # a term that does not fire adds nothing: its contribution and key are left out of the inputs (NULL)
    fields = ", ".join(f"c{n} := CASE WHEN {t.fires} THEN printf('%.1f', {t.contribution}) END, "
                       f"v{n} := CASE WHEN {t.fires} THEN {t.key} END" for n, t in enumerate(terms))
    columns = ", ".join(f"k.c{n} AS c{n}, k.v{n} AS v{n}" for n in range(len(terms)))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {distinct} AS SELECT row_number() OVER () AS _ll_input, ids, "
                f"{columns} FROM (SELECT struct_pack({fields}) AS k, list({ident(row)}) AS ids FROM {table} "
                f"GROUP BY k)").fetchall()
    each = [Term(t.group, t.signal, f"c{n} IS NOT NULL", f"CAST(c{n} AS DOUBLE)", f"v{n}", t.words)
            for n, t in enumerate(terms)]
    con.execute(f"CREATE OR REPLACE TEMP TABLE {lists} AS "
                f"{_lists(con, distinct, '_ll_input', each, groups, positives, negatives)}").fetchall()
    return (f"SELECT unnest(d.ids) AS {ident(row)}, {', '.join(f'l.g{g}' for g in range(groups))} FROM {distinct} d "
            f"JOIN {lists} l ON l._ll_input = d._ll_input")


def _lists(con: Any, table: str, row: str, terms: list[Term], groups: int, positives: int, negatives: int) -> str:
    """``reason_lists`` of every row of ``table`` (the distinct inputs), gathered row by term."""
    long, said_as = f"{table}_reasons", f"{table}_said"
    # every reason of every row, with its key as text (to join on) and as itself (v<term>: for the sentence)
    each = [f"SELECT {ident(row)} AS id, {n} AS term, {term.group} AS grp, {text(term.signal)} AS signal, "
            f"printf('%.1f', {term.contribution}) AS c, (CASE WHEN {term.key} IS NULL THEN 'N' ELSE 'V' || "
            f"CAST({term.key} AS VARCHAR) END) AS k, {term.key} AS v{n} FROM {table} WHERE {term.fires}"
            for n, term in enumerate(terms)]
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
               f"CAST(r.c AS DOUBLE) AS c, s.head || r.c || s.tail AS j FROM {long} r "
               f"JOIN {said_as} s ON s.term = r.term AND s.k = r.k)")

    def best(g: int, sides: str, n: int) -> str:
        where = f"FILTER (WHERE grp = {g} AND {sides})"
        return f"coalesce(list_select(list(j) {where}, list_grade_up(list(k) {where}))[1:{int(n)}], [])"

    lists = ", ".join(f"'[' || array_to_string(list_concat({best(g, 'side < 2', positives)}, "
                      f"{best(g, 'side = 2', negatives)}), ', ') || ']' AS g{g}" for g in range(groups))
    return f"SELECT id AS {ident(row)}, {lists} FROM ({reasons}) GROUP BY id"


def reason_tables(table: str) -> tuple[str, ...]:
    """The temp tables ``reason_lists`` keeps for ``table``."""
    return tuple(f"{table}{suffix}" for suffix in ("_inputs", "_lists", "_inputs_reasons", "_inputs_said"))


def drop_reasons(con: Any, table: str) -> None:
    """Remove what ``reason_lists`` kept for ``table``."""
    for name in reason_tables(table):
        con.execute(f"DROP TABLE IF EXISTS {name}").fetchall()
