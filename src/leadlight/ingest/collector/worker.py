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

from leadlight.ingest.collector.priority import lower_priority


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
