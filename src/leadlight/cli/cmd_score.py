"""``leadlight score``: compute and store a score snapshot."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from leadlight.cli.options import JsonOpt, ProjectOpt
from leadlight.cli.output import RichSteps, run, stdout, warn
from leadlight.cli.words import as_of_flag, as_of_words, plural
from leadlight.storage import Project

AsOfOpt = Annotated[
    Optional[str],
    typer.Option("--as-of", metavar="DATE",
                 help="Score as of this moment: a day (2026-03-31 means the end of that day, UTC; 2026/03/31 and "
                 "20260331 too) or an ISO timestamp. Default: just after the latest event loaded.",
                 show_default=False),
]

CONTRACT_KEYS = ("as_of", "accounts", "users", "pqas", "pqls")


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Scores")
    def score(as_of: AsOfOpt = None, project: ProjectOpt = None, json_out: JsonOpt = False) -> None:
        """Compute signals, PQL and PQA scores, fit and intent as of a date, and store the snapshot.

        Only events before --as-of count. Re-scoring the same date replaces that snapshot. Warns when a
        signal names an event or property nothing loaded has, and when the moment lies outside the data.

        Example: `leadlight score --as-of 2026-03-31`
        """

        def work() -> dict:
            result = score_task(Project.locate(project), as_of, progress=RichSteps(quiet=json_out))
            for warning in result["warnings"]:  # on stderr, also under --json
                warn(warning["message"])
            if json_out:  # the contract's document, exactly
                return {k: result[k] for k in CONTRACT_KEYS}
            return result

        def render(r: dict) -> None:
            moment = as_of_words(r["as_of"]) + (" (just after the latest event)"
                                                if r.get("as_of_source") == "latest_event" else "")
            again = f" --as-of {as_of_flag(r['as_of'])}" if r.get("as_of_source") == "asked" else ""
            stdout.print(
                f"Scored as of [bold]{moment}[/]: {plural(r['accounts'], 'account')} "
                f"([bold]{plural(r['pqas'], 'PQA')}[/]), {plural(r['users'], 'person')} "
                f"([bold]{plural(r['pqls'], 'PQL')}[/]). Next: `leadlight accounts{again}`.", highlight=False)

        from leadlight.tasks.score import score as score_task  # imported here: keeps `leadlight --help` fast
        run(json_out, work, render)
