"""``leadlight schema``: the JSON Schema of leadlight.yml, for editors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from leadlight.cli.output import stderr


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Project")
    def schema(
        out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write to this file instead of stdout.")] = None,
    ) -> None:
        """Print the JSON Schema of leadlight.yml.

        Point your editor at it for completion and checks, e.g. in VS Code's YAML
        extension: `# yaml-language-server: $schema=leadlight.schema.json` at the top of
        leadlight.yml after `leadlight schema -o leadlight.schema.json`.

        Example: `leadlight schema -o leadlight.schema.json`
        """
        from leadlight.config.project import ProjectConfig  # imported here: keeps `leadlight --help` fast

        text = json.dumps(ProjectConfig.model_json_schema(), indent=2)
        if out is None:
            typer.echo(text)
        else:
            out.write_text(text + "\n", encoding="utf-8")
            stderr.print(f"wrote {out}")
