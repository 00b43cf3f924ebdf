"""``leadlight snapshots``: the score snapshots stored in the project (and deleting one)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from leadlight.cli.options import JsonOpt, ProjectOpt
from leadlight.cli.output import run, stdout
from leadlight.cli.words import as_of_words
from leadlight.storage import Project


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Scores")
    def snapshots(
        delete: Annotated[Optional[str], typer.Option(
            "--delete", metavar="AS_OF", help="Delete the snapshot stored as of this moment (as listed).",
            show_default=False)] = None,
        project: ProjectOpt = None,
        json_out: JsonOpt = False,
    ) -> None:
        """List the score snapshots `leadlight score` stored, newest first, or delete one.

        Example: `leadlight snapshots --delete 2026-10-31T00:00:00Z`
        """

        def render(result: dict) -> None:
            if result.get("deleted"):
                stdout.print(f"Deleted the snapshot as of {result['deleted']} ({result['accounts']:,} accounts).")
                return
            if not result["snapshots"]:
                stdout.print("No snapshots yet: run `leadlight score`.")
                return
            table = Table(title="Stored snapshots")
            for col in ("as of", "that is", "accounts", "PQAs", "definition"):
                table.add_column(col)
            for s in result["snapshots"]:
                table.add_row(s["as_of"], as_of_words(s["as_of"]), f"{s['accounts']:,}", f"{s['pqas']:,}",
                              s["definition_hash"][:12])
            stdout.print(table)

        from leadlight.tasks.snapshots import delete_snapshot, list_snapshots  # keeps `leadlight --help` fast
        run(json_out, lambda: delete_snapshot(Project.locate(project), delete) if delete
            else list_snapshots(Project.locate(project)), render)
