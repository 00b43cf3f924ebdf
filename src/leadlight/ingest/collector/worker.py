"""The drain worker process: ``python -m leadlight.ingest.collector.worker NICE [POLICY]`` (started by
``SegmentChecker``); NICE is the nice value to run at (absolute), POLICY ``idle`` (SCHED_IDLE), ``batch``
(SCHED_BATCH) or ``nice`` (the nice value only).

Reads requests ``{"segment", "out", "now"}`` one a line on stdin, checks each
segment into ``out`` (``checker.check_segment``) and answers ``{"sha256"}`` or
``{"error"}`` one a line, in order. Exits when stdin closes.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from datetime import datetime
from pathlib import Path


POLICIES = {"idle": "SCHED_IDLE", "batch": "SCHED_BATCH"}


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


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    lower_priority(0, int(args[0]) if args else 5, args[1] if len(args) > 1 else "nice")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's; this exits when its stdin closes
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything else printed goes to stderr, never into the replies

    from leadlight.ingest.collector.checker import check_segment

    for line in sys.stdin:
        request = json.loads(line)
        try:
            now = datetime.fromisoformat(request["now"])
            checked = check_segment(Path(request["segment"]), Path(request["out"]), now)
            reply = {"sha256": checked.sha256}
        except Exception as err:  # noqa: BLE001 - reported to the server, which checks the segment itself
            reply = {"error": f"{type(err).__name__}: {err}"}
        replies.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
    main()
