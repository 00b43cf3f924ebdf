"""A project is a folder holding ``leadlight.yml``; its data lives in ``.leadlight/`` beside it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from leadlight.errors import ProjectNotFound

CONFIG_FILE = "leadlight.yml"
DATA_DIR = ".leadlight"


@dataclass(frozen=True)
class Project:
    root: Path

    @classmethod
    def locate(cls, project: str | Path | None = None, *, must_exist: bool = True) -> "Project":
        """``--project`` if given, else ``$LEADLIGHT_PROJECT``, else the current folder."""
        chosen = project or os.environ.get("LEADLIGHT_PROJECT") or "."
        root = Path(chosen).expanduser().resolve()
        found = cls(root)
        if must_exist and not found.config_path.is_file():
            raise ProjectNotFound(
                f"no {CONFIG_FILE} in {root}",
                hint="run `leadlight init` there, or point --project (or LEADLIGHT_PROJECT) at a project folder",
            )
        return found

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def data_dir(self) -> Path:
        return self.root / DATA_DIR

    @property
    def database_path(self) -> Path:
        return self.data_dir / "leadlight.duckdb"

    @property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def exchange_dir(self) -> Path:
        """Parquet copies of canonical tables, read by engines other than DuckDB."""
        return self.data_dir / "exchange"

    def ensure_dirs(self) -> None:
        for d in (self.data_dir, self.quarantine_dir, self.models_dir):
            d.mkdir(parents=True, exist_ok=True)
