"""``leadlight explain``: one account in full."""

from __future__ import annotations

from typing import Annotated

import typer

from leadlight.cli.cmd_leads import lead_table
from leadlight.cli.options import JsonOpt, ProjectOpt, SnapshotOpt
from leadlight.cli.output import run, stdout, u
from leadlight.cli.words import as_of_words, domain_words, number, words
from leadlight.storage import Project


def _lines(title: str, reasons: list[dict]) -> None:
    if reasons:
        stdout.print(f"[bold]{title}[/]")
        for r in reasons:
            stdout.print(f"  {r['contribution']:+.0f}  {u(r['text'])}", highlight=False)


def render_signals(signals: dict | None) -> None:
    if signals is None:
        stdout.print("[dim]No signal values stored with this snapshot: run `leadlight score` again to store them.[/]")
        return
    stdout.print("[bold]Signal values[/]")
    for name, value in sorted(signals.items()):
        stdout.print(f"  {u(words(name))}: {u(number(value) if value is not None else 'none')}", highlight=False)


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Scores")
    def explain(
        account: Annotated[str, typer.Argument(
            metavar="ACCOUNT", help="The account's id, its domain (or website URL), or a unique part of its name.",
            show_default=False)],
        as_of: SnapshotOpt = None,
        signals: Annotated[bool, typer.Option("--signals", help="Also list the value of every account signal.")] = False,
        project: ProjectOpt = None,
        json_out: JsonOpt = False,
    ) -> None:
        """Why an account scores what it does: reasons, fit and intent, champion, decision makers, people.

        Reads the snapshot stored by `leadlight score` (the latest, or --as-of) and the account's history.

        Example: `leadlight explain acme.com`, `leadlight explain "Jade Robotics" --signals`
        """

        def render(a: dict) -> None:
            prob = "" if a["probability"] is None else f", chance to buy {a['probability']:.0%}"
            stdout.print(f"[bold]{u(a['name'] or a['account_id'])}[/] ({u(domain_words(a['domain']) or 'no domain')}, "
                         f"id {u(a['account_id'])}) as of {as_of_words(a['as_of'])}")
            fit = f"fit {a['fit']} ({number(a['fit_score'], 0)})" if a["fit"] else "fit unknown"
            intent = f"intent {a['intent']} ({number(a['intent_score'], 0)})" if a["intent"] else "intent unknown"
            stdout.print(f"score [bold]{number(a['score'], 0)}[/]{prob}; {'PQA' if a['pqa'] else 'not a PQA'}; "
                         f"{fit}, {intent}: {words(a['quadrant'])}")
            _lines("Why this score", a["reasons"])
            _lines("Fit", a["fit_reasons"])
            _lines("Intent", a["intent_reasons"])
            _lines("Model", a["model_reasons"])
            champ = a["champion"]
            if champ:
                stdout.print(f"[bold]Champion[/]: {u(champ['email'] or champ['user_id'])} {u(champ['title'])}")
            for d in a["decision_makers"]:
                stdout.print(f"[bold]Decision maker[/]: {u(d['email'] or d['user_id'])} {u(d['title'])}")
            if a["users"]:
                stdout.print(lead_table(a["users"], "People"))
            if len(a["history"]) > 1:
                stdout.print("History: " + ", ".join(f"{h['as_of'][:10]} {number(h['score'], 0)}" for h in a["history"]))
            if signals:
                render_signals(a.get("signals"))

        from leadlight.tasks.snapshots import explain_account  # imported here: keeps `leadlight --help` fast
        run(json_out, lambda: explain_account(Project.locate(project), account, as_of, signals=signals), render)
