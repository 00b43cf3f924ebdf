"""The collector's append-only log: what a 200 promises is on disk before it is sent.

Messages arrive as NDJSON lines and are appended to numbered segment files
(``segment-000000000001.ndjson``, ...) in ``.leadlight/collector/``. One writer
thread does all the writing with *group commit*: it takes every append queued
since its last write, writes them together and calls ``fdatasync`` once, then
completes each appender's future. So a request is acknowledged only after its
bytes are durable, and many concurrent requests share one disk flush.

Appends from an event loop (``append_async``, what the HTTP routes use) are
committed on that loop instead: every append made while the loop handles one
round of ready requests is written and ``fdatasync``-ed once at the end of
that round, and the replies go out in the next. A request then needs no other
thread to be scheduled (on a busy host each such hand-over, to the writer
thread and back to the loop, cost a scheduler wake-up and a turn at the GIL:
the slowest 1% waited tens of ms for them) and the loop is blocked only for
the flush itself, which the requests wait for anyway. A write lock keeps the
loop's commits and the writer thread's (sealing, thread appends) apart.

Except while the disk is slow: a flush that took more than
``SLOW_FLUSH_SECONDS`` (another process's writes on the same disk, DuckDB's
checkpoint among them) blocked the whole loop for as long, and the requests
that arrived meanwhile were read and checked only afterwards, one after the
other. So for ``SLOW_SPELL_SECONDS`` after a slow flush the loop hands its
appends to the writer thread (as ``commit_on_loop=False`` does): the loop keeps
reading and checking requests while the thread waits for the disk, and each
request is still answered only after its own bytes were fsynced.

A segment is *sealed* when it passes the size limit or when the drain asks
(``seal``): the writer then starts the next one. Only sealed segments are read
by the drain, and a drained segment is deleted. On opening, a torn last line
left by a crash (bytes written, never fsynced, never acknowledged) is cut off,
and writing resumes in a new segment: every existing one is sealed.

Back-pressure is explicit, never a silent drop: ``append`` raises ``LogBusy``
when more than ``max_pending`` bytes wait for the disk (reply 429), and
``LogUnavailable`` when the disk is nearly full or a write failed (reply 503).
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections import defaultdict, deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from leadlight.ingest.collector.spare import Spares, cut_at_first_zero, fsync_directory

SEGMENT_GLOB = "segment-*.ndjson"
DISK_CHECK_SECONDS = 1.0


class LogBusy(Exception):
    """More bytes wait for the disk than the log accepts: ask the client to retry shortly."""


class LogUnavailable(Exception):
    """The log cannot write (disk nearly full, an I/O error, closed)."""


def segment_name(seq: int) -> str:
    return f"segment-{seq:012d}.ndjson"


def segment_seq(path: Path) -> int:
    return int(path.stem.split("-")[1])


@dataclass
class LogStats:
    appends: int = 0
    bytes: int = 0
    flushes: int = 0
    segments_sealed: int = 0
    segments_over_zeros: int = 0  # started from a spare written with zeros ahead (the rest were created on the spot)
    slow_spells: int = 0  # times a slow flush handed the loop's appends to the writer thread
    flush_seconds: deque = field(default_factory=lambda: deque(maxlen=10_000))  # the latest write + fdatasync times

    def flush_ms(self, quantile: float) -> float | None:
        times = sorted(self.flush_seconds)
        return round(times[int(quantile * (len(times) - 1))] * 1000, 2) if times else None


SLOW_FLUSH_SECONDS = 0.005  # a write + fdatasync this slow hands the loop's appends to the writer thread ...
SLOW_SPELL_SECONDS = 1.0  # ... until no flush has been that slow for this long


class CollectorLog:
    """Group-committed appends to segment files in ``directory``; see the module docstring."""

    def __init__(self, directory: Path, *, segment_bytes: int = 64 << 20, max_pending: int = 64 << 20,
                 min_free: int = 256 << 20, commit_on_loop: bool = True) -> None:
        self.directory = directory
        self.segment_bytes = segment_bytes
        self.max_pending = max_pending
        self.min_free = min_free
        self.commit_on_loop = commit_on_loop  # False: ``append_async`` hands its lines to the writer thread
        self.stats = LogStats()
        self._cond = threading.Condition()
        self._write_lock = threading.Lock()  # one writer of the segment at a time: the loop or the writer thread
        self._loop_batch: list[tuple[bytes, Waiter]] = []
        self._loop_flush_due = False
        self._thread_until = 0.0  # after a slow flush: the loop's appends go to the writer thread until then
        self._closed = False
        self._queue: list[tuple[bytes, Waiter]] = []
        self._pending = 0
        self._seal_requested = False
        self._closing = False
        self._failure: str | None = None
        self._disk_low = False
        self._fd = -1
        self._seq = 0
        self._size = 0
        self._opened_at = 0.0
        self._zeroed = 0  # bytes of zeros the current segment was written with ahead (``spare``): 0 if none
        self._last_size = 0
        self._spares = Spares(directory)
        self._thread: threading.Thread | None = None
        self.spans = None  # a ``trace.Spans`` to record slow writes in (diagnosis)

    # -- lifecycle -------------------------------------------------------------------------------------------

    def open(self) -> None:
        """Recover what a crash left, start a fresh segment and the writer thread."""
        self.directory.mkdir(parents=True, exist_ok=True)
        existing = self.segments()
        for path in existing:
            cut_at_first_zero(path)  # the unused rest of a segment written with zeros ahead (``spare``)
            _cut_torn_tail(path)
        self._seq = (segment_seq(existing[-1]) if existing else 0) + 1
        self._spares.start()
        self._start_segment()
        self._check_disk()
        self._thread = threading.Thread(target=self._write_loop, name="leadlight-collector-log", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Write what is queued, seal the current segment and stop the writer."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._spares.close()

    # -- appending -------------------------------------------------------------------------------------------

    def append(self, data: bytes) -> Future:
        """Queue ``data`` (whole NDJSON lines); the future completes once they are fsynced.

        Its result is ``(began, done)``: the ``time.monotonic()`` moments the write that held them started and
        its ``fdatasync`` returned (what a slow request waited for).

        Raises ``LogBusy`` or ``LogUnavailable`` at once instead of queueing what cannot be kept.
        """
        future: Future = Future()
        self._enqueue(data, future)
        return future

    def append_async(self, data: bytes) -> asyncio.Future:
        """``append`` for the running event loop, committed on that loop: every append of one round of the loop
        shares one write and ``fdatasync`` at the end of the round (see the module docstring). With
        ``commit_on_loop=False`` the writer thread commits them instead, overlapping the flush with the loop's
        next requests, at the cost of two hand-overs a request."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        if not self.commit_on_loop or time.monotonic() < self._thread_until:  # the writer thread commits them
            self._enqueue(data, (loop, future))  # (and settles the futures on the loop)
            return future
        with self._cond:
            self._admit(len(data))
            self._loop_batch.append((data, (loop, future)))
            self._pending += len(data)
        if not self._loop_flush_due:
            self._loop_flush_due = True
            loop.call_soon(self._flush_loop_batch)
        return future

    def _flush_loop_batch(self) -> None:
        self._loop_flush_due = False
        batch, self._loop_batch = self._loop_batch, []
        if not batch:
            return
        with self._write_lock:
            if self._closed:
                with self._cond:
                    self._pending -= sum(len(d) for d, _ in batch)
                _settle([w for _, w in batch], LogUnavailable("the collector is shutting down"))
                return
            self._commit(batch)
            full = self._size >= self.segment_bytes
        if full:  # the writer thread seals it
            with self._cond:
                self._seal_requested = True
                self._cond.notify()

    def _enqueue(self, data: bytes, future: "Waiter") -> None:
        with self._cond:
            self._admit(len(data))
            self._queue.append((data, future))
            self._pending += len(data)
            self._cond.notify()

    def _admit(self, size: int) -> None:
        """Raise what an append of ``size`` bytes gets instead of being queued (under ``_cond``)."""
        if self._closing or self._failure is not None:
            raise LogUnavailable(self._failure or "the collector is shutting down")
        if self._disk_low:
            raise LogUnavailable(f"less than {self.min_free >> 20} MB free on the disk holding {self.directory}")
        if self._pending and self._pending + size > self.max_pending:
            raise LogBusy(f"{self._pending >> 20} MB already wait for the disk")

    def seal(self, older_than: float = 0.0) -> None:
        """Seal the current segment (if it holds anything and was started ``older_than`` seconds ago or more).

        Returns once the writer has moved on to a new segment, so every line appended before the call that was
        acknowledged is in a sealed segment.
        """
        with self._cond:
            if self._size == 0 and not self._queue:
                return
            if time.monotonic() - self._opened_at < older_than:
                return
            self._seal_requested = True
            self._cond.notify()
            while self._seal_requested and self._thread is not None and self._failure is None:
                self._cond.wait(0.5)

    def segments(self) -> list[Path]:
        """Every segment file on disk, oldest first."""
        return sorted(self.directory.glob(SEGMENT_GLOB), key=segment_seq)

    def sealed_segments(self) -> list[Path]:
        """The segments no longer written to, oldest first: what the drain may load."""
        with self._cond:
            current = self._seq
        return [p for p in self.segments() if segment_seq(p) < current]

    @property
    def writer_thread_id(self) -> int | None:
        """The writer thread's OS id (to read its CPU time in ``/proc``)."""
        return self._thread.native_id if self._thread is not None else None

    @property
    def pending_bytes(self) -> int:
        return self._pending

    # -- the writer thread -----------------------------------------------------------------------------------

    def _write_loop(self) -> None:
        last_disk_check = time.monotonic()
        while True:
            with self._cond:
                while not self._queue and not self._closing and not self._seal_requested:
                    self._cond.wait(DISK_CHECK_SECONDS)
                    if time.monotonic() - last_disk_check >= DISK_CHECK_SECONDS:
                        break
                batch, self._queue = self._queue, []
                closing = self._closing
            if batch:
                with self._write_lock:
                    self._commit(batch)
            if time.monotonic() - last_disk_check >= DISK_CHECK_SECONDS:
                self._check_disk()
                last_disk_check = time.monotonic()
            with self._cond:
                seal = self._seal_requested or closing or self._size >= self.segment_bytes
            with self._write_lock:
                if seal and self._size:
                    self._seal()
                with self._cond:
                    self._seal_requested = False
                    self._cond.notify_all()
                    if closing and not self._queue:
                        self._close_segment()
                        self._closed = True  # a loop's appends still waiting get LogUnavailable
                        if self._size == 0:
                            (self.directory / segment_name(self._seq)).unlink(missing_ok=True)
                        self._seq += 1  # nothing is written any more: every segment is sealed
                        return

    def _commit(self, batch: list[tuple[bytes, "Waiter"]]) -> None:
        data = b"".join(d for d, _ in batch)
        began = time.monotonic()
        try:
            view, offset = memoryview(data), self._size
            while view:  # in place: over the zeros of a spare segment, else appending
                written = os.pwrite(self._fd, view, offset)
                view, offset = view[written:], offset + written
            os.fdatasync(self._fd)
        except OSError as err:
            with self._cond:
                self._failure = f"the collector log cannot be written: {err}"
            _settle([w for _, w in batch], LogUnavailable(self._failure))
            return
        self._size += len(data)
        self.stats.appends += len(batch)
        self.stats.bytes += len(data)
        self.stats.flushes += 1
        done = time.monotonic()
        self.stats.flush_seconds.append(done - began)
        if done - began > SLOW_FLUSH_SECONDS and self.commit_on_loop:
            self.stats.slow_spells += done > self._thread_until
            self._thread_until = done + SLOW_SPELL_SECONDS
        if self.spans is not None and done - began > 0.005:
            self.spans.add("log.write_fsync", began, done)
        with self._cond:
            self._pending -= len(data)
        _settle([w for _, w in batch], None, (began, done))

    def _seal(self) -> None:
        self._close_segment()
        self.stats.segments_sealed += 1
        with self._cond:
            self._seq += 1
        self._start_segment()

    def _close_segment(self) -> None:
        """Close the current segment, cut to what it holds (no flush needed: reopening cuts at the first zero)."""
        if self._zeroed > self._size:
            os.ftruncate(self._fd, self._size)
        os.close(self._fd)
        self._last_size = self._size

    def _start_segment(self) -> None:
        path = self.directory / segment_name(self._seq)
        self._zeroed = self._spares.take(path)
        if self._zeroed:  # written with zeros and flushed, name and all, by the spare thread
            self._fd = os.open(path, os.O_WRONLY)
            self.stats.segments_over_zeros += 1
        else:
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            fsync_directory(self.directory)  # the new file's name must survive a power cut too
        self._size = 0
        self._opened_at = time.monotonic()
        # the next one: room for half as much again as the last segment took (the drain seals one a second or
        # two); more lines than that are appended. Zeros are written for nothing, so not much more.
        self._spares.want(self.directory / segment_name(self._seq + 1), min(self.segment_bytes, self._last_size * 3 // 2))

    def _check_disk(self) -> None:
        try:
            stat = os.statvfs(self.directory)
            low = stat.f_bavail * stat.f_frsize < self.min_free
        except OSError:
            low = True
        with self._cond:
            self._disk_low = low


Waiter = Future | tuple[asyncio.AbstractEventLoop, asyncio.Future]


def _settle(waiters: list[Waiter], error: BaseException | None, result: tuple[float, float] | None = None) -> None:
    """Complete the appenders' futures: thread futures at once, each event loop's in one call on that loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future]] = defaultdict(list)
    for waiter in waiters:
        if isinstance(waiter, tuple):
            by_loop[waiter[0]].append(waiter[1])
        elif error is None:
            waiter.set_result(result)
        else:
            waiter.set_exception(error)
    for loop, futures in by_loop.items():
        if _running_loop() is loop:  # committed on this very loop: no hand-over needed
            _settle_on_loop(futures, error, result)
            continue
        try:
            loop.call_soon_threadsafe(_settle_on_loop, futures, error, result)
        except RuntimeError:  # that loop is closed: nobody waits any more
            pass


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _settle_on_loop(futures: list[asyncio.Future], error: BaseException | None, result: tuple[float, float] | None) -> None:
    for future in futures:
        if future.done():  # the request was cancelled (client gone)
            continue
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(error)


def _cut_torn_tail(path: Path) -> None:
    """Cut a last line without its newline (a write a crash interrupted); remove an empty segment."""
    size = path.stat().st_size
    if size == 0:
        path.unlink()
        return
    with open(path, "r+b") as f:
        end = size
        while end > 0:
            start = max(0, end - 65536)
            f.seek(start)
            chunk = f.read(end - start)
            if end == size and chunk.endswith(b"\n"):
                return
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                f.truncate(start + newline + 1)
                f.flush()
                os.fsync(f.fileno())
                return
            end = start
        f.truncate(0)
    path.unlink()
