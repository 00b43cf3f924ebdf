"""What a destination is: something that delivers one action, with the same key on every retry.

The outbox (``leadlight.playbooks.outbox``) hands a destination one ``Delivery``
at a time and records the result. A destination either returns ``Sent`` or
raises ``DeliveryFailed``: ``retryable`` failures (429, 5xx, timeouts) are tried
again later, honouring ``retry_after``; the others park the item with its
error. ``idempotent`` says whether the receiver dedupes on ``Delivery.key``
(a webhook-id, an idempotency header, an upsert by external id), so a re-send
after a crash is harmless; Slack's incoming webhooks are not.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict

from leadlight.contract import Delivery, Message  # noqa: F401  (the payload shapes are part of the contract)
from leadlight.errors import NotReady


class Sent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    remote_id: str | None = None
    detail: str | None = None


class DeliveryFailed(Exception):
    """A delivery that did not go through; ``retryable`` ones are tried again after ``retry_after`` seconds."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after
        self.status = status


class NotConfigured(NotReady):
    """A destination whose settings are missing; the outbox marks its actions ``skipped`` with this reason."""

    def __init__(self, destination: str, missing: list[str]) -> None:
        self.destination = destination
        self.missing = missing
        super().__init__(f"{destination} is not configured: set {' and '.join(missing)}",
                         hint=f"export {missing[0]}=... (see `destinations:` in the README)")

    @property
    def reason(self) -> str:
        return f"not configured: set {' and '.join(self.missing)}"


class Destination(Protocol):
    name: ClassVar[str]
    idempotent: ClassVar[bool]

    def deliver(self, delivery: Delivery) -> Sent: ...

    def close(self) -> None: ...
