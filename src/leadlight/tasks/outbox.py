"""``leadlight outbox``: list actions, put parked ones back in line, or give up on them (kept as dropped)."""

from __future__ import annotations

from leadlight.errors import NotFound, UsageError
from leadlight.playbooks.outbox import STATUSES, Outbox, public
from leadlight.storage.database import connect
from leadlight.storage.project import Project
from leadlight.timeutil import utcnow

VERBS = ("list", "retry", "drop")


def outbox(project: Project, verb: str = "list", *, key: str | None = None, status: str | None = None,
           account_id: str | None = None, limit: int = 200) -> dict:
    """``list``: ``{"actions": [...]}``; ``retry`` / ``drop`` (parked rows; one with ``key``, else all):
    ``{"retried"|"dropped": n}``."""
    if verb not in VERBS:
        raise UsageError(f"{verb!r} is not an outbox verb", hint=f"use one of: {', '.join(VERBS)}")
    if status is not None and status not in STATUSES:
        raise UsageError(f"--status {status!r} is not a status", hint=f"use one of: {', '.join(STATUSES)}")
    con = connect(project, read_only=verb == "list")
    try:
        box = Outbox(con)
        if verb == "list":
            return {"actions": [public(r) for r in box.list(status=status, account_id=account_id, limit=limit)]}
        n = box.retry(key, utcnow()) if verb == "retry" else box.drop(key, utcnow())
        if key is not None and n == 0:
            raise NotFound(f"no parked action with key {key!r}", hint="list them with `leadlight outbox --status parked`")
        return {"retried" if verb == "retry" else "dropped": n}
    finally:
        con.close()
