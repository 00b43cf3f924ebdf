"""Derived state brought up to date before a command reads it.

An ingest killed during identity resolution, or one whose later file failed,
leaves events loaded but identities stale. Every command that computes from
the data opens its engine through ``open_current_engine``, which first
rebuilds identities when their stored fingerprint is not that of the current
inputs and settings (``identity.freshness``): a cheap check when nothing
changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from leadlight.config.project import ProjectConfig
from leadlight.identity import ensure_resolved
from leadlight.storage.database import connect
from leadlight.storage.project import Project

if TYPE_CHECKING:  # Ibis loads only when an engine is opened: the freshness check alone stays light
    from leadlight.storage.engine import Engine


def refresh_identity(project: Project, config: ProjectConfig) -> dict | None:
    """Rebuild identities if stale; returns resolve's counts, or None when they were current (or no data yet)."""
    if not project.database_path.exists():
        return None
    con = connect(project)
    try:
        return ensure_resolved(con, config.identity)
    finally:
        con.close()


def open_current_engine(project: Project, config: ProjectConfig) -> Engine:
    """``open_engine`` over data whose derived identity state is current."""
    from leadlight.storage.engine import open_engine

    refresh_identity(project, config)
    return open_engine(project, config)
