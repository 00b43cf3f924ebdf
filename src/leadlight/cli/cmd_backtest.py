"""``leadlight backtest``: judge the rule definition and the model against who actually bought."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from leadlight.cli.options import JsonOpt, ProjectOpt, date_option
from leadlight.cli.output import RichSteps, run, stdout


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Models")
    def backtest(
        project: ProjectOpt = None,
        start: Annotated[Optional[str], typer.Option("--from", help="First snapshot date (YYYY-MM-DD).", show_default=False)] = None,
        end: Annotated[Optional[str], typer.Option("--to", help="Last snapshot date (YYYY-MM-DD).", show_default=False)] = None,
        truth: Annotated[Optional[Path], typer.Option(
            "--truth", help="Evaluation aid for generated data: the truth.csv of `leadlight generate`; "
            "reports the oracle's AUC on the same rows.", show_default=False)] = None,
        json_out: JsonOpt = False,
    ) -> None:
        """Judge the rule definition and the model against who actually bought.

        Replays both at past snapshots: AUC, precision and recall of the PQA flag, lift, conversion of flagged vs
        unflagged accounts, missed buyers, and a suggested threshold that flags 15-35% of accounts.
        """
        from leadlight.storage import Project
        from leadlight.tasks.backtest import run_backtest

        def work() -> dict:
            return run_backtest(Project.locate(project), start=date_option(start, "--from"), end=date_option(end, "--to"),
                                truth=truth, progress=RichSteps(quiet=json_out))

        run(json_out, work, render)


def render(r: dict) -> None:
    stdout.print(f"Snapshots {r['from']} .. {r['to']}; label: won sales opportunity within {r['horizon_days']} days")
    for d in r["definitions"]:
        oracle = f" (oracle {_f(d['oracle_auc'])})" if d.get("oracle_auc") is not None else ""
        stdout.print(f"\n[bold]{d['name']}[/]: {d['rows']:,} account-snapshots, {d['conversions']} conversions")
        stdout.print(f"  AUC {_f(d['auc'])}{oracle}; top-decile lift {_f(d['lift_top_decile'], 2)}x")
        stdout.print(f"  flagged {_pct(d['share_flagged'])} of accounts (target 15-35%), holding "
                     f"{_pct(d['share_conversions_flagged'])} of conversions (target >= 60%)")
        stdout.print(f"  precision {_pct(d['precision'])}, recall {_pct(d['recall'])}; flagged convert at "
                     f"{_pct(d['pql_conversion_rate'])} vs {_pct(d['non_pql_conversion_rate'])} "
                     f"({_f(d['conversion_multiple'], 1)}x)")
        s = d.get("suggested_threshold")
        if s and s.get("threshold") is not None:
            stdout.print(f"  suggested threshold {s['threshold']:g}: flags {_pct(s['share_flagged'])}, "
                         f"holds {_pct(s['share_conversions'])} of conversions")
        stdout.print(f"  missed buyers: {len(d['missed_buyers'])} listed; flagged but bought self-serve: "
                     f"{d['self_serve_flagged']['count']}; median days flag -> opportunity: "
                     f"{d['median_days_flag_to_opportunity']}")


def _f(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"
