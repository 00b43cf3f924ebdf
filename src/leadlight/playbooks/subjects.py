"""Accounts as playbooks see them (``Subject``), from a scoring run's rows."""

from __future__ import annotations

from typing import Any

import pandas as pd

from leadlight.contract import LeadObject
from leadlight.playbooks.triggers import Subject
from leadlight.storage.snapshots import account_object, decoded_rows, lead_object

FACTS = ("people", "pql_users", "triggers_fired", "employees", "industry", "country", "plan")


class _PeopleOnDemand(Subject):
    """A subject whose people are built when first read: matching needs only whether one is a PQL and how many
    became one lately (counted on the whole frame at once); only the accounts a playbook fires on need people
    (their message, champion and the delivery's people)."""

    def __init__(self, users: pd.DataFrame, where: Any, **fields: Any) -> None:
        super().__init__(**fields)
        self._users, self._where = users, where  # the account's rows of ``users``: sliced only when read

    @property  # type: ignore[override]
    def people(self) -> list[LeadObject]:
        if self._built is None:
            rows = self._users.iloc[self._where] if self._where is not None else self._users.iloc[:0]
            self._built = [lead_object(row) for row in decoded_rows(rows)]
        return self._built

    @people.setter
    def people(self, value: list[LeadObject]) -> None:
        self._built = value or None


def subjects(accounts: pd.DataFrame, users: pd.DataFrame, earlier_pqls: set[str] | None = None) -> list[Subject]:
    """One subject per account; ``earlier_pqls`` are the people who were PQLs at the start of the many-PQLs span
    (None: nobody was known then)."""
    known = users[users["account_id"].notna()] if len(users) else users
    groups = known.groupby("account_id", sort=False).indices if len(known) else {}
    pql = known["pql"].fillna(False).astype(bool) if len(known) else pd.Series(dtype=bool)
    any_pql = pql.groupby(known["account_id"]).any().to_dict() if len(known) else {}
    fresh = pql & ~known["user_id"].isin(earlier_pqls or set()) if len(known) else pql
    new_pqls = fresh.groupby(known["account_id"]).sum().to_dict() if len(known) else {}
    out: list[Subject] = []
    for row in decoded_rows(accounts):
        account_id = row["account_id"]
        out.append(_PeopleOnDemand(
            known, groups.get(account_id), account=account_object(row),
            signals=row.get("signals") or {}, facts={k: row.get(k) for k in FACTS},
            new_pqls=int(new_pqls.get(account_id, 0)), any_pql=bool(any_pql.get(account_id, False))))
    return out
