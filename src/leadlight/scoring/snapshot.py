"""``score_snapshot``: signals -> scores -> people, reasons, probability, status -> a snapshot to store.

Scoring computes; the task stores (``storage.snapshots.write_snapshot``), in the
same transaction as whatever the snapshot causes (playbook hits, outbox rows).

The numbers come from :func:`leadlight.scoring.frames.score_frames` (Ibis, any
engine); champions, titles and reasons are Python over the scored rows.

Model hook: when ``leadlight.scoring.models.active_model(project)`` returns a
model, scoring calls ``model.predict(features)`` where ``features`` is a pandas
DataFrame, one row per account: ``account_id`` and every account-level signal
as of ``as_of`` (if the model has ``features(engine, as_of, accounts)`` that
builds the frame instead, given the same DataFrame as ``accounts`` and the signal specs that computed its
columns, so it reuses them instead of computing the same signals again). It must
return a DataFrame with ``account_id``, ``probability`` (0-1) and optionally
``reasons`` (a list of ``{signal, value, contribution, text}`` per account).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from leadlight import __version__
from leadlight.config.signals import CountSignal
from leadlight.errors import NotReady
from leadlight.progress import SILENT, Progress
from leadlight.scoring import explain, people
from leadlight.scoring.flags import PERSON_FLAGS, person_flags, self_serve_buyers
from leadlight.scoring.frames import score_frames
from leadlight.scoring.status import NOT_TO_CALL, account_status
from leadlight.signals import compute_signals
from leadlight.storage.engine import Engine
from leadlight.storage.snapshots import to_frame
from leadlight.storage.schema import ACCOUNTS, EVENTS_RESOLVED
from leadlight.timeutil import utcnow

# Who is never put forward as champion or decision maker (an account-level disqualifier, like a
# self-serve purchase, does not change who the people are).
NOT_A_CONTACT = ("personal_email", "disposable_email", "student", "internal")
ACTIVITY, ADMIN, INVITES = "ll_people_activity", "ll_people_admin", "ll_people_invites"
OWNER_COLUMNS = ("owner", "owner_email")


@dataclass
class Snapshot:
    """One scoring run: its provenance and the rows to store (``storage.snapshots`` shapes)."""

    as_of: datetime
    definition_hash: str
    accounts: pd.DataFrame
    users: pd.DataFrame

    def summary(self) -> dict[str, Any]:
        """The ``score --json`` document."""
        return {
            "as_of": self.as_of.isoformat(),
            "accounts": int(len(self.accounts)),
            "users": int(len(self.users)),
            "pqas": int(self.accounts["pqa"].sum()) if len(self.accounts) else 0,
            "pqls": int(self.users["pql"].sum()) if len(self.users) else 0,
        }


def definition_hash(config: Any) -> str:
    """sha256 of the canonical JSON of the signals and scoring sections."""
    doc = {
        "signals": [s.model_dump(mode="json") for s in config.signals],
        "scoring": config.scoring.model_dump(mode="json"),
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def latest_as_of(engine: Engine) -> datetime:
    """The default as_of: one second after the latest event, so every event counts.

    A project with no events (a lead list: accounts with attributes, and outcomes) is scored as of now.
    """
    events = engine.table(EVENTS_RESOLVED)
    latest = events.timestamp.max().to_pandas()
    if latest is None or pd.isna(latest):
        if not engine.table(ACCOUNTS).count().to_pandas():
            raise NotReady("there is nothing to score yet",
                           hint="load data with `leadlight ingest PATH --kind events` (or --kind accounts)")
        return utcnow()
    return pd.Timestamp(latest).to_pydatetime().replace(microsecond=0, tzinfo=None) + timedelta(seconds=1)


def people_signals(config: Any) -> list[CountSignal]:
    """User signals the champion choice needs: activity, admin actions, invites."""
    p = config.scoring.people
    # No events named: nobody is an admin (or inviter). A count without events would count every event.
    out = [CountSignal(name=name, kind="count", level="user", event=events, window="90d")
           for name, events in ((ADMIN, p.admin_events), (INVITES, p.invite_events)) if events]
    if p.activity is None:
        out.append(CountSignal(name=ACTIVITY, kind="count", level="user", window="28d"))
    return out


def score_snapshot(engine: Engine, config: Any, as_of: datetime | None = None, *,
                   progress: Progress = SILENT) -> Snapshot:
    """Score every account and person as of ``as_of`` (default: all data); nothing is stored."""
    as_of = latest_as_of(engine) if as_of is None else as_of.replace(microsecond=0, tzinfo=None)
    specs = list(config.signals) + people_signals(config)
    by_name = {s.name: s for s in specs}
    with progress.step("computing signals and scores"):
        frames = compute_signals(engine, specs, as_of)
        scored_accounts, scored_users = score_frames(
            frames, person_flags(engine, as_of), config.scoring, self_serve_buyers(engine, as_of))
        account_frame = scored_accounts.to_pandas()
        accounts = _records(account_frame)
        users = _records(scored_users.to_pandas())
        status = {r["account_id"]: r["status"] for r in account_status(engine, as_of).to_pyarrow().to_pylist()}
    with progress.step("explaining", total=len(accounts)):
        activity = config.scoring.people.activity or ACTIVITY
        user_rows = [_user_row(u, config.scoring, by_name, activity) for u in users]
        account_rows = _account_rows(engine, accounts, user_rows, config.scoring, by_name, status)
        _add_probability(engine, config, as_of, account_rows, account_frame)
    digest = definition_hash(config)
    provenance = {"as_of": as_of, "definition_hash": digest, "leadlight_version": __version__, "scored_at": utcnow()}
    names = {r["account_id"]: r["name"] for r in account_rows}
    return Snapshot(as_of, digest, to_frame([{**r, **provenance} for r in account_rows]),
                    to_frame([{**r, "account_name": names.get(r["account_id"]), **provenance} for r in user_rows]))


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as dicts of ``explain.plain`` values, built column by column (row by row cost seconds at 3,000
    accounts: a type dispatch per value)."""
    columns = []
    for name in frame.columns:
        column = frame[name]
        values = column.tolist()
        numpy = isinstance(column.dtype, np.dtype)  # not pandas' nullable types, whose missing values are pd.NA
        if numpy and column.dtype.kind == "f":
            values = [explain.plain_float(v) for v in values]
        elif not (numpy and column.dtype.kind in "iub"):  # numpy ints and bools are plain already
            values = [explain.plain(v) for v in values]
        columns.append(values)
    names = [str(n) for n in frame.columns]
    return [dict(zip(names, row)) for row in zip(*columns)] if columns else [{} for _ in range(len(frame))]


