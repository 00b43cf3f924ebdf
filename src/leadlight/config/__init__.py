"""``leadlight.yml`` as pydantic models, and the loader that reports file:line for every error."""

from leadlight.config.loader import load_config, load_config_file, parse_config
from leadlight.config.project import ProjectConfig

__all__ = ["ProjectConfig", "load_config", "load_config_file", "parse_config"]
