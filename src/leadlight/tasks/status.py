"""``leadlight status``: what the project holds, how well people are linked, which model scores, what is next.

Reads only (the DuckDB file opened read-only, the models folder); never recomputes.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from leadlight.storage.database import connect
from leadlight.storage.project import Project
from leadlight.storage.snapshots import SnapshotReader
from leadlight.timeutil import iso, utcnow

# kind -> (table, the column dating its rows)
KINDS = {"events": ("events", "timestamp"), "accounts": ("accounts", None), "users": ("users", "created_at"),
         "opportunities": ("opportunities", "created_at")}


def _tables(con: Any) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def _kind(con: Any, table: str, dated: str | None, tables: set[str]) -> dict[str, Any]:
    if table not in tables:
        return {"rows": 0, "first": None, "last": None}
    span = f", min({dated}), max({dated})" if dated else ", NULL, NULL"
    n, first, last = con.execute(f"SELECT count(*){span} FROM {table}").fetchall()[0]
    return {"rows": int(n), "first": iso(first), "last": iso(last)}


def _identity(con: Any, tables: set[str]) -> dict[str, Any]:
    if "identities" not in tables:
        return {"people": 0, "linked": 0, "share_linked": None, "by_method": {}}
    rows = con.execute("SELECT method, count(*), count(account_id) FROM identities GROUP BY ALL").fetchall()
    people = sum(r[1] for r in rows)
    linked = sum(r[2] for r in rows)
    return {"people": people, "linked": linked, "share_linked": round(linked / people, 4) if people else None,
            "by_method": {(r[0] or "unlinked"): r[2] or r[1] for r in rows}}


def _model(project: Project) -> dict[str, Any] | None:
    active = project.models_dir / "active.json"
    if not active.is_file():
        return None
    try:
        model_id = json.loads(active.read_text()).get("model_id")
        manifest = json.loads((project.models_dir / model_id / "manifest.json").read_text())
    except (OSError, ValueError, TypeError):
        return {"model_id": None, "problem": "models/active.json points at a model that cannot be read"}
    trained = manifest.get("trained_at")
    age = None
    if trained:
        age = (utcnow() - datetime.fromisoformat(trained.rstrip("Z"))).days
    return {"model_id": model_id, "trained_at": trained, "age_days": age, "auc": manifest.get("auc"),
            "chosen": manifest.get("chosen")}


def next_step(kinds: dict[str, dict], snapshots: list[dict], model: dict | None) -> str:
    """The command that moves this project forward, in words."""
    if not kinds["events"]["rows"] and not kinds["accounts"]["rows"]:
        return "load data: `leadlight ingest events.ndjson.gz --kind events` (and accounts, users, opportunities)"
    if not snapshots:
        return "score it: `leadlight score`"
    latest = snapshots[0]["as_of"]
    if kinds["events"]["last"] and latest and kinds["events"]["last"] >= latest:
        return "newer events than the latest snapshot: `leadlight score`"
    if model is None and kinds["opportunities"]["rows"]:
        return "train a model on the outcomes: `leadlight train`, then `leadlight score`"
    return "up to date: read the list with `leadlight accounts`, or check the definition with `leadlight check`"


def status(project: Project) -> dict[str, Any]:
    """Contract keys ``events, accounts, users, opportunities`` (row counts), ``first_event``, ``last_event``,
    ``snapshots`` (how many), ``model`` (the active one or null); then ``kinds`` (counts and date ranges),
    ``identity`` (how many people are linked to an account, and how), ``latest_snapshot`` and ``next``."""
    if not project.database_path.exists():
        kinds = {k: {"rows": 0, "first": None, "last": None} for k in KINDS}
        snapshots: list[dict] = []
        identity = _identity(None, set())
    else:
        con = connect(project, read_only=True)
        try:
            tables = _tables(con)
            kinds = {k: _kind(con, table, dated, tables) for k, (table, dated) in KINDS.items()}
            identity = _identity(con, tables)
            snapshots = SnapshotReader(con).snapshots()
        finally:
            con.close()
    model = _model(project)
    return {
        **{k: v["rows"] for k, v in kinds.items()},
        "first_event": kinds["events"]["first"], "last_event": kinds["events"]["last"],
        "snapshots": len(snapshots), "model": model,
        "kinds": kinds, "identity": identity, "latest_snapshot": snapshots[0] if snapshots else None,
        "next": next_step(kinds, snapshots, model),
    }
