"""``leadlight generate``: a realistic synthetic PLG company to try Leadlight on."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from leadlight.cli.options import JsonOpt, date_option
from leadlight.cli.output import RichSteps, run, stdout, u


def register(app: typer.Typer) -> None:
    @app.command("generate", rich_help_panel="Data")
    def generate_cmd(
        out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the files to (created if needed).")],
        accounts: Annotated[int, typer.Option("--accounts", min=1, help="How many companies (accounts).")] = 1000,
        days: Annotated[int, typer.Option("--days", min=28, help="Length of the simulated period in days.")] = 365,
        seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives byte-identical files.")] = 42,
        end: Annotated[Optional[str], typer.Option("--end", metavar="DATE", help="Last simulated day (2026-10-31; 2026/10/31 and 20261031 too).", show_default="2026-10-31")] = None,
        json_out: JsonOpt = False,
    ) -> None:
        """Write a synthetic PLG company: events.ndjson.gz, accounts.csv, users.csv, opportunities.csv, truth.csv.

        truth.csv holds the generator's own probability that an account creates a won sales opportunity within 30 days of each month start: the oracle to compare models with.

        Example: `leadlight generate --out data --accounts 500 --days 180`
        """

        def work() -> dict:
            return generate(out, accounts=accounts, days=days, seed=seed, end=date_option(end, "--end"),
                            progress=RichSteps())

        def render(result: dict) -> None:
            stdout.print(
                f"Wrote {result['accounts']:,} accounts, {result['users']:,} users, {result['events']:,} events and "
                f"{result['opportunities']:,} opportunities to [bold]{u(result['out'])}[/].\n"
                f"Next: `leadlight ingest {u(result['out'])}/events.ndjson.gz --kind events`."
            )

        from leadlight.tasks.generate import generate  # imported here: keeps `leadlight --help` fast
        run(json_out, work, render)
