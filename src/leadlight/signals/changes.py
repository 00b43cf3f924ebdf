"""Which accounts and people a re-score changed: what the snapshot side needs to explain and store again.

``compare(engine, definition, outputs)`` hashes every row of values (one per
account, one per person: signals and scores, whatever the tables hold) and
compares them with the hashes kept by the last ``keep`` for the same
definition (``signal_values``). The answer is a typed ``ValueChanges``: the ids
whose row differs, appeared or disappeared, per level; ``None`` for a level
means *everything* (nothing kept for this definition: a first score, a changed
``leadlight.yml``). ``keep(engine, changes)`` makes the compared values the
kept ones; call it once what the changes were used for is stored (a crash in
between compares with the older values again, so nothing is missed).

A later moment moves recency and decay: across midnight most accounts change;
within a day (a run loop every few seconds) only those the new events touch.
"""

from __future__ import annotations

import ibis
from pydantic import BaseModel, ConfigDict

from leadlight.signals.incremental import _run
from leadlight.storage.engine import Engine

VALUES = "signal_values"
_NEW = "_leadlight_values_new"


class ValueChanges(BaseModel):
    """Ids per level (``account``, ``user``) whose values changed since the kept ones; None: all of them."""

    model_config = ConfigDict(frozen=True)

    definition: str
    changed: dict[str, frozenset[str] | None]
    rows: dict[str, int]  # rows of each level now

    def of(self, level: str) -> frozenset[str] | None:
        return self.changed.get(level)


def compare(engine: Engine, definition: str, outputs: dict[str, tuple[ibis.Table, str]]) -> ValueChanges:
    """Compare ``outputs`` (level -> (table, its id column)) with the values kept for ``definition``."""
    con = engine.connection
    parts = [f"SELECT '{level}' AS level, CAST(v.{_quoted(key)} AS VARCHAR) AS id, hash(v) AS hash "
             f"FROM ({ibis.to_sql(table, dialect='duckdb')}) AS v" for level, (table, key) in outputs.items()]
    _run(con, f"CREATE OR REPLACE TEMP TABLE {_NEW} AS {' UNION ALL '.join(parts)}")
    kept = dict(_run(con, f"SELECT level, count(*) FROM {VALUES} WHERE definition = ? GROUP BY level",
                     [definition]))
    rows = dict(_run(con, f"SELECT level, count(*) FROM {_NEW} GROUP BY level"))
    differ = _run(con, f"""
        SELECT n.level, n.id FROM {_NEW} n LEFT JOIN (SELECT * FROM {VALUES} WHERE definition = ?) o
            ON o.level = n.level AND o.id = n.id WHERE o.hash IS DISTINCT FROM n.hash
        UNION ALL
        SELECT o.level, o.id FROM {VALUES} o ANTI JOIN {_NEW} n ON o.level = n.level AND o.id = n.id
            WHERE o.definition = ?""", [definition, definition])
    changed: dict[str, frozenset[str] | None] = {}
    for level in outputs:
        changed[level] = frozenset(i for lv, i in differ if lv == level) if level in kept else None
    return ValueChanges(definition=definition, changed=changed, rows={lv: rows.get(lv, 0) for lv in outputs})


def keep(engine: Engine, changes: ValueChanges) -> None:
    """The values ``compare`` hashed become the ones the next re-score compares with."""
    con = engine.connection
    con.begin()
    try:
        _run(con, f"DELETE FROM {VALUES}")
        _run(con, f"INSERT INTO {VALUES} SELECT ?, level, id, hash FROM {_NEW}", [changes.definition])
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
