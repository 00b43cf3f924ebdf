"""``leadlight accounts``: the stored snapshot's accounts, by priority (never recomputes)."""

from __future__ import annotations

from leadlight.errors import UsageError
from leadlight.scoring import store
from leadlight.scoring.objects import account_object
from leadlight.scoring.quadrant import QUADRANTS
from leadlight.storage.database import connect
from leadlight.storage.project import Project
from leadlight.tasks.score import as_of_option

# Quadrant priority first (high fit & high intent = 0), then score; ties by id so the order is stable.
ORDER = "priority, score DESC, probability DESC NULLS LAST, account_id"


def check_limit(limit: int | None) -> None:
    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be 1 or more (got {limit})", hint="omit --limit to list all")


def list_accounts(project: Project, as_of: str | None = None, quadrant: str | None = None,
                  limit: int | None = None) -> list[dict]:
    """Account objects of the snapshot at ``as_of`` (default: the latest), best first."""
    if quadrant is not None and quadrant not in QUADRANTS:
        raise UsageError(f"--quadrant {quadrant!r} is not a quadrant", hint=f"use one of: {', '.join(QUADRANTS)}")
    check_limit(limit)
    con = connect(project, read_only=True)
    try:
        at = store.snapshot_as_of(con, as_of_option(as_of))
        sql = f"SELECT * FROM {store.ACCOUNT_SCORES} WHERE as_of = ?"
        params: list = [at]
        if quadrant is not None:
            sql += " AND quadrant = ?"
            params.append(quadrant)
        sql += f" ORDER BY {ORDER}" + (f" LIMIT {int(limit)}" if limit else "")
        return [account_object(r) for r in store.read_rows(con, sql, params)]
    finally:
        con.close()
