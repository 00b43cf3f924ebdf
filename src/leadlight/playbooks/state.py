"""``playbook_state`` in the DuckDB file: the matching state between runs."""

from __future__ import annotations

from datetime import datetime

import duckdb

from leadlight.playbooks.matching import State


def load(con: duckdb.DuckDBPyConnection) -> State:
    rows = con.execute("SELECT playbook, account_id, active, version FROM playbook_state").fetchall()
    return {(p, a): (bool(active), int(version)) for p, a, active, version in rows}


def save(con: duckdb.DuckDBPyConnection, before: State, after: State, as_of: datetime) -> None:
    """Write the rows that changed (inside the caller's transaction)."""
    changed = [(p, a, active, version, as_of) for (p, a), (active, version) in after.items()
               if before.get((p, a)) != (active, version)]
    if changed:
        con.executemany("INSERT OR REPLACE INTO playbook_state (playbook, account_id, active, version, as_of) "
                        "VALUES (?, ?, ?, ?, ?)", changed)
