"""The event collector's storage side: the group-committed log, the door checks, the drain into DuckDB.

``log`` keeps what a 200 promises on disk, ``messages`` turns Segment HTTP
payloads into log lines, ``drain`` loads sealed segments through ``ingest``'s
validation, quarantine and dedupe. The HTTP routes live in ``web.collector``
and the running service (log + drain thread) in ``tasks.collect``.
"""

from leadlight.ingest.collector.checker import SegmentChecker
from leadlight.ingest.collector.drain import Drain, DrainResult
from leadlight.ingest.collector.log import CollectorLog, LogBusy, LogUnavailable
from leadlight.ingest.collector.messages import MAX_BATCH_BYTES, MAX_MESSAGE_BYTES, TYPES, Accepted, PayloadError, accept, parse_body

__all__ = ["MAX_BATCH_BYTES", "MAX_MESSAGE_BYTES", "TYPES", "Accepted", "CollectorLog", "Drain", "DrainResult",
           "LogBusy", "LogUnavailable", "PayloadError", "SegmentChecker", "accept", "parse_body"]
