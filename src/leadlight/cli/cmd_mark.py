"""``leadlight mark``: record what a rep decided about an account."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from leadlight.cli.options import JsonOpt, ProjectOpt
from leadlight.cli.output import run, stdout, u
from leadlight.errors import UsageError
from leadlight.storage import Project


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Act")
    def mark(
        account_id: Annotated[str, typer.Argument(metavar="ACCOUNT_ID", help="The account's id.", show_default=False)],
        done: Annotated[bool, typer.Option("--done", help="The rep acted on it: no playbook fires for it during "
                                           "the cooldown.")] = False,
        snooze: Annotated[Optional[str], typer.Option("--snooze", metavar="SPAN", help="Not now: no playbook fires "
                                                      "for it for this long (e.g. 14d, 2w).", show_default=False)] = None,
        bad_lead: Annotated[Optional[str], typer.Option("--bad-lead", metavar="REASON", help="Not a lead, and why: "
                                                        "no playbook fires for it again.", show_default=False)] = None,
        by: Annotated[Optional[str], typer.Option("--by", help="Who decided (a rep's name or email).",
                                                  show_default=False)] = None,
        project: ProjectOpt = None,
        json_out: JsonOpt = False,
    ) -> None:
        """Record a rep's decision about an account: done, not now, or a bad lead.

        Playbooks honour it (cooldowns and caps); the backtest reports which rejected accounts bought anyway.
        Example: `leadlight mark acme_io --snooze 14d`
        """
        from leadlight.tasks.feedback import mark as record

        def work() -> dict:
            chosen = [name for name, on in (("done", done), ("snooze", snooze), ("bad_lead", bad_lead)) if on]
            if len(chosen) != 1:
                raise UsageError("say one of --done, --snooze SPAN or --bad-lead REASON",
                                 hint="e.g. leadlight mark ACCOUNT_ID --snooze 14d")
            return record(Project.locate(project), account_id, chosen[0], snooze=snooze, reason=bad_lead, by_whom=by)

        def render(r: dict) -> None:
            what = {"done": "done", "snooze": f"not now, until {r['until']}", "bad_lead": f"a bad lead ({r['reason']})"}
            stdout.print(f"Marked {u(r['account_id'])} {u(what[r['action']])}.", highlight=False)

        run(json_out, work, render)
