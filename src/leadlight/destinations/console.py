"""The console: what ``--dry-run`` sends to. It shows what would go out and sends nothing."""

from __future__ import annotations

import sys
from typing import ClassVar, TextIO

from leadlight.destinations.base import Delivery, Sent
from leadlight.destinations.records import CrmRecord, Kind, RecordResult
from leadlight.destinations.slack import blocks_for, render_text


def preview(delivery: Delivery, destination: str) -> str:
    """A delivery in words, as a rep would read it (the Slack message's plain-text form)."""
    head = f"--- would send to {destination}: playbook {delivery.playbook}, account {delivery.account.account_id}"
    people = [p.email for p in delivery.people if p.email]
    return "\n".join([head, render_text(blocks_for(delivery)), *(["people: " + ", ".join(people)] if people else [])])


class ConsoleDestination:
    """Writes previews to a stream (stderr by default) and keeps them in ``shown``."""

    name: ClassVar[str] = "console"
    idempotent: ClassVar[bool] = True
    batch_size = 1000

    def __init__(self, instead_of: str = "console", stream: TextIO | None = None, limit: int = 20) -> None:
        self.instead_of = instead_of
        self.stream = stream if stream is not None else sys.stderr
        self.limit = limit  # a sync can hold thousands of records: show the first few, count the rest
        self.shown: list[str] = []
        self.records = 0

    def deliver(self, delivery: Delivery) -> Sent:
        text = preview(delivery, self.instead_of)
        self.shown.append(text)
        print(text, file=self.stream)
        return Sent(detail=text)

    def upsert(self, kind: Kind, records: list[CrmRecord], known: set[str]) -> list[RecordResult]:
        for record in records:
            self.records += 1
            if self.records <= self.limit:
                verb = "update" if record.key in known else "create"
                line = f"would {verb} {kind} {record.key} in {self.instead_of}: {record.fields}"
                self.shown.append(line)
                print(line, file=self.stream)
        return [RecordResult(r.key, True, created=r.key not in known) for r in records]

    def close(self) -> None:
        if self.records > self.limit:
            print(f"... and {self.records - self.limit} more", file=self.stream)
