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
rows, deduped against the loaded messages it holds and with the rejects apart (``ingest.prepared``), to files
beside the database; the process owning the DuckDB file loads them (``load_file(checked=...)``: quarantine and
insert, one transaction, SQL but for the rejects), which stays cheap and keeps the GIL free for requests. Those
files are derived data read once within a second or two, so they go to memory (``/dev/shm``, ``memory_dir``) where
there is such a folder: written to the disk, their tens of MB a second had
every request's ``fdatasync`` wait behind them.

The worker reads one request a line on stdin and answers one a line, in order;
it exits when its stdin closes (the server stopped or was killed). The checked
files are derived data: a crash leaves at most a stale one, which ``start``
removes. If the worker dies or fails, the segment is checked in the calling
process instead, and a new worker starts with the next segment.

The worker runs under SCHED_IDLE by default (``collector.drain_priority``):
the kernel gives it only what the HTTP threads and everything else leave, and
takes a core back from it the moment a request's thread wakes up. On a host
busy with other work that can be almost nothing, so the drain watches for it:
when it has waited ``starved_after`` seconds for a reply while the worker got
less than a fifth of a core, the worker is *starved*. It is then replaced by
one running under the plain ``nice`` value (its segments are checked again by
the new worker, never in the HTTP process), and after ``NICE_SECONDS`` an idle
one takes over again. So the drain falls at most a few seconds behind for
want of CPU, and events still reach DuckDB within seconds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import deque
from concurrent.futures import Future
from datetime import datetime
from pathlib import Path

from leadlight.ingest.collector.priority import lower_priority
from leadlight.ingest.events import check_to_file
from leadlight.ingest.loader import Checked
from leadlight.ingest.prepared import Prepared
from leadlight.ingest.readers import NDJSON, InputFile

CHECKED_GLOB = "checked-*"
MAX_LOSSES = 3  # workers lost in a row before the drain gives up on them and checks segments itself
STARVED_SHARE = 0.2  # a worker waited for that got less than this share of a core was starved of CPU
NICE_SECONDS = 60.0  # how long a starved idle worker's replacement runs under the plain nice value
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
log = logging.getLogger("leadlight.collector")


class WorkerLost(Exception):
    """The worker process exited before answering."""


