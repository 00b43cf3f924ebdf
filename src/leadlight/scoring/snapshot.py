"""``score_snapshot``: signals -> scores -> people, reasons, probability -> stored snapshot.

The numbers come from :func:`leadlight.scoring.frames.score_frames` (Ibis, any
engine); champions, titles and reasons are Python over the scored rows.

Model hook: when ``leadlight.scoring.models.active_model(project)`` returns a
model, scoring calls ``model.predict(features)`` where ``features`` is a pandas
DataFrame, one row per account: ``account_id`` and every account-level signal
as of ``as_of`` (if the model has ``features(engine, as_of, accounts)`` that
builds the frame instead, given the same DataFrame as ``accounts``). It must
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

import pandas as pd

from leadlight import __version__
from leadlight.config.signals import CountSignal
from leadlight.errors import NotReady
from leadlight.progress import SILENT, Progress
from leadlight.scoring import explain, people, store
from leadlight.scoring.flags import PERSON_FLAGS, person_flags, self_serve_buyers
from leadlight.scoring.frames import score_frames
from leadlight.signals import compute_signals
from leadlight.storage.database import connect
from leadlight.storage.engine import Engine
from leadlight.storage.schema import ACCOUNTS, EVENTS_RESOLVED
from leadlight.timeutil import utcnow

# Who is never put forward as champion or decision maker (an account-level disqualifier, like a
# self-serve purchase, does not change who the people are).
NOT_A_CONTACT = ("personal_email", "disposable_email", "student", "sales_persona")
ACTIVITY, ADMIN, INVITES = "ll_people_activity", "ll_people_admin", "ll_people_invites"


@dataclass
class Snapshot:
    """One stored scoring run: counts, its provenance and the rows written."""

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
                   progress: Progress = SILENT, save: bool = True) -> Snapshot:
    """Score every account and person as of ``as_of`` (default: all data) and store the snapshot."""
    as_of = latest_as_of(engine) if as_of is None else as_of.replace(microsecond=0, tzinfo=None)
    specs = list(config.signals) + people_signals(config)
    by_name = {s.name: s for s in specs}
    with progress.step("computing signals and scores"):
        frames = compute_signals(engine, specs, as_of)
        scored_accounts, scored_users = score_frames(
            frames, person_flags(engine, as_of), config.scoring, self_serve_buyers(engine, as_of))
        accounts = _records(scored_accounts.to_pandas())
        users = _records(scored_users.to_pandas())
    with progress.step("explaining", total=len(accounts)):
        activity = config.scoring.people.activity or ACTIVITY
        user_rows = [_user_row(u, config.scoring, by_name, activity) for u in users]
        account_rows = _account_rows(engine, accounts, user_rows, config.scoring, by_name)
        _add_probability(engine, config, as_of, account_rows, accounts)
    digest = definition_hash(config)
    provenance = {"as_of": as_of, "definition_hash": digest, "leadlight_version": __version__, "scored_at": utcnow()}
    account_frame = _frame([{**r, **provenance} for r in account_rows], store.ACCOUNT_SCORES)
    user_frame = _frame([{**r, **provenance} for r in user_rows], store.USER_SCORES)
    if save:
        with progress.step("storing the snapshot"):
            con = engine.connection or connect(engine.project)
            try:
                store.write_snapshot(con, as_of, account_frame, user_frame)
            finally:
                if engine.connection is None:
                    con.close()
    return Snapshot(as_of, digest, account_frame, user_frame)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: explain.plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


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


def _account_rows(engine: Engine, accounts: list[dict], users: list[dict], scoring: Any, specs: dict) -> list[dict]:
    names = engine.table(ACCOUNTS)
    names = names.group_by(account_id=names.account_id.cast("string")).aggregate(
        name=names.name.max(), domain=names.domain.max()).to_pandas()
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
        out.append({
            "account_id": a["account_id"], "name": info.get(a["account_id"], {}).get("name"),
            "domain": info.get(a["account_id"], {}).get("domain"),
            "score": a["score"], "points": a["points"], "probability": None,
            "fit": a["fit"], "fit_score": a["fit_score"], "intent": a["intent"], "intent_score": a["intent_score"],
            "quadrant": a["quadrant"], "priority": a["priority"], "pqa": bool(a["pqa"]), "people": a["people"],
            "pql_users": a["pql_users"], "triggers_fired": a["triggers_fired"],
            "reasons": explain.top(explain.account_reasons(a, scoring.pqa, specs), scoring.reasons),
            "fit_reasons": explain.top(explain.axis_reasons(a, scoring.fit, "fit", specs), scoring.reasons),
            "intent_reasons": explain.top(explain.axis_reasons(a, scoring.intent, "intent", specs), scoring.reasons),
            "model_reasons": None,
            "champion": people.person(champ) if champ else None,
            "decision_makers": [people.person(p) for p in makers],
        })
    return out


def _add_probability(engine: Engine, config: Any, as_of: datetime, rows: list[dict], accounts: list[dict]) -> None:
    """Fill ``probability`` (and model reasons) from the active model, if one is trained."""
    try:
        from leadlight.scoring.models import active_model
    except ImportError:
        return
    model = active_model(engine.project) if engine.project is not None else None
    if model is None or not rows:
        return
    signal_names = [s.name for s in config.signals if s.level == "account"]
    frame = pd.DataFrame([{c: a.get(c) for c in ["account_id", *signal_names]} for a in accounts])
    frame["as_of"] = as_of
    if hasattr(model, "features"):
        frame = model.features(engine, as_of, frame)
    result = model.predict(frame)
    found = {r["account_id"]: r for r in result.to_dict("records")}
    for row in rows:
        hit = found.get(row["account_id"])
        if hit is None:
            continue
        p = explain.plain(hit.get("probability"))
        row["probability"] = None if p is None or math.isnan(float(p)) else round(float(p), 4)
        row["model_reasons"] = hit.get("reasons") if isinstance(hit.get("reasons"), list) else None


def _frame(rows: list[dict], table: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in store.JSON_COLUMNS & set(frame.columns):
        frame[column] = [None if v is None else json.dumps(v, default=str) for v in frame[column]]
    return frame.drop(columns=[c for c in frame.columns if c.startswith("_")])
