from __future__ import annotations

import pandas as pd
import pytest

from leadlight.storage.engine import duckdb_engine
from tests.unit.signals import fixtures


@pytest.fixture
def loaded(tmp_path):
    """(engine, connection) over a real DuckDB file holding the inline fixture."""
    project, con = fixtures.fresh_project(tmp_path)
    fixtures.load(con)
    engine = duckdb_engine(con, project)
    yield engine, con
    con.close()


def as_dicts(frames) -> dict:
    """{level: {entity: {column: value}}} from SignalFrames, NaN/NA -> None."""
    out = {}
    for level, table, key in (("account", frames.accounts, "account_id"), ("user", frames.users, "user_id")):
        df = table.to_pandas()
        df = df.astype(object).where(pd.notna(df), None)
        out[level] = {r[key]: {c: r[c] for c in df.columns if c != key} for r in df.to_dict("records")}
    return out


def canonical_frames(con):
    """The fixture's tables as pandas, for the brute-force reference."""
    events = con.sql("SELECT user_id, account_id, event, timestamp, properties FROM events_resolved").df()
    accounts = con.sql("SELECT * FROM accounts").df()
    users = con.sql("SELECT * FROM users").df()
    return events, accounts, users
