"""The `model:` section. OWNED BY THE MODELS ENGINEER - placeholder until then."""

from __future__ import annotations

from leadlight.config.base import Strict


class ModelConfig(Strict):
    pass
