"""``leadlight ingest``: validate and load input files, then resolve identities."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Sequence

import duckdb

from leadlight.config import load_config
from leadlight.errors import UsageError
from leadlight.identity import ensure_resolved
from leadlight.ingest import KINDS, expand_inputs, load_file
from leadlight.ingest.dedupe import SeenMessages
from leadlight.ingest.events import expected_events
from leadlight.ingest.validation import Tally
from leadlight.progress import SILENT, Progress
from leadlight.storage import Project, connect
from leadlight.timeutil import utcnow

MEMORY_LIMIT = "1GB"  # DuckDB's share; it spills to .leadlight/tmp beyond it


def ingest(
    project: Project,
    paths: Sequence[str | Path],
    kind: str,
    *,
    progress: Progress = SILENT,
    now: datetime | None = None,
) -> dict:
    """Load every file named by ``paths`` as ``kind``; one transaction per file.

    Returns the contract's report: ``kind``, ``files``, ``read``, ``loaded``
    (new records), ``duplicates``, ``rejected``, ``quarantine`` (the
    quarantine file written, the quarantine folder when several were, else
    None) and the first 50 ``errors``; and ``updated`` / ``unchanged`` (keys
    already loaded that the files changed / repeated), ``notes`` (what was
    found: a delimiter, an encoding, renamed columns) and ``warnings``.
    Rejected rows do not make it fail; a file that cannot be loaded at all
    does (``InputError``), after the files before it are committed and
    identities are rebuilt for them.
    """
    if kind not in KINDS:
        raise UsageError(f"--kind {kind!r} is not a kind of input", hint="use one of: " + ", ".join(KINDS))
    if not paths:
        raise UsageError("no input files given", hint="name files, folders or globs: leadlight ingest data/ --kind events")
    config = load_config(project)
    sources = expand_inputs(paths, kind)
    now = now or utcnow()
    run_stamp = now.strftime("%Y%m%dT%H%M%SZ")
    total, written = Tally(), []
    work_dir = project.data_dir / "tmp"
    con = connect(project)
    _tune(con, work_dir)
    try:
        seen = SeenMessages.of_events(con, sum(map(expected_events, sources))) if kind == "events" else None
        for source in sources:
            with progress.step(f"{kind} {source.name}") as step:
                result = load_file(con, source, kind, quarantine_dir=project.quarantine_dir, run_stamp=run_stamp,
                                   now=now, on_batch=step.advance, seen=seen, work_dir=work_dir,
                                   columns=config.ingest.columns.get(kind), stages=config.opportunities)
            total.merge(result.tally)
            if result.quarantine is not None:
                written.append(result.quarantine)
            if result.skipped:
                progress.log(f"{source.path} was loaded before; skipped")
    finally:
        try:
            # Also after a failed file, and when nothing new loaded: state left stale by an earlier run is repaired.
            with progress.step("resolving identities"):
                ensure_resolved(con, config.identity)
        finally:
            con.close()
    quarantine = str(written[0]) if len(written) == 1 else str(project.quarantine_dir) if written else None
    return {
        "kind": kind,
        "files": len(sources),
        "read": total.read,
        "loaded": total.loaded,
        "duplicates": total.duplicates,
        "rejected": total.rejected,
        "quarantine": quarantine,
        "errors": [e.to_dict() for e in total.errors],
        "updated": total.updated,
        "unchanged": total.unchanged,
        "notes": total.notes,
        "warnings": total.warnings,
    }


def _tune(con: duckdb.DuckDBPyConnection, work_dir: Path) -> None:
    """Settings that keep a big load fast and its memory flat."""
    # This process holds the database's lock, so leftovers here are from a run that died.
    if work_dir.is_dir():
        for stale in work_dir.glob("ingest-pending-*.parquet"):
            stale.unlink(missing_ok=True)
    work_dir.mkdir(parents=True, exist_ok=True)
    # Row order in the tables means nothing; letting DuckDB ignore it saves memory and time.
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"SET temp_directory = '{str(work_dir / 'duckdb').replace(chr(39), chr(39) * 2)}'")
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.execute("SET enable_progress_bar = false")  # progress is ours to draw, on stderr
    con.execute("SET enable_progress_bar_print = false")
