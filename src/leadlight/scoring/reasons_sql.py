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
    """``explain.plain_float`` of a DOUBLE: NaN and infinities null, rounded to 4 places."""
    return f"(CASE WHEN isnan({sql}) OR isinf({sql}) THEN NULL ELSE {rounded(sql, 4)} END)"


def points(sql: str) -> str:
    """``float(row.get(column) or 0.0)`` of a plain DOUBLE column, as ``explain`` reads rule points."""
    return f"coalesce({plain_number(sql)}, 0.0)"


def as_json(sql: str, kind: str) -> str:
    """JSON of ``explain.plain(value)`` for a column of DuckDB type ``kind``: whole floats as integers."""
    if kind in ("DOUBLE", "FLOAT", "REAL"):
        return (f"(CASE WHEN {sql} IS NULL OR isnan({sql}) OR isinf({sql}) THEN NULL::JSON "
                f"WHEN {sql} = trunc({sql}) AND abs({sql}) < 1e38 THEN to_json(CAST({sql} AS HUGEINT)) "
                f"ELSE to_json({rounded(sql, 4)}) END)")
    if kind == "BOOLEAN" or kind == "VARCHAR" or "INT" in kind:
        return f"to_json({sql})"
    return f"to_json(CAST({sql} AS VARCHAR))"  # dates and the like: as ``json.dumps(default=str)`` writes them


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
    orders them; ``table`` is a table or view on ``con`` and ``row`` its key column. Registers the sentences."""
    lists = ", ".join(f"NULL::VARCHAR AS g{g}" for g in range(groups))
    if not terms:
        return f"SELECT NULL AS {ident(row)}, {lists} WHERE false"
    said = {"term": [], "k": [], "value": [], "text": []}
    long = []
    for n, term in enumerate(terms):
        key = f"(CASE WHEN {term.key} IS NULL THEN 'N' ELSE 'V' || CAST({term.key} AS VARCHAR) END)"
        for k, value in con.execute(f"SELECT DISTINCT {key}, {term.key} FROM {table} WHERE {term.fires}").fetchall():
            plain, sentence = term.words(value)
            for column, v in (("term", n), ("k", k), ("value", _ENCODE(plain)), ("text", sentence)):
                said[column].append(v)
        long.append(f"SELECT {ident(row)} AS id, {n} AS term, {term.group} AS grp, {text(term.signal)} AS signal, "
                    f"{rounded(term.contribution, 1)} AS c, {key} AS k FROM {table} WHERE {term.fires}")
    import pyarrow as pa

    con.register("_ll_said", pa.table(said, schema=pa.schema([("term", pa.int32()), ("k", pa.string()),
                                                               ("value", pa.string()), ("text", pa.string())])))
    # explain.top: the reasons worth nothing (in term order) and the positive ones (largest first), then the
    # most negative; each side sorted as a list per row (an ordered aggregate or a window costs more)
    side = "(CASE WHEN r.c = 0 THEN 0 WHEN r.c > 0 THEN 1 ELSE 2 END)"
    item = ("{'side': side, 'a': CASE side WHEN 1 THEN -c WHEN 2 THEN c ELSE 0 END, 'b': CASE WHEN side = 0 THEN '' "
            "ELSE signal END, 't': term, 'j': json_object('signal', signal, 'value', json(value), 'contribution', c, "
            "'text', text)}")
    reasons = f"SELECT r.*, s.value, s.text, {side} AS side FROM ({' UNION ALL '.join(long)}) r " \
              "JOIN _ll_said s ON s.term = r.term AND s.k = r.k"
    lists = ", ".join(
        f"to_json(list_transform(list_concat(coalesce(list_sort(list({item}) FILTER (WHERE grp = {g} AND side < 2))"
        f"[1:{int(positives)}], []), coalesce(list_sort(list({item}) FILTER (WHERE grp = {g} AND side = 2))"
        f"[1:{int(negatives)}], [])), lambda x: x.j))::VARCHAR AS g{g}" for g in range(groups))
    return f"SELECT id AS {ident(row)}, {lists} FROM ({reasons}) GROUP BY id"
