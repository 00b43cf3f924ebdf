"""Driving the real `leadlight` command line from tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from leadlight.cli.app import app
from leadlight.demo import INPUT_FILES

runner = CliRunner()


def cli(*args: str, code: int = 0) -> Any:
    """Run `leadlight ARGS --json`, check the exit code, return the JSON it printed."""
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def ingest_generated(data: Path, project: Path) -> None:
    """Load every file `leadlight generate` wrote in ``data`` into ``project``."""
    for name, kind in INPUT_FILES:
        cli("ingest", str(data / name), "--kind", kind, "--project", str(project))
