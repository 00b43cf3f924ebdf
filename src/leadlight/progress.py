"""How long-running work reports progress without knowing who is watching.

Tasks take a ``Progress``; the CLI passes one that draws Rich bars on stderr,
the web app and tests pass ``SILENT``.
"""

from __future__ import annotations

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
