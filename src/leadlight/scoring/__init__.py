"""Scoring: PQL (people), PQA (accounts), fit x intent quadrant, champions, reasons, snapshots.

* ``score_frames(signal_frames, flags, scoring_config, self_serve=None) -> (accounts, users)``
  (``leadlight.scoring.frames``): every number as pure Ibis over the signal frames, so
  DuckDB and Spark give identical scores. ``flags`` is
  ``leadlight.scoring.flags.person_flags(engine)``; ``self_serve`` is
  ``leadlight.scoring.flags.self_serve_buyers(engine, as_of)``.
* ``score_snapshot(engine, config, as_of) -> Snapshot`` (``leadlight.scoring.snapshot``):
  the above, plus champions, decision makers, reasons and the model's probability,
  stored in ``account_scores`` / ``user_scores`` (``leadlight.storage.snapshots``).

Module map: ``rules`` (conditions -> Ibis), ``pql``, ``pqa`` (roll-up, k-of-N),
``quadrant`` (fit, intent), ``flags`` (built-in person flags), ``people``
(titles, champion), ``explain`` (reasons), ``snapshot``; the stored rows set-wise on DuckDB:
``snapshot_sql``, ``rows_sql``, ``reasons_sql`` (row by row elsewhere: ``rows``).
"""

from typing import Any

__all__ = ["Snapshot", "score_frames", "score_snapshot"]


def __getattr__(name: str) -> Any:
    # Loaded on first use: Ibis and pandas come with them, and ``train``'s preflight (``scoring.models.preflight``)
    # must refuse without loading either.
    if name == "score_frames":
        from leadlight.scoring.frames import score_frames

        return score_frames
    if name in ("Snapshot", "score_snapshot"):
        from leadlight.scoring import snapshot

        return getattr(snapshot, name)
    raise AttributeError(f"module 'leadlight.scoring' has no attribute {name!r}")
