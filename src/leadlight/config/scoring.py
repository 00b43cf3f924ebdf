"""The `scoring:` section. OWNED BY THE SCORING ENGINEER - placeholder until then."""

from __future__ import annotations

from leadlight.config.base import Strict


class ScoringConfig(Strict):
    pass
