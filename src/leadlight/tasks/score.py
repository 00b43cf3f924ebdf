"""``leadlight score``: compute signals and scores as of a moment and store the snapshot."""

from __future__ import annotations

from datetime import datetime

from leadlight.config import load_config
from leadlight.errors import UsageError
from leadlight.progress import SILENT, Progress
from leadlight.scoring.snapshot import Snapshot, score_snapshot
from leadlight.storage.database import connect
from leadlight.storage.engine import Engine
from leadlight.tasks.derived import open_current_engine
from leadlight.storage.snapshots import write_snapshot
from leadlight.storage.project import Project
from leadlight.tasks import lint
from leadlight.timeutil import MOMENT_GRAMMAR, iso, parse_as_of


def as_of_option(text: str | None) -> datetime | None:
    """``--as-of``: a date means the end of that day (UTC); none means "all data"."""
    if text is None or not str(text).strip():
        return None
    try:
        return parse_as_of(text)
    except ValueError as err:
        raise UsageError(f"--as-of: {err}", hint=f"write {MOMENT_GRAMMAR}") from None


def score(project: Project, as_of: str | None = None, *, progress: Progress = SILENT) -> dict:
    """Score every account and person; returns ``{as_of, accounts, users, pqas, pqls}``."""
    config = load_config(project)
    at = as_of_option(as_of)
    engine = open_current_engine(project, config)
    try:
        snapshot = score_snapshot(engine, config, at, progress=progress)
        warnings = lint.event_warnings(engine, list(config.signals)) + lint.moment_warnings(
            engine, snapshot.as_of, asked=str(as_of).strip() if at is not None else None)
        with progress.step("storing the snapshot"):
            store(project, engine, snapshot)
    finally:
        engine.close()
    summary = snapshot.summary()
    summary["as_of"] = iso(snapshot.as_of)
    # what the moment is: the one asked for (--as-of), else one second after the latest event
    summary["as_of_source"] = "asked" if at is not None else "latest_event"
    summary["warnings"] = warnings
    return summary


def store(project: Project, engine: Engine, snapshot: Snapshot) -> None:
    """Write the snapshot in one transaction (on the engine's own connection when it has one)."""
    con = engine.connection or connect(project)
    try:
        con.begin()
        try:
            write_snapshot(con, snapshot.as_of, snapshot.accounts, snapshot.users)
            con.commit()
        except BaseException:
            con.rollback()
            raise
    finally:
        if engine.connection is None:
            con.close()
