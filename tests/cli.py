"""Driving the real `leadlight` command line from tests."""

from __future__ import annotations

import gzip
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


def generated_project(root: Path, config: str | None, *, accounts: int, days: int, seed: int) -> tuple[Path, Path]:
    """Generate a company into ``root/data`` and load it into a project at ``root/project``.

    ``config`` is the project's leadlight.yml; None means the template `leadlight init` writes.
    Returns (data folder, project folder).
    """
    data, project = root / "data", root / "project"
    cli("generate", "--out", str(data), "--accounts", str(accounts), "--days", str(days), "--seed", str(seed))
    if config is None:
        cli("init", str(project))
    else:
        project.mkdir()
        (project / "leadlight.yml").write_text(config)
    for name, kind in INPUT_FILES:
        cli("ingest", str(data / name), "--kind", kind, "--project", str(project))
    return data, project


def write_company(root: Path, events: list, tables: dict[str, list[str]]) -> None:
    """Write ``events`` ((user id, event name, moment) triples) to ``root/events.ndjson.gz`` as Segment tracks in
    time order, and each of ``tables`` (file name -> CSV lines, header first) beside it."""
    with gzip.open(root / "events.ndjson.gz", "wt") as fh:
        for user, name, when in sorted(events, key=lambda e: e[2]):
            fh.write(json.dumps({"type": "track", "userId": user, "event": name,
                                 "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ")}) + "\n")
    for name, lines in tables.items():
        (root / name).write_text("\n".join(lines) + "\n")
