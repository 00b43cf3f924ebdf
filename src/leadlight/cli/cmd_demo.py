"""``leadlight demo``: see the whole job on a synthetic company in under a minute."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leadlight.cli.options import JsonOpt
from leadlight.cli.output import RichSteps, run, stdout, u


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Start here")
    def demo(
        directory: Annotated[Path, typer.Option("--dir", help="Folder for the demo project (replaced on re-runs).")] = Path(
            "leadlight-demo"
        ),
        accounts: Annotated[int, typer.Option("--accounts", min=50, help="Size of the synthetic company.")] = 600,
        json_out: JsonOpt = False,
    ) -> None:
        """Generate a synthetic PLG company, then init, ingest, train, score, backtest and show the top accounts.

        Everything runs on an embedded DuckDB file in --dir. Afterwards, explore with
        `leadlight accounts -p leadlight-demo` or `leadlight explain ACCOUNT_ID -p leadlight-demo`.

        Example: `leadlight demo --dir /tmp/demo --accounts 300`
        """
        from leadlight.cli.cmd_accounts import render_accounts
        from leadlight.cli.cmd_backtest import render as render_backtest
        from leadlight.tasks.demo import run_demo

        def render(result: dict) -> None:
            render_backtest(result["steps"]["backtest"], for_reps=True)  # AUC and oracle: `leadlight backtest`
            render_accounts(result["top"], title="Talk to these accounts now")
            first = result["top"][0]["account_id"] if result["top"] else "ACCOUNT_ID"
            stdout.print(f"\nProject: [bold]{u(result['project'])}[/]. Next: `leadlight explain {u(first)} -p "
                         f"{u(result['project'])}`; the full report for RevOps: `leadlight backtest -p "
                         f"{u(result['project'])}`", highlight=False)

        def work() -> dict:
            result = run_demo(directory, accounts=accounts, progress=RichSteps(quiet=json_out))
            return result if not json_out else {"project": result["project"], "top": result["top"]}

        run(json_out, work, render)
