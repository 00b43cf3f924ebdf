"""Generate a whole synthetic PLG company, chunk by chunk, into five files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np

from leadlight.demo import segment, vocab
from leadlight.demo.accounts import firmographics, lifecycles
from leadlight.demo.behaviour import simulate_behaviour
from leadlight.demo.catalog import Events
from leadlight.demo.company import SOLO_SHARE, Company, internal_reps
from leadlight.demo.outcomes import Outcomes, draw_outcomes
from leadlight.demo.people import members
from leadlight.demo.period import DEFAULT_END, Period
from leadlight.demo.writer import CompanyFiles
from leadlight.errors import UsageError
from leadlight.progress import SILENT, Progress

CHUNK_ACCOUNTS = 500


def generate_company(
    out_dir: Path | str,
    accounts: int = 1000,
    days: int = 365,
    seed: int = 42,
    *,
    end: date | None = None,
    chunk_size: int = CHUNK_ACCOUNTS,
    progress: Progress = SILENT,
) -> dict:
    """Write ``events.ndjson.gz``, ``accounts.csv``, ``users.csv``, ``opportunities.csv`` and ``truth.csv``.

    The simulated period is the ``days`` days ending on ``end`` (default 2026-10-31),
    so the same arguments always give byte-identical files. Returns the output folder
    (absolute) and the counts written: ``{"out", "accounts", "users", "events", "opportunities"}``;
    ``events`` counts lines, duplicates included. ``truth.csv`` is explained in
    ``leadlight.demo.law``.
    """
    if accounts < 1:
        raise UsageError(f"--accounts must be at least 1, not {accounts}", hint="try --accounts 1000")
    if days < 28:
        raise UsageError(f"--days must be at least 28, not {days}",
                         hint="use --days 56 or more: accounts convert from the third week on")
    if chunk_size < 1:
        raise UsageError("chunk_size must be at least 1")
    out = Path(out_dir).expanduser().resolve()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"cannot create {out}: {err.strerror}", hint="choose a folder you can write to") from None
    period = Period.ending(end or DEFAULT_END, days)
    # The dataset's shape is in the id namespace: two datasets of one seed (other --accounts or --days) never share
    # a messageId, so loading both does not drop one's events as the other's duplicates.
    salt = int(np.random.default_rng([seed, 1 << 20, accounts, days, int(period.start_epoch)]).integers(0, 1 << 62))
    counts = {"accounts": 0, "users": 0, "events": 0, "opportunities": 0}
    users_counter = messages = 0
    chunks = range(0, accounts, chunk_size)
    with CompanyFiles(out) as files, progress.step(f"Simulating {accounts:,} accounts over {days} days", total=len(chunks)) as bar:
        reps = internal_reps(period)
        files.rows("users.csv", ((r["user_id"], r["email"], r["title"], None, r["created_at"], True) for r in reps))
        counts["users"] += len(reps)
        for k, first in enumerate(chunks):
            rng = np.random.default_rng([seed, k])
            co, users_counter = build_company(rng, period, first, min(chunk_size, accounts - first), users_counter)
            events = simulate_behaviour(rng, period, co)
            outcomes = draw_outcomes(rng, period, co, events)
            calls = Events.concat([events, outcomes.calls])
            del events
            for block in segment.render(rng, period, co, calls, messages, salt):
                files.events(block)
                counts["events"] += block.count(b"\n")
            messages += len(calls)
            _write_tables(files, co, outcomes, period, counts)
            bar.advance()
    return {"out": str(out), **counts}


def _write_tables(files: CompanyFiles, co: Company, outcomes: Outcomes, period: Period, counts: dict) -> None:
    files.rows("accounts.csv", (
        (co.account_id[a], co.domain[a], co.name[a], int(co.employees[a]),
         vocab.INDUSTRIES[co.industry[a]] if co.industry[a] >= 0 else None, co.country[a], outcomes.plan[a],
         co.funding_stage[a], co.tech_stack[a])
        for a in range(co.n_accounts)))
    people = [m for m in range(len(co.workspace_m)) if not co.internal_m[m]]
    files.rows("users.csv", (
        (co.user_id_m[m], co.email_m[m], co.title_m[m],
         co.account_id[co.workspace_m[m]] if co.listed_account_m[m] else None,
         period.moment(co.join_m[m], co.join_second_m[m]), bool(co.confirmed_m[m]))
        for m in people))
    opps = sorted(outcomes.opportunities, key=lambda o: (o["created_at"], o["account_id"]))
    files.rows("opportunities.csv", (
        (f"opp_{counts['opportunities'] + i + 1:07d}", o["account_id"], o["domain"], o["created_at"], o["closed_at"],
         o["stage"], o["amount"], o["source"])
        for i, o in enumerate(opps)))
    files.rows("truth.csv", ((a, as_of, f"{p:.8f}") for a, as_of, p in outcomes.truth))
    counts["accounts"] += co.n_accounts
    counts["users"] += len(people)
    counts["opportunities"] += len(opps)


def build_company(rng: np.random.Generator, period: Period, first_index: int, n: int, user_counter: int) -> tuple[Company, int]:
    """Accounts ``first_index .. first_index + n - 1``, some individuals, and everyone in them."""
    firms = firmographics(rng, first_index, n)
    solo = int(rng.binomial(n, SOLO_SHARE))
    life = lifecycles(rng, period, n, solo, firms["employees"])
    people, user_counter = members(rng, period, firms, life, solo, user_counter)
    life = {k: v for k, v in life.items() if k in Company.__dataclass_fields__}
    return Company(n_accounts=n, **firms, **life, **people), user_counter
