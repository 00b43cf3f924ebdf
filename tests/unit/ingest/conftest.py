"""A throwaway project and a helper that writes an input file and ingests it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from leadlight.storage import Project
from leadlight.tasks.ingest import ingest
from leadlight.tasks.init import init_project

# Fixed ingest time, so "more than a day in the future" is checkable by hand.
NOW = datetime(2026, 3, 1, 12, 0, 0)


class Workspace:
    def __init__(self, root: Path) -> None:
        self.root = root
        init_project(root / "project")
        self.project = Project(root / "project")

    def write(self, name: str, text: str | bytes) -> Path:
        path = self.root / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, str):
            text = text.encode("utf-8")
        path.write_bytes(text)
        return path

    def ingest(self, paths, kind: str = "events", now: datetime = NOW) -> dict:
        paths = paths if isinstance(paths, list) else [paths]
        return ingest(self.project, paths, kind, now=now)

    def load(self, name: str, text: str | bytes, kind: str = "events") -> dict:
        return self.ingest(self.write(name, text), kind)

    def rows(self, sql: str, params=None) -> list[tuple]:
        con = duckdb.connect(str(self.project.database_path), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def dicts(self, sql: str) -> list[dict]:
        con = duckdb.connect(str(self.project.database_path), read_only=True)
        try:
            cur = con.execute(sql)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r)) for r in cur.fetchall()]
        finally:
            con.close()


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)


@pytest.fixture
def checker(tmp_path):
    """A running drain worker (checks segments in its own process), closed after the test."""
    from leadlight.ingest.collector import SegmentChecker

    checker = SegmentChecker(tmp_path / "tmp", nice=5)
    checker.start()
    yield checker
    checker.close()
