"""Where Leadlight's tables live: the project's folders, the DuckDB file, the canonical schema."""

from leadlight.storage.project import Project
from leadlight.storage.database import connect

__all__ = ["Project", "connect"]
