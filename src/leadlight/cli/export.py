"""``--format``: the table on a terminal, CSV for spreadsheets, JSON for scripts."""

from __future__ import annotations

import csv
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Callable

import typer

from leadlight.cli.output import run
from leadlight.errors import redact
from leadlight.storage import Project


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


FormatOpt = Annotated[Format, typer.Option(
    "--format", "-f", help="table (on the terminal), csv (for a spreadsheet) or json (same as --json).")]


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects as dotted columns (``champion.email``); lists of reasons as one text column."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if key == "reasons" and isinstance(value, list):
            out[name] = "; ".join(f"{r['contribution']:+g} {r['text']}" for r in value)
        elif isinstance(value, dict) and key != "signals":
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = _cell(value)
    return out


def write_csv(rows: list[dict[str, Any]], drop: tuple[str, ...] = ("schema_version", "users", "history")) -> None:
    """Rows as CSV on stdout, one header line; every column any row has."""
    flat = [flatten({k: v for k, v in r.items() if k not in drop}) for r in rows]
    columns: list[str] = []
    for r in flat:
        columns += [c for c in r if c not in columns]
    writer = csv.DictWriter(sys.stdout, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in flat:
        writer.writerow({k: redact(v) if isinstance(v, str) else v for k, v in r.items()})
    sys.stdout.flush()


def run_listing(json_out: bool, output: Format, project: Path | None, as_of: str | None,
                read: Callable[[Project], list], show: Callable[[list[dict], dict], None]) -> None:
    """A stored list (accounts, leads) as JSON, CSV or a table; ``show`` gets the rows and the reading context
    (the snapshot's moment and thresholds, for the title and the "below the threshold" notes)."""
    from leadlight.tasks.snapshots import one_reader, reading_context  # imported here: keeps `--help` fast

    context: list[dict] = []

    def work() -> list:
        located = Project.locate(project)
        if json_out or output is not Format.table:
            return read(located)
        with one_reader(located):
            rows = read(located)
            context.append(reading_context(located, as_of))
        return rows

    def render(rows: list[dict]) -> None:
        if output is Format.csv:
            write_csv(rows)
        else:
            show(rows, context[0])

    run(json_out or output is Format.json, work, render)
