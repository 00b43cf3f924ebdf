"""An events file checked *and* deduped ahead, so that loading it is SQL only.

The collector's drain loads a second of traffic every second in the process that answers HTTP requests. Every
line of Python it ran there between DuckDB calls (splitting off rejects, hashing keys against the loaded
messages, reading the checked rows back) held the GIL the event loop needed, and the requests that arrived
meanwhile waited. So its drain worker process does all of that per-row work (``prepare_to_files``) and leaves two
files:

- ``rows`` (Parquet): the good messages, columns ``line``, ``new`` and ``events.EVENT_COLUMNS``. ``new`` is true
  where the message's key was not in the worker's set of loaded messages (``KnownMessages``, or the Bloom filter
  past ``known.MAX_KEYS``) and appears once in the file: new for sure, *if* that set held every loaded message;
- ``rejects`` (Arrow IPC, only when there are any): ``line``, ``raw``, ``reject_field``, ``reject_message``.

The serving process then loads them with ``load_prepared``: one ``INSERT ... SELECT FROM read_parquet`` (DuckDB
releases the GIL for all of it), plus, only for rows not ``new``, the exact check by ``message_id`` against
``events`` that ``leadlight ingest`` runs for its "maybe seen" rows. When the server cannot vouch that the
worker's set was complete (``trusted=False``: another writer changed ``events``, a segment was loaded without the
worker, the worker is new), every row takes that exact path: slower, never a duplicate. Rejects go to quarantine
as before; only they are read in Python.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from leadlight.ingest.dedupe import first_new
from leadlight.ingest.events import EVENT_COLUMNS, _quarantine, checked_lines, insert_unseen, read_checked
from leadlight.ingest.quarantine import Quarantine
from leadlight.ingest.readers import InputFile
from leadlight.ingest.validation import Tally, sql_text
from leadlight.storage.schema import EVENTS

REJECT_COLUMNS = ["line", "raw", "reject_field", "reject_message"]


@dataclass(frozen=True)
class Prepared:
    """What ``prepare_to_files`` left: its files and counts. ``generation`` names the set of loaded messages the
    worker deduped against (None: it had none, and marked no row ``new``)."""

    rows: Path
    rejects: Path
    read: int
    rejected: int
    maybe_seen: int
    generation: int | None = None

    def to_reply(self) -> dict:
        return {"read": self.read, "rejected": self.rejected, "maybe_seen": self.maybe_seen,
                "generation": self.generation}

    @classmethod
    def from_reply(cls, reply: dict, rows: Path, rejects: Path) -> "Prepared":
        return cls(rows, rejects, reply["read"], reply["rejected"], reply["maybe_seen"], reply.get("generation"))

    def remove(self) -> None:
        self.rows.unlink(missing_ok=True)
        self.rejects.unlink(missing_ok=True)


def prepare_to_files(source: InputFile, now: datetime, rows_out: Path, rejects_out: Path, seen,
                     generation: int | None = None) -> tuple[str, Prepared]:
    """Check ``source``'s lines as ``load_events`` would, split off the rejects and mark the rows new for sure
    against ``seen`` (a ``KnownMessages`` or ``SeenMessages``, fed this file's keys; None marks none new).
    Returns the file's sha256 and what was written (see the module docstring)."""
    digest = hashlib.sha256()
    writers: dict[Path, tuple[pq.ParquetWriter | pa.ipc.RecordBatchFileWriter, pa.Schema]] = {}
    read = rejected = maybe_seen = 0

    def write(out: Path, table: pa.Table) -> None:
        if out not in writers:
            partial = str(out) + ".partial"
            writers[out] = (pq.ParquetWriter(partial, table.schema, compression="none") if out == rows_out
                            else pa.ipc.new_file(partial, table.schema)), table.schema
        writer, schema = writers[out]
        writer.write_table(table.cast(schema))

    try:
        for table in checked_lines(source, now, digest):
            verdict = table.column("bad")  # 0 good, -1 a blank line, else the broken rule
            bad = pc.greater(verdict, 0)
            count = pc.sum(bad).as_py() or 0
            if count:
                write(rejects_out, table.filter(bad).select(REJECT_COLUMNS))
            good = table.filter(pc.equal(verdict, 0))
            new = first_new(good.column("key"), seen) if seen is not None else np.zeros(good.num_rows, bool)
            write(rows_out, good.select(["line", *EVENT_COLUMNS]).append_column("new", pa.array(new)))
            read += good.num_rows + count
            rejected += count
            maybe_seen += good.num_rows - int(new.sum())
    finally:
        for writer, _ in writers.values():
            writer.close()
    for out in writers:
        os.replace(str(out) + ".partial", out)
    return digest.hexdigest(), Prepared(rows_out, rejects_out, read, rejected, maybe_seen, generation)


def load_prepared(con: duckdb.DuckDBPyConnection, prepared: Prepared, source: InputFile, quarantine: Quarantine, *,
                  trusted: bool) -> Tally:
    """Load ``prepared`` into ``events`` inside the caller's transaction; ``trusted``: its ``new`` marks hold."""
    tally = Tally()
    if prepared.rejected:
        for rejects in read_checked(prepared.rejects):
            _quarantine(rejects, source, quarantine, tally)
    loaded = 0
    if prepared.read > prepared.rejected:
        rows = f"read_parquet({sql_text(str(prepared.rows))})"
        if trusted:
            columns = ", ".join(EVENT_COLUMNS)
            loaded += con.execute(f"INSERT INTO {EVENTS} ({columns}, source_file) SELECT {columns}, ? FROM {rows} "
                                  "WHERE new", [str(source.path)]).fetchall()[0][0]
        if not trusted or prepared.maybe_seen:
            # the rows in doubt, checked against ``events`` (which now holds this file's new rows)
            loaded += insert_unseen(con, rows, source, "NOT new" if trusted else "true")
    tally.add(read=prepared.read, loaded=loaded, rejected=prepared.rejected)
    tally.duplicates = tally.read - tally.rejected - tally.loaded
    if not tally.read:
        tally.warnings.append(f"{source.path} holds no records: nothing to load")
    return tally
