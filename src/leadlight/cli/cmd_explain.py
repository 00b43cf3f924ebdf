"""``leadlight explain``: one account in full."""

from __future__ import annotations

from typing import Annotated

import typer

from leadlight.cli.cmd_leads import lead_table
from leadlight.cli.options import JsonOpt, ProjectOpt, SnapshotOpt
from leadlight.cli.output import run, stdout
from leadlight.storage import Project


def _lines(title: str, reasons: list[dict]) -> None:
    if reasons:
        stdout.print(f"[bold]{title}[/]")
        for r in reasons:
            stdout.print(f"  {r['contribution']:+.1f}  {r['text']}", highlight=False)


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Scores")
    def explain(
        account_id: Annotated[str, typer.Argument(help="The account's id.", show_default=False)],
        as_of: SnapshotOpt = None,
        project: ProjectOpt = None,
        json_out: JsonOpt = False,
    ) -> None:
        """Why an account scores what it does: reasons, fit and intent, champion, decision makers, people.

        Reads the snapshot stored by `leadlight score` (the latest, or --as-of) and the account's history.
        """

        def render(a: dict) -> None:
            prob = "" if a["probability"] is None else f", probability {a['probability']:.0%}"
            stdout.print(f"[bold]{a['name'] or a['account_id']}[/] ({a['domain'] or a['account_id']}) as of {a['as_of']}")
            stdout.print(f"score [bold]{a['score']:.0f}[/]{prob}; {'PQA' if a['pqa'] else 'not a PQA'}; "
                         f"fit {a['fit']} ({a['fit_score']:.0f}), intent {a['intent']} ({a['intent_score']:.0f}): "
                         f"{a['quadrant'].replace('_', ' ')}")
            _lines("Why this score", a["reasons"])
            _lines("Fit", a["fit_reasons"])
            _lines("Intent", a["intent_reasons"])
            _lines("Model", a["model_reasons"])
            champ = a["champion"]
            if champ:
                stdout.print(f"[bold]Champion[/]: {champ['email'] or champ['user_id']} {champ['title'] or ''}")
            for d in a["decision_makers"]:
                stdout.print(f"[bold]Decision maker[/]: {d['email'] or d['user_id']} {d['title'] or ''}")
            if a["users"]:
                stdout.print(lead_table(a["users"], "People"))
            if len(a["history"]) > 1:
                stdout.print("History: " + ", ".join(f"{h['as_of'][:10]} {h['score']:.0f}" for h in a["history"]))

        from leadlight.tasks.snapshots import explain_account  # imported here: keeps `leadlight --help` fast
        run(json_out, lambda: explain_account(Project.locate(project), account_id, as_of), render)
