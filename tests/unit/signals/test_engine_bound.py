"""``leadlight bench`` times hand-written SQL as the bound for Leadlight's signals: it must compute the same numbers."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pandas as pd
import pytest

from leadlight.config import parse_config
from leadlight.scoring.frames import score_definition
from leadlight.signals import compute_signals
from leadlight.storage.engine import duckdb_engine
from leadlight.tasks.bench import BENCH_SIGNALS, EVENT_NAMES, START, _generate
from leadlight.tasks.bench_bound import queries

DAYS = 60


def _bench_events(tmp_path, events: int, users: int, seed: int):
    """The bench's generated events in Parquet, a DuckDB connection beside them, the moment and the
    hand-written queries over them."""
    path, database = tmp_path / "events.parquet", tmp_path / "bench.duckdb"
    _generate(str(database), str(path), events, DAYS, users, seed)
    con = duckdb.connect(str(database))
    con.execute("SET TimeZone = 'UTC'")
    as_of = START + timedelta(days=DAYS)
    return con, as_of, queries(f"read_parquet('{path}')", as_of, EVENT_NAMES)


@pytest.mark.parametrize("shape", ["single_pass", "split"])
def test_hand_written_bound_agrees_with_leadlights_signals(shape, tmp_path):
    con, as_of, sql = _bench_events(tmp_path, 30_000, 150, 3)
    con.execute(sql[shape])
    con.execute(sql["first_days"])
    pairs = con.execute("SELECT * FROM bound_pairs").df()
    activated = con.execute("SELECT * FROM bound_first_days").df()
    frames = compute_signals(duckdb_engine(con), list(parse_config(BENCH_SIGNALS).signals), as_of, incremental=False)
    accounts = frames.accounts.to_pandas().set_index("account_id")
    users = frames.users.to_pandas().set_index("user_id")

    per_account = pairs.groupby("account_id").agg(
        invites_14d=("invites_14d", "sum"), docs_28d=("docs_28d", "sum"), pro_exports_28d=("pro_exports_28d", "sum"),
        paywall_7d=("paywall_7d", "sum"), pricing_views_14d=("pricing_14d", "sum"),
        active_users_7d=("events_7d", lambda s: int((s > 0).sum())),
        features_28d=("features_28d", lambda s: _bits(s)),
        active_days_28d=("days_28d", lambda s: _bits(s)),
    )
    assert len(per_account) > 10
    for column in per_account.columns:
        got = accounts.loc[per_account.index, column].astype("int64")
        assert got.tolist() == per_account[column].astype("int64").tolist(), column

    per_user = pairs.groupby("user_id").agg(
        user_events_7d=("events_7d", "sum"), days=("days_28d", lambda s: _bits(s)), last=("last_seen", "max")
    )
    assert users.loc[per_user.index, "user_events_7d"].astype("int64").tolist() == per_user.user_events_7d.tolist()
    assert users.loc[per_user.index, "user_active_days_28d"].astype("int64").tolist() == per_user.days.tolist()
    recency = ((pd.Timestamp(as_of) - per_user["last"]) // pd.Timedelta(days=1)).astype("int64")
    assert users.loc[per_user.index, "user_days_since_active"].astype("int64").tolist() == recency.tolist()
    invited = set(users.index[users.user_invited_first_week.astype(bool)])
    assert invited == set(activated.user_id) and len(invited) > 0


def test_hand_written_scores_agree_with_leadlights_scores(tmp_path):
    con, as_of, sql = _bench_events(tmp_path, 40_000, 200, 5)
    for step in ("split", "first_days", "users"):
        con.execute(sql[step])
    bound_accounts = con.execute(sql["accounts"]).df().set_index("account_id").sort_index()
    bound_users = con.execute("SELECT * FROM bound_users").df().set_index("user_id").sort_index()
    config = parse_config(BENCH_SIGNALS)
    accounts, users = score_definition(duckdb_engine(con), config.signals, config.scoring, as_of, incremental=False)
    accounts = accounts.to_pandas().set_index("account_id").sort_index()
    users = users.to_pandas().set_index("user_id").sort_index()

    assert list(bound_users.index) == list(users.index)
    assert bound_users.account_id.tolist() == users.account_id.tolist()
    assert bound_users.score.tolist() == users.score.tolist() and users.score.max() > 0
    assert bound_users.pql.tolist() == users.pql.tolist() and users.pql.any()
    assert list(bound_accounts.index) == list(accounts.index)
    for mine, theirs in (("score", "score"), ("pqa", "pqa"), ("quadrant", "quadrant"), ("trend", "new_users_trend"),
                         ("features", "features_28d"), ("pqls", "pql_users"), ("per_user", "invites_per_active_user")):
        assert bound_accounts[mine].tolist() == accounts[theirs].tolist() or \
            bound_accounts[mine].fillna(-1).round(9).tolist() == accounts[theirs].fillna(-1).round(9).tolist(), mine
    assert accounts.pqa.any() and not accounts.pqa.all() and accounts.quadrant.nunique() > 1
    share = bound_accounts.activated_share.fillna(-1).round(9).tolist()
    assert share == accounts.invited_first_week.fillna(-1).round(9).tolist()


def _bits(masks: pd.Series) -> int:
    """Distinct days (or events) over pairs: the bits set in the OR of their masks."""
    combined = 0
    for mask in masks.dropna():
        combined |= int(mask)
    return bin(combined).count("1")
