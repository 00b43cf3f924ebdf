"""The generated files, appended chunk by chunk so memory stays bounded.

Output is byte-identical for a seed: the gzip header carries no file name or time.
CSV timestamps are naive UTC ``YYYY-MM-DD HH:MM:SS``, booleans ``true``/``false``,
blanks are empty fields.
"""

from __future__ import annotations

import csv
import gzip
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

EVENTS_FILE = "events.ndjson.gz"
# What `leadlight ingest --kind` each generated file is, in a good loading order (truth.csv is not an input).
INPUT_FILES = (("accounts.csv", "accounts"), ("users.csv", "users"), (EVENTS_FILE, "events"),
               ("opportunities.csv", "opportunities"))
COLUMNS = {
    "accounts.csv": ("account_id", "domain", "name", "employees", "industry", "country", "plan", "funding_stage", "tech_stack"),
    "users.csv": ("user_id", "email", "title", "account_id", "created_at", "email_confirmed"),
    "opportunities.csv": ("opportunity_id", "account_id", "domain", "created_at", "closed_at", "stage", "amount", "source"),
    "truth.csv": ("account_id", "as_of", "p_convert"),
}


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return str(value)


class CompanyFiles:
    """Open handles on the five output files; use as a context manager."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self._raw = open(out_dir / EVENTS_FILE, "wb")
        self._events = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, compresslevel=1, mtime=0)
        self._csv_files = {name: open(out_dir / name, "w", newline="", encoding="utf-8") for name in COLUMNS}
        self._csv = {name: csv.writer(f, lineterminator="\n") for name, f in self._csv_files.items()}
        for name, columns in COLUMNS.items():
            self._csv[name].writerow(columns)

    def events(self, ndjson: bytes) -> None:
        self._events.write(ndjson)

    def rows(self, name: str, rows: Iterable[Iterable[Any]]) -> None:
        self._csv[name].writerows([cell(v) for v in row] for row in rows)

    def close(self) -> None:
        self._events.close()
        self._raw.close()
        for f in self._csv_files.values():
            f.close()

    def __enter__(self) -> "CompanyFiles":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
