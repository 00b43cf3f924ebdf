"""Trial cohorts: scored while the trial runs, labelled by a conversion before trial end plus grace."""

from datetime import datetime, timedelta

import pandas as pd

from leadlight.config.model import ModelConfig, TrialConfig
from leadlight.labels.calendar import reach
from leadlight.labels.label_times import LABEL_COLUMNS
from leadlight.labels.trials import label_trials, trial_starts

MON = datetime(2026, 3, 2)
DAY = timedelta(days=1)


def test_trial_rows_and_labels_by_hand():
    accounts = pd.DataFrame({"trial_started_at": ["2026-02-25", "2026-03-01", "2026-02-01", None, "2026-02-27"]},
                            index=["t1", "t2", "old", "none", "paid"])
    started = trial_starts(accounts, "trial_started_at")
    opps = pd.DataFrame({
        "account_id": ["t1", "t2", "paid"],
        "created_at": [MON + 12 * DAY, MON + 30 * DAY, MON - 1 * DAY],
        "closed_at": [MON + 12 * DAY, MON + 30 * DAY, MON - 1 * DAY],
        "stage": ["won", "won", "won"], "source": ["self_serve", "self_serve", "self_serve"], "amount": [1.0, 2.0, 3.0],
    })
    trial = TrialConfig(length_days=14, grace_days=7)
    got = label_trials(started, opps, [MON], trial, ("self_serve",), LABEL_COLUMNS)
    rows = {r.account_id: r.label for r in got.itertuples()}
    # t1: trial Feb 25 - Mar 11, converted Mar 14 (inside the 7-day grace); t2: converted Apr 1, after Mar 22
    # old: trial over by March; none: no start date; paid: converted before the snapshot
    assert rows == {"t1": 1, "t2": 0}
    assert list(got.columns) == LABEL_COLUMNS
    assert reach(ModelConfig(trial=trial), "activity") == timedelta(days=21)
