"""``leadlight suggest [--write]``: signals, thresholds and a k-of-N trigger discovered from history."""

from __future__ import annotations

from typing import Annotated

import typer

from leadlight.cli.options import JsonOpt, ProjectOpt
from leadlight.cli.output import RichSteps, run, stdout


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Models")
    def suggest(
        project: ProjectOpt = None,
        write: Annotated[bool, typer.Option("--write", help="Apply the proposal to leadlight.yml.")] = False,
        json_out: JsonOpt = False,
    ) -> None:
        """Propose ~10 signals and a k-of-N trigger from history, backtested beside the current rules.

        Conditions and k are chosen on earlier snapshots and judged on later ones. Prints a diff of
        leadlight.yml; nothing changes without --write.
        """
        from leadlight.storage import Project
        from leadlight.tasks.suggest import run_suggest

        def render(r: dict) -> None:
            for s in r["signals"]:
                stdout.print(f"{s['name']}: {s['op']} {s['value']}  lift {s['lift']:.2f}x, {s['support']} buyers, "
                             f"coverage {s['coverage']:.1%}", highlight=False)
            if r["trigger"]:
                stdout.print(f"Trigger: {r['trigger']['k']} of {len(r['trigger']['of'])}")
            for name in ("current", "proposed"):
                d = r[name]
                stdout.print(f"{name}: AUC {d['auc']}, flags {d['share_flagged']} holding "
                             f"{d['share_conversions_flagged']} of conversions")
            if r.get("model") and r["model"].get("note"):
                stdout.print(r["model"]["note"])
            stdout.print(r["diff"] or "(no change proposed)", highlight=False, markup=False)
            stdout.print("Written to leadlight.yml." if r["written"] else "Nothing written (use --write).")

        run(json_out, lambda: run_suggest(Project.locate(project), write=write, progress=RichSteps(quiet=json_out)),
            render)
