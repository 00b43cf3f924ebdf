"""``leadlight explain``: one account in full - score, reasons, people, history."""

from __future__ import annotations

from leadlight.errors import NotFound
from leadlight.scoring import store
from leadlight.scoring.objects import account_detail
from leadlight.storage.database import connect
from leadlight.storage.project import Project
from leadlight.tasks.leads import ORDER as LEAD_ORDER
from leadlight.tasks.score import as_of_option
from leadlight.timeutil import iso


def explain_account(project: Project, account_id: str, as_of: str | None = None) -> dict:
    """The account object with ``users`` (its people, PQLs first) and its score history."""
    con = connect(project, read_only=True)
    try:
        at = store.snapshot_as_of(con, as_of_option(as_of))
        rows = store.read_rows(con, f"SELECT * FROM {store.ACCOUNT_SCORES} WHERE as_of = ? AND account_id = ?",
                               [at, account_id])
        if not rows:
            raise NotFound(f"account {account_id!r} is not in the snapshot as of {iso(at)}",
                           hint="list accounts with `leadlight accounts`; ids are as in your accounts file")
        users = store.read_rows(
            con, f"SELECT * FROM {store.USER_SCORES} WHERE as_of = ? AND account_id = ? ORDER BY {LEAD_ORDER}",
            [at, account_id])
        return account_detail(rows[0], users, store.account_history(con, account_id))
    finally:
        con.close()
