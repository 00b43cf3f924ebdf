"""``leadlight status``: what is loaded, how people are linked, snapshots, the active model, what is next."""

from __future__ import annotations

import typer

from leadlight.cli.options import JsonOpt, ProjectOpt
from leadlight.cli.output import run, stdout, u
from leadlight.cli.words import as_of_words, number, plural, words


def _span(kind: dict) -> str:
    if not kind["first"]:
        return ""
    return f", {kind['first'][:10]} to {kind['last'][:10]}"


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Project")
    def status(project: ProjectOpt = None, json_out: JsonOpt = False) -> None:
        """What the project holds: rows and date ranges per kind, people linked to accounts, snapshots,
        the active model and its age, and what to run next. Reads only.

        Example: `leadlight status -p leadlight-demo --json`
        """
        from leadlight.storage import Project
        from leadlight.tasks.status import status as status_task

        def render(r: dict) -> None:
            k = r["kinds"]
            stdout.print("[bold]Loaded[/]")
            stdout.print(f"  {plural(k['events']['rows'], 'event')}{_span(k['events'])}")
            stdout.print(f"  {plural(k['accounts']['rows'], 'account')}")
            stdout.print(f"  {plural(k['users']['rows'], 'user')}{_span(k['users'])}")
            stdout.print(f"  {plural(k['opportunities']['rows'], 'opportunity')}{_span(k['opportunities'])}")
            i = r["identity"]
            if i["people"]:
                methods = ", ".join(f"{words(m)} {number(n)}" for m, n in sorted(i["by_method"].items()))
                stdout.print(f"[bold]People[/]: {number(i['linked'])} of {plural(i['people'], 'person')} linked to an "
                             f"account ({i['share_linked']:.0%}; {u(methods)})")
            latest = r["latest_snapshot"]
            stdout.print(f"[bold]Snapshots[/]: {number(r['snapshots'])}" + (
                f", the latest as of {as_of_words(latest['as_of'])} ({plural(latest['accounts'], 'account')}, "
                f"{plural(latest['pqas'], 'PQA')})" if latest else ""))
            m = r["model"]
            if m is None:
                stdout.print("[bold]Model[/]: none (scores are rule-only until `leadlight train`)")
            elif m.get("model_id"):
                stdout.print(f"[bold]Model[/]: {u(m['model_id'])}, trained {m['trained_at'][:10]} "
                             f"({plural(m['age_days'], 'day')} ago)")
            else:
                stdout.print(f"[bold]Model[/]: {u(m['problem'])}")
            stdout.print(f"[bold]Next[/]: {u(r['next'])}")

        run(json_out, lambda: status_task(Project.locate(project)), render)
