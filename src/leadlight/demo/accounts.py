"""Latent accounts: firmographics and a lifecycle curve of engagement over time."""

from __future__ import annotations

import numpy as np

from leadlight.demo import vocab
from leadlight.demo.company import (
    BURSTS_PER_YEAR, LIFECYCLE_WEIGHTS, PRE_DAYS, QUIET, RAMP, STALL, company_identity,
)
from leadlight.demo.period import Period


def firmographics(rng: np.random.Generator, first_index: int, n: int) -> dict:
    """What the CRM knows about ``n`` accounts numbered from ``first_index`` (with its blanks)."""
    names, domains = zip(*(company_identity(first_index + i) for i in range(n))) if n else ((), ())
    names, domains = list(names), list(domains)
    # A few companies run two workspaces (two account ids) under one domain.
    shared = np.zeros(n, dtype=bool)
    for i in np.flatnonzero(rng.random(n) < 0.03):
        if i > 0 and not shared[i - 1] and not shared[i]:
            shared[i - 1] = shared[i] = True
            domains[i] = domains[i - 1]
            names[i] = f"{names[i - 1]} {vocab.WORKSPACE_SUFFIXES[rng.integers(len(vocab.WORKSPACE_SUFFIXES))]}"
    employees = np.clip(np.round(rng.lognormal(np.log(35), 1.4, n)), 1, 60000).astype(np.int64)
    industry = rng.choice(len(vocab.INDUSTRIES), n, p=vocab.INDUSTRY_WEIGHTS)
    industry[rng.random(n) < 0.04] = -1
    country = [vocab.COUNTRIES[c] for c in rng.choice(len(vocab.COUNTRIES), n, p=vocab.COUNTRY_WEIGHTS)]
    for i in np.flatnonzero(rng.random(n) < 0.03):
        country[i] = ""
    stage = np.clip(np.round(np.log10(employees) * 1.6 + rng.normal(0, 0.8, n)), 0, 5).astype(int)
    funding = [vocab.FUNDING_STAGES[s] if rng.random() > 0.2 else "" for s in stage]
    tech = []
    for _ in range(n):
        picks = rng.choice(len(vocab.TECH), rng.integers(0, 5), replace=False)
        tech.append(";".join(vocab.TECH[p] for p in sorted(picks)))
    plan = ["starter" if r < 0.25 else "free" for r in rng.random(n)]
    return {"account_id": [f"acc_{first_index + i + 1:06d}" for i in range(n)], "name": names,
            "domain": domains, "employees": employees, "industry": industry, "country": country,
            "funding_stage": funding, "tech_stack": tech, "plan": plan, "shared_domain": shared}


def lifecycles(rng: np.random.Generator, period: Period, n: int, solo: int, employees: np.ndarray) -> dict:
    """Start day, lifecycle, engagement curve and buying-interest episodes for ``n`` accounts + ``solo`` workspaces.

    Curves are on the extended grid ``PRE_DAYS + period.days`` (column ``PRE_DAYS`` is day 0).
    """
    rows, width = n + solo, PRE_DAYS + period.days
    before = rng.random(n) < 0.25
    start = np.where(before, -rng.integers(1, PRE_DAYS, n), (rng.random(n) ** 1.2 * (period.days - 14)).astype(int))
    start = np.concatenate([start, rng.integers(-60, period.days - 7, solo)])
    life = np.concatenate([rng.choice(4, n, p=LIFECYCLE_WEIGHTS), np.full(solo, QUIET)])
    base = rng.lognormal(0, 0.45, rows)
    rel = np.arange(width)[None, :] - (start[:, None] + PRE_DAYS)
    turn = rng.uniform(20, 250, rows)[:, None]  # ramp midpoint / stall or quiet day
    width_days = rng.uniform(7, 40, rows)[:, None]
    lifecycle = life[:, None]
    curve = np.select(
        [lifecycle == RAMP, lifecycle == STALL, lifecycle == QUIET],
        [0.25 + 1.1 / (1 + np.exp(-(rel - turn) / width_days)),
         0.3 + 0.6 / (1 + np.exp((rel - turn * 0.6) / 7)),
         0.9 * np.exp(-np.maximum(rel - turn * 0.8, 0) / 10) + 0.01],
        default=0.75,
    )
    novelty = 1 + 0.5 * np.exp(-np.maximum(rel, 0) / 10)
    burst = np.zeros((rows, width), dtype=bool)
    size = np.concatenate([0.7 + 0.08 * np.log(employees), np.zeros(solo)])
    alive_days = width - (start + PRE_DAYS)
    for r in range(rows):
        for _ in range(rng.poisson(BURSTS_PER_YEAR[life[r]] * size[r] * alive_days[r] / 365)):
            b = start[r] + PRE_DAYS + rng.integers(0, alive_days[r])
            burst[r, b : b + rng.integers(7, 29)] = True
    intensity = np.where(rel >= 0, base[:, None] * curve * novelty * (1 + 0.4 * burst), 0.0)
    return {"start_w": start, "lifecycle_w": life, "intensity_w": intensity, "burst_w": burst,
            "growth_w": np.where(rel >= 0, curve * (1 + 2.0 * burst), 0.0), "base_w": base}
