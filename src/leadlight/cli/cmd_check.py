"""``leadlight check``: signals and rules that cannot tell anyone apart on the loaded data."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from leadlight.cli.options import JsonOpt, ProjectOpt
from leadlight.cli.output import RichSteps, run, stdout, u
from leadlight.cli.words import as_of_words, number, plural

SIGNAL_WORDS = {"always_zero": "is zero (or empty) for every {who}", "always_same": "is the same for every {who}"}
RULE_WORDS = {"never_true": "holds for no {who}", "always_true": "holds for every {who}"}


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Project")
    def check(
        as_of: Annotated[Optional[str], typer.Option("--as-of", metavar="DATE", help="Check as of this moment (same "
                         "grammar as score). Default: just after the latest event.", show_default=False)] = None,
        project: ProjectOpt = None,
        json_out: JsonOpt = False,
    ) -> None:
        """List every signal that is always zero or always the same, and every rule that never or always holds.

        Also names events and properties a signal asks for that nothing loaded has, with the closest loaded
        names ("did you mean ...?"). Nothing is stored. Example: `leadlight check --json`
        """
        from leadlight.storage import Project
        from leadlight.tasks.check import check as check_task

        def render(r: dict) -> None:
            stdout.print(f"Checked {plural(len(r['signals']), 'signal')} and {plural(len(r['rules']), 'rule')} "
                         f"as of {as_of_words(r['as_of'])}.")
            for w in r["warnings"]:
                stdout.print(f"[yellow]![/] {u(w['message'])}")
            for s in r["signals"]:
                if s["status"] != "ok":
                    who = "account" if s["level"] == "account" else "person"
                    stdout.print(f"[yellow]![/] signal {u(s['name'])} ({s['kind']}) "
                                 f"{SIGNAL_WORDS[s['status']].format(who=who)} ({plural(s['entities'], who)})")
            for rule in r["rules"]:
                if rule["status"] != "ok":
                    who = "person" if rule["where"].startswith("scoring.pql") else "account"
                    stdout.print(f"[yellow]![/] {u(rule['where'])} ({u(rule['rule'])}) "
                                 f"{RULE_WORDS[rule['status']].format(who=who)} ({plural(rule['of'], who)})")
            if not r["problems"]:
                stdout.print("[green]Every signal and rule tells some accounts or people apart.[/]")
            else:
                stdout.print(f"{number(r['problems'])} to look at: fix the names in leadlight.yml, or load the data "
                             "they need.")

        run(json_out, lambda: check_task(Project.locate(project), as_of, progress=RichSteps(quiet=json_out)), render)
