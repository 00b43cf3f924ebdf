"""``leadlight leads``: people by priority."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from leadlight.cli.cmd_accounts import SHOWN, LimitOpt, reasons_text
from leadlight.cli.options import JsonOpt, ProjectOpt, SnapshotOpt
from leadlight.cli.output import run, stdout
from leadlight.storage import Project


def lead_table(rows: list[dict], title: str, limit: int | None = None) -> Table:
    table = Table(title=title, show_lines=True)
    for col in ("person", "account", "score", "PQL", "why / why not"):
        table.add_column(col, overflow="fold")
    for u in rows[: limit or SHOWN]:
        why = reasons_text(u["reasons"])
        if u["disqualifiers"]:
            why = f"[red]not a PQL: {', '.join(u['disqualifiers'])}[/]" + (f"\n{why}" if why else "")
        link = u["link"]["method"] or "unlinked"
        table.add_row(
            f"{u['email'] or u['user_id']}\n[dim]{u['title'] or ''}[/]",
            f"{u['account_id'] or ''}\n[dim]via {link}[/]", f"{u['score']:.0f}", "yes" if u["pql"] else "", why,
        )
    return table


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Scores")
    def leads(
        account: Annotated[Optional[str], typer.Option("--account", "-a", help="Only this account's people.",
                                                       show_default=False)] = None,
        limit: LimitOpt = None,
        as_of: SnapshotOpt = None,
        project: ProjectOpt = None,
        json_out: JsonOpt = False,
    ) -> None:
        """People by priority (PQLs first, then score), with why and how they joined their account."""

        def render(rows: list[dict]) -> None:
            if not rows:
                stdout.print("No people scored.")
                return
            stdout.print(lead_table(rows, "Leads by priority", limit))
            if limit is None and len(rows) > SHOWN:
                stdout.print(f"[dim]{len(rows) - SHOWN:,} more: use --limit N or --json[/]")

        from leadlight.tasks.snapshots import list_leads  # imported here: keeps `leadlight --help` fast
        run(json_out, lambda: list_leads(Project.locate(project), account, limit, as_of), render)
