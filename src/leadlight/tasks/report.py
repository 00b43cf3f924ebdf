"""The definition report for RevOps: the backtest (cached per data and definition), the playbooks' activity and
what reps said (feedback), including the accounts they rejected that bought anyway.

The backtest replays history and takes seconds, so its document is kept in
``.leadlight/reports/backtest.json`` with a fingerprint of what it depends on
(latest snapshot, definition hash, active model, loaded events and
opportunities) and recomputed only when that changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from typing import Any

from leadlight.storage.database import connect
from leadlight.storage.project import Project
from leadlight.tasks.plan import latest_plan
from leadlight.tasks.backtest import run_backtest
from leadlight.tasks.timeline import has_table
from leadlight.timeutil import iso

_LOCK = threading.Lock()


def backtest_report(project: Project, *, refresh: bool = False) -> dict[str, Any]:
    """The ``backtest --json`` document, from the cache when nothing it depends on changed."""
    path = _cache_path(project)
    with _LOCK:
        key = _fingerprint(project)
        cached = None if refresh else _cached(path, key)
        if cached is not None:
            return cached
        report = run_backtest(project)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"fingerprint": key, "report": report}, default=str))
        os.replace(tmp, path)
        return report


def cached_backtest(project: Project) -> dict[str, Any] | None:
    """The backtest document if one is cached for the current data and definition, else None (never replays)."""
    return _cached(_cache_path(project), _fingerprint(project))


def _cache_path(project: Project) -> Any:
    return project.data_dir / "reports" / "backtest.json"


def _cached(path: Any, key: str) -> dict[str, Any] | None:
    try:
        cached = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return cached["report"] if cached.get("fingerprint") == key else None


def definition_report(project: Project, *, refresh: bool = False) -> dict[str, Any]:
    """``{"backtest", "playbooks", "plan", "feedback"}``: everything the report page shows; ``plan`` says which
    ``leadlight plan`` replay the playbooks' ``replay`` figures come from."""
    replay = latest_plan(project)
    return {"backtest": backtest_report(project, refresh=refresh), "playbooks": playbook_activity(project),
            "plan": None if replay is None else {k: v for k, v in replay.items() if k != "playbooks"},
            "feedback": feedback_summary(project)}


def playbook_activity(project: Project) -> list[dict[str, Any]]:
    """Per playbook: actions by outbox status, how reps marked the accounts it plays on now, and (``replay``) its
    figures from the last ``leadlight plan``."""
    con = connect(project, read_only=True)
    try:
        out: dict[str, dict[str, Any]] = {}
        if has_table(con, "outbox"):
            for playbook, status, n in con.execute(
                    "SELECT playbook, status, count(*) FROM outbox GROUP BY ALL ORDER BY 1, 2").fetchall():
                out.setdefault(playbook, _empty(playbook))["actions"][status] = int(n)
        if has_table(con, "feedback") and has_table(con, "account_scores"):
            for playbook, action, n in con.execute(
                    "WITH latest AS (SELECT account_id, json_extract_string(play, '$.name') AS playbook "
                    "FROM account_scores WHERE as_of = (SELECT max(as_of) FROM account_scores)), "
                    "marks AS (SELECT account_id, arg_max(action, marked_at) AS action FROM feedback GROUP BY 1) "
                    "SELECT playbook, action, count(*) FROM marks JOIN latest USING (account_id) "
                    "WHERE playbook IS NOT NULL GROUP BY ALL").fetchall():
                out.setdefault(playbook, _empty(playbook))["marked"][action] = int(n)
    finally:
        con.close()
    # the last `leadlight plan`: how the accounts each playbook fired on converted, vs those it never fired on
    for entry in (latest_plan(project) or {}).get("playbooks", []):
        out.setdefault(entry["name"], _empty(entry["name"]))["replay"] = entry
    return list(out.values())


def feedback_summary(project: Project) -> dict[str, Any]:
    """``{"marked": {action: accounts}, "rejected_bought": [{account_id, reason, marked_at, won_at, amount}]}``:
    accounts a rep called a bad lead that later won a sales deal anyway (the definition was right)."""
    con = connect(project, read_only=True)
    try:
        if not has_table(con, "feedback"):
            return {"marked": {}, "rejected_bought": []}
        marked = dict(con.execute("SELECT action, count(*) FROM (SELECT account_id, arg_max(action, marked_at) AS "
                                  "action FROM feedback GROUP BY 1) GROUP BY 1").fetchall())
        rows = con.execute(
            "SELECT f.account_id, f.reason, f.marked_at, min(o.created_at), sum(o.amount) FROM feedback f "
            "JOIN opportunities o ON o.account_id = f.account_id AND o.stage = 'won' AND o.source = 'sales' "
            "AND o.created_at >= f.marked_at WHERE f.action = 'bad_lead' GROUP BY ALL ORDER BY 3 DESC LIMIT 50"
        ).fetchall() if has_table(con, "opportunities") else []
    finally:
        con.close()
    return {"marked": {k: int(v) for k, v in marked.items()},
            "rejected_bought": [{"account_id": a, "reason": r, "marked_at": iso(m), "won_at": iso(w), "amount": amt}
                                for a, r, m, w, amt in rows]}


def _empty(playbook: str) -> dict[str, Any]:
    return {"playbook": playbook, "actions": {}, "marked": {}, "replay": None}


def _fingerprint(project: Project) -> str:
    from leadlight.tasks.model_card import active_model_id

    con = connect(project, read_only=True)
    try:
        parts: list[Any] = [active_model_id(project), hashlib.sha256(project.config_path.read_bytes()).hexdigest()]
        if has_table(con, "account_scores"):
            parts += con.execute("SELECT max(as_of), arg_max(definition_hash, as_of) FROM account_scores").fetchall()[0]
        for table in ("events", "opportunities"):
            if has_table(con, table):
                parts += con.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
    finally:
        con.close()
    return json.dumps(parts, default=str)
