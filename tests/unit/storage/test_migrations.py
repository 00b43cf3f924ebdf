"""One migration list: a file gets every migration it has not had, in version order, once."""

from __future__ import annotations

import duckdb

from leadlight.storage import migrations
from leadlight.storage.migrations import MIGRATIONS, SCHEMA_VERSION_TABLE, applied_versions, migrate


def test_a_new_file_gets_every_migration_once_and_a_second_run_changes_nothing(tmp_path):
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    migrate(con)
    assert applied_versions(con) == {m.version for m in MIGRATIONS}
    migrate(con)
    assert con.execute(f"SELECT count(*) FROM {SCHEMA_VERSION_TABLE}").fetchall()[0][0] == len(MIGRATIONS)


def test_a_block_numbered_lower_than_the_newest_applied_is_still_applied(tmp_path, monkeypatch):
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    early = tuple(m for m in MIGRATIONS if m.version < 10)
    monkeypatch.setattr(migrations, "MIGRATIONS", early + (migrations.Migration(50, "late block", (
        "CREATE TABLE IF NOT EXISTS late_block (x INTEGER)",)),))
    migrate(con)
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS + (migrations.Migration(20, "landed later", (
        "CREATE TABLE IF NOT EXISTS landed_later (x INTEGER)",)),))
    migrate(con)
    assert {20, 50} <= applied_versions(con)
    assert con.execute("SELECT count(*) FROM landed_later").fetchall()[0][0] == 0


def test_files_made_before_migrations_were_recorded_upgrade_in_place(tmp_path):
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    con.execute("CREATE TABLE identities (user_id VARCHAR NOT NULL, account_id VARCHAR, method VARCHAR, email VARCHAR, "
                "email_domain VARCHAR, is_personal BOOLEAN NOT NULL, is_disposable BOOLEAN NOT NULL, "
                "is_student BOOLEAN NOT NULL, email_confirmed BOOLEAN, linked_at TIMESTAMP)")
    con.execute("INSERT INTO identities VALUES ('u1', 'a1', 'group', NULL, NULL, false, false, false, NULL, NULL)")
    migrate(con)
    assert con.execute("SELECT user_id, title FROM identities").fetchall() == [("u1", None)]
