"""The project's DuckDB file: open it, make sure the canonical tables exist."""

from __future__ import annotations

import duckdb

from leadlight.errors import NotReady
from leadlight.storage.project import Project
from leadlight.storage.schema import DDL


def connect(project: Project, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the project's DuckDB file, creating it and the canonical tables if needed."""
    if read_only and not project.database_path.exists():
        raise NotReady(f"{project.root} has no data yet", hint="load some with `leadlight ingest`")
    project.ensure_dirs()
    con = duckdb.connect(str(project.database_path), read_only=read_only)
    con.execute("SET TimeZone = 'UTC'")
    if not read_only:
        for ddl in DDL.values():
            con.execute(ddl)
    return con


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()]
