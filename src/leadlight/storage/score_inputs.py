"""What a score snapshot was computed from, so a re-score with nothing new can return the stored one.

``fingerprint`` digests, with plain DuckDB queries (no Ibis, no pandas: it must
cost milliseconds), everything a snapshot depends on: the whole parsed
``leadlight.yml``, the Leadlight version, the trained models on disk, and the
data's generation: the rows and latest load of every input table, the files
loaded (``ingested_files``: every ingest and every collector drain adds a row),
reps' feedback and the other derived state (identities). ``record`` stores it
in ``derived_state`` (name ``score_snapshot@<as_of>``) in the snapshot's transaction,
with the snapshot's ``scored_at``; ``reusable`` finds the stored snapshot again
only if the fingerprint is the same and the snapshot at that moment is still
the very one recorded (a ``run`` or a re-score since would have replaced it).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

import duckdb

from leadlight import __version__
from leadlight.storage.project import Project

NAME = "score_snapshot"
_DATA = """
SELECT (SELECT count(*) FROM events), (SELECT max(timestamp) FROM events),
       (SELECT count(*) FROM accounts), (SELECT count(*) FROM users), (SELECT count(*) FROM opportunities),
       (SELECT count(*) FROM identities), (SELECT count(*) FROM aliases),
       (SELECT count(*) FROM ingested_files), (SELECT max(loaded_at) FROM ingested_files),
       (SELECT count(*) FROM feedback), (SELECT max(marked_at) FROM feedback),
       (SELECT string_agg(name || '=' || inputs, ';' ORDER BY name) FROM derived_state WHERE NOT starts_with(name, ?))
"""


def fingerprint(con: duckdb.DuckDBPyConnection, project: Project, config: Any) -> str:
    """A digest of everything the snapshot for ``config`` would be computed from."""
    data = con.execute(_DATA, [NAME]).fetchall()[0]
    models = sorted((str(p.relative_to(project.models_dir)), p.stat().st_mtime_ns)
                    for p in project.models_dir.rglob("*") if p.is_file()) if project.models_dir.is_dir() else []
    doc = {"config": config.model_dump(mode="json"), "version": __version__, "models": models,
           "data": [str(v) for v in data]}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def latest_moment(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The default ``as_of`` (one second after the latest event), or None when there are no events."""
    latest = con.execute("SELECT max(timestamp) FROM events").fetchall()[0][0]
    return None if latest is None else latest.replace(microsecond=0) + timedelta(seconds=1)


def record(con: duckdb.DuckDBPyConnection, digest: str, as_of: datetime, scored_at: datetime,
           extra: dict[str, Any]) -> None:
    """Remember what the snapshot at ``as_of`` (written in this transaction) was computed from."""
    inputs = json.dumps({"fingerprint": digest, "as_of": as_of.isoformat(), "scored_at": scored_at.isoformat(),
                         **extra}, default=str)
    name = _name(as_of)
    con.execute("DELETE FROM derived_state WHERE name = ?", [name]).fetchall()
    con.execute("INSERT INTO derived_state VALUES (?, ?, now()::TIMESTAMP)", [name, inputs]).fetchall()


def reusable(con: duckdb.DuckDBPyConnection, digest: str, as_of: datetime) -> dict[str, Any] | None:
    """The recorded inputs of the stored snapshot at ``as_of`` when nothing it depends on changed, else None."""
    rows = con.execute("SELECT inputs FROM derived_state WHERE name = ?", [_name(as_of)]).fetchall()
    if not rows:
        return None
    found = json.loads(rows[0][0])
    if found.get("fingerprint") != digest or found.get("as_of") != as_of.isoformat():
        return None
    scored = con.execute("SELECT max(scored_at) FROM account_scores WHERE as_of = ?", [as_of]).fetchall()[0][0]
    if scored is None or scored.isoformat() != found.get("scored_at"):
        return None
    return found


def _name(as_of: datetime) -> str:
    return f"{NAME}@{as_of.isoformat()}"


def stored_summary(con: duckdb.DuckDBPyConnection, as_of: datetime) -> dict[str, int]:
    """``accounts``, ``users``, ``pqas``, ``pqls`` of the stored snapshot at ``as_of``."""
    accounts, pqas = con.execute("SELECT count(*), count(*) FILTER (WHERE pqa) FROM account_scores WHERE as_of = ?",
                                 [as_of]).fetchall()[0]
    users, pqls = con.execute("SELECT count(*), count(*) FILTER (WHERE pql) FROM user_scores WHERE as_of = ?",
                              [as_of]).fetchall()[0]
    return {"accounts": accounts, "users": users, "pqas": pqas, "pqls": pqls}
