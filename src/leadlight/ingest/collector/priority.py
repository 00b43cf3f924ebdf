"""CPU priority for the drain's work, so that a request's thread gets a core first (Linux; elsewhere nice only).

Two places run the drain's work: the worker process that parses and checks segments (``lower_priority``: a nice
value and SCHED_IDLE, see ``checker``), and, in the serving process, the threads DuckDB and Arrow start for the
drain's load (``lower_native_threads``). Only threads Python did not start are lowered there: they never hold the
GIL, so no request can end up waiting for a thread the kernel keeps off the CPU (a Python thread would: the event
loop waits for the GIL it holds).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

POLICIES = {"idle": "SCHED_IDLE", "batch": "SCHED_BATCH"}
TASKS = Path("/proc/self/task")


def lower_priority(pid: int, nice: int, policy: str) -> None:
    """Lower process ``pid``'s CPU priority (0: this one) to the nice value ``nice`` and ``policy``.

    ``SegmentChecker`` calls it on the worker as soon as it is started (so even its imports run at low priority)
    and the worker on itself before any thread starts (DuckDB's and the reader's threads inherit it), whichever
    comes first. Under SCHED_IDLE the kernel runs the worker only on a core no normal thread wants and takes the
    core back as soon as a request's thread wakes up; an unprivileged process cannot leave it again
    (``SegmentChecker`` starts a new worker instead). Where a policy is unknown (not Linux) the nice value alone
    applies; a priority already lower is left alone.
    """
    if hasattr(os, "getpriority") and os.getpriority(os.PRIO_PROCESS, pid) < nice:
        os.setpriority(os.PRIO_PROCESS, pid, nice)
    name = POLICIES.get(policy)
    if name and hasattr(os, name):
        os.sched_setscheduler(pid, getattr(os, name), os.sched_param(0))


def lower_native_threads(nice: int) -> int:
    """Give every thread of this process that Python did not start (DuckDB's and Arrow's workers) at least the
    nice value ``nice`` (Linux: a thread's nice value is its own); how many were changed. Threads started later
    are caught by the next call (the drain calls it before each drain)."""
    if not TASKS.is_dir() or not hasattr(os, "setpriority"):
        return 0
    python = {t.native_id for t in threading.enumerate()}
    changed = 0
    for entry in os.scandir(TASKS):
        tid = int(entry.name)
        if tid in python:
            continue
        try:
            if os.getpriority(os.PRIO_PROCESS, tid) < nice:
                os.setpriority(os.PRIO_PROCESS, tid, nice)
                changed += 1
        except OSError:  # it ended meanwhile
            continue
    return changed
