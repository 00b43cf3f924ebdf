"""``leadlight init``: start a project."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from leadlight.cli.options import JsonOpt, ProjectOpt
from leadlight.cli.output import run, stdout, u


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Project")
    def init(
        directory: Annotated[Optional[Path], typer.Argument(metavar="DIR", 
            help="Folder for the project (created if needed). Default: --project, $LEADLIGHT_PROJECT, else the current folder.",
            show_default=False)] = None,
        force: Annotated[bool, typer.Option("--force", help="Replace an existing leadlight.yml.")] = False,
        project: ProjectOpt = None,
        json_out: JsonOpt = False,
    ) -> None:
        """Write a commented leadlight.yml whose signals and scoring work on generated data.

        Then load data with `leadlight ingest`, and run `leadlight score`.

        Example: `leadlight init my-product && cd my-product`
        """

        def render(result: dict) -> None:
            stdout.print(f"Created [bold]{u(result['project'])}/leadlight.yml[/]. Next: "
                         "`leadlight ingest events.ndjson.gz --kind events`.")

        from leadlight.tasks.init import init_project  # imported here: keeps `leadlight --help` fast

        target = directory or project or Path(os.environ.get("LEADLIGHT_PROJECT") or ".")
        run(json_out, lambda: init_project(target, force=force), render)
