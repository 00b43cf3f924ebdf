"""The ``collector:`` section: the Segment-compatible event collector of ``leadlight serve``.

Example (every key optional)::

    collector:
      write_keys:                    # several keys, each naming the source that sends with it
        - {key: "${WEB_WRITE_KEY}", source: web}
        - {key: "${BACKEND_WRITE_KEY}", source: backend}
      drain_every: 1.0               # seconds between loads of the log into the DuckDB file
      log_commit: loop               # fsync on the event loop (loop) or in the log's writer thread (thread)
      segment_mb: 64                 # a log segment is sealed past this size (or when drained)
      drain_worker: true             # parse and check the log in a separate, lower-priority process
      drain_priority: nice           # that process's CPU priority: nice (drain_nice), idle (SCHED_IDLE) or batch
      drain_nice: 5                  # its nice value (0-19; higher yields more to HTTP requests), and that of
                                     # DuckDB's threads in the serving process
      drain_starved_after: 3.0       # a worker starved of CPU this long is replaced by one under plain nice

``LEADLIGHT_WRITE_KEY`` in the environment adds one more key (source ``default``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from leadlight.config.base import Strict


class WriteKey(Strict):
    key: str = Field(min_length=1, description="The write key a client sends (HTTP Basic username or writeKey).")
    source: str = Field("default", min_length=1, description="The name of the source that sends with this key.")


class CollectorConfig(Strict):
    write_keys: list[WriteKey] = Field(default_factory=list, description="Accepted write keys, one per source.")
    drain_every: float = Field(1.0, gt=0, le=3600, description="Seconds between loads of the log into DuckDB.")
    segment_mb: int = Field(64, ge=1, le=4096, description="A log segment is sealed past this size in MB.")
    max_pending_mb: int = Field(
        64, ge=1, le=4096, description="Bytes waiting for the disk past which requests get 429 + Retry-After."
    )
    min_free_mb: int = Field(
        256, ge=0, description="Free disk below which requests get 503 + Retry-After instead of a write that may fail."
    )
    log_commit: Literal["loop", "thread"] = Field(
        "loop", description="Where a request's log lines are written and fsynced: on the event loop at the end of "
        "its turn (loop: no thread hand-over, the lowest latency), or by the log's writer thread (thread: the "
        "flush overlaps the next requests' parsing, which can raise the single-event peak when fsync is slow)."
    )
    drain_worker: bool = Field(
        True, description="Parse and check log segments in a separate worker process (keeps the drain's CPU and GIL "
        "use away from the HTTP requests); false checks them in the serving process."
    )
    drain_priority: Literal["idle", "batch", "nice"] = Field(
        "nice", description="The drain worker's CPU scheduling: nice (drain_nice only), idle (SCHED_IDLE: it runs "
        "only on a core nothing else wants, and a request's thread takes the core back at once) or batch "
        "(SCHED_BATCH). An idle or batch worker that gets under a fifth of a core for drain_starved_after seconds is "
        "replaced by one under the plain nice value for a minute, so the drain keeps up on a busy host; on a host "
        "saturated by other work an idle worker also takes seconds to exit."
    )
    drain_starved_after: float = Field(3.0, gt=0, le=600, description="Seconds the drain waits on a worker starved "
                                       "of CPU (idle or batch priority) before replacing it with a nice one.")
    drain_nice: int = Field(5, ge=0, le=19, description="The drain worker's nice value, and that of the threads "
                            "DuckDB and Arrow start in the serving process: under CPU contention a higher value leaves "
                            "more of the cores to the HTTP requests, and loads events later.")
