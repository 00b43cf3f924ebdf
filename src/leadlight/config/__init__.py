"""``leadlight.yml`` as pydantic models, and the loader that reports file:line for every error."""

from leadlight.config.project import ProjectConfig

__all__ = ["ProjectConfig"]
