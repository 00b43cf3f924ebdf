"""Options every command shares."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

ProjectOpt = Annotated[
    Optional[Path],
    typer.Option(
        "--project",
        "-p",
        help="Project folder (holds leadlight.yml). Default: $LEADLIGHT_PROJECT, else the current folder.",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print exactly one JSON document on stdout (progress goes to stderr).")]
