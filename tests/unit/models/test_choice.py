"""The candidates training tries: every LightGBM setting (strong to light regularisation) and the logistic
baseline, each fitted on every usable walk-forward fold; the configured algorithms limit them."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from leadlight.scoring.models.folds import Fold
from leadlight.scoring.models.learners import SETTINGS, make_learner
from leadlight.scoring.models.train import Candidate, candidates, out_of_fold


def test_candidates_follow_model_algorithms():
    assert [c.label for c in candidates(["lightgbm", "logistic"])] == [
        "lightgbm/strong", "lightgbm/medium", "lightgbm/light", "logistic"]
    assert [c.label for c in candidates(["logistic"])] == ["logistic"]
    assert {c.setting for c in candidates(["lightgbm"])} == set(SETTINGS)


def test_each_setting_builds_its_own_learner_and_supporting_models_keep_a_fast_rate():
    strong, light = make_learner("lightgbm", ["x"], setting="strong"), make_learner("lightgbm", ["x"], setting="light")
    assert strong.params["num_leaves"] < light.params["num_leaves"] and light.params["reg_lambda"] == 0
    assert all(make_learner("lightgbm", ["x"], setting=s).params["n_jobs"] == 1 for s in SETTINGS)
    medium = make_learner("lightgbm", ["x"], supporting=True)
    assert (medium.params["n_estimators"], medium.params["learning_rate"]) == (150, 0.06)
    assert make_learner("lightgbm", ["x"], supporting=True, setting="light").params == light.params


def test_the_histogram_layout_changes_no_score():
    """``HISTOGRAMS`` picks row- or column-wise histograms per setting for speed only: the trees are the same."""
    from leadlight.scoring.models.learners import HISTOGRAMS, LIGHTGBM_COMMON

    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.normal(size=(1500, 12)), columns=[f"c{i}" for i in range(12)])
    X["c3"] = X.c3.round()  # a column of few values beside continuous ones
    y = (X.c0 * X.c1 + X.c2 + rng.normal(scale=0.5, size=1500) > 0.5).astype(int).to_numpy()
    assert HISTOGRAMS and all(HISTOGRAMS[s]["force_row_wise"] for s in HISTOGRAMS)
    for setting in SETTINGS:
        chosen = make_learner("lightgbm", list(X.columns), setting=setting)
        other = make_learner("lightgbm", list(X.columns), setting=setting)
        row_wise = not chosen.params.get("force_row_wise", False)
        other.params = {**LIGHTGBM_COMMON, **SETTINGS[setting], "force_col_wise": not row_wise, "force_row_wise": row_wise}
        assert chosen.params != other.params
        np.testing.assert_array_equal(chosen.fit(X, y).raw(X), other.fit(X, y).raw(X))


def test_out_of_fold_scores_every_candidate_on_the_same_folds_and_skips_a_fold_without_buyers():
    rng = np.random.default_rng(3)
    days = [datetime(2026, 1, 5) + timedelta(weeks=i) for i in range(6)]
    frame = pd.DataFrame({"as_of": np.repeat(days, 200), "x": rng.normal(size=1200), "z": rng.normal(size=1200)})
    frame["label"] = (frame.x * frame.z + rng.normal(scale=0.3, size=1200) > 0.8).astype(int)
    frame.loc[frame.as_of == days[0], "label"] = 0  # the first fold trains on one class only: skipped
    folds = [Fold((days[0],), (days[2],), ()), Fold(tuple(days[:3]), (days[4], days[5]), ())]
    options = [Candidate("lightgbm", "strong"), Candidate("lightgbm", "light"), Candidate("logistic")]
    results = out_of_fold(frame, folds, options, ["x", "z"])
    scored = frame.as_of.isin(folds[1].test).to_numpy()
    for raw, aucs in results:
        assert aucs[0] is None and aucs[1] is not None
        assert not np.isnan(raw[scored]).any() and np.isnan(raw[~scored]).all()
    aucs = {c.label: a[1] for c, (_, a) in zip(options, results)}
    assert aucs["lightgbm/light"] > aucs["logistic"] + 0.1  # an interaction: trees see it, a linear model cannot


def test_supporting_models_queued_together_equal_each_fitted_on_its_own():
    """The fit, intent and self-serve models share one queue of fits (their folds and final refits); each must be
    what choosing, calibrating and refitting it alone gives, and the work run alongside sees the chosen learner."""
    from leadlight.config.model import ModelConfig
    from leadlight.scoring.models.calibrate import Calibrator
    from leadlight.scoring.models.features import FeatureSpec
    from leadlight.scoring.models.train import train_models

    rng = np.random.default_rng(11)
    days = [datetime(2026, 1, 5) + timedelta(weeks=i) for i in range(8)]
    n = 8 * 150
    frame = pd.DataFrame({"account_id": [f"a{i % 150}" for i in range(n)], "as_of": np.repeat(days, 150),
                          "x": rng.normal(size=n), "z": rng.normal(size=n), "amount": 100.0})
    frame["label"] = (frame.x + frame.z + rng.normal(size=n) > 1.5).astype("int8")
    frame["self_serve"] = (frame.z - frame.x + rng.normal(size=n) > 1.5).astype("int8")
    folds = [Fold(tuple(days[:3]), (days[4], days[5]), (days[3],)), Fold(tuple(days[:5]), (days[6], days[7]), (days[5],))]
    spec = FeatureSpec(None, ("x",), {}, ("z",))
    config = ModelConfig(algorithms=["lightgbm", "logistic"])
    seen: list[str] = []
    models = train_models(frame, spec, folds, config, alongside=lambda name: seen.append(name) or "done")
    assert models.alongside == "done" and seen == [models.combined.learner.name]
    chosen = models.combined.candidate
    for role, columns, label in (("fit", ["x"], "label"), ("intent", ["z"], "label"),
                                 ("self_serve", ["x", "z"], "self_serve")):
        part = getattr(models, role)
        assert part.candidate == chosen
        raw = out_of_fold(frame, folds, [chosen], columns, label, supporting=True)[0][0]
        kept = ~np.isnan(raw)
        calibrator = Calibrator(config.calibration).fit(raw[kept], frame[label].to_numpy()[kept])
        alone = chosen.learner(columns, supporting=True).fit(frame, frame[label].to_numpy())
        np.testing.assert_array_equal(part.learner.raw(frame), alone.raw(frame))
        np.testing.assert_array_equal(part.calibrator.probability(raw[kept]), calibrator.probability(raw[kept]))
