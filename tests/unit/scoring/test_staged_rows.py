"""A snapshot's rows stay staged as SQL over the build's temp tables until they are stored or read: they are
stored with one INSERT ... SELECT, a snapshot held while another is built keeps its own rows, and nothing is
left behind once both tables are stored."""

from __future__ import annotations

from datetime import timedelta

from leadlight.scoring.snapshot import score_snapshot
from leadlight.storage.staged import StagedRows
from leadlight.tasks.score import store
from tests.unit.scoring import fixtures
from tests.unit.scoring.fixtures import D


def _temp_tables(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary "
                                      "AND starts_with(table_name, '_ll_')").fetchall()}


def _stored(con, as_of) -> list[tuple]:
    return con.execute("SELECT * EXCLUDE (scored_at) FROM account_scores WHERE as_of = ? ORDER BY account_id",
                       [as_of]).fetchall() + con.execute(
        "SELECT * EXCLUDE (scored_at) FROM user_scores WHERE as_of = ? ORDER BY user_id", [as_of]).fetchall()


def test_staged_rows_are_stored_in_sql_and_their_temp_tables_dropped(company):
    project, con, engine = company
    snap = score_snapshot(engine, fixtures.config(), D)
    assert isinstance(snap.account_rows, StagedRows) and isinstance(snap.user_rows, StagedRows)
    assert _temp_tables(engine.connection)  # held until stored
    store(project, engine, snap)
    assert snap.account_rows._arrow is None  # stored without a round trip through Python
    assert not _temp_tables(engine.connection)
    assert snap.summary() == {"as_of": D.isoformat(), "accounts": 3, "users": 5, "pqas": 1, "pqls": 1}


def test_a_snapshot_held_while_another_is_built_keeps_its_own_rows(company):
    project, con, engine = company
    config = fixtures.config()
    earlier = D - timedelta(days=20)
    store(project, engine, score_snapshot(engine, config, earlier))
    alone = _stored(con, earlier)

    held = score_snapshot(engine, config, earlier)
    later = score_snapshot(engine, config, D)  # replaces the build's temp tables: the held rows are read first
    store(project, engine, held)
    store(project, engine, later)
    assert _stored(con, earlier) == alone
    assert _stored(con, D) != alone and len(_stored(con, D)) == len(alone)
    assert not _temp_tables(engine.connection)


def test_rows_read_as_frames_are_what_is_stored(company):
    project, con, engine = company
    snap = score_snapshot(engine, fixtures.config(), D)
    accounts = snap.accounts  # read: the frame is what is stored from now on
    accounts.loc[accounts.account_id == "a1", "play"] = '{"name": "hot_account"}'
    store(project, engine, snap)
    assert con.execute("SELECT play FROM account_scores WHERE as_of = ? AND account_id = 'a1'",
                       [D]).fetchall() == [('{"name": "hot_account"}',)]
    assert snap.summary()["accounts"] == 3
