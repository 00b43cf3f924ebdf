"""Learned fit and intent models: point-in-time features, training, calibration, artifacts, prediction.

``active_model(project)`` is the hook scoring calls; it is None until
``leadlight train`` has produced a model.
"""

from leadlight.scoring.models.predict import ActiveModel, active_model

__all__ = ["ActiveModel", "active_model"]
