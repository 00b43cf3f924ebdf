"""The drain worker process: ``python -m leadlight.ingest.collector.worker NICE [POLICY]`` (started by
``SegmentChecker``); NICE is the nice value to run at (absolute), POLICY ``idle`` (SCHED_IDLE), ``batch``
(SCHED_BATCH) or ``nice`` (the nice value only).

Reads requests one a line on stdin and answers each with one line, in order:

- ``{"keys", "generation"}``: the keys (``hash(message_id)``, a Parquet file the server exported from
  ``events``) of every loaded message: from now on the set it dedupes against, named
  ``generation``; answers ``{"generation"}``;
- ``{"segment", "out", "rejects", "now"}``: checks the segment and marks its rows new for sure against that set,
  which it then adds them to (``prepared.prepare_to_files``); answers ``{"sha256", "read", "rejected",
  "maybe_seen", "generation"}``, or ``{"error"}``.

Exits when stdin closes.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from datetime import datetime
from pathlib import Path

from leadlight.ingest.collector.priority import lower_priority


def loaded_messages(keys_file: Path):
    """The set of loaded messages to dedupe against: exact (``KnownMessages``) up to ``known.MAX_KEYS``, past
    that the Bloom filter ``ingest`` uses, with room for as many again."""
    import pyarrow.parquet as pq

    from leadlight.ingest.collector.known import MAX_KEYS, KnownMessages
    from leadlight.ingest.dedupe import SeenMessages

    keys = pq.read_table(keys_file).column(0).to_numpy().astype("uint64", copy=False)
    if len(keys) < MAX_KEYS:
        return KnownMessages(keys)
    seen = SeenMessages(2 * len(keys) + (1 << 20))
    seen.add(keys)
    return seen


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    lower_priority(0, int(args[0]) if args else 5, args[1] if len(args) > 1 else "nice")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's; this exits when its stdin closes
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything else printed goes to stderr, never into the replies

    from leadlight.ingest.prepared import prepare_to_files
    from leadlight.ingest.readers import NDJSON, InputFile

    seen, generation = None, None
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if "keys" in request:
                keys = Path(request["keys"])
                seen, generation = None, None  # a failed load leaves no set: no row is marked new
                seen, generation = loaded_messages(keys), request["generation"]
                reply = {"generation": generation}
            else:
                sha, prepared = prepare_to_files(
                    InputFile(Path(request["segment"]), NDJSON, False), datetime.fromisoformat(request["now"]),
                    Path(request["out"]), Path(request["rejects"]), seen, generation)
                reply = {"sha256": sha, **prepared.to_reply()}
        except Exception as err:  # noqa: BLE001 - reported to the server, which checks the segment itself
            reply = {"error": f"{type(err).__name__}: {err}"}
        replies.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
    main()
