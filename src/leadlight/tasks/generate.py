"""``leadlight generate``: write a synthetic PLG company to a folder."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from leadlight.demo import generate_company
from leadlight.progress import SILENT, Progress


def generate(out: Path, *, accounts: int = 1000, days: int = 365, seed: int = 42, end: date | None = None,
             progress: Progress = SILENT) -> dict:
    """Generate the five files into ``out``; returns ``{"out", "accounts", "users", "events", "opportunities"}``."""
    return generate_company(out, accounts=accounts, days=days, seed=seed, end=end, progress=progress)
