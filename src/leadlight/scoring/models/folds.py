"""Walk-forward folds over snapshots, purged of overlapping label windows.

Snapshots are never shuffled. The later part of history is cut into blocks
(folds); each block is predicted by models trained only on snapshots whose
label window closed before the block starts (``d + reach <= block[0]``): the
*purge*. Later snapshots are never used to predict earlier ones, so the
embargo after a block is total. The out-of-fold predictions choose the learner,
fit the calibration and give the reported, honest out-of-time metrics. The
saved model is then refitted on every labelled snapshot.

With ``n`` snapshots and ``k`` folds, blocks hold ``test_snapshots`` snapshots
each (0: the later half of history spread over ``k``, at least one); a block
whose training side would be empty is dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from leadlight.config.model import ModelConfig


@dataclass(frozen=True)
class Fold:
    """Train on ``train``, predict ``test``; ``purged`` are earlier snapshots left out for overlapping labels."""

    train: tuple[datetime, ...]
    test: tuple[datetime, ...]
    purged: tuple[datetime, ...]


def walk_forward(snapshots: list[datetime], config: ModelConfig, reach: timedelta) -> list[Fold]:
    """The folds, earliest first; empty when the history is too short to keep any fold apart."""
    snaps = sorted(set(snapshots))
    n, k = len(snaps), config.cv_folds
    size = config.test_snapshots or max(1, math.ceil((n // 2) / k))
    folds: list[Fold] = []
    for j in range(k):
        hi = n - j * size
        lo = max(hi - size, 0)
        if lo >= hi:
            break
        test = snaps[lo:hi]
        train = tuple(d for d in snaps[:lo] if d + reach <= test[0])
        if not train:
            break
        purged = tuple(d for d in snaps[:lo] if d + reach > test[0])
        folds.append(Fold(train, tuple(test), purged))
    return folds[::-1]


def snapshots_needed(config: ModelConfig) -> int:
    """The fewest snapshots that give one fold: one to train, the purge gap, one to predict."""
    step = timedelta(days=28 if config.snapshot_every == "month" else 7)
    return 2 + max(0, math.ceil(timedelta(days=config.horizon_days) / step) - 1)
