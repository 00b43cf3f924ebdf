"""``leadlight ingest``: load events, accounts, users or opportunities."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from leadlight.cli.options import JsonOpt, ProjectOpt
from leadlight.cli.output import RichSteps, run, stdout, u
from leadlight.storage import Project


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Data")
    def ingest(
        paths: Annotated[list[str], typer.Argument(
            metavar="PATH", help="Files, folders or globs to load (quote globs: 'exports/*.csv').", show_default=False)],
        kind: Annotated[str, typer.Option(
            "--kind", "-k", metavar="events|accounts|users|opportunities",
            help="What the files hold: events (Segment messages or event rows), accounts, users or opportunities "
            "(CRM outcomes).", show_default=False)],
        project: ProjectOpt = None,
        json_out: JsonOpt = False,
    ) -> None:
        """Validate and load input files; bad records are quarantined, good ones still load.

        Events: Segment NDJSON (.ndjson/.jsonl/.json, optionally .gz), or CSV/Parquet with
        user_id, event, timestamp. Accounts, users, opportunities: CSV or Parquet.
        Loading the same file twice loads nothing new.

        Example: `leadlight ingest exports/events.ndjson.gz --kind events`, then accounts.csv --kind accounts
        """

        def work() -> dict:
            return ingest_task(Project.locate(project), paths, kind, progress=RichSteps(quiet=json_out))

        def render(r: dict) -> None:
            kept = f"{r['updated']:,} updated, {r['unchanged']:,} unchanged, " if r["kind"] != "events" else ""
            stdout.print(
                f"{r['kind']}: {r['files']} file(s), {r['read']:,} read, [bold]{r['loaded']:,} loaded[/], "
                f"{kept}{r['duplicates']:,} duplicates, {r['rejected']:,} rejected"
            )
            for note in r["notes"]:
                stdout.print(f"  {escape(note)}", highlight=False, soft_wrap=True)
            for warning in r["warnings"]:
                stdout.print(f"  [yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
            for e in r["errors"][:10]:
                field = f" {u(e['field'])}:" if e["field"] else ""  # user text: never read as Rich markup
                stdout.print(f"  {u(e['file'])}:{e['line']}{field} {u(e['message'])}", highlight=False, soft_wrap=True)
            if r["quarantine"]:
                stdout.print(f"Rejected records are in {u(r['quarantine'])}", highlight=False, soft_wrap=True)

        from leadlight.tasks.ingest import ingest as ingest_task  # imported here: keeps `leadlight --help` fast
        run(json_out, work, render)
