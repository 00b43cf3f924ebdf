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
        metavar="DATE",
        help="Read the snapshot `leadlight score` stored as of this moment: a day (2026-03-31 means the end of that "
        "day, UTC) or an ISO timestamp, as `leadlight snapshots` lists them. Default: the latest.",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print exactly one JSON document on stdout (progress goes to stderr).")]


def date_option(text: str | None, option: str) -> date | None:
    """A day option (``--end`` of generate), in any spelling the date grammar accepts, or a usage error."""
    if text is None:
        return None
    from leadlight.timeutil import parse_day

    try:
        day = parse_day(text)
    except ValueError as err:
        raise UsageError(f"{option}: {err}", hint=f"write a day, e.g. {option} 2026-10-31") from None
    if day is None:
        raise UsageError(f"{option} {text!r} is not a day", hint=f"write a day, e.g. {option} 2026-10-31") from None
    return day


def range_option(text: str | None, option: str) -> date | None:
    """``--from`` / ``--to`` as the day bound a task takes, read with the one date grammar.

    A bare day covers the whole day: ``--from D`` starts at the beginning of D, ``--to D`` ends at the end of D
    (the midnight after it, the same moment ``--as-of D`` names)."""
    if text is None:
        return None
    from leadlight.timeutil import parse_moment

    try:
        moment = parse_moment(text, day_means="start" if option == "--from" else "end")
    except ValueError as err:
        raise UsageError(f"{option}: {err}", hint=f"e.g. {option} 2026-03-31") from None
    return moment.date()
