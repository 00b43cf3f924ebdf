"""Accounts as playbooks see them (``Subject``), from a scoring run's rows."""

from __future__ import annotations

from typing import Any

import pandas as pd

from leadlight.playbooks.triggers import Subject
from leadlight.storage.snapshots import account_object, decoded_rows, lead_object

FACTS = ("people", "pql_users", "triggers_fired", "employees", "industry", "country", "plan")


def subjects(accounts: pd.DataFrame, users: pd.DataFrame, earlier_pqls: set[str] | None = None) -> list[Subject]:
    """One subject per account; ``earlier_pqls`` are the people who were PQLs at the start of the many-PQLs span
    (None: nobody was known then)."""
    people: dict[str, list[Any]] = {}
    for row in decoded_rows(users):
        if row.get("account_id") is not None:
            people.setdefault(row["account_id"], []).append(lead_object(row))
    earlier = earlier_pqls or set()
    out = []
    for row in decoded_rows(accounts):
        crew = people.get(row["account_id"], [])
        out.append(Subject(
            account=account_object(row), people=crew, signals=row.get("signals") or {},
            facts={k: row.get(k) for k in FACTS}, new_pqls=sum(1 for p in crew if p.pql and p.user_id not in earlier)))
    return out
