"""Parsing and checking log segments in a worker process of lower CPU priority.

Most of a drain's CPU (about 90%: reading the lines, parsing the JSON and
checking every rule, ``events.check_to_file``) needs no database. Done in the
process that answers HTTP requests, it took both cores in a burst every
second, and its Python threads took the GIL from the event loop: requests
that arrived during a drain waited. So that half runs in a worker process
(``python -m leadlight.ingest.collector.worker``), ``nice``-d (5 by default:
under contention the kernel gives the HTTP process's threads about three times
the worker's share, and an idle core still goes to the drain; 10 would give ten
times, but on a host busy with other work it left the drain seconds behind). It writes each segment's checked
rows to an Arrow file beside the database; the process owning the DuckDB file
loads them (``load_file(checked=...)``: dedupe, quarantine, insert, one
transaction), which stays cheap.

The worker reads one request a line on stdin and answers one a line, in order;
it exits when its stdin closes (the server stopped or was killed). The checked
files are derived data: a crash leaves at most a stale one, which ``start``
removes. If the worker dies or fails, the segment is checked in the calling
process instead, and a new worker starts with the next segment.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from collections import deque
from concurrent.futures import Future
from datetime import datetime
from pathlib import Path

from leadlight.ingest.events import check_to_file
from leadlight.ingest.loader import Checked
from leadlight.ingest.readers import NDJSON, InputFile

CHECKED_GLOB = "checked-*.arrow*"
MAX_LOSSES = 3  # workers lost in a row before the drain gives up on them and checks segments itself
log = logging.getLogger("leadlight.collector")


class WorkerLost(Exception):
    """The worker process exited before answering."""


def checked_path(work_dir: Path, segment: Path) -> Path:
    return work_dir / f"checked-{segment.stem}.arrow"


def check_segment(segment: Path, out: Path, now: datetime) -> Checked:
    """Check ``segment``'s lines into ``out`` (in whichever process calls it)."""
    sha, _ = check_to_file(InputFile(segment, NDJSON, False), now, out)
    return Checked(out, sha)


def _reply(future: Future) -> dict:
    """The worker's reply; ``WorkerLost`` if its process exited without settling it (whatever the race)."""
    process = getattr(future, "worker", None)
    while True:
        try:
            return future.result(timeout=1.0)
        except TimeoutError:
            if process is not None and process.poll() is not None:
                try:
                    return future.result(timeout=1.0)  # its reply reader may still be settling it
                except TimeoutError:
                    raise WorkerLost(f"the drain worker exited with {process.returncode}") from None


class SegmentChecker:
    """One worker process checking segments ahead of the drain (``submit``, then ``result``)."""

    def __init__(self, work_dir: Path, *, nice: int = 5) -> None:
        self.work_dir = work_dir
        self.nice = nice
        self._process: subprocess.Popen | None = None
        self._waiting: deque[Future] = deque()
        self._lock = threading.Lock()
        self._losses = 0

    @property
    def worker_pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def start(self) -> None:
        """Remove stale checked files and start the worker."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        for stale in self.work_dir.glob(CHECKED_GLOB):
            stale.unlink(missing_ok=True)
        with self._lock:
            self._ensure_worker()

    def _ensure_worker(self) -> subprocess.Popen:
        if self._process is None or self._process.poll() is not None:
            package_root = str(Path(__file__).resolve().parents[3])  # the same leadlight as this process's
            paths = (package_root, os.environ.get("PYTHONPATH"))
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
            self._process = subprocess.Popen(
                [sys.executable, "-m", "leadlight.ingest.collector.worker", str(self.nice)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
            self._waiting = deque()
            threading.Thread(target=self._read_replies, args=(self._process, self._waiting),
                             name="leadlight-drain-worker-replies", daemon=True).start()
        return self._process

    def _read_replies(self, process: subprocess.Popen, waiting: deque) -> None:
        for line in process.stdout:
            with self._lock:
                future = waiting.popleft() if waiting else None
            if future is not None:
                future.set_result(json.loads(line))
        with self._lock:
            lost = list(waiting)
            waiting.clear()
        code = process.wait()  # reap it at once
        for future in lost:
            if not future.done():
                future.set_exception(WorkerLost(f"the drain worker exited with {code}"))

    def submit(self, segment: Path, now: datetime) -> Future:
        """Ask the worker to check ``segment``; the future's reply goes to ``result``."""
        request = {"segment": str(segment), "out": str(checked_path(self.work_dir, segment)), "now": now.isoformat()}
        future: Future = Future()
        if self._losses >= MAX_LOSSES:  # a worker cannot run here (it dies at once): stop paying for its start
            future.set_result({})
            return future
        with self._lock:
            try:
                process = self._ensure_worker()
                future.worker = process  # type: ignore[attr-defined]
                self._waiting.append(future)
                process.stdin.write(json.dumps(request).encode() + b"\n")
                process.stdin.flush()
            except OSError as err:  # it could not start, or just died
                if future in self._waiting:
                    self._waiting.remove(future)
                if not future.done():
                    future.set_exception(WorkerLost(str(err)))
        return future

    def result(self, future: Future, segment: Path, now: datetime) -> Checked:
        """The checked rows of ``segment``: the worker's, or checked here when the worker died or failed (a real
        problem with the segment then surfaces here, as it would without a worker)."""
        try:
            reply = _reply(future)
        except WorkerLost as err:
            self._losses += 1
            then = "a new worker starts next" if self._losses < MAX_LOSSES else "checking every segment here from now on"
            log.warning("the drain worker stopped (checking %s here; %s): %s", segment.name, then, err)
            reply = {}
        if "sha256" in reply:
            self._losses = 0
            return Checked(checked_path(self.work_dir, segment), reply["sha256"])
        if "error" in reply:
            log.warning("the drain worker could not check %s (checking it here): %s", segment.name, reply["error"])
        return check_segment(segment, checked_path(self.work_dir, segment), now)

    def close(self) -> None:
        """Stop the worker (it exits when its stdin closes)."""
        with self._lock:
            process, self._process = self._process, None
        if process is not None:
            process.stdin.close()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
