"""Printing results: one JSON document on stdout with ``--json``, Rich on the terminal otherwise.

Progress bars and logs always go to stderr, so ``--json`` output can be piped.
Every string that came from the user's data or config goes through :func:`u`
(Rich markup escaped, secrets redacted) before it reaches Rich; error messages
are printed as plain text. Every failure, expected or not, ends the same way
(:func:`run`): ``error: ...`` and ``hint: ...`` on stderr, one JSON error
document on stdout under ``--json``, exit 1 (2 for bad usage or config).
"""

from __future__ import annotations

import json
import os
import sys
import time
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Callable, Iterator

import typer

from leadlight.errors import LeadlightError, from_unexpected, redact

if TYPE_CHECKING:
    from rich.console import Console

# Piped output is not wrapped at 80 columns (nor at a COLUMNS=80 some environments export): a pipe or a file
# gets tables 200 wide and lines as long as they are; LEADLIGHT_WIDTH sets another width.
_WIDTH = int(os.environ.get("LEADLIGHT_WIDTH", 0) or 0) or (None if sys.stdout.isatty() else 200)


class _Console:
    """A Rich console made on first use: ``--json`` output and reading a list never import Rich."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.rich, name)

    @property
    def rich(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console


stdout = _Console(width=_WIDTH, soft_wrap=_WIDTH is not None)
stderr = _Console(stderr=True)
SLOW_STEP_SECONDS = 2.0


def u(value: Any) -> str:
    """A user's string (a name, a path, an event) made safe for Rich: markup escaped, secrets redacted."""
    from rich.markup import escape

    return escape(redact("" if value is None else str(value)) or "")


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
    """A ``leadlight.progress.Progress`` for the terminal: a bar on stderr, and a line for every slow step.

    On a terminal a live bar shows each step; when stderr is not a terminal (a log, CI) a step that took
    longer than two seconds still leaves one line (``scoring accounts: 3.4 s``).
    """

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet

    @contextmanager
    def step(self, description: str, total: float | None = None) -> Iterator[Any]:
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress as RichProgress, SpinnerColumn,
                                   TextColumn, TimeElapsedColumn)

        live = not self.quiet and stderr.is_terminal
        bar = RichProgress(
            SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=stderr.rich, transient=True, disable=not live,
        )
        started = time.monotonic()
        with bar:
            task_id = bar.add_task(redact(description) or "", total=total)

            class _Step:
                def advance(self, amount: float = 1) -> None:
                    bar.advance(task_id, amount)

            yield _Step()
        took = time.monotonic() - started
        if not self.quiet and took > SLOW_STEP_SECONDS:
            stderr.print(rich_text((f"{redact(description)}: {took:.1f} s", "dim")), soft_wrap=True)

    def log(self, message: str) -> None:
        if not self.quiet:
            stderr.print(rich_text(redact(message) or ""), soft_wrap=True)


def rich_text(*parts: str | tuple[str, str]) -> Any:
    """Rich text that is never read as markup (a message may quote ``[brackets]``): ``(text, style)`` parts."""
    from rich.text import Text

    return Text.assemble(*parts)


def say_error(err: LeadlightError) -> None:
    """``error: ...`` and ``hint: ...`` on stderr, as plain text (a message may quote ``[brackets]``)."""
    # soft_wrap: never break a path or a key name across lines
    stderr.print(rich_text(("error: ", "bold red"), err.message), soft_wrap=True)
    if err.hint:
        stderr.print(rich_text(("  hint: ", "dim"), err.hint), soft_wrap=True)


def warn(message: str) -> None:
    """A warning on stderr (never on stdout: ``--json`` output stays one document)."""
    stderr.print(rich_text(("warning: ", "bold yellow"), redact(message) or ""), soft_wrap=True)


def run(json_out: bool, work: Callable[[], Any], render: Callable[[Any], None] | None = None) -> Any:
    """Run a task; print its result as JSON or through ``render``; map every error to one message and exit code."""
    try:
        result = plain(work())
        if json_out or render is None:
            print_json(result)
        else:
            render(result)
        return result
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except BaseException as raised:  # noqa: BLE001 - every failure gets the same shape; see cli.unexpected
        err = from_unexpected(raised)
        if os.environ.get("LEADLIGHT_DEBUG") and not isinstance(raised, LeadlightError):
            import traceback

            traceback.print_exception(raised, file=sys.stderr)
        if json_out:
            print_json(err.to_dict())
        say_error(err)
        raise typer.Exit(err.exit_code) from None
