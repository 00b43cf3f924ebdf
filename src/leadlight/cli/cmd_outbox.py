"""``leadlight outbox``: what the playbooks sent, are retrying, or parked."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from leadlight.cli.cmd_run import render_actions
from leadlight.cli.options import JsonOpt, ProjectOpt
from leadlight.cli.output import run, stdout
from leadlight.storage import Project


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Act")
    def outbox(
        verb: Annotated[str, typer.Argument(help="list, retry (put parked actions back in line) or drop (give up on "
                                            "parked actions; they stay listed as dropped).")] = "list",
        key: Annotated[Optional[str], typer.Option("--key", help="Only this action (its key, as listed).",
                                                   show_default=False)] = None,
        status: Annotated[Optional[str], typer.Option("--status", help="list: only pending, sent, skipped, retrying, "
                                                      "parked or dropped.", show_default=False)] = None,
        account: Annotated[Optional[str], typer.Option("--account", "-a", help="list: only this account.",
                                                       show_default=False)] = None,
        project: ProjectOpt = None,
        json_out: JsonOpt = False,
    ) -> None:
        """List the playbooks' actions, or retry / drop parked ones.

        Example: `leadlight outbox --status parked`, then `leadlight outbox retry`.
        """
        from leadlight.tasks.outbox import outbox as work

        def render(result: dict) -> None:
            if "actions" in result:
                render_actions({"as_of": "now", "dry_run": False, "actions": result["actions"]}, title="Outbox")
            else:
                verb_done, n = next(iter(result.items()))
                stdout.print(f"{verb_done.capitalize()} {n} parked action(s).")

        run(json_out, lambda: work(Project.locate(project), verb, key=key, status=status, account_id=account), render)
