"""``leadlight score``: compute signals and scores as of a moment and store the snapshot."""

from __future__ import annotations

from datetime import datetime

from typing import TYPE_CHECKING

from leadlight.config import load_config
from leadlight.errors import UsageError
from leadlight.progress import SILENT, Progress
from leadlight.storage import score_inputs
from leadlight.storage.database import connect, hold
from leadlight.storage.project import Project
from leadlight.timeutil import MOMENT_GRAMMAR, iso, parse_as_of

if TYPE_CHECKING:  # scoring, Ibis and pandas load only when there is something to compute
    from leadlight.scoring.snapshot import Snapshot
    from leadlight.storage.engine import Engine


def as_of_option(text: str | None) -> datetime | None:
    """``--as-of``: a date means the end of that day (UTC); none means "all data"."""
    if text is None or not str(text).strip():
        return None
    try:
        return parse_as_of(text)
    except ValueError as err:
        raise UsageError(f"--as-of: {err}", hint=f"write {MOMENT_GRAMMAR}") from None


def score(project: Project, as_of: str | None = None, *, progress: Progress = SILENT,
          build_kept: bool = False) -> dict:
    """Score every account and person; returns ``{as_of, accounts, users, pqas, pqls}``.

    A first score (no kept signal history yet) reads raw events and leaves building the history a re-score reads
    to the next score (``signals.incremental``); ``build_kept``: build it now.

    When nothing the stored snapshot for that moment was computed from has changed (same ``leadlight.yml``,
    data, models and version: ``storage.score_inputs``), it is returned as it is, with ``reused: true``.
    """
    config = load_config(project)
    at = as_of_option(as_of)
    if not project.database_path.exists():
        return _score(project, config, at, as_of, progress, build_kept)
    with hold(project):  # one connection for the reuse check, identity, the engine and the write: opened once
        return _score(project, config, at, as_of, progress, build_kept)


def _score(project: Project, config, at: datetime | None, as_of: str | None, progress: Progress,
           build_kept: bool) -> dict:
    from leadlight.tasks.derived import refresh_identity

    asked = str(as_of).strip() if at is not None else None
    refresh_identity(project, config)  # first: the fingerprint the snapshot is stored with must be the final one
    digest, reused = reusable_snapshot(project, config, at, asked)
    if reused is not None:
        return reused

    from leadlight.scoring.snapshot import score_snapshot
    from leadlight.storage.engine import open_engine
    from leadlight.tasks import lint

    engine = open_engine(project, config)
    engine.memo["progress"] = progress  # the signals say there when they rebuild their kept history
    engine.memo["defer_kept"] = not build_kept
    try:
        snapshot = score_snapshot(engine, config, at, progress=progress)
        warnings = lint.event_warnings(engine, list(config.signals)) + lint.moment_warnings(
            engine, snapshot.as_of, asked=asked)
        with progress.step("storing the snapshot"):
            store(project, engine, snapshot, inputs=(digest, {"asked": asked, "warnings": warnings}))
    finally:
        engine.close()
    summary = snapshot.summary()
    summary["as_of"] = iso(snapshot.as_of)
    # what the moment is: the one asked for (--as-of), else one second after the latest event
    summary["as_of_source"] = "asked" if at is not None else "latest_event"
    summary["warnings"] = warnings
    summary["reused"] = False
    return summary


def reusable_snapshot(project: Project, config, at: datetime | None,
                      asked: str | None) -> tuple[str | None, dict | None]:
    """The inputs' fingerprint, and the stored snapshot's summary when it can be reused as it is."""
    if not project.database_path.exists():
        return None, None
    con = connect(project)
    try:
        digest = score_inputs.fingerprint(con, project, config)
        moment = at if at is not None else score_inputs.latest_moment(con)
        if moment is None:  # no events: a lead list is scored as of now, never reused
            return digest, None
        found = score_inputs.reusable(con, digest, moment)
        if found is None or found.get("asked") != asked:
            return digest, None
        summary = {"as_of": iso(moment), **score_inputs.stored_summary(con, moment)}
    finally:
        con.close()
    summary["as_of_source"] = "asked" if at is not None else "latest_event"
    summary["warnings"] = found.get("warnings", [])
    summary["reused"] = True
    return digest, summary


def store(project: Project, engine: "Engine", snapshot: "Snapshot",
          inputs: tuple[str | None, dict] | None = None) -> None:
    """Write the snapshot in one transaction (on the engine's own connection when it has one).

    ``inputs``: the fingerprint of what it was computed from (and what to tell a caller that reuses it).
    """
    con = engine.connection or connect(project)
    try:
        con.begin()
        try:
            write_with_inputs(con, snapshot, inputs)
            con.commit()
        except BaseException:
            con.rollback()
            raise
    finally:
        if engine.connection is None:
            con.close()


def write_with_inputs(con, snapshot: "Snapshot", inputs: tuple[str | None, dict] | None) -> None:
    """Write the snapshot and, when its inputs' fingerprint is known, what it was computed from (so the next
    score or run with nothing new reuses it); inside the caller's transaction."""
    from leadlight.storage.snapshots import write_snapshot

    write_snapshot(con, snapshot.as_of, snapshot.account_rows, snapshot.user_rows)
    if inputs is not None and inputs[0] is not None:
        scored = con.execute("SELECT max(scored_at) FROM account_scores WHERE as_of = ?",
                             [snapshot.as_of]).fetchall()[0][0]
        if scored is not None:
            score_inputs.record(con, inputs[0], snapshot.as_of, scored, inputs[1])