def _user_row(u: dict[str, Any], scoring: Any, specs: dict[str, Any], activity: str) -> dict[str, Any]:
    persona = people.parse_title(u.get("title"))
    failed = [f"requires {explain_name(g)}" for i, g in enumerate(scoring.pql.required) if not u.get(f"req_{i}")]
    hits = [explain_name(g) for i, g in enumerate(scoring.pql.disqualifiers) if u.get(f"disq_{i}")]
    reasons = explain.top(explain.person_reasons(u, scoring.pql, specs), scoring.reasons)
    return {
        "user_id": u["user_id"], "account_id": u.get("account_id"), "email": u.get("email"), "title": u.get("title"),
        "seniority": persona.seniority, "department": persona.department,
        "score": u.get("score") or 0.0, "points": u.get("points") or 0.0, "pql": bool(u.get("pql")),
        "disqualifiers": hits + failed, "flags": {f: bool(u.get(f)) for f in PERSON_FLAGS},
        "link_method": u.get("link_method"), "link_account_id": u.get("link_account_id"),
        "activity": float(u.get(activity) or 0.0), "reasons": reasons,
        "_admin": (u.get(ADMIN) or 0) > 0, "_inviter": (u.get(INVITES) or 0) > 0, "_excluded": any(u.get(f) for f in NOT_A_CONTACT),
    }


def explain_name(item: Any) -> str:
    return item if isinstance(item, str) else item.describe()


def _account_info(engine: Engine) -> Any:
    """Name, domain and owner per account (owner from an ``owner`` / ``owner_email`` column, when the file has one)."""
    table = engine.table(ACCOUNTS)
    extra = {c: table[c].cast("string").max() for c in OWNER_COLUMNS if c in table.columns}
    return table.group_by(account_id=table.account_id.cast("string")).aggregate(
        name=table.name.max(), domain=table.domain.max(), employees=table.employees.max(),
        industry=table.industry.max(), country=table.country.max(), plan=table.plan.max(), **extra).to_pandas()


