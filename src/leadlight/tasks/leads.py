"""``leadlight leads``: people of a snapshot (default: the latest) by priority: PQLs first, then score."""

from __future__ import annotations

from leadlight.errors import NotFound
from leadlight.scoring import store
from leadlight.scoring.objects import lead_object
from leadlight.storage.database import connect
from leadlight.storage.project import Project
from leadlight.tasks.accounts import check_limit
from leadlight.tasks.score import as_of_option
from leadlight.timeutil import iso

ORDER = "pql DESC, score DESC, user_id"


def list_leads(
    project: Project, account_id: str | None = None, limit: int | None = None, as_of: str | None = None
) -> list[dict]:
    """Lead objects of the snapshot at ``as_of`` (default: the latest), optionally of one account."""
    check_limit(limit)
    con = connect(project, read_only=True)
    try:
        at = store.snapshot_as_of(con, as_of_option(as_of))
        sql = f"SELECT * FROM {store.USER_SCORES} WHERE as_of = ?"
        params: list = [at]
        if account_id is not None:
            known = con.execute(f"SELECT count(*) FROM {store.ACCOUNT_SCORES} WHERE as_of = ? AND account_id = ?",
                                [at, account_id]).fetchone()[0]
            if not known:
                raise NotFound(f"account {account_id!r} is not in the snapshot as of {iso(at)}",
                               hint="list accounts with `leadlight accounts`, or re-run `leadlight score`")
            sql += " AND account_id = ?"
            params.append(account_id)
        sql += f" ORDER BY {ORDER}" + (f" LIMIT {int(limit)}" if limit else "")
        return [lead_object(r) for r in store.read_rows(con, sql, params)]
    finally:
        con.close()
