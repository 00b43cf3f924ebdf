"""Compiled definitions: SQL recorded once per definition and replayed gives exactly what building it gives."""

from __future__ import annotations

import gc
from datetime import timedelta

import duckdb
import pandas as pd
import pytest

from leadlight.config import parse_config
from leadlight.scoring.frames import score_definition
from leadlight.signals import compute_signals
from leadlight.storage import Project, recipes
from leadlight.storage.engine import duckdb_engine
from leadlight.tasks.bench import BENCH_SIGNALS, START, _generate

DAYS = 40
CONFIG = parse_config(BENCH_SIGNALS)


@pytest.fixture
def bench_data(tmp_path):
    """Bench events as a table (so a test can add some), with the bench's accounts and users; a project folder."""
    path, database = tmp_path / "events.parquet", tmp_path / "bench.duckdb"
    _generate(str(database), str(path), 20_000, DAYS, 120, 7)
    con = duckdb.connect(str(database))
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE TABLE raw_events AS SELECT * FROM read_parquet('{path}')")
    con.execute("CREATE OR REPLACE VIEW events_resolved AS SELECT * FROM raw_events")
    (tmp_path / ".leadlight").mkdir()
    yield con, Project(tmp_path)
    con.close()


def _scores(engine, as_of):
    """Scored accounts and users, and whether they came from a replay."""
    before = recipes.COUNTS["replayed"]
    accounts, users = score_definition(engine, CONFIG.signals, CONFIG.scoring, as_of, incremental=False)
    return _frame(accounts, "account_id"), _frame(users, "user_id"), recipes.COUNTS["replayed"] > before


def _frame(table, key):
    return table.to_pandas().sort_values(key).reset_index(drop=True)


def _built(con, as_of):
    """What building from scratch gives: nothing recorded in memory, and no project folder to read."""
    recipes._MEMORY.clear()
    accounts, users, replayed = _scores(duckdb_engine(con), as_of)
    assert not replayed
    return accounts, users


@pytest.mark.parametrize("later", [timedelta(0), timedelta(days=3), timedelta(days=1, hours=6, minutes=7, seconds=9),
                                   timedelta(hours=-13, seconds=-1)],
                         ids=["same-as-of", "three-days-later", "another-time-of-day", "hours-earlier"])
def test_a_replay_gives_what_a_build_gives(bench_data, later):
    con, _ = bench_data
    as_of = START + timedelta(days=DAYS - 5, hours=14)
    recipes._MEMORY.clear()
    engine = duckdb_engine(con)
    _scores(engine, as_of)  # records
    later = as_of + later
    accounts, users, replayed = _scores(engine, later)
    assert replayed
    want_accounts, want_users = _built(con, later)
    pd.testing.assert_frame_equal(accounts, want_accounts)
    pd.testing.assert_frame_equal(users, want_users)
    assert accounts.pqa.any() and users.pql.any()


def test_midnight_and_other_times_of_day_are_built_apart(bench_data):
    """As of midnight a window of N days touches N days, otherwise N + 1: the SQL's shape may differ."""
    con, _ = bench_data
    recipes._MEMORY.clear()
    engine = duckdb_engine(con)
    as_of = START + timedelta(days=DAYS - 5)
    _scores(engine, as_of)
    built = recipes.COUNTS["built"]
    _scores(engine, as_of + timedelta(days=1, hours=6))
    assert recipes.COUNTS["built"] == built + 1  # the signals (the scores over them replay)
    _scores(engine, as_of + timedelta(days=2))
    assert recipes.COUNTS["built"] == built + 1


def test_a_new_event_name_in_the_window_fails_the_check_so_the_definition_is_built_again(bench_data):
    con, _ = bench_data
    recipes._MEMORY.clear()
    engine = duckdb_engine(con)
    as_of = START + timedelta(days=DAYS)
    before = compute_signals(engine, CONFIG.signals, as_of, incremental=False).accounts.to_pandas()
    con.execute("INSERT INTO raw_events (message_id, type, user_id, event, timestamp, account_id) VALUES "
                f"('new', 'track', 'u1', 'Brand New Feature', TIMESTAMP '{as_of - timedelta(days=1)}', 'a0')")
    replays = recipes.COUNTS["replayed"]
    frames = compute_signals(engine, CONFIG.signals, as_of, incremental=False)
    assert recipes.COUNTS["replayed"] == replays  # the event names the breadth signal reads changed: built
    # The replay's tables went when its check failed: only the build's pairs and first_days tables are left.
    gc.collect()
    engine._drop_released()  # what the first run's frames left (dropped at the next run otherwise)
    scratch = con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary "
                          "AND table_name LIKE '\\_leadlight\\_scratch%' ESCAPE '\\'").fetchall()[0][0]
    assert scratch == 2
    after = frames.accounts.to_pandas().set_index("account_id")
    grew = after.loc["a0", "features_28d"] - before.set_index("account_id").loc["a0", "features_28d"]
    assert grew == 1
    compute_signals(engine, CONFIG.signals, as_of, incremental=False)
    assert recipes.COUNTS["replayed"] == replays + 1


