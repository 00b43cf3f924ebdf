"""Migrations apply by number: a file that had a later branch's migration still gets an earlier one."""

from __future__ import annotations

import duckdb

from leadlight.storage.migrations import LATEST, SCHEMA_VERSION_TABLE, migrate


def test_a_migration_numbered_below_the_highest_applied_still_runs(tmp_path):
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    assert migrate(con) == LATEST
    # as if a branch numbering 50-59 migrated this file before the cli branch's 40 was merged
    con.execute(f"DELETE FROM {SCHEMA_VERSION_TABLE} WHERE version = 40").fetchall()
    con.execute(f"INSERT INTO {SCHEMA_VERSION_TABLE} (version, description) VALUES (55, 'a later branch')").fetchall()
    con.execute("ALTER TABLE account_scores DROP COLUMN signals").fetchall()
    assert migrate(con) == 55
    assert "signals" in [r[0] for r in con.execute("DESCRIBE account_scores").fetchall()]
    versions = [r[0] for r in con.execute(f"SELECT version FROM {SCHEMA_VERSION_TABLE} ORDER BY version").fetchall()]
    assert versions.count(40) == 1 and migrate(con) == 55  # nothing applied twice