def _account_rows(engine: Engine, accounts: list[dict], users: list[dict], scoring: Any, specs: dict,
                  status: dict[str, str]) -> list[dict]:
    names = _account_info(engine)
    info = {r["account_id"]: r for r in _records(names)}
    members: dict[str, list[dict]] = {}
    for u in users:
        if u["account_id"] is not None:
            members.setdefault(u["account_id"], []).append(
                {**u, "admin": u["_admin"], "inviter": u["_inviter"], "excluded": u["_excluded"]})
    out = []
    for a in accounts:
        crew = members.get(a["account_id"], [])
        champ = people.champion(crew)
        makers = people.decision_makers(crew, scoring.people.decision_makers)
        known = info.get(a["account_id"], {})
        standing = status.get(a["account_id"], "prospect")
        out.append({
            "account_id": a["account_id"], "name": known.get("name"), "domain": known.get("domain"),
            "status": standing, "owner": known.get("owner") or known.get("owner_email"),
            "owner_email": known.get("owner_email"), "employees": known.get("employees"),
            "industry": known.get("industry"), "country": known.get("country"), "plan": known.get("plan"),
            "score": a["score"], "points": a["points"], "probability": None,
            "fit": a["fit"], "fit_score": a["fit_score"], "intent": a["intent"], "intent_score": a["intent_score"],
            "quadrant": a["quadrant"], "priority": a["priority"], "people": a["people"],
            # Never send a rep to an account that already bought from sales or that sales already works.
            "pqa": bool(a["pqa"]) and standing not in NOT_TO_CALL,
            "pql_users": a["pql_users"], "triggers_fired": a["triggers_fired"],
            "reasons": explain.top(explain.account_reasons(a, scoring.pqa, specs), scoring.reasons),
            "fit_reasons": explain.top(explain.axis_reasons(a, scoring.fit, "fit", specs), scoring.reasons),
            "intent_reasons": explain.top(explain.axis_reasons(a, scoring.intent, "intent", specs), scoring.reasons),
            "model_reasons": None,
            # every account signal's value as scored, for `explain --signals` and exports
            "signals": {n: a.get(n) for n, s in specs.items() if getattr(s, "level", "account") == "account"
                        and n in a and not n.startswith("ll_")},
            "champion": people.person(champ) if champ else None,
            "decision_makers": [people.person(p) for p in makers],
        })
    return out


def _add_probability(engine: Engine, config: Any, as_of: datetime, rows: list[dict], accounts: pd.DataFrame) -> None:
    """Fill ``probability`` (and model reasons) from the active model, if one is trained."""
    from leadlight.scoring.models import artifacts

    if engine.project is None or artifacts.active_model_id(engine.project) is None:
        return  # rule-only scoring: no need to load the model code (and scipy)
    from leadlight.scoring.models import active_model

    model = active_model(engine.project)
    if model is None or not rows:
        return
    account_specs = [s for s in config.signals if s.level == "account"]
    frame = accounts[["account_id", *[s.name for s in account_specs if s.name in accounts.columns]]].copy()
    frame["account_id"] = frame["account_id"].astype(str)
    frame["as_of"] = as_of
    if hasattr(model, "features"):
        frame = model.features(engine, as_of, frame, computed=account_specs)
    result = model.predict(frame)
    found = {r["account_id"]: r for r in result.to_dict("records")}
    for row in rows:
        hit = found.get(row["account_id"])
        if hit is None:
            continue
        p = explain.plain(hit.get("probability"))
        row["probability"] = None if p is None or math.isnan(float(p)) else round(float(p), 4)
        row["model_reasons"] = hit.get("reasons") if isinstance(hit.get("reasons"), list) else None
        row["expected_value"] = _number(hit.get("expected_value"))
        row["motion"], row["motion_reason"] = hit.get("motion"), hit.get("motion_reason")
        row["self_serve_probability"], row["deal_size"] = _number(hit.get("self_serve_probability")), _number(hit.get("deal_size"))
        row["uplift"], row["uplift_reliable"] = _number(hit.get("uplift")), hit.get("uplift_reliable")


def _number(value: Any) -> float | None:
    v = explain.plain(value)
    return None if v is None or math.isnan(float(v)) else round(float(v), 4)
