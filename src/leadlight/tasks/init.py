"""``leadlight init``: write a commented leadlight.yml that works on generated data."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from leadlight.config import parse_config
from leadlight.errors import UsageError
from leadlight.storage.project import CONFIG_FILE, Project


def template_text() -> str:
    return files("leadlight.config").joinpath("template.yml").read_text(encoding="utf-8")


def init_project(directory: Path, *, force: bool = False) -> dict[str, str]:
    """Create ``directory/leadlight.yml`` (and the folder); refuse to overwrite without ``force``."""
    project = Project(directory.expanduser().resolve())
    if project.config_path.exists() and not force:
        raise UsageError(
            f"{project.config_path} already exists",
            hint="edit it, or run `leadlight init --force` to replace it with the template",
        )
    text = template_text()
    parse_config(text, CONFIG_FILE)  # the template must always be valid
    project.root.mkdir(parents=True, exist_ok=True)
    project.config_path.write_text(text, encoding="utf-8")
    project.ensure_dirs()
    return {"project": str(project.root)}
