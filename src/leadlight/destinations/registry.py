"""Build a destination by name from leadlight.yml and the environment, or say why it cannot be built."""

from __future__ import annotations

from typing import Any

from leadlight.destinations.base import Destination
from leadlight.destinations.console import Console


def build(name: str, config: Any) -> Destination | str:
    """The destination, or the reason it is not configured (the outbox marks such actions ``skipped``)."""
    if name == "console":
        return Console()
    return f"destination {name!r} is not configured"
