"""``Engine.has_table`` remembers tables it found, never ones it missed: a table created later is found."""

from __future__ import annotations

import duckdb

from leadlight.storage.engine import duckdb_engine


def test_a_table_missing_at_first_is_found_once_created_and_then_remembered():
    con = duckdb.connect()
    try:
        engine = duckdb_engine(con)
        assert not engine.has_table("later")
        con.execute("CREATE TABLE later (x INTEGER)")
        assert engine.has_table("later")
        assert engine.has_table("later") and "later" in engine._tables
        assert not engine.has_table("never")
    finally:
        con.close()
