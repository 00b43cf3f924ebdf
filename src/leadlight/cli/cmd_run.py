"""``leadlight run``: fire the playbooks' actions for what changed since the last run."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from leadlight.cli.options import JsonOpt, ProjectOpt
from leadlight.cli.output import RichSteps, print_json, run as run_task, stdout
from leadlight.storage import Project

COLORS = {"sent": "green", "dry_run": "cyan", "skipped": "yellow", "retrying": "yellow", "parked": "red"}


def render_actions(result: dict, title: str | None = None) -> None:
    moment = f"as of {result['as_of']}" + (" (dry run: nothing sent, nothing stored)" if result["dry_run"] else "")
    title = title or f"Actions {moment}"
    if not result["actions"]:
        stdout.print(f"No playbook fired {moment}.")
    else:
        table = Table(title=title)
        for col in ("playbook", "account", "destination", "status", "detail"):
            table.add_column(col, overflow="fold")
        for a in result["actions"]:
            color = COLORS.get(a["status"], "white")
            table.add_row(a["playbook"], a["account_id"], a["destination"], f"[{color}]{a['status']}[/]",
                          escape(a.get("error") or a.get("message") or a.get("rep") or ""))
        stdout.print(table)
    if result.get("parked"):
        stdout.print(f"[red]{len(result['parked'])} action(s) parked[/]: see `leadlight outbox --status parked`, "
                     "then `leadlight outbox retry` or `leadlight outbox drop`.")


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Act")
    def run(
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be sent; send and store nothing.")] = False,
        every: Annotated[Optional[str], typer.Option("--every", metavar="SPAN", help="Run again every SPAN (e.g. 5m, 30s, 1h) "
                                                     "until Ctrl-C or SIGTERM.",
                                                     show_default=False)] = None,
        as_of: Annotated[Optional[str], typer.Option("--as-of", help="Score as of this moment instead of the latest data.",
                                                     show_default=False)] = None,
        project: ProjectOpt = None,
        json_out: JsonOpt = False,
    ) -> None:
        """Score what changed, match the playbooks in leadlight.yml and fire their actions, once per change.

        Each action is an outbox row written with the snapshot that caused it; deliveries are retried with
        backoff and parked (never dropped) after repeated failures. Example: `leadlight run --dry-run`
        """
        from leadlight.storage.owner import announce
        from leadlight.tasks.run import run as run_once, run_every

        steps = RichSteps(quiet=json_out)
        found = Project.locate(project)
        if every is None:
            run_task(json_out, lambda: run_once(found, dry_run=dry_run, as_of=as_of, progress=steps), render_actions)
            return

        def loop() -> dict:
            with announce(found, f"leadlight run --every {every}"):
                return run_every(found, every, progress=steps, dry_run=dry_run, as_of=as_of,
                                 on_result=print_json if json_out else render_actions)

        run_task(False, loop, lambda r: stdout.print(f"Stopped after {r['runs']} run(s).") if not json_out else None)
