"""``leadlight plan``: what the playbooks would have done over history."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from leadlight.cli.options import JsonOpt, ProjectOpt
from leadlight.cli.output import RichSteps, run, stdout
from leadlight.storage import Project


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Act")
    def plan(
        start: Annotated[Optional[str], typer.Option("--from", help="First moment (default: 13 weeks before --to).",
                                                     show_default=False)] = None,
        end: Annotated[Optional[str], typer.Option("--to", help="Last moment (default: the latest data).",
                                                   show_default=False)] = None,
        every: Annotated[str, typer.Option("--every", help="How often to replay (a span: 1d, 7d, 2w).")] = "7d",
        project: ProjectOpt = None,
        json_out: JsonOpt = False,
    ) -> None:
        """Replay every playbook over history before turning it on: alerts per week and per team, and whether the
        accounts it would have alerted on bought.

        Less is more: see the volume a team would get before it gets it. Example: `leadlight plan --from 2026-06-01`
        """
        from leadlight.tasks.plan import plan as work

        def render(r: dict) -> None:
            table = Table(title=f"Playbooks replayed from {r['from']} to {r['to']} ({r['moments']} moments, "
                                f"every {r['every']}; bought = won sales deal within {r['horizon_days']} days)")
            for col in ("playbook", "per week", "teams", "capped", "fired on", "bought", "others bought", "lift",
                        "missed", "days"):
                table.add_column(col, overflow="fold")
            for p in r["playbooks"]:
                teams = ", ".join(f"{t} {n}" for t, n in p["alerts_per_week_by_team"].items())
                days = "" if p["median_days_to_opportunity"] is None else f"{p['median_days_to_opportunity']:.0f}"
                table.add_row(p["name"], f"{p['alerts_per_week']:.1f}", teams, str(p["capped"]), str(p["triggered"]),
                              _pct(p["triggered_conversion_rate"]), _pct(p["untriggered_conversion_rate"]),
                              "" if p["lift"] is None else f"{p['lift']:.1f}x", str(p["missed_buyers"]), days)
            stdout.print(table)

        run(json_out, lambda: work(Project.locate(project), start, end, every, progress=RichSteps(quiet=json_out)),
            render)
