"""Which messages are already loaded: a filter that answers "new" for sure, or "maybe seen".

Checking each batch's ``message_id`` against the whole ``events`` table costs a
scan of that table per batch: tens of seconds for a 10M-event file. Instead a
Bloom filter over the 64-bit ``hash(message_id)`` of every event loaded (built
once per run, then fed each batch) splits a batch in two:

- rows the filter has never seen (almost all of them) are new for sure and are
  inserted at once;
- the rest (true duplicates, rows repeating a key earlier in the same batch,
  and the rare false positive) are set aside in ``Pending`` and decided exactly,
  by ``message_id``, in one set-based query at the end of the file.

The filter only ever errs towards "maybe seen", so nothing is lost or loaded
twice; a filter that is too small only sets more rows aside.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from leadlight.storage.schema import EVENTS

BITS_PER_KEY = 12
HASHES = 3
MIN_BITS = 1 << 20
MAX_BITS = 1 << 33  # 1 GiB of filter: past this, rows are set aside more often instead
READ_ROWS = 1 << 20


class SeenMessages:
    """A blocked Bloom filter of ``hash(message_id)`` values (DuckDB's 64-bit hash).

    Each key sets ``HASHES`` bits of one 64-bit word, so a lookup costs one
    memory access.
    """

    def __init__(self, capacity: int) -> None:
        words = MIN_BITS // 64
        while words * 64 < capacity * BITS_PER_KEY and words * 64 < MAX_BITS:
            words <<= 1
        self._words = np.zeros(words, dtype=np.uint64)
        self._index_mask = np.uint64(words - 1)

    @classmethod
    def of_events(cls, con: duckdb.DuckDBPyConnection, expected_new: int) -> "SeenMessages":
        """A filter holding every event in ``events``, sized for ``expected_new`` more."""
        ((existing,),) = con.execute(f"SELECT count(*) FROM {EVENTS}").fetchall()
        seen = cls(existing + expected_new)
        if existing:
            reader = con.sql(f"SELECT hash(message_id) AS key FROM {EVENTS}").to_arrow_reader(READ_ROWS)
            for batch in reader:
                seen.add(batch.column(0).to_numpy())
        return seen

    def _place(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keys = keys.astype(np.uint64, copy=False)
        word = keys & self._index_mask
        bits = np.zeros(len(keys), dtype=np.uint64)
        high = keys >> np.uint64(32)
        for i in range(HASHES):
            bits |= np.uint64(1) << ((high >> np.uint64(6 * i)) & np.uint64(63))
        return word, bits

    def maybe_seen(self, keys: np.ndarray) -> np.ndarray:
        """A boolean array: False where the key was certainly never added."""
        word, bits = self._place(keys)
        return (self._words[word] & bits) == bits

    def add(self, keys: np.ndarray) -> None:
        self._set(*self._place(keys))

    def see(self, keys: np.ndarray) -> np.ndarray:
        """``maybe_seen(keys)`` as it was before this call, which adds them."""
        word, bits = self._place(keys)
        seen = (self._words[word] & bits) == bits
        self._set(word, bits)
        return seen

    def _set(self, word: np.ndarray, bits: np.ndarray) -> None:
        # Fancy assignment keeps only one of several keys landing on the same word
        # (np.bitwise_or.at would not, but is 20x slower): repeat for those few.
        while len(word):
            self._words[word] |= bits
            missing = (self._words[word] & bits) != bits
            word, bits = word[missing], bits[missing]


def first_new(keys: pa.ChunkedArray | pa.Array, seen: SeenMessages) -> np.ndarray:
    """Mask of the rows that are new for sure: their key is unseen and appears once in the batch.

    The batch's keys are added to ``seen``.

    Every other row may repeat an earlier message and must be decided exactly
    (the first line of a message wins, so all lines of a repeated key wait).
    """
    keys = keys.to_numpy()
    new = ~seen.see(keys)
    ordered = np.sort(keys)
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    if len(repeated):
        new &= ~np.isin(keys, repeated)
    return new


class Pending:
    """Rows set aside until the end of the file, spilled to a Parquet file so memory stays flat."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0
        self._writer: pq.ParquetWriter | None = None

    def add(self, rows: pa.Table) -> None:
        if rows.num_rows == 0:
            return
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(self.path, rows.schema, compression="lz4")
        self._writer.write_table(rows.cast(self._writer.schema))
        self.rows += rows.num_rows

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def discard(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)
