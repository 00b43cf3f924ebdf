"""``leadlight score``: compute and store a score snapshot."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from leadlight.cli.options import JsonOpt, ProjectOpt
from leadlight.cli.output import RichSteps, run, stdout
from leadlight.storage import Project

AsOfOpt = Annotated[
    Optional[str],
    typer.Option("--as-of", help="Score as of this date (end of that day, UTC) or ISO timestamp. Default: all data.",
                 show_default=False),
]


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Scores")
    def score(as_of: AsOfOpt = None, project: ProjectOpt = None, json_out: JsonOpt = False) -> None:
        """Compute signals, PQL and PQA scores, fit and intent as of a date, and store the snapshot.

        Only events before --as-of count. Re-scoring the same date replaces that snapshot.
        """

        def work() -> dict:
            return score_task(Project.locate(project), as_of, progress=RichSteps(quiet=json_out))

        def render(r: dict) -> None:
            stdout.print(
                f"Scored as of [bold]{r['as_of']}[/]: {r['accounts']:,} accounts ([bold]{r['pqas']:,} PQAs[/]), "
                f"{r['users']:,} people ([bold]{r['pqls']:,} PQLs[/]). Next: `leadlight accounts`."
            )

        from leadlight.tasks.score import score as score_task  # imported here: keeps `leadlight --help` fast
        run(json_out, work, render)
