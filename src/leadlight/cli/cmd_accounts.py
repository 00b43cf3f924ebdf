"""``leadlight accounts``: accounts of the stored snapshot, by priority."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from leadlight.cli.options import JsonOpt, ProjectOpt, SnapshotOpt
from leadlight.cli.output import run, stdout
from leadlight.storage import Project

SHOWN = 20
LimitOpt = Annotated[Optional[int], typer.Option("--limit", "-n", help="Show at most N.", show_default=False)]


def reasons_text(reasons: list[dict], n: int = 3) -> str:
    return "\n".join(f"{'+' if r['contribution'] >= 0 else '-'} {r['text']}" for r in reasons[:n])


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Scores")
    def accounts(
        as_of: SnapshotOpt = None,
        quadrant: Annotated[Optional[str], typer.Option(
            "--quadrant", "-q", help="high_fit_high_intent, high_fit_low_intent, low_fit_high_intent or "
            "low_fit_low_intent.", show_default=False)] = None,
        limit: LimitOpt = None,
        project: ProjectOpt = None,
        json_out: JsonOpt = False,
    ) -> None:
        """Accounts by priority: quadrant (high fit and high intent first), then score.

        Reads the snapshot stored by `leadlight score` (the latest, or --as-of); never recomputes.
        """

        from leadlight.tasks.snapshots import list_accounts  # imported here: keeps `leadlight --help` fast
        run(json_out, lambda: list_accounts(Project.locate(project), as_of, quadrant, limit),
            lambda rows: render_accounts(rows, limit))


def render_accounts(rows: list[dict], limit: int | None = None, title: str = "Accounts by priority") -> None:
    if not rows:
        stdout.print("No accounts match.")
        return
    table = Table(title=title, show_lines=True)
    for col in ("account", "score", "prob.", "quadrant", "PQA", "champion", "why"):
        table.add_column(col, overflow="fold")
    for a in rows[: limit or SHOWN]:
        champ = a["champion"] or {}
        prob = "" if a["probability"] is None else f"{a['probability']:.0%}"
        table.add_row(
            f"{a['name'] or a['account_id']}\n[dim]{a['domain'] or a['account_id']}[/]", f"{a['score']:.0f}",
            prob, a["quadrant"].replace("_", " "), "yes" if a["pqa"] else "",
            f"{champ.get('email') or champ.get('user_id') or ''}\n[dim]{champ.get('title') or ''}[/]",
            reasons_text(a["reasons"]),
        )
    stdout.print(table)
    if limit is None and len(rows) > SHOWN:
        stdout.print(f"[dim]{len(rows) - SHOWN:,} more: use --limit N or --json[/]")
