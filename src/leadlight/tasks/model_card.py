"""The model card: what the active model learned from, what it leans on, how it did out of time, what was dropped
as leaky, and whether it is time to retrain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from leadlight.scoring.models.artifacts import active_model_id as _active_id, read_manifest
from leadlight.storage.database import connect
from leadlight.storage.project import Project
from leadlight.tasks.timeline import has_table
from leadlight.timeutil import iso

RETRAIN_AFTER_DAYS = 30


def active_model_id(project: Project) -> str | None:
    """The id of the model ``score`` uses, or None before ``leadlight train``."""
    return _active_id(project)


def model_card(project: Project) -> dict[str, Any]:
    """``{"model": manifest or null, "retrain": {"due", "why"}, "latest_event"}``."""
    model_id = active_model_id(project)
    if model_id is None:
        return {"model": None, "retrain": {"due": True, "why": "no model yet: run `leadlight train` once "
                                           "opportunities and events cover a few months"}, "latest_event": None}
    manifest = read_manifest(project, model_id)
    latest, current_hash = _latest(project)
    return {"model": manifest, "latest_event": iso(latest), "retrain": _retrain(manifest, latest, current_hash)}


def _latest(project: Project) -> tuple[datetime | None, str | None]:
    con = connect(project, read_only=True)
    try:
        latest = con.execute("SELECT max(timestamp) FROM events").fetchall()[0][0] if has_table(con, "events") else None
        current = (con.execute("SELECT arg_max(definition_hash, as_of) FROM account_scores").fetchall()[0][0]
                   if has_table(con, "account_scores") else None)
    finally:
        con.close()
    return latest, current


def _retrain(manifest: dict[str, Any], latest: datetime | None, current_hash: str | None) -> dict[str, Any]:
    why = []
    trained_to = (manifest.get("data_range") or {}).get("to")
    if latest is not None and trained_to:
        behind = (latest - datetime.fromisoformat(trained_to.rstrip("Z"))).days
        if behind > RETRAIN_AFTER_DAYS:
            why.append(f"the data runs {behind} days past what the model saw (retrain every {RETRAIN_AFTER_DAYS} days)")
    if current_hash and manifest.get("definition_hash") and current_hash != manifest["definition_hash"]:
        why.append("leadlight.yml's signals changed since training")
    if (manifest.get("auc") or 1) < 0.65:
        why.append("its out-of-time AUC is weak (< 0.65): load more history or richer signals")
    return {"due": bool(why), "why": "; ".join(why) or
            f"not yet: retrain when the data runs {RETRAIN_AFTER_DAYS} days past {(trained_to or '?')[:10]} or the "
            "signals change"}
