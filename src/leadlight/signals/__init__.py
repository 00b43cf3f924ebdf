"""Signals: declared in leadlight.yml, computed point-in-time as Ibis expressions on DuckDB or Spark.

One small module per kind (``count``, ``distinct_users``, ``active_days``,
``recency``, ``velocity``, ``breadth``, ``first_days``, ``ratio``,
``attribute``), each with its compile function and sentence template;
``asof`` owns every time cutoff (``timestamp < as_of``); ``plan`` reads the
activity once per ``compute_signals`` (one grouped pass per (account, user)
pair, shared by every signal); ``incremental`` keeps a summary of old activity
so a new day of events does not mean recomputing all history.
"""

from leadlight.signals.compile import SignalFrames, compute_signals, sentence

__all__ = ["SignalFrames", "compute_signals", "sentence"]
