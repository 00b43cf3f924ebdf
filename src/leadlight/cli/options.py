"""Options every command shares."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from leadlight.errors import UsageError

ProjectOpt = Annotated[
    Optional[Path],
    typer.Option(
        "--project",
        "-p",
        help="Project folder (holds leadlight.yml). Default: $LEADLIGHT_PROJECT, else the current folder.",
        show_default=False,
    ),
]
SnapshotOpt = Annotated[
    Optional[str],
    typer.Option(
        "--as-of",
        help="Read the snapshot `leadlight score` stored as of this date (end of that day, UTC) or ISO timestamp. "
        "Default: the latest.",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print exactly one JSON document on stdout (progress goes to stderr).")]


def date_option(text: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option, or a usage error that names the option."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date", hint=f"write YYYY-MM-DD, e.g. {option} 2026-10-31") from None
