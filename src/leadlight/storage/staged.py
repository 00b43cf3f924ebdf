"""Rows to store, held as SQL over temp tables on the connection that stores them.

A snapshot's rows are built set-wise (``scoring.snapshot_sql``) and stored by the task later, in its own
transaction. Fetching them to Python only to write them back cost a round trip through Arrow; instead the
rows stay a query over the build's temp tables (its *scratch*) until they are either inserted with one
``INSERT ... SELECT`` (``insert_into``) or read (``to_arrow``, once). The scratch is dropped when every rows
object over it is done, or before the next build on the connection replaces it (``evict``: the rows still
held are read to Arrow first, so they stay what they were).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

_LIVE: dict[int, "Scratch"] = {}  # id(connection) -> the scratch its latest build left


class Scratch:
    """Temp tables staged rows read; dropped once every rows object over them is done."""

    def __init__(self, con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> None:
        self.con, self.tables, self.holders = con, tables, []
        _LIVE[id(con)] = self

    def release(self, rows: "StagedRows") -> None:
        self.holders = [h for h in self.holders if h is not rows]
        if not self.holders:
            self.drop()

    def drop(self) -> None:
        for name in self.tables:
            self.con.execute(f"DROP TABLE IF EXISTS {name}").fetchall()
        if _LIVE.get(id(self.con)) is self:
            del _LIVE[id(self.con)]


def evict(con: duckdb.DuckDBPyConnection) -> None:
    """Before a build replaces the temp tables: read what is still staged on ``con`` (then drop its scratch)."""
    scratch = _LIVE.pop(id(con), None)
    if scratch is not None:
        for rows in list(scratch.holders):
            rows.to_arrow()
        scratch.drop()


class StagedRows:
    """Rows of ``sql`` (with ``params``) in a stored table's ``columns`` (in its order), over ``scratch``.
    ``flags``: boolean columns ``count_true`` counts."""

    def __init__(self, scratch: Scratch, sql: str, params: list[Any], flags: tuple[str, ...] = (),
                 columns: list[str] | None = None) -> None:
        self.scratch, self.con, self.sql, self.params, self.flags = scratch, scratch.con, sql, params, flags
        self.columns = columns
        self._arrow: Any = None
        self._counts: tuple[int, dict[str, int]] | None = None
        scratch.holders.append(self)

    def __len__(self) -> int:
        return self._counted()[0]

    def count_true(self, column: str) -> int:
        return self._counted()[1][column]

    def _counted(self) -> tuple[int, dict[str, int]]:
        if self._counts is None:
            if self._arrow is not None:
                import pyarrow.compute as pc

                self._counts = (self._arrow.num_rows, {f: int(pc.sum(self._arrow.column(f)).as_py() or 0)
                                                       for f in self.flags})
            else:
                self._counts = self._count(f"({self.sql})", self.params)
        return self._counts

    def _count(self, source: str, params: list[Any]) -> tuple[int, dict[str, int]]:
        counted = "".join(f', count(*) FILTER (WHERE "{f}")' for f in self.flags)
        found = self.con.execute(f"SELECT count(*){counted} FROM {source}", params).fetchall()[0]
        return int(found[0]), dict(zip(self.flags, map(int, found[1:])))

    def to_arrow(self) -> Any:
        if self._arrow is None:
            self._arrow = self.con.sql(f"SELECT * FROM ({self.sql})", params=self.params).to_arrow_table()
            self.scratch.release(self)
        return self._arrow

    def to_pandas(self) -> "pd.DataFrame":
        return self.to_arrow().to_pandas()

    def insert_into(self, con: duckdb.DuckDBPyConnection, table: str, where: tuple[str, Any]) -> bool:
        """Insert the rows into ``table`` (whose ``columns`` they are) when they are still staged on ``con``
        (False if not); ``where``: the column and value that select them there (counted from the table from
        then on)."""
        if self._arrow is not None or con is not self.con or self not in self.scratch.holders or not self.columns:
            return False
        names = ", ".join(f'"{c}"' for c in self.columns)
        con.execute(f"INSERT INTO {table} ({names}) {self.sql}", self.params).fetchall()
        if self._counts is None:
            self._counts = self._count(f"{table} WHERE \"{where[0]}\" = ?", [where[1]])
        self.scratch.release(self)
        return True
