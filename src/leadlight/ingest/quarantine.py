"""Bad records, kept verbatim so nothing a user sent is silently lost.

For each input file with rejected records, one run writes into
``.leadlight/quarantine/``:

- ``<kind>-<run stamp>-<file name>.rejected``: the rejected records exactly as
  read (NDJSON and CSV: the original line; Parquet: the row as JSON);
- ``<kind>-<run stamp>-<file name>.errors.jsonl``: one ``{"file", "line",
  "field", "message"}`` per rejected record, in the same order.

Both are written before the file's transaction commits. A rerun of a file
(after a crash, say) replaces that file's earlier quarantine instead of adding
a second copy, so rejected records are never counted twice.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Iterable

from leadlight.ingest.validation import Reject

REJECTED_SUFFIX = ".rejected"
ERRORS_SUFFIX = ".errors.jsonl"


class Quarantine:
    """The quarantine files of one input file in one run; opened on the first reject."""

    def __init__(self, folder: Path, kind: str, run_stamp: str, source: Path) -> None:
        self.folder = folder
        self.source = source
        stem = f"{kind}-{run_stamp}-{source.name}"
        self.rejected_path = folder / (stem + REJECTED_SUFFIX)
        self.errors_path = folder / (stem + ERRORS_SUFFIX)
        self.count = 0
        self._kind = kind
        self._rejected: IO[str] | None = None
        self._errors: IO[str] | None = None

    def add(self, rows: Iterable[tuple[str, Reject]]) -> None:
        """Write ``(verbatim record, reject)`` pairs."""
        for raw, reject in rows:
            if self._rejected is None:
                self._open()
            assert self._rejected is not None and self._errors is not None
            self._rejected.write(raw if raw.endswith("\n") else raw + "\n")
            self._errors.write(json.dumps(reject.to_dict(), ensure_ascii=False) + "\n")
            self.count += 1

    def _open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._forget_earlier_runs()
        # newline="" keeps a record's own "\r" as read instead of translating line ends.
        self._rejected = open(self.rejected_path, "w", encoding="utf-8", newline="")
        self._errors = open(self.errors_path, "w", encoding="utf-8", newline="")

    def _forget_earlier_runs(self) -> None:
        """Remove quarantine written for this same source file by an earlier, unfinished run."""
        for errors in self.folder.glob(f"{self._kind}-*-{self.source.name}{ERRORS_SUFFIX}"):
            if errors == self.errors_path:
                continue
            # An empty sidecar is what a run killed before its first flush leaves.
            if errors.stat().st_size and _source_of(errors) != str(self.source):
                continue
            errors.unlink(missing_ok=True)
            Path(str(errors)[: -len(ERRORS_SUFFIX)] + REJECTED_SUFFIX).unlink(missing_ok=True)

    def close(self) -> None:
        """Flush to disk; called before the file's transaction commits."""
        if self._rejected is None and self.count == 0 and self.folder.is_dir():
            self._forget_earlier_runs()
        for handle in (self._rejected, self._errors):
            if handle is not None:
                handle.flush()
                handle.close()
        self._rejected = self._errors = None

    def discard(self) -> None:
        """Drop what this run wrote (the file's load failed and was rolled back)."""
        self.close()
        if self.count:
            self.rejected_path.unlink(missing_ok=True)
            self.errors_path.unlink(missing_ok=True)
        self.count = 0


def _source_of(errors_file: Path) -> str | None:
    try:
        with open(errors_file, encoding="utf-8") as f:
            first = f.readline()
        return json.loads(first).get("file") if first.strip() else None
    except (OSError, ValueError):
        return None
