"""CSV files: playbook actions appended to one file, and ``leadlight sync csv`` writing what changed.

Actions go to ``destinations.csv.path`` (one row per delivery key; a key
already in the file is not written again, so re-sends are harmless). A sync
writes ``<sync_dir>/accounts.csv`` and ``people.csv`` afresh with every record
(its report still says which were new, changed or unchanged since the last).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, ClassVar

from leadlight.config.destinations import DestinationsConfig
from leadlight.destinations.base import Delivery, Sent
from leadlight.destinations.records import ACCOUNT_FIELDS, PERSON_FIELDS, CrmRecord, Kind, RecordResult

ACTION_COLUMNS = ("key", "playbook", "trigger", "account_id", "name", "domain", "score", "probability", "quadrant",
                  "status", "owner", "team", "subject", "message", "account_url")
SYNC_COLUMNS = {"account": ("key", "name", "domain", *ACCOUNT_FIELDS),
                "person": ("key", "email", "title", "company", *PERSON_FIELDS)}
SYNC_FILES = {"account": "accounts.csv", "person": "people.csv"}


def resolve(root: Path, path: str) -> Path:
    chosen = Path(path).expanduser()
    return chosen if chosen.is_absolute() else root / chosen


class CsvDestination:
    """Appends actions to a CSV file; idempotent by delivery key."""

    name: ClassVar[str] = "csv"
    idempotent: ClassVar[bool] = True
    batch_size = 1000
    full_export = True  # a sync writes every record (the files are the current state), counting what changed

    def __init__(self, root: Path, config: DestinationsConfig) -> None:
        self.path = resolve(root, config.csv.path)
        self.sync_dir = resolve(root, config.csv.sync_dir)
        self.started: set[Kind] = set()

    def written_keys(self) -> set[str]:
        if not self.path.exists():
            return set()
        with self.path.open(newline="", encoding="utf-8") as f:
            return {row.get("key", "") for row in csv.DictReader(f)}

    def deliver(self, delivery: Delivery) -> Sent:
        if delivery.key in self.written_keys():
            return Sent(remote_id=delivery.key, detail=f"already in {self.path}")
        a = delivery.account
        row: dict[str, Any] = {
            "key": delivery.key, "playbook": delivery.playbook, "trigger": delivery.trigger,
            "account_id": a.account_id, "name": a.name, "domain": a.domain, "score": a.score,
            "probability": a.probability, "quadrant": a.quadrant, "status": a.status,
            "owner": delivery.owner or a.owner, "team": delivery.team, "subject": delivery.message.subject,
            "message": delivery.message.text, "account_url": delivery.account_url}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists()
        with self.path.open("a", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=ACTION_COLUMNS)
            if new:
                writer.writeheader()
            writer.writerow(row)
        return Sent(remote_id=delivery.key, detail=f"appended to {self.path}")

    def upsert(self, kind: Kind, records: list[CrmRecord], known: set[str]) -> list[RecordResult]:
        """Rows into this sync's file of ``kind`` (the first batch of a sync starts the file afresh)."""
        path = self.sync_dir / SYNC_FILES[kind]
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = kind not in self.started
        self.started.add(kind)
        with path.open("w" if fresh else "a", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=SYNC_COLUMNS[kind], extrasaction="ignore")
            if fresh:
                writer.writeheader()
            for r in records:
                writer.writerow({"key": r.key, **r.create_only, **r.fields})
        return [RecordResult(r.key, True, created=r.key not in known) for r in records]

    def close(self) -> None:
        pass