def test_a_new_event_name_outside_every_window_still_replays_with_the_values_of_a_build(bench_data):
    """No probe scans the events for their names: the pairs table is checked for a name the SQL does not know,
    and a name older than the breadth signal's window changes no value."""
    con, _ = bench_data
    recipes._MEMORY.clear()
    engine = duckdb_engine(con)
    as_of = START + timedelta(days=DAYS)
    _scores(engine, as_of)
    con.execute("INSERT INTO raw_events (message_id, type, user_id, event, timestamp, account_id) VALUES "
                f"('old', 'track', 'u1', 'Brand New Feature', TIMESTAMP '{as_of - timedelta(days=35)}', 'a0')")
    accounts, users, replayed = _scores(engine, as_of)
    assert replayed
    want_accounts, want_users = _built(con, as_of)
    pd.testing.assert_frame_equal(accounts, want_accounts)
    pd.testing.assert_frame_equal(users, want_users)


def test_recipes_are_kept_in_the_project_and_scratch_tables_go_with_the_frames(bench_data):
    con, project = bench_data
    recipes._MEMORY.clear()
    as_of = START + timedelta(days=DAYS)
    want_accounts, want_users, _ = _scores(duckdb_engine(con, project), as_of)
    assert list((project.data_dir / "compiled").glob("*.json"))
    recipes._MEMORY.clear()  # as in a new process
    engine = duckdb_engine(con, project)
    earlier, replays = _temporary(con), recipes.COUNTS["replayed"]
    accounts, users = score_definition(engine, CONFIG.signals, CONFIG.scoring, as_of, incremental=False)
    assert recipes.COUNTS["replayed"] == replays + 1
    pd.testing.assert_frame_equal(_frame(accounts, "account_id"), want_accounts)
    pd.testing.assert_frame_equal(_frame(users, "user_id"), want_users)
    made = _temporary(con) - earlier
    assert made
    del accounts, users
    gc.collect()
    score_definition(engine, CONFIG.signals, CONFIG.scoring, as_of, incremental=False)
    assert not made & _temporary(con), "the first replay's tables and views went with its frames"
    engine.close()
    assert not _temporary(con) - earlier


def _temporary(con) -> set[str]:
    rows = con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary UNION ALL "
                       "SELECT view_name FROM duckdb_views() WHERE temporary AND view_name LIKE '\\_leadlight%' ESCAPE '\\'")
    return {r[0] for r in rows.fetchall() if r[0].startswith("_leadlight_")}


def test_scores_over_signal_frames_replay_too(bench_data):
    """``compute_signals`` then ``score_frames`` (as ``leadlight score`` calls them) replay both halves."""
    from leadlight.scoring.flags import person_flags, self_serve_buyers
    from leadlight.scoring.frames import score_frames

    con, _ = bench_data
    recipes._MEMORY.clear()
    engine = duckdb_engine(con)
    as_of = START + timedelta(days=DAYS - 2)

    def two_steps(moment):
        frames = compute_signals(engine, CONFIG.signals, moment, incremental=False)
        accounts, users = score_frames(frames, person_flags(engine, moment), CONFIG.scoring,
                                       self_serve_buyers(engine, moment))
        return _frame(accounts, "account_id"), _frame(users, "user_id")

    two_steps(as_of)
    replays = recipes.COUNTS["replayed"]
    accounts, users = two_steps(as_of + timedelta(days=1))
    assert recipes.COUNTS["replayed"] == replays + 2
    want_accounts, want_users = _built(con, as_of + timedelta(days=1))
    pd.testing.assert_frame_equal(accounts, want_accounts)
    pd.testing.assert_frame_equal(users, want_users)
