"""How long-running work reports progress without knowing who is watching.

Tasks take a ``Progress``; the CLI passes one that draws Rich bars on stderr,
the web app and tests pass ``SILENT``.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator, Protocol


class Step(Protocol):
    def advance(self, amount: float = 1) -> None: ...


class Progress(Protocol):
    def step(self, description: str, total: float | None = None) -> "contextmanager[Step]": ...

    def log(self, message: str) -> None: ...


class _NoStep:
    def advance(self, amount: float = 1) -> None:
        pass


class Silent:
    @contextmanager
    def step(self, description: str, total: float | None = None) -> Iterator[Step]:
        yield _NoStep()

    def log(self, message: str) -> None:
        pass


SILENT = Silent()


class StepTimes(Silent):
    """Silent, but keeps how long each step took until ``take`` (``serve`` logs where a run's time went)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def step(self, description: str, total: float | None = None) -> Iterator[Step]:
        began = time.perf_counter()
        try:
            yield _NoStep()
        finally:
            self.seconds[description] = self.seconds.get(description, 0.0) + time.perf_counter() - began

    def take(self) -> str:
        """``"step 1.20 s, other step 0.30 s"`` for the steps since the last call."""
        taken, self.seconds = self.seconds, {}
        return ", ".join(f"{name} {s:.2f} s" for name, s in taken.items())
