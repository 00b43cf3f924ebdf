"""An account's recent signals (its events, grouped by day) and the actions already taken for it (the outbox).

Both read the project's DuckDB file only. The outbox belongs to the playbooks;
it may not exist yet in an older file, and its columns are read defensively.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from leadlight.storage.database import connect, table_columns
from leadlight.storage.project import Project
from leadlight.storage.schema import ALIASES, EVENTS, IDENTITIES, resolved_events_sql
from leadlight.timeutil import iso

OUTBOX_COLUMNS = ("key", "playbook", "trigger", "destination", "account_id", "status", "error", "created_at", "sent_at")


def recent_signals(project: Project, account_id: str, *, days: int = 14, limit: int = 400) -> dict[str, Any]:
    """``{"since", "days": [{"day", "total", "events": [{"event", "count", "people", "last"}]}]}``: what the
    account's people did from ``days`` before the project's latest event on, newest day first (one row per
    event name a day).

    Events are resolved to accounts exactly as ``events_resolved`` does, but only over candidate events (recent,
    and its people's, their anonymous ids' or grouped to it), so a page never joins the whole event log."""
    con = connect(project, read_only=True)
    try:
        if not all(has_table(con, t) for t in (EVENTS, IDENTITIES, ALIASES)):
            return {"since": None, "days": []}
        latest = con.execute(f"SELECT max(timestamp) FROM {EVENTS}").fetchall()[0][0]
        if latest is None:
            return {"since": None, "days": []}
        since = latest - timedelta(days=days)
        recent = f"SELECT * FROM {EVENTS} WHERE timestamp > $since"
        # three branches, not one OR: each is a cheap semi join over the recent row groups
        candidates = (
            f"({recent} AND user_id IN (SELECT user_id FROM people) UNION "
            f"{recent} AND user_id IS NULL AND anonymous_id IN (SELECT anonymous_id FROM {ALIASES} "
            "WHERE user_id IN (SELECT user_id FROM people)) UNION "
            f"{recent} AND group_id = $account)")
        rows = con.execute(
            f"WITH people AS (SELECT user_id FROM {IDENTITIES} WHERE account_id = $account) "
            "SELECT CAST(timestamp AS DATE) AS day, coalesce(event, type) AS name, count(*) AS n, "
            "count(DISTINCT user_id) AS people, max(timestamp) AS last "
            f"FROM ({resolved_events_sql(events=candidates)}) WHERE account_id = $account "
            f"GROUP BY ALL ORDER BY day DESC, n DESC, name LIMIT {int(limit)}",
            {"account": account_id, "since": since}).fetchall()
    finally:
        con.close()
    by_day: dict[str, dict[str, Any]] = {}
    for day, name, n, people, at in rows:
        entry = by_day.setdefault(day.isoformat(), {"day": day.isoformat(), "events": [], "total": 0})
        entry["events"].append({"event": name, "count": int(n), "people": int(people), "last": iso(at)})
        entry["total"] += int(n)
    return {"since": iso(since), "days": list(by_day.values())}


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