class WorkerStarved(Exception):
    """The worker got too little CPU to answer within ``starved_after`` seconds (see the module docstring)."""


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` so far (None where ``/proc`` cannot tell)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


MEMORY_ROOT = Path("/dev/shm")


OWNER = "project"  # in a memory folder: the data folder of the project it belongs to


def memory_dir(data_dir: Path) -> Path | None:
    """This project's folder for checked files in memory (tmpfs), or None where there is no such place."""
    if not (MEMORY_ROOT.is_dir() and os.access(MEMORY_ROOT, os.W_OK)):
        return None
    return MEMORY_ROOT / f"leadlight-{hashlib.sha1(str(data_dir.resolve()).encode()).hexdigest()[:16]}"


def claim_memory_dir(data_dir: Path) -> Path | None:
    """``memory_dir``, created and marked with its project; first removes the folders of projects that no longer
    exist (a server killed with ``kill -9`` cannot remove its own, and memory is not freed otherwise)."""
    folder = memory_dir(data_dir)
    if folder is None:
        return None
    for other in MEMORY_ROOT.glob("leadlight-*"):
        try:
            owner = (other / OWNER).read_text()
        except OSError:
            continue
        if other != folder and not Path(owner).exists():
            shutil.rmtree(other, ignore_errors=True)
    try:
        folder.mkdir(exist_ok=True)
        (folder / OWNER).write_text(str(data_dir.resolve()))
    except OSError:
        return None
    return folder


def checked_path(work_dir: Path, segment: Path) -> Path:
    return work_dir / f"checked-{segment.stem}.arrow"


def prepared_paths(work_dir: Path, segment: Path) -> tuple[Path, Path]:
    """Where the worker writes a segment's rows and its rejects (see ``ingest.prepared``)."""
    return work_dir / f"checked-{segment.stem}.parquet", work_dir / f"checked-{segment.stem}.rejects.arrow"


def check_segment(segment: Path, out: Path, now: datetime) -> Checked:
    """Check ``segment``'s lines into ``out`` (in whichever process calls it)."""
    sha, _ = check_to_file(InputFile(segment, NDJSON, False), now, out)
    return Checked(out, sha)


def _reply(future: Future, starved_after: float | None = None) -> dict:
    """The worker's reply; ``WorkerLost`` if its process exited without settling it (whatever the race), and
    ``WorkerStarved`` if it got less than ``STARVED_SHARE`` of a core during ``starved_after`` seconds of waiting."""
    process = getattr(future, "worker", None)
    began = time.monotonic()
    cpu_began = cpu_seconds(process.pid) if process is not None and starved_after else None
    while True:
        try:
            return future.result(timeout=min(1.0, starved_after or 1.0))
        except TimeoutError:
            if process is not None and process.poll() is not None:
                try:
                    return future.result(timeout=1.0)  # its reply reader may still be settling it
                except TimeoutError:
                    raise WorkerLost(f"the drain worker exited with {process.returncode}") from None
            waited = time.monotonic() - began
            if cpu_began is not None and waited >= starved_after:
                used = (cpu_seconds(process.pid) or cpu_began) - cpu_began
                if used < STARVED_SHARE * waited:
                    raise WorkerStarved(f"the drain worker got {used:.2f} CPU seconds in {waited:.1f} s") from None


class SegmentChecker:
    """One worker process checking segments ahead of the drain (``submit``, then ``result``)."""

    def __init__(self, work_dir: Path, *, nice: int = 5, policy: str = "nice", starved_after: float | None = 3.0) -> None:
        self.work_dir = work_dir
        self.nice = nice
        self.policy = policy  # of the worker to start: "idle", "batch" or "nice" (see ``worker.lower_priority``)
        self.starved_after = starved_after if policy != "nice" else None
        self.starvations = 0
        self._nice_until = 0.0  # after a starvation: workers run under the plain nice value until then
        self._retired: set[int] = set()  # pids of starved workers stopped on purpose
        self._process: subprocess.Popen | None = None
        self._waiting: deque[Future] = deque()
        self._lock = threading.Lock()
        self._losses = 0
        self._generations = 0
        self._holder: tuple[int | None, int | None] = (None, None)  # (worker pid, generation of its keys)

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

    @property
    def worker_policy(self) -> str:
        """The policy a worker started now runs under."""
        return "nice" if time.monotonic() < self._nice_until else self.policy

    def _ensure_worker(self) -> subprocess.Popen:
        process = self._process
        if (process is not None and process.poll() is None and not self._waiting
                and getattr(process, "policy", None) != self.worker_policy):  # the nice spell is over: idle again
            process.stdin.close()  # it answered everything; it exits on its own
            self._process = None
        if self._process is None or self._process.poll() is not None:
            package_root = str(Path(__file__).resolve().parents[3])  # the same leadlight as this process's
            paths = (package_root, os.environ.get("PYTHONPATH"))
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
            policy = self.worker_policy
            nice = min(19, (os.getpriority(os.PRIO_PROCESS, 0) if hasattr(os, "getpriority") else 0) + self.nice)
            self._process = subprocess.Popen(
                [sys.executable, "-m", "leadlight.ingest.collector.worker", str(nice), policy],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
            self._process.policy = policy  # type: ignore[attr-defined]
            try:
                lower_priority(self._process.pid, nice, policy)
            except OSError:  # it exited already (the next request finds out), or the policy is refused here
                pass
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

    def ship_keys(self, keys: Path) -> int | None:
        """Give the worker ``keys``, the loaded messages to dedupe against (see ``worker``); the generation that
        names them in its replies, or None when no worker took them. ``keys`` is removed once the worker read it."""
        self._generations += 1
        future = self._send({"keys": str(keys), "generation": self._generations})
        future.add_done_callback(lambda _: keys.unlink(missing_ok=True))  # read, or never to be
        worker = getattr(future, "worker", None)
        if worker is None or (future.done() and future.exception() is not None):  # no worker took them
            return None
        self._holder = (worker.pid, self._generations)
        return self._generations

    @property
    def gave_up(self) -> bool:
        """Whether workers died too often here: the drain checks every segment itself."""
        return self._losses >= MAX_LOSSES

    @property
    def generation_held(self) -> int | None:
        """The generation of keys the running worker was given (None: none, or it is another worker now)."""
        pid, generation = self._holder
        return generation if pid == self.worker_pid else None

    def submit(self, segment: Path, now: datetime) -> Future:
        """Ask the worker to check and prepare ``segment``; the future's reply goes to ``result``."""
        rows, rejects = prepared_paths(self.work_dir, segment)
        return self._send({"segment": str(segment), "out": str(rows), "rejects": str(rejects), "now": now.isoformat()})

    def _send(self, request: dict) -> Future:
        future: Future = Future()
        if self.gave_up:  # a worker cannot run here (it dies at once): stop paying for its start
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
        """The rows of ``segment``: checked and prepared by the worker, or only checked here when the worker died
        or failed (a real problem with the segment then surfaces here, as it would without a worker). A starved
        worker is replaced (see the module docstring) and the segment asked of the new one."""
        for _ in range(MAX_LOSSES):
            try:
                reply = _reply(future, self.starved_after if getattr(future.worker, "policy", "nice") != "nice"
                               else None) if hasattr(future, "worker") else _reply(future)
                break
            except WorkerStarved as err:
                log.warning("%s; a worker under nice %d checks %s and what follows", err, self.nice, segment.name)
                self._replace_starved(future.worker)
            except WorkerLost as err:
                if getattr(future, "worker", None) is not None and future.worker.pid in self._retired:
                    pass  # the starved worker stopped on purpose: the new one checks it
                else:
                    self._losses += 1
                    then = ("a new worker starts next" if self._losses < MAX_LOSSES
                            else "checking every segment here from now on")
                    log.warning("the drain worker stopped (checking %s here; %s): %s", segment.name, then, err)
                    reply = {}
                    break
            future = self.submit(segment, now)
        else:
            reply = {}
        if "sha256" in reply:
            self._losses = 0
            rows, rejects = prepared_paths(self.work_dir, segment)
            return Checked(rows, reply["sha256"], prepared=Prepared.from_reply(reply, rows, rejects))
        if "error" in reply:
            log.warning("the drain worker could not check %s (checking it here): %s", segment.name, reply["error"])
        return check_segment(segment, checked_path(self.work_dir, segment), now)

    def _replace_starved(self, process: subprocess.Popen) -> None:
        """Stop a starved worker (its other segments are asked again of the next) and run nice ones a while."""
        self.starvations += 1
        self._nice_until = time.monotonic() + NICE_SECONDS
        with self._lock:
            self._retired.add(process.pid)
            if self._process is process:
                self._process = None
        process.kill()  # under SCHED_IDLE it might not even get the CPU to exit on its own
        try:
            process.wait(10)  # gone before the next worker writes the same checked file
        except subprocess.TimeoutExpired:
            log.warning("the starved drain worker %d has not exited yet", process.pid)

    def close(self) -> None:
        """Stop the worker: it exits when its stdin closes; one that has not within a second is killed (it has
        answered every request, and under SCHED_IDLE on a busy host it may wait many seconds for a CPU)."""
        with self._lock:
            process, self._process = self._process, None
        if process is not None:
            process.stdin.close()
            try:
                process.wait(1)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.work_dir.parent == MEMORY_ROOT:
            for left in self.work_dir.glob(CHECKED_GLOB):  # memory is not kept for a next start
                left.unlink(missing_ok=True)
            (self.work_dir / OWNER).unlink(missing_ok=True)
            try:
                self.work_dir.rmdir()
            except OSError:
                pass
