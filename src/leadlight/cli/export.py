"""``--format``: the table on a terminal, CSV for spreadsheets, JSON for scripts."""

from __future__ import annotations

import csv
import json
import sys
from enum import Enum
from typing import Annotated, Any

import typer

from leadlight.errors import redact


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
