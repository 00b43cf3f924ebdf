"""One input file, loaded all or nothing.

A file loads inside one DuckDB transaction together with its row in
``ingested_files`` (keyed by the sha256 of its bytes), so a process killed
mid-file leaves no trace of it in the tables and a rerun loads it whole. A file
whose bytes were already loaded for the same kind is not read again: it is
reported as all duplicates (its earlier rejects were reported and quarantined
the first time and are not counted again).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from collections.abc import Mapping
from typing import Callable

import duckdb

from leadlight.config.ingest import OpportunitiesConfig
from leadlight.ingest.dedupe import SeenMessages
from leadlight.ingest.events import load_events
from leadlight.ingest.prepared import Prepared, load_prepared
from leadlight.ingest.quarantine import Quarantine
from leadlight.ingest.readers import NDJSON, InputFile, file_sha256
from leadlight.ingest.tables import load_table
from leadlight.ingest.validation import Tally
from leadlight.storage.schema import INGESTED_FILES

KINDS = ("events", "accounts", "users", "opportunities")


@dataclass(frozen=True)
class Checked:
    """An events file's rows, parsed and checked ahead (``events.check_to_file``), and the file's sha256; or, with
    ``prepared``, also deduped ahead (``prepared.prepare_to_files``; ``trusted``: its ``new`` marks hold)."""

    path: Path
    sha256: str
    prepared: Prepared | None = None
    trusted: bool = False


@dataclass
class FileResult:
    source: InputFile
    tally: Tally
    skipped: bool
    quarantine: Path | None


def load_file(
    con: duckdb.DuckDBPyConnection,
    source: InputFile,
    kind: str,
    *,
    quarantine_dir: Path,
    run_stamp: str,
    now: datetime,
    on_batch: Callable[[int], None] = lambda n: None,
    seen: SeenMessages | None = None,
    work_dir: Path | None = None,
    columns: Mapping[str, str] | None = None,
    stages: OpportunitiesConfig | None = None,
    checked: Checked | None = None,
) -> FileResult:
    """Load ``source`` as ``kind`` in one transaction; see the module docstring.

    For events, ``seen`` is the run's filter of loaded messages and ``work_dir``
    where rows that may be duplicates wait until the end of the file.
    ``columns`` maps the file's headers (``ingest.columns.<kind>``), ``stages``
    its opportunity stages (the ``opportunities:`` section of leadlight.yml).
    ``checked``: an NDJSON events file's rows already checked by ``events.check_to_file``, and its sha256.
    """
    size = source.path.stat().st_size
    digest = None
    variant = _settings(source, kind, columns, stages)
    if checked is None and _hash_while_reading(con, source, kind, size):
        digest = hashlib.sha256()
    else:
        sha = _keyed(checked.sha256 if checked else file_sha256(source.path), variant)
        earlier = con.execute(
            f"SELECT loaded + duplicates FROM {INGESTED_FILES} WHERE sha256 = ? AND kind = ? LIMIT 1", [sha, kind]
        ).fetchall()
        if earlier:
            tally = Tally()
            if kind == "events":
                tally.add(read=earlier[0][0], duplicates=earlier[0][0])
            else:  # the same rows again: every key is there, as it was
                tally.add(read=earlier[0][0])
                tally.unchanged = earlier[0][0]
            return FileResult(source, tally, skipped=True, quarantine=None)

    quarantine = Quarantine(quarantine_dir, kind, run_stamp, source.path)
    con.begin()
    try:
        if kind == "events" and checked is not None and checked.prepared is not None:
            tally = load_prepared(con, checked.prepared, source, quarantine, trusted=checked.trusted)
        elif kind == "events":
            pending = work_dir / f"ingest-pending-{os.getpid()}.parquet" if work_dir is not None else None
            tally = load_events(con, source, quarantine, now, on_batch, digest, seen=seen, pending_path=pending,
                                columns=columns, checked=checked.path if checked else None)
            if digest is not None:
                sha = _keyed(digest.hexdigest(), variant)
        else:
            tally = load_table(con, source, kind, quarantine, now, on_batch, columns=columns, stages=stages)
        quarantine.close()
        con.execute(
            f"INSERT INTO {INGESTED_FILES} (sha256, kind, path, bytes, read, loaded, duplicates, rejected, loaded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            # loaded: the records this file holds (new, updated or unchanged), what a rerun of it reports.
            [sha, kind, str(source.path), size, tally.read, tally.loaded + tally.updated + tally.unchanged,
             tally.duplicates, tally.rejected, now],
        )
        con.commit()
    except BaseException:
        con.rollback()
        quarantine.discard()
        raise
    return FileResult(source, tally, skipped=False, quarantine=quarantine.rejected_path if quarantine.count else None)


def _settings(source: InputFile, kind: str, columns: Mapping[str, str] | None,
              stages: OpportunitiesConfig | None) -> str:
    """The leadlight.yml settings that change how this file loads: other settings, another load."""
    wanted = {}
    if columns and source.format != NDJSON:
        wanted["columns"] = dict(sorted(columns.items()))
    if kind == "opportunities" and stages is not None and stages != OpportunitiesConfig():
        wanted["stages"] = stages.model_dump()
    return json.dumps(wanted, sort_keys=True) if wanted else ""


def _keyed(sha: str, variant: str) -> str:
    return hashlib.sha256(f"{sha}:{variant}".encode()).hexdigest() if variant else sha


def _hash_while_reading(con: duckdb.DuckDBPyConnection, source: InputFile, kind: str, size: int) -> bool:
    """Whether the sha256 can wait until the file is read (saving a pass over a big file).

    Only for plain NDJSON, and only when no loaded file has this size: equal
    bytes need an equal size, so such a file cannot have been loaded before.
    """
    if source.compressed or source.format != NDJSON:
        return False
    seen = con.execute(f"SELECT 1 FROM {INGESTED_FILES} WHERE kind = ? AND (bytes = ? OR bytes IS NULL) LIMIT 1",
                       [kind, size]).fetchone()
    return seen is None
