"""Loading the collector's sealed log segments into ``events``, exactly once.

Each sealed segment is loaded by ``ingest.load_file`` like any events file:
one transaction, the same validation and quarantine, ``messageId`` dedupe and
its row in ``ingested_files``. Only after that transaction commits is the
segment deleted. That deletion is the drain's durable offset: a crash before
it leaves the segment in place, and the next drain finds its bytes already in
``ingested_files`` and skips it (and a segment that was cut differently would
still dedupe message by message). So a kill at any moment loses nothing that
was acknowledged and loads nothing twice.

With a ``SegmentChecker`` the segments are parsed, checked and deduped in its
worker process, one or two ahead of the one being loaded (``ingest.prepared``):
the worker holds the keys of every loaded message, given to it by the drain
(``_ship_keys``, an export of ``events``) and fed each segment it prepares. Only
the load itself runs here, as SQL that releases the GIL: the rows the worker
marked new for sure, then the exact check of the others against ``events``.
Whenever the worker's set may miss a loaded message (the first drain, another
writer, a segment loaded without the worker, a new worker) its marks are not
trusted and every row takes the exact check until the drain gives it the keys
again: slower for a drain, never a duplicate.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Callable

import duckdb

from leadlight.ingest.collector.checker import SegmentChecker
from leadlight.ingest.collector.known import MAX_KEYS, KnownMessages
from leadlight.ingest.collector.log import CollectorLog
from leadlight.ingest.collector.trace import Spans
from leadlight.ingest.dedupe import SeenMessages
from leadlight.ingest.loader import Checked, load_file
from leadlight.ingest.readers import NDJSON, InputFile
from leadlight.ingest.validation import Tally, sql_text
from leadlight.storage.schema import EVENTS


log = logging.getLogger("leadlight.collector")


@dataclass
class DrainResult:
    segments: int
    tally: Tally


class Drain:
    """Loads sealed segments of ``log``; keeps the filter of loaded messages between calls."""

    AHEAD = 2  # segments checked ahead of the load: bounds the checked files waiting on disk

    def __init__(self, log: CollectorLog, *, quarantine_dir: Path, work_dir: Path,
                 checker: SegmentChecker | None = None, spans: Spans | None = None) -> None:
        self.log = log
        self.spans = spans or Spans(False)
        self.checker = checker
        self.quarantine_dir = quarantine_dir
        self.work_dir = work_dir
        self._seen: KnownMessages | SeenMessages | None = None
        self._events_known = -1  # rows in `events` after the last load; another writer makes it differ
        self._capacity = 0
        self._generation: int | None = None  # of the keys the worker holds, when they are every loaded message

    def run(self, con: duckdb.DuckDBPyConnection, now: datetime,
            before_load: Callable[[Path, Checked | None], None] | None = None) -> DrainResult:
        """Load every sealed segment, oldest first, each in its own transaction, then delete it.

        ``before_load`` is called with each segment and its checked rows (None without a worker) before its load.
        """
        tally = Tally()
        segments = self.log.sealed_segments()
        if not segments:
            return DrainResult(0, tally)
        if self.checker is not None:
            with self.spans.span("drain.keys"):
                self._ship_keys(con)
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        self.work_dir.mkdir(parents=True, exist_ok=True)
        checks, seen = {}, None
        for i, path in enumerate(segments):
            if self.checker is not None:
                for ahead in segments[i:i + self.AHEAD]:
                    if ahead not in checks:
                        checks[ahead] = self.checker.submit(ahead, now)
            try:
                with self.spans.span("drain.wait_worker"):
                    checked = self.checker.result(checks.pop(path), path, now) if self.checker is not None else None
                if checked is not None and checked.prepared is not None:
                    self._seen = None  # this process's filter misses what loads this way
                    checked = replace(checked, trusted=self._generation is not None
                                      and checked.prepared.generation == self._generation)
                else:
                    self._generation = None  # the worker's set will miss these messages
                    if seen is None:
                        with self.spans.span("drain.filter"):
                            seen = self._filter(con, sum(p.stat().st_size for p in segments[i:]))
                if before_load is not None:
                    with self.spans.span("drain.identity_check"):
                        before_load(path, checked)
                with self.spans.span("drain.load"):
                    result = load_file(con, InputFile(path, NDJSON, False), "events", run_stamp=stamp, now=now,
                                       quarantine_dir=self.quarantine_dir, seen=seen, work_dir=self.work_dir,
                                       checked=checked)
            except BaseException:
                self._seen = self._generation = None  # they saw keys of a rolled-back load: harmless, but start clean
                raise
            tally.merge(result.tally)
            path.unlink()
            if checked is not None:
                checked.path.unlink(missing_ok=True)
                if checked.prepared is not None:
                    checked.prepared.remove()
        ((self._events_known,),) = con.execute(f"SELECT count(*) FROM {EVENTS}").fetchall()
        return DrainResult(len(segments), tally)

    def _ship_keys(self, con: duckdb.DuckDBPyConnection) -> None:
        """Give the worker the keys of every loaded message when its set may miss some (see ``ingest.prepared``):
        at the first drain, after anything else changed ``events``, a load without the worker, or a new worker."""
        ((events,),) = con.execute(f"SELECT count(*) FROM {EVENTS}").fetchall()
        if self.checker.gave_up or (self._generation is not None and events == self._events_known
                                    and self.checker.generation_held == self._generation):
            return
        keys = self.checker.work_dir / f"checked-keys-{time.monotonic_ns()}.parquet"  # removed once the worker read it
        self._generation = None
        try:
            self.checker.work_dir.mkdir(parents=True, exist_ok=True)
            con.execute(f"COPY (SELECT hash(message_id) AS key FROM {EVENTS}) TO "
                        f"{sql_text(str(keys))} (FORMAT parquet)")
        except (OSError, duckdb.Error) as err:  # the worker's marks stay untrusted: every row is checked exactly
            keys.unlink(missing_ok=True)
            log.warning("could not give the drain worker the loaded messages (%s); checking every row exactly", err)
            return
        self._generation = self.checker.ship_keys(keys)

    def _filter(self, con: duckdb.DuckDBPyConnection, new_bytes: int) -> KnownMessages | SeenMessages:
        """The loaded messages, read again when something else changed ``events`` since the last drain: exactly
        (``KnownMessages``) up to ``known.MAX_KEYS`` events, past that the Bloom filter ``ingest`` uses."""
        ((events,),) = con.execute(f"SELECT count(*) FROM {EVENTS}").fetchall()
        if isinstance(self._seen, KnownMessages) and events == self._events_known and events < MAX_KEYS:
            return self._seen
        if events < MAX_KEYS:
            self._seen = KnownMessages.of_events(con)
        elif self._seen is None or events != self._events_known or events + new_bytes // 128 > self._capacity:
            self._capacity = 2 * events + max(new_bytes // 128, 1 << 20)
            self._seen = SeenMessages.of_events(con, expected_new=self._capacity - events)
        self._events_known = events
        return self._seen
