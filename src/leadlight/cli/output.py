"""Printing results: one JSON document on stdout with ``--json``, Rich on the terminal otherwise.

Progress bars and logs always go to stderr, so ``--json`` output can be piped.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, Callable, Iterator

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, SpinnerColumn, TextColumn, TimeElapsedColumn

from leadlight.errors import LeadlightError

stdout = Console()
stderr = Console(stderr=True)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"cannot put {type(value).__name__} in JSON")


def plain(value: Any) -> Any:
    """Typed contract objects (pydantic) as the JSON-ready dicts renderers and ``--json`` print."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, default=_default, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


class RichSteps:
    """A ``leadlight.progress.Progress`` that draws bars on stderr (only on a terminal)."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet

    @contextmanager
    def step(self, description: str, total: float | None = None) -> Iterator[Any]:
        bar = RichProgress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=stderr,
            transient=True,
            disable=self.quiet or not stderr.is_terminal,
        )
        with bar:
            task_id = bar.add_task(description, total=total)

            class _Step:
                def advance(self, amount: float = 1) -> None:
                    bar.advance(task_id, amount)

            yield _Step()

    def log(self, message: str) -> None:
        if not self.quiet:
            stderr.print(message, highlight=False)


def run(json_out: bool, work: Callable[[], Any], render: Callable[[Any], None] | None = None) -> Any:
    """Run a task; print its result as JSON or through ``render``; map errors to exit codes."""
    try:
        result = work()
    except LeadlightError as err:
        if json_out:
            print_json(err.to_dict())
        # soft_wrap: never break a path or a key name across lines
        stderr.print(f"[bold red]error:[/] {err.message}", highlight=False, soft_wrap=True)
        if err.hint:
            stderr.print(f"  [dim]hint:[/] {err.hint}", highlight=False, soft_wrap=True)
        raise typer.Exit(err.exit_code) from None
    result = plain(result)
    if json_out:
        print_json(result)
    elif render is not None:
        render(result)
    else:
        print_json(result)
    return result
