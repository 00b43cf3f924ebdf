"""``leadlight plan``: replay every playbook over history before turning it on.

At each moment from ``--from`` to ``--to`` (weekly by default) the accounts are
scored as of that moment - point in time, exactly as ``run`` would have scored
them - and the playbooks matched with the state carried from the moment
before, so only entering counts (one warm-up moment before ``--from`` primes
the state). The per-account cap is applied in playbook order, as ``run`` does.
For each playbook: alerts per week (and per team), accounts triggered, how many
of them won a sales deal created within ``model.horizon_days`` of their first
trigger, the same for accounts in its audience it never triggered on, the lift,
the buyers it missed, and the median days from trigger to opportunity.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from statistics import median
from typing import Any

import pandas as pd

from leadlight.config import load_config
from leadlight.errors import NotReady, UsageError
from leadlight.playbooks.matching import State, match
from leadlight.playbooks.routing import route
from leadlight.playbooks.subjects import subjects
from leadlight.progress import SILENT, Progress
from leadlight.scoring.models.settings import fit_to_history
from leadlight.scoring.snapshot import latest_as_of, score_snapshot
from leadlight.storage.engine import open_engine
from leadlight.storage.opportunities import opportunities_by_account
from leadlight.storage.project import Project
from leadlight.tasks.score import as_of_option
from leadlight.timeutil import iso, parse_window


def plan(project: Project, start: str | None = None, end: str | None = None, every: str = "7d", *,
         progress: Progress = SILENT) -> dict:
    """The ``plan --json`` document: ``{"from", "to", "moments", "playbooks": [...]}``."""
    config = load_config(project)
    if not config.playbooks:
        raise NotReady("leadlight.yml has no playbooks to replay",
                       hint="add a playbooks: section (see `leadlight init` for one of each trigger type)")
    step = parse_window(every)
    engine = open_engine(project, config)
    try:
        last = as_of_option(end) or latest_as_of(engine)
        first = as_of_option(start) or last - timedelta(days=91)
        if first >= last:
            raise UsageError(f"--from {iso(first)} is not before --to {iso(last)}", hint="give the earlier date to --from")
        moments = [first - step]
        while moments[-1] + step <= last:
            moments.append(moments[-1] + step)
        hits = _replay(engine, config, moments, progress)
        deals = _sales_deals(engine)
        horizon_days = fit_to_history(engine, config.model).config.horizon_days  # the one `train` picks
    finally:
        engine.close()
    horizon = timedelta(days=horizon_days)
    weeks = max((moments[-1] - moments[1]).days / 7, 1.0) if len(moments) > 1 else 1.0
    result = {"from": iso(moments[1] if len(moments) > 1 else first), "to": iso(moments[-1]),
              "moments": len(moments) - 1, "every": every, "horizon_days": horizon_days,
              "playbooks": [_report(p, hits, deals, horizon, weeks) for p in config.playbooks if p.enabled]}
    store_latest(project, result)
    return result


def plan_path(project: Project) -> Path:
    return project.data_dir / "reports" / "plan.json"


def store_latest(project: Project, result: dict) -> None:
    """Keep the latest replay for the web report (written whole, then moved into place)."""
    path = plan_path(project)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".tmp")
    scratch.write_text(json.dumps(result))
    scratch.replace(path)


def latest_plan(project: Project) -> dict | None:
    """The last ``leadlight plan`` result, if one was run."""
    try:
        return json.loads(plan_path(project).read_text())
    except (OSError, ValueError):
        return None


def _replay(engine: Any, config: Any, moments: list[datetime], progress: Progress) -> dict[str, Any]:
    """Per playbook: the alerts it would have sent (after caps) and every account it could have acted on."""
    state: State = {}
    pqls_at: dict[datetime, set[str]] = {}
    alerts: dict[str, list[dict]] = defaultdict(list)
    audience: dict[str, set[str]] = defaultdict(set)
    capped: Counter = Counter()
    last_alert: dict[str, list[datetime]] = defaultdict(list)
    period, per_account = parse_window(config.caps.period), config.caps.per_account
    spans = [parse_window(p.trigger.within) for p in config.playbooks if p.trigger.kind == "many_pqls"]
    triggers = config.scoring.pqa.triggers
    given: dict[str, int] = {}
    with progress.step("replaying playbooks", total=len(moments)) as bar:
        for i, moment in enumerate(moments):
            snap = score_snapshot(engine, config, moment)
            pqls_at[moment] = set(snap.users.loc[snap.users.pql.astype(bool), "user_id"]) if len(snap.users) else set()
            earlier = _earlier(pqls_at, moment - max(spans)) if spans else None
            found = subjects(snap.accounts, snap.users, earlier)
            hits, state = match(config.playbooks, found, state, triggers.k if triggers else None)
            bar.advance()
            if i == 0:
                continue  # the warm-up moment only primes the state
            for s in found:
                for p in config.playbooks:
                    if s.account.status in p.audience:
                        audience[p.name].add(s.account.account_id)
            for hit in hits:
                account_id = hit.subject.account.account_id
                recent = [t for t in last_alert[account_id] if t > moment - period]
                if len(recent) >= per_account:
                    capped[hit.playbook.name] += 1
                    continue
                last_alert[account_id] = [*recent, moment]
                team = route(hit.subject, config.routing, config.teams, given, team=hit.playbook.team).team
                alerts[hit.playbook.name].append({"account_id": account_id, "at": moment, "team": team})
    return {"alerts": alerts, "audience": audience, "capped": capped}


def _earlier(pqls_at: dict[datetime, set[str]], start: datetime) -> set[str] | None:
    before = [m for m in pqls_at if m <= start]
    return pqls_at[max(before)] if before else None


def _sales_deals(engine: Any) -> pd.DataFrame:
    opp = opportunities_by_account(engine)
    won = opp.filter((opp.source != "self_serve") & (opp.stage == "won") & opp.account_id.notnull())
    frame = won.select(account_id=won.account_id.cast("string"), created_at=won.created_at).to_pandas()
    return frame.sort_values("created_at")


def _report(playbook: Any, replay: dict[str, Any], deals: pd.DataFrame, horizon: timedelta, weeks: float) -> dict:
    alerts = replay["alerts"].get(playbook.name, [])
    first: dict[str, datetime] = {}
    for a in alerts:
        first.setdefault(a["account_id"], a["at"])
    audience = replay["audience"].get(playbook.name, set())
    start = min((a["at"] for a in alerts), default=None)
    deal_dates = deals.groupby("account_id").created_at.apply(list).to_dict() if len(deals) else {}

    def bought_within(account_id: str, since: datetime) -> datetime | None:
        return next((d for d in deal_dates.get(account_id, []) if since <= d < since + horizon), None)

    converted = {a: bought_within(a, t) for a, t in first.items()}
    days = [(d - first[a]).days for a, d in converted.items() if d is not None]
    never = audience - set(first)
    window_start = start or datetime.max
    never_bought = {a for a in never if any(d >= window_start for d in deal_dates.get(a, []))} if start else set()
    triggered_rate = _rate(sum(d is not None for d in converted.values()), len(first))
    untriggered_rate = _rate(len(never_bought), len(never))
    per_team = Counter(a["team"] or "unrouted" for a in alerts)
    return {
        "name": playbook.name, "alerts": len(alerts), "alerts_per_week": round(len(alerts) / weeks, 1),
        "alerts_per_week_by_team": {t: round(n / weeks, 1) for t, n in sorted(per_team.items())},
        "capped": replay["capped"].get(playbook.name, 0), "triggered": len(first),
        "triggered_conversion_rate": triggered_rate, "untriggered_conversion_rate": untriggered_rate,
        "lift": round(triggered_rate / untriggered_rate, 2) if triggered_rate and untriggered_rate else None,
        "missed_buyers": len(never_bought), "median_days_to_opportunity": median(days) if days else None,
    }


def _rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None
