"""Tiny inline fixtures for signal tests, small enough to check by hand, loaded into a real DuckDB file."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import duckdb

from leadlight.config import parse_config
from leadlight.storage import Project, connect

# message_id, user_id, account (group_id), event, timestamp, properties
EVENTS_CSV = """\
m01,u1,a1,Signed Up,2026-01-01 09:00:00,
m02,u1,a1,Teammate Invited,2026-01-02 10:00:00,"{""plan"": ""pro"", ""seats"": 3}"
m03,u1,a1,Export Run,2026-01-09 10:00:00,"{""plan"": ""free""}"
m04,u2,a1,Signed Up,2026-01-05 08:00:00,
m05,u2,a1,Teammate Invited,2026-01-09 23:59:59,"{""plan"": ""pro"", ""seats"": 10}"
m06,u2,a1,Teammate Invited,2026-01-10 00:00:00,"{""plan"": ""pro""}"
m07,u3,a2,Export Run,2026-01-03 00:00:00,"{""seats"": 5}"
m08,u3,a2,Pricing,2025-12-20 12:00:00,
m09,u4,,Export Run,2026-01-08 07:30:00,
m10,u5,a2,Signed Up,2026-01-12 09:00:00,
m11,u1,a1,Comment Added,2026-01-09 11:00:00,
m12,u3,a2,Teammate Invited,2025-12-22 13:14:15,"{""plan"": ""team""}"
"""

ACCOUNTS_CSV = """\
a1,acme.com,Acme,40,software
a2,globex.com,Globex,1200,manufacturing
a3,initech.com,Initech,15,software
"""

# user_id, email, account_id, created_at
USERS_CSV = """\
u1,ann@acme.com,a1,2026-01-01 09:00:00
u2,bob@acme.com,a1,
u3,cy@globex.com,a2,2025-12-01 00:00:00
u5,dee@globex.com,a2,2026-01-12 09:00:00
u6,eve@initech.com,a3,2026-02-01 00:00:00
"""

SIGNALS_YAML = """
signals:
  - {name: invites_14d, kind: count, event: Teammate Invited, window: 14d, label: teammates invited}
  - {name: pro_events, kind: count, where: {plan: pro}}
  - {name: big_invites, kind: count, event: Teammate Invited, where: [{property: seats, op: gte, value: 5}]}
  - {name: not_pro_28d, kind: count, window: 28d, where: [{property: plan, op: ne, value: pro}]}
  - {name: users_7d, kind: distinct_users, window: 7d}
  - {name: exporters, kind: distinct_users, event: [Export Run], window: 28d}
  - {name: active_days_28d, kind: active_days, window: 28d}
  - {name: user_days, kind: active_days, level: user}
  - {name: last_seen, kind: recency}
  - {name: last_export, kind: recency, level: user, event: Export Run}
  - {name: new_users_7d, kind: velocity, window: 7d, baseline: 28d}
  - {name: active_users_trend, kind: velocity, measure: active_users, window: 7d, baseline: 14d, compare: ratio}
  - {name: user_event_trend, kind: velocity, measure: events, level: user, window: 1d, baseline: 7d}
  - {name: features_28d, kind: breadth, window: 28d}
  - {name: core_features, kind: breadth, level: user, event: [Export Run, Comment Added, Teammate Invited]}
  - {name: invited_first_week, kind: first_days, event: Teammate Invited, within: 7d, level: user}
  - {name: activated_users, kind: first_days, event: Teammate Invited, within: 7d}
  - {name: activated_share, kind: first_days, event: Teammate Invited, within: 7d, measure: share}
  - {name: invites_per_user, kind: ratio, numerator: invites_14d, denominator: users_7d}
  - {name: employees, kind: attribute, column: employees}
  - {name: industry, kind: attribute, column: industry}
"""


def rows(text: str) -> list[list[str | None]]:
    return [[c if c != "" else None for c in r] for r in csv.reader(io.StringIO(text))]


def signals(yaml: str = SIGNALS_YAML) -> list:
    return list(parse_config(yaml).signals)


def load(con: duckdb.DuckDBPyConnection, events: list | None = None) -> None:
    for mid, user, account, event, ts, props in events if events is not None else rows(EVENTS_CSV):
        add_event(con, mid, user, account, event, ts, props)
    con.executemany("INSERT INTO accounts (account_id, domain, name, employees, industry) VALUES (?,?,?,?,?)",
                    rows(ACCOUNTS_CSV))
    con.executemany("INSERT INTO users (user_id, email, account_id, created_at) VALUES (?,?,?,?)", rows(USERS_CSV))


def add_event(con, mid, user, account, event, ts, props=None) -> None:
    con.execute(
        "INSERT INTO events (message_id, type, user_id, event, timestamp, group_id, properties) "
        "VALUES (?, 'track', ?, ?, ?, ?, ?)",
        [mid, user, event, ts if isinstance(ts, datetime) else datetime.fromisoformat(ts), account, props],
    )


def fresh_project(root: Path) -> tuple[Project, duckdb.DuckDBPyConnection]:
    project = Project(root)
    return project, connect(project)
