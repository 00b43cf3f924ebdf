"""The drain's exact set of loaded messages: no false "maybe seen", so no scan of history for new messages.

``ingest``'s Bloom filter (``dedupe.SeenMessages``) answers "maybe seen" for
about 1-3% of new messages. In a bulk load that costs one scan of ``events`` at
the end of a big file; in the collector's drain, once a second, every segment
had such rows, so every drain scanned every stored ``message_id`` to decide
them: a cost growing with history (50-150 ms of both cores at a million events),
taken from the requests being served.

``KnownMessages`` keeps the 64-bit ``hash(message_id)`` of every loaded event
exactly (8 bytes an event, as sorted runs merged as they grow), with the same
``see`` as the filter. A key it has never seen is a new message for sure, as
before; a key it has seen is a true re-send (or a 64-bit hash collision), and
only then does the load decide the rows by ``message_id`` against ``events``,
exactly as before. So a drain of new messages costs what the segment holds,
whatever the history; re-sent messages still load nothing twice.
"""

from __future__ import annotations

import duckdb
import numpy as np

from leadlight.storage.schema import EVENTS

READ_ROWS = 1 << 20
MAX_KEYS = 1 << 26  # 512 MB of keys: past this the drain falls back to the Bloom filter


def _member(ordered: np.ndarray, keys: np.ndarray) -> np.ndarray:
    if not len(ordered):
        return np.zeros(len(keys), dtype=bool)
    at = np.searchsorted(ordered, keys)
    at[at == len(ordered)] = 0
    return ordered[at] == keys


class KnownMessages:
    """Every loaded message's 64-bit key, exactly: ``see`` answers True only for a key added before."""

    MERGE_RUNS = 8  # sorted runs kept apart before they are merged into the base

    def __init__(self, keys: np.ndarray | None = None) -> None:
        self._base = np.sort(keys.astype(np.uint64, copy=False)) if keys is not None else np.empty(0, np.uint64)
        self._runs: list[np.ndarray] = []

    @classmethod
    def of_events(cls, con: duckdb.DuckDBPyConnection) -> "KnownMessages":
        """The keys of every event in ``events``."""
        reader = con.sql(f"SELECT hash(message_id) AS key FROM {EVENTS}").to_arrow_reader(READ_ROWS)
        parts = [batch.column(0).to_numpy() for batch in reader]
        return cls(np.concatenate(parts) if parts else None)

    def __len__(self) -> int:
        return len(self._base) + sum(len(r) for r in self._runs)

    def maybe_seen(self, keys: np.ndarray) -> np.ndarray:
        """A boolean array: True where the key was added before (a re-sent message, or a hash collision)."""
        keys = keys.astype(np.uint64, copy=False)
        found = _member(self._base, keys)
        for run in self._runs:
            found |= _member(run, keys)
        return found

    def add(self, keys: np.ndarray) -> None:
        if not len(keys):
            return
        self._runs.append(np.sort(keys.astype(np.uint64, copy=False)))
        if len(self._runs) > self.MERGE_RUNS:
            runs = np.sort(np.concatenate(self._runs), kind="stable")
            self._runs = []
            if len(runs) * 8 >= len(self._base):  # base and runs both sorted: the stable sort only merges them
                self._base = np.sort(np.concatenate([self._base, runs]), kind="stable")
            else:
                self._runs = [runs]

    def see(self, keys: np.ndarray) -> np.ndarray:
        """``maybe_seen(keys)`` as it was before this call, which adds them."""
        seen = self.maybe_seen(keys)
        self.add(keys)
        return seen
