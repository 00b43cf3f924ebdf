"""A tiny project on disk, small enough to check by hand: three accounts, a few events, two deals."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from leadlight import identity
from leadlight.storage import Project, connect
from leadlight.storage.engine import duckdb_engine

ACCOUNTS = """account_id,domain,name,employees,industry
a1,one.com,One,120,Software
a2,two.com,Two,8,Retail
a3,three.com,Three,40,Software
"""
USERS = """user_id,email,title,account_id,created_at
u1,ann@one.com,CTO,a1,2026-01-05 10:00:00
u2,bob@one.com,Engineer,a1,2026-02-20 09:00:00
u3,cy@gmail.com,,a2,2026-01-10 08:00:00
u4,di@three.com,Founder,a3,2026-02-27 12:00:00
"""
# Track events: (user, event, timestamp). Cut-off of interest: 2026-03-01 00:00:00.
EVENTS = """user_id,event,timestamp
u1,Signed Up,2026-01-05 10:00:00
u1,Teammate Invited,2026-02-10 11:00:00
u1,Teammate Invited,2026-02-25 11:00:00
u2,Teammate Invited,2026-02-28 23:59:59
u2,Pricing,2026-02-28 12:00:00
u1,Pricing,2026-03-01 00:00:00
u3,Signed Up,2026-01-10 08:00:00
u3,Pricing,2025-12-20 08:00:00
u4,Signed Up,2026-02-27 12:00:00
u4,Teammate Invited,2026-03-05 09:00:00
"""
OPPORTUNITIES = """opportunity_id,account_id,domain,created_at,closed_at,stage,amount,source
o1,a1,,2026-03-10 10:00:00,2026-04-10 10:00:00,won,12000,sales
o2,,three.com,2026-03-03 10:00:00,2026-03-03 10:00:00,won,360,self_serve
o3,a2,,2026-02-01 10:00:00,2026-02-20 10:00:00,lost,5000,sales
"""


def frame(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text))


def build(root: Path, events: pd.DataFrame | None = None, accounts: pd.DataFrame | None = None):
    """(project, connection, engine) over a real DuckDB file holding the fixture (or the frames given)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "leadlight.yml").write_text("version: 1\n")
    project = Project(root)
    con = connect(project)
    accounts = frame(ACCOUNTS) if accounts is None else accounts
    extra = [c for c in accounts.columns if c not in ("account_id", "domain", "name", "employees", "industry")]
    for column in extra:
        kind = "DOUBLE" if pd.api.types.is_numeric_dtype(accounts[column]) else "VARCHAR"
        con.execute(f'ALTER TABLE accounts ADD COLUMN "{column}" {kind}')
    con.register("acc_in", accounts)
    cols = ", ".join(f'"{c}"' for c in accounts.columns)
    con.execute(f"INSERT INTO accounts ({cols}) SELECT {cols} FROM acc_in")
    users = frame(USERS)
    con.register("users_in", users)
    con.execute("INSERT INTO users (user_id, email, title, account_id, created_at) "
                "SELECT user_id, email, title, account_id, CAST(created_at AS TIMESTAMP) FROM users_in")
    opps = frame(OPPORTUNITIES)
    con.register("opps_in", opps)
    con.execute("INSERT INTO opportunities (opportunity_id, account_id, domain, created_at, closed_at, stage, amount, "
                "source) SELECT opportunity_id, account_id, domain, CAST(created_at AS TIMESTAMP), "
                "CAST(closed_at AS TIMESTAMP), stage, amount, source FROM opps_in")
    events = frame(EVENTS) if events is None else events
    events = events.reset_index(drop=True).assign(message_id=lambda f: [f"m{i}" for i in range(len(f))])
    con.register("events_in", events)
    con.execute("INSERT INTO events (message_id, type, user_id, event, timestamp, source_file) "
                "SELECT message_id, 'track', user_id, event, CAST(timestamp AS TIMESTAMP), 'test' FROM events_in")
    identity.resolve(con)
    return project, con, duckdb_engine(con, project)
