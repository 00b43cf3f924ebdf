"""A tiny company, small enough to check scores by hand.

As of 2026-02-01 (D):

account a1 (Acme, 200 employees, software): ann (CTO, admin pages, 2 invites, last seen D-1),
    bob (engineer, more active than ann, last seen D-8), pat (gmail address, very active), rep (Account Executive)
account a2 (Globex, 10 employees, retail): cy (Head of Design, 1 event at D-30), won a self-serve deal
account a3 (Initech, 500 employees, software): no activity
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from leadlight.config import parse_config
from leadlight.identity import resolve
from leadlight.storage import Project, connect
from leadlight.storage.engine import duckdb_engine

D = datetime(2026, 2, 1)

ACCOUNTS = [("a1", "acme.com", "Acme", 200, "software"), ("a2", "globex.com", "Globex", 10, "retail"),
            ("a3", "initech.com", "Initech", 500, "software")]
# user_id, email, title, account_id, email_confirmed
USERS = [
    ("ann", "ann@acme.com", "CTO", "a1", True),
    ("bob", "bob@acme.com", "Software Engineer", "a1", True),
    ("pat", "pat@gmail.com", "VP Eng", "a1", True),
    ("rep", "rep@acme.com", "Account Executive", "a1", True),
    ("cy", "cy@globex.com", "Head of Design", "a2", False),
]
# user, event, days before D (each one event)
EVENTS = [
    ("ann", "Admin Settings", 3), ("ann", "Teammate Invited", 2), ("ann", "Teammate Invited", 1),
    ("ann", "Document Created", 1),
    ("bob", "Document Created", 10), ("bob", "Document Created", 9), ("bob", "Document Created", 8),
    ("bob", "Comment Added", 8), ("bob", "Comment Added", 8), ("bob", "Comment Added", 8),
    *[("pat", "Document Created", d) for d in range(1, 8)],
    ("rep", "Document Created", 2),
    ("cy", "Pricing", 30),
    ("ann", "Teammate Invited", -1),  # after D: must never count
]
OPPORTUNITIES = [("o1", "a2", D - timedelta(days=5), D - timedelta(days=5), "won", 500.0, "self_serve"),
                 ("o2", "a1", D + timedelta(days=3), D + timedelta(days=3), "won", 900.0, "self_serve")]

SIGNALS = """
signals:
  - {name: docs_14d, kind: count, level: user, event: Document Created, window: 14d, label: documents created}
  - {name: invites_28d, kind: count, level: user, event: Teammate Invited, window: 28d, label: teammates invited}
  - {name: last_seen, kind: recency, level: user}
  - {name: team_invites_28d, kind: count, event: Teammate Invited, window: 28d, label: teammates invited}
  - {name: team_docs_28d, kind: count, event: Document Created, window: 28d, label: documents created}
  - {name: pricing_28d, kind: count, event: Pricing, window: 28d, label: pricing page views}
  - {name: active_users_28d, kind: distinct_users, window: 28d, label: active users}
  - {name: employees, kind: attribute, column: employees}
  - {name: industry, kind: attribute, column: industry}
"""

SCORING = """
scoring:
  pql:
    rules:
      - {signal: docs_14d, op: ">=", value: 3, points: 60}
      - {signal: invites_28d, op: ">=", value: 1, points: 40}
    threshold: 50
  pqa:
    rollup: {method: max, points: 50}
    rules:
      - {signal: active_users_28d, op: ">=", value: 3, points: 25}
    triggers:
      k: 2
      points: 25
      of:
        - {signal: team_invites_28d, op: ">=", value: 2}
        - {signal: pricing_28d, op: ">=", value: 1}
        - {signal: team_docs_28d, op: ">=", value: 5}
    threshold: 60
  fit:
    rules:
      - {signal: employees, op: ">=", value: 100, points: 50}
      - {signal: industry, op: "==", value: software, points: 50}
    threshold: 75
  people: {admin_events: [Admin Settings], invite_events: [Teammate Invited]}
"""


def config(scoring: str = SCORING, signals: str = SIGNALS):
    return parse_config(signals + scoring)


def build(root: Path):
    """(project, connection) of a real DuckDB file holding the company, identities resolved."""
    project = Project(root)
    root.mkdir(parents=True, exist_ok=True)
    con = connect(project)
    con.executemany("INSERT INTO accounts (account_id, domain, name, employees, industry) VALUES (?,?,?,?,?)",
                    ACCOUNTS)
    con.executemany("INSERT INTO users (user_id, email, title, account_id, email_confirmed) VALUES (?,?,?,?,?)",
                    USERS)
    account_of = {u[0]: u[3] for u in USERS}
    for i, (user, event, days) in enumerate(EVENTS):
        con.execute(
            "INSERT INTO events (message_id, type, user_id, event, timestamp, group_id) VALUES (?, 'track', ?, ?, ?, ?)",
            [f"m{i}", user, event, D - timedelta(days=days), account_of[user]],
        )
    con.executemany("INSERT INTO opportunities (opportunity_id, account_id, domain, created_at, closed_at, stage, amount, "
                    "source) VALUES (?,?,NULL,?,?,?,?,?)", OPPORTUNITIES)
    resolve(con)
    return project, con


def engine_for(con, project):
    return duckdb_engine(con, project)
