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


def test_one_thread_each_holds_for_the_twin_too_and_gives_the_setting_back():
    con = duckdb.connect()
    try:
        con.execute("SET threads = 3")
        engine = duckdb_engine(con)
        twin = engine.twin()
        setting = "SELECT current_setting('threads')"
        query = "SELECT i % 7 AS k, sum(i), count(DISTINCT i % 101) FROM range(200000) t(i) GROUP BY k ORDER BY k"
        before = con.execute(query).fetchall()
        with engine.one_thread_each():
            assert con.execute(setting).fetchall()[0][0] == 1
            assert twin.connection.execute(setting).fetchall()[0][0] == 1
            assert twin.connection.execute(query).fetchall() == before
        assert con.execute(setting).fetchall()[0][0] == 3
        engine.close()
    finally:
        con.close()


def test_a_stored_tables_schema_serves_the_next_engine_until_a_column_changes(tmp_path):
    """A run loop's scores open an engine each: a stored table's Ibis schema is read once per process (one catalog
    query per engine tells whether any column changed), and a column added since is seen."""
    con = duckdb.connect(str(tmp_path / "file.duckdb"))
    try:
        con.execute("CREATE TABLE accounts (account_id VARCHAR, employees BIGINT)")
        first = duckdb_engine(con).table("accounts")
        again = duckdb_engine(con)
        again.backend.table = _no_lookup  # the schema comes from what the first engine read
        assert again.table("accounts").schema() == first.schema()
        assert again.table("accounts").count().to_pyarrow().as_py() == 0
        con.execute("ALTER TABLE accounts ADD COLUMN plan VARCHAR")
        assert duckdb_engine(con).table("accounts").columns == ("account_id", "employees", "plan")
    finally:
        con.close()


def _no_lookup(name, **kwargs):
    raise AssertionError(f"{name} was looked up again")
