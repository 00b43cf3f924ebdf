"""The ``model:`` section: how training sets are cut from history and which models learn from them.

Example (every key optional)::

    model:
      target: sales                # sales | self_serve | any | expansion: which conversion is learned
      snapshot_every: auto         # month | week | auto: month when history holds >= 8 monthly snapshots
      lead_in_days: auto           # history a snapshot needs before it; auto: 28, or down to 7 on a short history
      cv_folds: 4                  # walk-forward folds choosing the model and calibrating it
      horizon_days: auto           # label: a WON sales opportunity created in [as_of, as_of + 30d); auto: 30,
                                   # shorter (21, 14) when history is too short for two walk-forward folds
      trial: {started_column: trial_started_at, length_days: 14, grace_days: 7}   # trial products only
      eligible_active_days: 90     # only accounts active in the 90 days before as_of are labelled
      eligibility: auto            # activity (event logs), arrival (lead lists), auto: arrival when there are no events
      account_created_column: created_at  # lead lists: the accounts column dating each lead's arrival
      min_positives: 20            # fewer positive rows in history: `train` refuses, scoring stays rule-only
      features: both               # auto (zero-config behaviour), declared (signals), both
      min_accounts_per_event: 20   # rarer events are pooled into "other events"
      ignore_attributes: [plan]    # account columns never used as features
      leaky_attributes: []         # columns known to be filled in after a sale: dropped with a warning

Lead lists (a table of attributes with an outcome, and no event log) are
labelled by *arrival* instead of activity: at each snapshot ``D`` the rows are
the leads that arrived in ``[D, next snapshot)`` (their ``account_created_column``,
else their first opportunity), labelled 1 when a sales opportunity created
within ``horizon_days`` of the arrival was won. Each lead is one row, the fit
(attributes) model carries the weight, and the time split still runs by
snapshot. See ``leadlight.labels.label_times``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, model_validator

from leadlight.config.base import Strict

LeadIn = Annotated[int, Field(ge=0, le=365)]
Horizon = Annotated[int, Field(ge=1, le=365)]


class TrialConfig(Strict):
    """Trial products: each account is scored while its trial runs and judged by the trial's end plus grace."""

    started_column: str = Field("trial_started_at", description="Accounts column with when the trial started.")
    length_days: int = Field(14, ge=1, le=365, description="How long a trial runs.")
    grace_days: int = Field(7, ge=0, le=365, description="A conversion this long after the trial ends still counts.")


class ModelConfig(Strict):
    """Point-in-time training sets, the fit / intent models and the backtest."""

    target: Literal["sales", "self_serve", "any", "expansion"] = Field(
        "sales",
        description="The conversion the model learns: sales (a won sales opportunity), self_serve (an upgrade "
        "without sales), any (either), expansion (a new won opportunity of an account already paying). One model "
        "per target: train once per target.",
    )
    trial: TrialConfig | None = Field(
        None, description="Trial products: rows at each snapshot while an account's trial runs, labelled by a "
        "conversion (model.target) before the trial ends plus grace_days; horizon_days is then unused.",
    )
    snapshot_every: Literal["auto", "month", "week"] = Field(
        "auto",
        description="How often history is cut into snapshots (midnight UTC on the 1st, or on Mondays); auto: monthly "
        "when history holds at least 8 monthly snapshots, else weekly.",
    )
    lead_in_days: LeadIn | Literal["auto"] = Field(
        "auto", description="Days of history a snapshot needs before it (its behaviour windows fill up); auto: "
        "28, or 21 / 14 / 7 when the history is too short for two walk-forward folds with buyers (stated by `train`).",
    )
    cv_folds: int = Field(
        4, ge=2, le=12, description="Walk-forward folds: each later block of snapshots is predicted by a model trained "
        "only on snapshots whose label windows ended before it; they choose the learner and calibrate it.",
    )
    horizon_days: Horizon | Literal["auto"] = Field(
        "auto", description="A snapshot is labelled positive when a won sales opportunity is created within this "
        "many days after it; auto: 30, or the longest of 21 / 14 that gives a short history two walk-forward folds "
        "with buyers (stated by `train` and in the model card).",
    )
    eligible_active_days: int = Field(
        90, ge=1, le=730, description="Only accounts with activity in this many days before a snapshot are labelled."
    )
    eligibility: Literal["auto", "activity", "arrival"] = Field(
        "auto",
        description="activity: accounts active before a snapshot are labelled (event logs); arrival: each lead is "
        "labelled once, in the snapshot period it arrived in (lead lists); auto: arrival when no events are loaded.",
    )
    account_created_column: str = Field(
        "created_at",
        description="Accounts column with the date each lead/account arrived (arrival eligibility); never a feature. "
        "Accounts without it arrive with their first opportunity.",
    )
    min_positives: int = Field(
        20, ge=1, description="Below this many positive rows `leadlight train` refuses and scoring stays rule-only; "
        "under 30 buyers in the out-of-time folds the report carries a warning."
    )
    features: Literal["auto", "declared", "both"] = Field(
        "both", description="auto: zero-config per-event behaviour features; declared: the signals list; both."
    )
    windows_days: list[int] = Field(
        default_factory=lambda: [7, 28, 90], description="Trailing windows (days) of the zero-config behaviour features."
    )
    min_accounts_per_event: int = Field(
        20, ge=1, description="Events done by fewer accounts (before the last training snapshot) are pooled into 'other events'."
    )
    attributes: list[str] | None = Field(
        None, description="Account columns the fit model may use; default: every column except ids, domain and name."
    )
    ignore_attributes: list[str] = Field(default_factory=list, description="Account columns never used as features.")
    leaky_attributes: list[str] = Field(
        default_factory=list, description="Columns known to be filled in after the outcome: dropped, with a warning."
    )
    drop_detected_leaks: bool = Field(
        True, description="Drop attributes the leakage check flags (near-perfect alone, or nulls tied to the label)."
    )
    algorithms: list[Literal["lightgbm", "logistic"]] = Field(
        default_factory=lambda: ["lightgbm", "logistic"], description="Candidates, chosen on the walk-forward folds; "
        "lightgbm is tried in three settings, strong to light regularisation."
    )
    calibration: Literal["platt", "isotonic"] = Field("platt", description="How probabilities are calibrated on a later slice.")
    test_snapshots: int = Field(
        0, ge=0, description="Snapshots per walk-forward fold; 0 spreads the later half of history over cv_folds."
    )
    history_from: date | None = Field(None, description="Ignore snapshots before this date.")
    history_to: date | None = Field(None, description="Ignore snapshots after this date.")
    flag_share: float = Field(
        0.25, gt=0, lt=1, description="The model flags this share of eligible accounts as PQAs (threshold fixed at training)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> "ModelConfig":
        if not self.windows_days or any(w <= 0 for w in self.windows_days):
            raise ValueError("windows_days needs positive whole days, e.g. [7, 28, 90]")
        if not self.algorithms:
            raise ValueError("algorithms needs at least one of lightgbm, logistic")
        if self.history_from and self.history_to and self.history_from >= self.history_to:
            raise ValueError("history_from must be before history_to")
        return self
