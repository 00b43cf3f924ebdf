"""An account's recent signals (its events, grouped by day) and the actions already taken for it (the outbox).

Both read the project's DuckDB file only. The outbox belongs to the playbooks;
it may not exist yet in an older file, and its columns are read defensively.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from leadlight.storage.database import connect, table_columns
from leadlight.storage.project import Project
from leadlight.storage.schema import EVENTS_RESOLVED
from leadlight.timeutil import iso

OUTBOX_COLUMNS = ("key", "playbook", "trigger", "destination", "account_id", "status", "error", "created_at", "sent_at")


def recent_signals(project: Project, account_id: str, *, days: int = 14, limit: int = 400) -> dict[str, Any]:
    """``{"until", "days": [{"day", "events": [{"event", "count", "people", "last"}], "total"}]}``: what the
    account's people did in the ``days`` before its latest event, newest day first (one row per event name a day)."""
    con = connect(project, read_only=True)
    try:
        if not has_table(con, EVENTS_RESOLVED):
            return {"until": None, "days": []}
        last = con.execute(f"SELECT max(timestamp) FROM {EVENTS_RESOLVED} WHERE account_id = ?",
                           [account_id]).fetchall()[0][0]
        if last is None:
            return {"until": None, "days": []}
        rows = con.execute(
            f"SELECT CAST(timestamp AS DATE) AS day, coalesce(event, type) AS name, count(*) AS n, "
            f"count(DISTINCT user_id) AS people, max(timestamp) AS last FROM {EVENTS_RESOLVED} "
            f"WHERE account_id = ? AND timestamp > ? GROUP BY ALL ORDER BY day DESC, n DESC, name LIMIT {int(limit)}",
            [account_id, last - timedelta(days=days)]).fetchall()
    finally:
        con.close()
    by_day: dict[str, dict[str, Any]] = {}
    for day, name, n, people, at in rows:
        entry = by_day.setdefault(day.isoformat(), {"day": day.isoformat(), "events": [], "total": 0})
        entry["events"].append({"event": name, "count": int(n), "people": int(people), "last": iso(at)})
        entry["total"] += int(n)
    return {"until": iso(last), "days": list(by_day.values())}


def actions_taken(project: Project, account_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """The outbox rows of one account, newest first: ``[{key, playbook, trigger, destination, status, error,
    created_at, sent_at}]`` (missing columns are null; no outbox yet means none)."""
    con = connect(project, read_only=True)
    try:
        if not has_table(con, "outbox"):
            return []
        present = set(table_columns(con, "outbox"))
        if "account_id" not in present:
            return []
        picked = [c for c in OUTBOX_COLUMNS if c in present]
        order = "created_at DESC" if "created_at" in present else "1"
        rows = con.execute(f"SELECT {', '.join(picked)} FROM outbox WHERE account_id = ? ORDER BY {order} "
                           f"LIMIT {int(limit)}", [account_id]).fetchall()
    finally:
        con.close()
    out = []
    for row in rows:
        item = {c: None for c in OUTBOX_COLUMNS}
        item.update({c: (iso(v) if hasattr(v, "isoformat") else v) for c, v in zip(picked, row)})
        item.pop("account_id", None)
        out.append(item)
    return out


def has_table(con: Any, name: str) -> bool:
    """Whether the open DuckDB file has this table or view."""
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                            [name]).fetchall()[0][0])
