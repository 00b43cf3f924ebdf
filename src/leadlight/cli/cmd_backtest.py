"""``leadlight backtest``: judge the rule definition and the model against who actually bought."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from leadlight.cli.options import JsonOpt, ProjectOpt, range_option
from leadlight.errors import UsageError
from leadlight.cli.output import RichSteps, run, stdout, u
from leadlight.cli.words import as_of_words, number, plural, words


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Models")
    def backtest(
        project: ProjectOpt = None,
        start: Annotated[Optional[str], typer.Option(
            "--from", metavar="DATE", help="Replay snapshots from the start of this day (2026-01-01; 2026/01/01 and "
            "20260101 too). Default: the first with enough history.", show_default=False)] = None,
        end: Annotated[Optional[str], typer.Option(
            "--to", metavar="DATE", help="... to the end of this day (the moment `--as-of DATE` names). Default: the "
            "last whose outcome window is complete.", show_default=False)] = None,
        truth: Annotated[Optional[Path], typer.Option(
            "--truth", help="Evaluation aid for generated data: the truth.csv of `leadlight generate`; "
            "reports the oracle's AUC on the same rows.", show_default=False)] = None,
        json_out: JsonOpt = False,
    ) -> None:
        """Judge the rule definition and the model against who actually bought.

        Replays both at past snapshots: AUC, precision and recall of the PQA flag, lift, conversion of flagged vs
        unflagged accounts, missed buyers, and a suggested threshold that flags 15-35% of accounts.

        Example: `leadlight backtest --from 2026-01-01 --to 2026-06-30`
        """
        from leadlight.storage import Project
        from leadlight.tasks.backtest import run_backtest

        def work() -> dict:
            first, last = range_option(start, "--from"), range_option(end, "--to")
            if first is not None and last is not None and first >= last:  # said in the user's own words
                raise UsageError(f"--from {start} is after --to {end}", hint="give the earlier date to --from")
            return run_backtest(Project.locate(project), start=first, end=last,
                                truth=truth, progress=RichSteps(quiet=json_out))

        run(json_out, work, render)


def threshold_words(name: str, value: float) -> str:
    """A threshold in the definition's own scale: rule scores 0-100, model chances as percentages."""
    return f"a score of {value:g} of 100" if name == "rules" or value > 1 else f"a {value:.0%} chance to buy"


def render(r: dict, *, for_reps: bool = False) -> None:
    """The backtest in words; ``for_reps`` leaves out AUC, lift and oracle figures (the demo's first screen)."""
    stdout.print(f"Replayed {plural(r['definitions'][0]['snapshots'] if r['definitions'] else 0, 'past snapshot')} "
                 f"from {as_of_words(r['from'])} to {as_of_words(r['to'])}; a buyer is an account with a won sales "
                 f"deal within {plural(r['horizon_days'], 'day')} of a snapshot.", highlight=False)
    for d in r["definitions"]:
        flagged_wins = round(d["conversions"] * (d["recall"] or 0))
        stdout.print(f"\n[bold]{u(d['name'])}[/]: {number(d['rows'])} account-snapshots, "
                     f"{plural(d['conversions'], 'buyer')}")
        stdout.print(f"  flagged {_pct(d['share_flagged'])} of accounts, and they held {flagged_wins} of "
                     f"{d['conversions']} buyers ({_pct(d['share_conversions_flagged'])}); flagged accounts bought "
                     f"{_f(d['conversion_multiple'], 1)}x as often as the others ({_pct(d['pql_conversion_rate'])} vs "
                     f"{_pct(d['non_pql_conversion_rate'])})")
        if for_reps:  # the rest (AUC, oracle, deciles, missed buyers) is the RevOps report: `leadlight backtest`
            continue
        oracle = f" (oracle {_f(d['oracle_auc'])})" if d.get("oracle_auc") is not None else ""
        stdout.print(f"  AUC {_f(d['auc'])}{oracle}; PR-AUC {_f(d.get('pr_auc'))}; top-decile lift "
                     f"{_f(d['lift_top_decile'], 2)}x; targets: flag 15-35%, hold >= 60% of buyers")
        if d.get("by_decile"):
            cells = ", ".join(f"{x['decile']}: {x['conversions']}/{number(x['rows'])}" for x in d["by_decile"])
            stdout.print(f"  buyers by score decile (10 = top tenth): {cells}", highlight=False)
        if d.get("by_quadrant"):
            cells = "; ".join(f"{words(x['quadrant'])} {x['conversions']} of {number(x['rows'])} "
                              f"({_pct(x['conversion_rate'])})" for x in d["by_quadrant"])
            stdout.print(f"  buyers by quadrant: {cells}", highlight=False)
        if d.get("median_amount_flagged_wins") is not None or d.get("median_amount_unflagged_wins") is not None:
            stdout.print(f"  median deal size: flagged {_money(d.get('median_amount_flagged_wins'))}, "
                         f"not flagged {_money(d.get('median_amount_unflagged_wins'))}")
        s = d.get("suggested_threshold")
        if s and s.get("threshold") is not None:
            stdout.print(f"  suggested threshold: {threshold_words(d['name'], s['threshold'])} flags "
                         f"{_pct(s['share_flagged'])} and holds {_pct(s['share_conversions'])} of buyers")
        missed = d["missed_buyers"]
        stdout.print(f"  {d['conversions'] - flagged_wins} buyers were not flagged at their snapshot; "
                     f"{plural(len(missed), 'account')} never flagged before the win:")
        for m in missed:
            stdout.print(f"    {u(m['account_id'])}: won {m['won_at'][:10] if m['won_at'] else '?'}"
                         f"{', ' + _money(m['amount']) if m.get('amount') is not None else ''}; "
                         f"{_scored(d['name'], m['score'])} at {as_of_words(m['as_of'])}", highlight=False)
        ss = d["self_serve_flagged"]
        stdout.print(f"  flagged but bought self-serve: {ss['count']}; median days from flag to opportunity: "
                     f"{number(d['median_days_flag_to_opportunity'])}")


def _scored(name: str, score: float | None) -> str:
    if score is None:
        return "not scored"
    return f"scored {number(score)} of 100" if name == "rules" or score > 1 else f"a {score:.0%} chance to buy"


def _money(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def _f(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"
