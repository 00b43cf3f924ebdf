"""``leadlight accounts``: accounts of the stored snapshot, by priority."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from leadlight.cli.export import Format, FormatOpt, run_listing
from leadlight.cli.options import JsonOpt, ProjectOpt, SnapshotOpt
from leadlight.cli.output import stdout, u
from leadlight.cli.words import as_of_words, domain_words, number, reasons_text, words

SHOWN = 20
LimitOpt = Annotated[Optional[int], typer.Option("--limit", "-n", min=1, help="Show at most N.", show_default=False)]
QUADRANT_CHOICES = "high fit high intent, high fit low intent, low fit high intent, low fit low intent"
ORDER_NOTE = ("Order: accounts sales does not already work first, then quadrant, then expected value (once a model "
              "is trained: chance x predicted deal size), then score; ties go to the higher probability, then the "
              "higher intent score, then fit score.")


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Scores")
    def accounts(
        as_of: SnapshotOpt = None,
        quadrant: Annotated[Optional[str], typer.Option(
            "--quadrant", "-q", metavar="QUADRANT",
            help=f"Only this quadrant, written as the table prints it or with underscores: {QUADRANT_CHOICES}.",
            show_default=False)] = None,
        limit: LimitOpt = None,
        output: FormatOpt = Format.table,
        project: ProjectOpt = None,
        json_out: JsonOpt = False,
    ) -> None:
        """Accounts by priority: quadrant (high fit and high intent first), then score.

        Reads the snapshot stored by `leadlight score` (the latest, or --as-of); never recomputes.

        Example: `leadlight accounts -q "high fit high intent" -n 10`, or `leadlight accounts --format csv > accounts.csv`
        """
        from leadlight.tasks.snapshots import list_accounts  # imported here: keeps `leadlight --help` fast

        def show(rows: list[dict], context: dict) -> None:
            render_accounts(rows, limit, title=f"Accounts by priority, as of {as_of_words(context['as_of'])}",
                            threshold=context["pqa_threshold"])

        run_listing(json_out, output, project, as_of,
                    lambda at: list_accounts(at, as_of, quadrant, limit, documents=True), show)


def why_cell(a: dict, threshold: float | None) -> str:
    """Reasons for and against, then why it is not a PQA when its score is short of the threshold."""
    text = reasons_text(a["reasons"])
    if threshold is not None and not a["pqa"] and a["score"] is not None and a["score"] < threshold:
        text += ("\n" if text else "") + f"[dim]not a PQA: below the threshold {number(threshold)}[/]"
    return text


def render_accounts(rows: list[dict], limit: int | None = None, title: str = "Accounts by priority",
                    threshold: float | None = None, show_probability: bool = True) -> None:
    if not rows:
        stdout.print(f"{u(title)}: no accounts match.")
        return
    from rich.table import Table  # only a table on the terminal needs it (not --json, not csv)

    table = Table(title=u(title), show_lines=True)
    shown_prob = show_probability and any(a["probability"] is not None for a in rows)
    for col in ("#", "account", "score", *(("chance",) if shown_prob else ()), "quadrant", "PQA", "champion", "why"):
        table.add_column(col, overflow="fold", justify="right" if col in ("#", "score", "chance") else "left")
    for i, a in enumerate(rows[: limit or SHOWN], start=1):
        champ = a["champion"] or {}
        prob = () if not shown_prob else ("" if a["probability"] is None else f"{a['probability']:.0%}",)
        table.add_row(
            str(i),
            f"{u(a['name'] or a['account_id'])}\n[dim]{u(domain_words(a['domain']))}\nid: {u(a['account_id'])}[/]",
            number(a["score"], 0), *prob, words(a["quadrant"]), "yes" if a["pqa"] else "",
            f"{u(champ.get('email') or champ.get('user_id') or '')}\n[dim]{u(champ.get('title') or '')}[/]",
            why_cell(a, threshold),
        )
    stdout.print(table)
    stdout.print(f"[dim]{ORDER_NOTE}[/]")
    if limit is None and len(rows) > SHOWN:
        stdout.print(f"[dim]{len(rows) - SHOWN:,} more: use --limit N, --format csv or --json[/]")
