"""Where Leadlight's tables live: the project's folders, the DuckDB file, the canonical schema."""

from leadlight.storage.project import Project

__all__ = ["Project", "connect"]


def __getattr__(name: str):
    # ``connect`` imports DuckDB (~30 ms): loaded on first use, so `leadlight --help` stays fast.
    if name == "connect":
        from leadlight.storage.database import connect

        return connect
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
