"""The console destination: what ``--dry-run`` uses. It sends nothing and says what would be sent."""

from __future__ import annotations

from typing import Callable, ClassVar

from leadlight.contract import Delivery
from leadlight.destinations.base import Sent


def describe(delivery: Delivery) -> str:
    a = delivery.account
    who = f" -> {delivery.rep}" if delivery.rep else ""
    team = f" [{delivery.team}]" if delivery.team else ""
    return f"{delivery.playbook}{team}{who}: {a.name or a.account_id} ({delivery.trigger}): {delivery.message.text}"


class Console:
    name: ClassVar[str] = "console"
    idempotent: ClassVar[bool] = True

    def __init__(self, write: Callable[[str], None] | None = None) -> None:
        self.lines: list[str] = []
        self._write = write

    def deliver(self, delivery: Delivery) -> Sent:
        line = describe(delivery)
        self.lines.append(line)
        if self._write is not None:
            self._write(line)
        return Sent(detail=line)

    def close(self) -> None:
        pass
