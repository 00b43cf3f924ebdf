"""``leadlight train``: point-in-time training set from history, fit and intent models, out-of-time report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from leadlight.cli.options import JsonOpt, ProjectOpt
from leadlight.cli.output import RichSteps, run, stdout, u
from leadlight.cli.words import feature_words


def register(app: typer.Typer) -> None:
    @app.command(rich_help_panel="Models")
    def train(
        project: ProjectOpt = None,
        truth: Annotated[Optional[Path], typer.Option(
            "--truth", help="Evaluation aid for generated data: the truth.csv of `leadlight generate`; "
            "reports the oracle's AUC on the same test rows.", show_default=False)] = None,
        json_out: JsonOpt = False,
    ) -> None:
        """Learn fit and intent models from history and make them the model `score` uses.

        The training set is point-in-time: at each past snapshot, features come strictly from before it and
        the label from after it (model.target converting within model.horizon_days). Walk-forward folds, purged
        of overlapping label windows, choose between a logistic baseline and LightGBM in three settings (strong to
        light regularisation) and calibrate the chosen one; the
        saved model is refitted on all labelled history. Every precondition is checked before any work.

        Example: `leadlight train -p my-product`, then `leadlight score` to use the model
        """
        from leadlight.storage import Project
        from leadlight.tasks.train import run_train

        def render(r: dict) -> None:
            chosen = (r.get("learner") or {}).get("chosen") or r["chosen"]
            stdout.print(f"Model [bold]{r['model_id']}[/] ({chosen}), trained on {r['n_train']:,} rows, "
                         f"tested out of time on {r['n_test']:,} rows ({r['positives']['test']} buyers)")
            settings = r.get("settings") or {}
            automatic = f" (auto: {u(settings['why'])})" if settings.get("why") else ""
            stdout.print(f"Label: {r['target']} conversion within {r['horizon_days']} days of each {r['snapshot_every']}ly "
                         f"snapshot, {r['lead_in_days']} days of lead-in{automatic}", highlight=False)
            oracle = f" (oracle {r['oracle_auc']:.3f} on {r['oracle_rows']:,} rows)" if r.get("oracle_auc") is not None else ""
            stdout.print(f"AUC [bold]{_f(r['auc'])}[/]{oracle}; PR-AUC {_f(r['pr_auc'])}; top-decile lift "
                         f"{_f(r['lift_top_decile'], 2)}x; calibration error {_f(r['calibration_error'])}")
            choice = r.get("learner")
            if choice:
                tried = ", ".join(f"{k} {_f(v)}" for k, v in choice["walk_forward_auc"].items())
                stdout.print(f"Learner: [bold]{choice['chosen']}[/], the best walk-forward AUC of {tried}",
                             highlight=False)
            for part in ("fit", "intent"):
                if r.get(part):
                    stdout.print(f"{part} model ({r[part]['chosen']}): AUC {_f(r[part]['auc'])}")
            stdout.print("Top features: " + ", ".join(u(feature_words(f["feature"])) for f in r["top_features"][:8]),
                         highlight=False)
            ci = (r.get("intervals_90") or {}).get("auc")
            if ci:
                pooled = "" if len(r.get("headline_folds") or []) >= len(r["folds"]) else \
                    f"; all folds pooled: AUC {_f(r.get('pooled_auc'))} over {r.get('pooled_buyers')} buying accounts"
                stdout.print(f"AUC 90% interval {ci[0]:.3f}-{ci[1]:.3f} over {r['buyers']} buying accounts, on "
                             f"{r.get('headline') or 'the walk-forward folds'} ({len(r['folds'])} folds, "
                             f"{r['snapshot_every']}ly snapshots){pooled}", highlight=False)
            for line in uplift_lines(r.get("uplift")):
                stdout.print(u(line), highlight=False)
            for w in r["warnings"]:
                stdout.print(f"[yellow]warning:[/] {u(w['message'])}" + (" (dropped)" if w.get("dropped") else ""),
                             highlight=False)

        run(json_out, lambda: run_train(Project.locate(project), truth=truth, progress=RichSteps(quiet=json_out)), render)


def _f(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def uplift_lines(report: dict | None) -> list[str]:
    """The uplift of a sales touch in a few lines: the average effect, its interval, what it rests on, whether used."""
    if not report:
        return []
    if not report.get("estimated"):
        return [f"Sales-touch uplift: not estimated ({report.get('why')})"]
    ci = report.get("interval_90")
    shown = f" (90% interval {ci[0] * 100:+.1f} to {ci[1] * 100:+.1f})" if ci else ""
    used = "steers motions" if report["reliable"] else "[yellow]rough, not used for motions[/]"
    lines = [f"Sales-touch uplift: {report['average_effect'] * 100:+.1f} points on average{shown}, touched buyers "
             f"{report['touched_buyers']} of {report['touched_rows']:,} touched rows, untouched buyers "
             f"{report['untouched_buyers']} of {report['untouched_rows']:,}; "
             f"overlap {report['overlap_share']:.0%}; {used}"]
    return lines + [f"[yellow]warning:[/] {w}" for w in report.get("warnings", [])]

