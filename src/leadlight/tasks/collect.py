"""The event collector as a running service: write keys, the durable log and the drain thread.

``leadlight serve`` (or ``web.collector.create_collector_app``) owns one
``Collector`` for the life of the process: ``with collector.running():``
opens the log and starts a thread that, every ``collector.drain_every``
seconds, seals the current log segment and loads the sealed ones into the
DuckDB file (see ``ingest.collector.drain``), then refreshes identities (at
most every ``identities_every`` seconds). The process must own the file
(``storage.database.hold``): the drain's ``connect`` then gets a cursor of it.

Write keys come from ``collector.write_keys`` in ``leadlight.yml`` and
``LEADLIGHT_WRITE_KEY`` (source ``default``).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
import threading
import time
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping

import pyarrow as pa

from leadlight.config import load_config
from leadlight.config.collector import CollectorConfig
from leadlight.identity import resolve
from leadlight.identity.freshness import inputs_fingerprint, record_fingerprint, stored_fingerprint
from leadlight.ingest.collector import (MAX_BATCH_BYTES, MAX_MESSAGE_BYTES, Accepted, CollectorLog, Drain, LogBusy,
                                       LogUnavailable, PayloadError, SegmentChecker, accept, parse_body)
from leadlight.ingest.collector.checker import claim_memory_dir
from leadlight.ingest.collector.priority import lower_native_threads
from leadlight.ingest.collector.trace import Spans
from leadlight.ingest.events import read_checked
from leadlight.ingest.loader import Checked
from leadlight.ingest.validation import Tally, sql_text
from leadlight.storage.database import connect, hold
from leadlight.storage.owner import announce
from leadlight.storage.project import Project
from leadlight.timeutil import utcnow

__all__ = ["MAX_BATCH_BYTES", "MAX_MESSAGE_BYTES", "Collector", "LogBusy", "LogUnavailable", "PayloadError",
           "locate_project", "parse_body", "write_keys"]

WRITE_KEY_ENV = "LEADLIGHT_WRITE_KEY"
TIMING_ENV = "LEADLIGHT_COLLECTOR_TIMING"  # "1": each reply says where its time went (bench/collector.py)
IDENTITIES_EVERY = 10.0
# How long another thread (the drain's Python between DuckDB calls) may keep the GIL once the event loop wants it:
# Python's default, 5 ms, was paid at every turn of the loop that found the drain running, several per request.
GIL_SWITCH_SECONDS = 0.001
log = logging.getLogger("leadlight.collector")


def freeze_startup_heap() -> None:
    """Move every object alive after start-up (modules, the app, settings) out of the garbage collector's sight.

    A long-lived server collects its oldest generation now and then; in this process it traversed the whole
    start-up heap (FastAPI, pydantic, DuckDB, Arrow) and paused every thread for 100 ms or more, holding the
    requests that arrived meanwhile. Frozen objects are never traversed again; what requests and drains create
    afterwards is collected as usual.
    """
    gc.collect()
    gc.freeze()


def locate_project(path: str | None) -> Project:
    """The project at ``path`` (or ``LEADLIGHT_PROJECT``, or the current folder)."""
    return Project.locate(path)


def write_keys(config: CollectorConfig, environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """``{write key: source name}`` from the config and ``LEADLIGHT_WRITE_KEY``."""
    keys = {k.key: k.source for k in config.write_keys}
    if environ.get(WRITE_KEY_ENV):
        keys.setdefault(environ[WRITE_KEY_ENV], "default")
    return keys


def who_is_who_may_change(con: Any, segments: list[Path]) -> bool:
    """Whether loading ``segments`` can change identities (see ``identity.linking``): an identify, group or alias
    call, a person not linked to an account yet, a message older than their link, or one carrying a group id other
    than the workspace they already joined by group membership. Tracks, pages and screens of linked people (most
    traffic, usually with ``context.groupId`` of their own workspace) cannot: that workspace only gains events,
    so it stays theirs, and their events join the account at read time. So the drain need not rebuild identities
    over every event (a second at a million) before a run may use them.

    ``segments`` are log segments (NDJSON, parsed here) or their checked rows (a drain worker's ``.parquet``, or
    ``.arrow`` when checked in this process: the columns as loaded, so no JSON is parsed again, and rejected
    messages, which load nothing, do not count)."""
    try:
        return any(_may_change(con, path) for path in segments)
    except Exception:  # noqa: BLE001 - when in doubt, resolve as before
        return True


def _may_change(con: Any, path: Path) -> bool:
    if path.suffix in (".parquet", ".arrow") and not path.exists():
        return False
    if path.suffix == ".parquet":  # a drain worker's prepared rows: rejects are apart, SQL reads them (no GIL held)
        rows = f"(SELECT type, user_id, group_id, timestamp FROM read_parquet({sql_text(str(path))}))"
    elif path.suffix == ".arrow":
        checked_rows = pa.concat_tables(list(read_checked(path)))  # noqa: F841 - read by name below
        rows = "(SELECT type, user_id, group_id, timestamp FROM checked_rows WHERE bad = 0)"
    else:
        rows = ("(SELECT type, userId AS user_id, "
                "coalesce(groupId, json_extract_string(context, '$.groupId')) AS group_id, "
                "timezone('UTC', try_cast(timestamp AS TIMESTAMPTZ)) AS timestamp FROM read_json("
                + sql_text(str(path)) + ", format = 'newline_delimited', columns = {type: 'VARCHAR', "
                "userId: 'VARCHAR', groupId: 'VARCHAR', context: 'JSON', timestamp: 'VARCHAR'}))")
    return bool(con.execute(  # the first such message is enough: LIMIT 1 stops the scan there
        f"SELECT 1 FROM {rows} AS m LEFT JOIN identities AS i ON i.user_id = m.user_id AND i.account_id IS NOT NULL "
        "WHERE m.type NOT IN ('track', 'page', 'screen') OR i.user_id IS NULL OR i.linked_at IS NULL "
        "OR (m.group_id IS NOT NULL "
        "    AND (i.method IS DISTINCT FROM 'group' OR m.group_id IS DISTINCT FROM i.account_id)) "
        "OR coalesce(m.timestamp < i.linked_at, true) LIMIT 1").fetchall())


class Collector:
    """One project's collector: checks payloads, appends them durably, drains the log in the background."""

    def __init__(self, project: Project, config: CollectorConfig | None = None, *,
                 environ: Mapping[str, str] = os.environ) -> None:
        self.project = project
        self.config = config if config is not None else load_config(project).collector
        self.keys = write_keys(self.config, environ)
        self.timing = environ.get(TIMING_ENV) == "1"
        self.spans = Spans(self.timing)
        self.log = CollectorLog(project.data_dir / "collector", segment_bytes=self.config.segment_mb << 20,
                                max_pending=self.config.max_pending_mb << 20, min_free=self.config.min_free_mb << 20,
                                commit_on_loop=self.config.log_commit == "loop")
        self.log.spans = self.spans
        work_dir = project.data_dir / "tmp"
        self.checker = SegmentChecker(
            claim_memory_dir(project.data_dir) or work_dir, nice=self.config.drain_nice,
            policy=self.config.drain_priority, starved_after=self.config.drain_starved_after,
        ) if self.config.drain_worker else None
        self._drain = Drain(self.log, quarantine_dir=project.quarantine_dir, work_dir=work_dir, checker=self.checker,
                            spans=self.spans)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # one drain at a time
        self._last_resolve = 0.0
        self._unresolved = False
        self._identity: Any = None  # identity settings, read once
        self.drained = Tally()
        self.new_events = threading.Event()  # set when a drain loaded events (wakes serve's run loop)
        self.segments_drained = 0
        self.last_error: str | None = None

    # -- requests --------------------------------------------------------------------------------------------

    def source(self, key: str | None) -> str | None:
        """The source a write key names, or None for a missing or unknown key."""
        return self.keys.get(key) if key else None

    def accept(self, payload: dict[str, Any], kind: str | None, source: str) -> Accepted:
        """The log lines of ``payload``'s good messages and its first bad one (see ``ingest.collector.messages``)."""
        now = utcnow()
        received = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
        return accept(payload, kind, source=source, received_at=received)

    def append(self, data: bytes) -> Future:
        """Append log lines; the future completes when they are durable. Raises ``LogBusy`` / ``LogUnavailable``."""
        return self.log.append(data)

    def append_async(self, data: bytes) -> "asyncio.Future":
        """``append`` for the running event loop (what the HTTP routes await)."""
        return self.log.append_async(data)

    # -- lifecycle -------------------------------------------------------------------------------------------

    @contextmanager
    def running(self) -> Iterator["Collector"]:
        """Open the log and run the drain thread for the block; on exit, drain what was acknowledged."""
        self.log.open()
        self.spans.start()
        if self.checker is not None:
            self.checker.start()
        self._thread = threading.Thread(target=self._drain_loop, name="leadlight-collector-drain", daemon=True)
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._wake.set()
            self._thread.join()
            self.log.close()
            try:
                self.drain_now(seal=False, resolve_identities=True)
            except Exception as err:  # the log keeps it; the next start loads it
                log.warning("final drain failed (the log keeps the events for the next start): %s", err)
            finally:
                self.spans.stop()
                if self.checker is not None:
                    self.checker.close()

    @contextmanager
    def owning(self, command: str, url: str | None = None) -> Iterator["Collector"]:
        """``running()`` in a process that owns the project's DuckDB file for the block (a standalone collector)."""
        with hold(self.project), announce(self.project, command, url), self.running():
            yield self

    @contextmanager
    def serving(self) -> Iterator[None]:
        """The block in which a server answers the collector's requests on the running event loop: the start-up
        heap frozen first, and with ``LEADLIGHT_COLLECTOR_TIMING=1`` a watcher of how late the loop wakes."""
        freeze_startup_heap()
        switch = sys.getswitchinterval()
        sys.setswitchinterval(GIL_SWITCH_SECONDS)
        watch = asyncio.create_task(self.spans.watch_loop()) if self.spans.enabled else None
        try:
            yield
        finally:
            if watch is not None:
                watch.cancel()
            sys.setswitchinterval(switch)
            gc.unfreeze()  # frozen objects are never freed: at exit, DuckDB's bindings would report them as leaks

    def drain_now(self, *, seal: bool = True, resolve_identities: bool = False) -> dict:
        """Seal the current segment and load every sealed one now; returns what this drain did."""
        with self._lock:
            if seal:
                self.log.seal()
            if not self.log.sealed_segments() and not (resolve_identities and self._unresolved):
                return {"segments": 0, "read": 0, "loaded": 0, "duplicates": 0, "rejected": 0}
            con = connect(self.project)
            try:
                identity = self._identity_config()
                with self.spans.span("drain.fingerprint"):
                    current = [not self._unresolved and stored_fingerprint(con) == inputs_fingerprint(con, identity)]

                def look(segment: Path, checked: Checked | None) -> None:  # before each load: identities as they are
                    if current[0]:
                        current[0] = not who_is_who_may_change(con, [checked.path if checked else segment])

                result = self._drain.run(con, utcnow(), before_load=look)
                current = current[0]
                if result.tally.loaded and current:  # still what a rebuild would make: say so, rebuild nothing
                    with self.spans.span("drain.fingerprint"):
                        record_fingerprint(con, inputs_fingerprint(con, identity))
                elif result.tally.loaded:
                    self._unresolved = True
                due = time.monotonic() - self._last_resolve >= IDENTITIES_EVERY
                if self._unresolved and (resolve_identities or due):
                    self._identity = load_config(self.project).identity
                    with self.spans.span("drain.resolve_identities"):
                        resolve(con, self._identity)
                    self._unresolved = False
                    self._last_resolve = time.monotonic()
            finally:
                con.close()
            if result.tally.loaded:
                self.new_events.set()
        self.drained.merge(result.tally)
        self.segments_drained += result.segments
        return {"segments": result.segments, "read": result.tally.read, "loaded": result.tally.loaded,
                "duplicates": result.tally.duplicates, "rejected": result.tally.rejected}

    def _identity_config(self) -> Any:
        if self._identity is None:
            self._identity = load_config(self.project).identity
        return self._identity

    def _drain_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.config.drain_every)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                # DuckDB's and Arrow's threads (started by the first drain, or by a page's query) yield to requests
                lower_native_threads(self.config.drain_nice)
                with self.spans.span("drain.seal"):
                    self.log.seal(older_than=0.0)
                with self.spans.span("drain"):
                    self.drain_now(seal=False)
                self.last_error = None
            except Exception as err:  # keep serving; the log holds the events until a drain succeeds
                self.last_error = str(err)
                log.warning("collector drain failed, will retry: %s", err)

    def stats(self) -> dict:
        """Counters for ``/healthz``: what the log took and what the drain loaded."""
        s = self.log.stats
        return {
            "log": {"appends": s.appends, "bytes": s.bytes, "flushes": s.flushes, "pending_bytes": self.log.pending_bytes,
                    "flush_ms_p50": s.flush_ms(0.5), "flush_ms_p99": s.flush_ms(0.99),
                    "segments_waiting": len(self.log.sealed_segments()), "segments_sealed": s.segments_sealed,
                    "segments_over_zeros": s.segments_over_zeros, "slow_spells": s.slow_spells},
            "threads": {"log_writer": self.log.writer_thread_id,
                        "drain": self._thread.native_id if self._thread else None},
            "drain": {"segments": self.segments_drained, "read": self.drained.read, "loaded": self.drained.loaded,
                      "duplicates": self.drained.duplicates, "rejected": self.drained.rejected,
                      "last_error": self.last_error,
                      "worker_pid": self.checker.worker_pid if self.checker else None,
                      "worker_policy": self.checker.worker_policy if self.checker else None,
                      "worker_starvations": self.checker.starvations if self.checker else 0},
        }
