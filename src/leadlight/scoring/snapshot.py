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

import pandas as pd

from leadlight import __version__
from leadlight.config.signals import CountSignal
from leadlight.errors import NotReady
from leadlight.progress import SILENT, Progress
from leadlight.scoring import explain, rows
from leadlight.scoring.rows import ACTIVITY, ADMIN, INVITES
from leadlight.scoring.flags import person_flags, self_serve_buyers
from leadlight.scoring.frames import score_frames
from leadlight.scoring.status import account_status
from leadlight.signals import compute_signals
from leadlight.storage.engine import Engine
from leadlight.storage.snapshots import columns_frame, to_frame
from leadlight.storage.schema import ACCOUNTS, EVENTS, EVENTS_RESOLVED
from leadlight.timeutil import utcnow


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
    if engine.connection is not None and engine.has_table(EVENTS):
        # the resolved events are the stored ones with people and accounts joined on: the same timestamps,
        # read without the joins (an Ibis query over the view cost a fifth of a second at 3M events)
        latest = engine.connection.execute(f"SELECT max(timestamp) FROM {EVENTS}").fetchall()[0][0]
    else:
        latest = engine.table(EVENTS_RESOLVED).timestamp.max().to_pandas()
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
        accounts = rows.records(scored_accounts.to_pyarrow())
        users = scored_users.to_pyarrow()
        status = {r["account_id"]: r["status"] for r in account_status(engine, as_of).to_pyarrow().to_pylist()}
        info = {r["account_id"]: r for r in rows.records(_account_info(engine).to_pyarrow())}
    with progress.step("explaining", total=len(accounts)):
        activity = config.scoring.people.activity or ACTIVITY
        people = rows.user_columns(users, config.scoring, by_name, activity)
        account_rows = rows.account_rows(accounts, people, info, config.scoring, by_name, status)
        _add_probability(engine, config, as_of, account_rows, scored_accounts)
    digest = definition_hash(config)
    provenance = {"as_of": as_of, "definition_hash": digest, "leadlight_version": __version__, "scored_at": utcnow()}
    people["account_name"] = [None if a is None else info.get(a, {}).get("name") for a in people["account_id"]]
    thresholds = {"pqa_threshold": config.scoring.pqa.threshold, "pql_threshold": config.scoring.pql.threshold}
    return Snapshot(as_of, digest, to_frame(account_rows, {**provenance, **thresholds}), columns_frame(people, provenance))


def _account_info(engine: Engine) -> Any:
    """Name, domain and owner per account (owner from an ``owner`` / ``owner_email`` column, when the file has one)."""
    table = engine.table(ACCOUNTS)
    extra = {c: table[c].cast("string").max() for c in OWNER_COLUMNS if c in table.columns}
    return table.group_by(account_id=table.account_id.cast("string")).aggregate(
        name=table.name.max(), domain=table.domain.max(), employees=table.employees.max(),
        industry=table.industry.max(), country=table.country.max(), plan=table.plan.max(), **extra)


def _add_probability(engine: Engine, config: Any, as_of: datetime, rows: list[dict], scored: Any) -> None:
    """Fill ``probability`` (and model reasons) from the active model, if one is trained (``scored``: the
    scored accounts, read as a pandas frame only then)."""
    from leadlight.scoring.models import artifacts

    if engine.project is None or artifacts.active_model_id(engine.project) is None:
        return  # rule-only scoring: no need to load the model code (and scipy)
    from leadlight.scoring.models import active_model

    model = active_model(engine.project)
    if model is None or not rows:
        return
    account_specs = [s for s in config.signals if s.level == "account"]
    accounts = scored.to_pandas()
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
        row["probability"] = _number(hit.get("probability"))
        row["model_reasons"] = hit.get("reasons") if isinstance(hit.get("reasons"), list) else None
        row["expected_value"] = _number(hit.get("expected_value"))
        row["motion"], row["motion_reason"] = hit.get("motion"), hit.get("motion_reason")
        row["self_serve_probability"], row["deal_size"] = _number(hit.get("self_serve_probability")), _number(hit.get("deal_size"))
        row["uplift"], row["uplift_reliable"] = _number(hit.get("uplift")), hit.get("uplift_reliable")


def _number(value: Any) -> float | None:
    v = explain.plain(value)
    return None if v is None or math.isnan(float(v)) else round(float(v), 4)
