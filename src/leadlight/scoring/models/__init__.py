"""Learned fit and intent models: point-in-time features, training, calibration, artifacts, prediction.

``active_model(project)`` is the hook scoring calls; it is None until
``leadlight train`` has produced a model.
"""

from typing import Any

__all__ = ["ActiveModel", "active_model"]


def __getattr__(name: str) -> Any:
    # Loaded on first use: prediction pulls in training and scipy, seconds that a project without a trained
    # model (or a caller reading artifacts) should not pay.
    if name in __all__:
        from leadlight.scoring.models import predict

        return getattr(predict, name)
    raise AttributeError(f"module 'leadlight.scoring.models' has no attribute {name!r}")
