"""``leadlight leads``: people by priority."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from leadlight.cli.cmd_accounts import SHOWN, LimitOpt
from leadlight.cli.export import Format, FormatOpt, run_listing
from leadlight.cli.options import JsonOpt, ProjectOpt, SnapshotOpt
from leadlight.cli.output import stdout, u
from leadlight.cli.words import as_of_words, number, reasons_text, words

if TYPE_CHECKING:
    from rich.table import Table


def lead_table(rows: list[dict], title: str, limit: int | None = None, threshold: float | None = None) -> Table:
    from rich.table import Table  # only a table on the terminal needs it (not --json, not csv)

    table = Table(title=u(title), show_lines=True)
    for col in ("person", "account", "score", "PQL", "why / why not"):
        table.add_column(col, overflow="fold", justify="right" if col == "score" else "left")
    for p in rows[: limit or SHOWN]:
        why = reasons_text(p["reasons"])
        if p["disqualifiers"]:
            why = f"[red]not a PQL: {u(', '.join(words(d) for d in p['disqualifiers']))}[/]" + (f"\n{why}" if why else "")
        elif not p["pql"] and threshold is not None and (p["score"] or 0) < threshold:
            why = (why + "\n" if why else "") + f"[dim]below the threshold {number(threshold)}[/]"
        link = words(p["link"]["method"]) or "not linked to an account"
        account = p.get("account_name") or p["account_id"] or ""
        table.add_row(
            f"{u(p['email'] or p['user_id'])}\n[dim]{u(p['title'] or '')}[/]",
            f"{u(account)}\n[dim]{'id: ' + u(p['account_id']) + ', ' if p['account_id'] else ''}via {u(link)}[/]",
            number(p["score"], 0), "yes" if p["pql"] else "", why,
        )
    return table


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Scores")
    def leads(
        account: Annotated[Optional[str], typer.Option("--account", "-a", metavar="ACCOUNT_ID",
                                                       help="Only this account's people.", show_default=False)] = None,
        limit: LimitOpt = None,
        as_of: SnapshotOpt = None,
        output: FormatOpt = Format.table,
        project: ProjectOpt = None,
        json_out: JsonOpt = False,
    ) -> None:
        """People by priority (PQLs first, then score), with why and how they joined their account.

        Example: `leadlight leads -a acc_000050`, or `leadlight leads --format csv > leads.csv`
        """
        from leadlight.tasks.snapshots import list_leads  # imported here: keeps `leadlight --help` fast

        def show(rows: list[dict], context: dict) -> None:
            title = f"Leads by priority, as of {as_of_words(context['as_of'])}"
            if not rows:
                stdout.print(f"{title}: no people scored.")
                return
            stdout.print(lead_table(rows, title, limit, context["pql_threshold"]))
            if limit is None and len(rows) > SHOWN:
                stdout.print(f"[dim]{len(rows) - SHOWN:,} more: use --limit N, --format csv or --json[/]")

        run_listing(json_out, output, project, as_of,
                    lambda at: list_leads(at, account, limit, as_of, documents=True), show)
