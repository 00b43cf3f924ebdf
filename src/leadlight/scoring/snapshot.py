"""``score_snapshot``: signals -> scores -> people, reasons, probability, status -> a snapshot to store.

Scoring computes; the task stores (``storage.snapshots.write_snapshot``), in the
same transaction as whatever the snapshot causes (playbook hits, outbox rows).

The numbers come from :func:`leadlight.scoring.frames.score_frames` (Ibis, any
engine); champions, titles and reasons are SQL over the scored rows on DuckDB
(``snapshot_sql``), Python row by row elsewhere (``rows``): the same rows.

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
from typing import TYPE_CHECKING, Any

from leadlight import __version__
from leadlight.config.signals import CountSignal
from leadlight.errors import NotReady
from leadlight.progress import SILENT, Progress
from leadlight.scoring import explain, rows
from leadlight.scoring.rows import ACTIVITY, ADMIN, INVITES
from leadlight.scoring.frames import score_tables
from leadlight.scoring.status import account_status
from leadlight.storage.engine import Engine
from leadlight.storage.snapshots import columns_frame, to_frame
from leadlight.storage.schema import ACCOUNTS, EVENTS, EVENTS_RESOLVED
from leadlight.timeutil import utcnow


if TYPE_CHECKING:  # pandas loads only when a caller asks for frames (a score stores Arrow tables)
    import pandas as pd

OWNER_COLUMNS = ("owner", "owner_email")


@dataclass
class Snapshot:
    """One scoring run: its provenance and the rows to store (``storage.snapshots`` shapes).

    ``account_rows`` / ``user_rows`` are pandas frames, or ``StagedRows`` (set-wise scoring stages them in temp
    tables on the engine's connection: stored as they are); ``accounts`` / ``users`` are them as pandas frames,
    converted once on first use (a change to those frames is what is stored then).
    """

    as_of: datetime
    definition_hash: str
    account_rows: Any
    user_rows: Any

    @property
    def accounts(self) -> "pd.DataFrame":
        self.account_rows = _frame(self.account_rows)
        return self.account_rows

    @property
    def users(self) -> "pd.DataFrame":
        self.user_rows = _frame(self.user_rows)
        return self.user_rows

    def summary(self) -> dict[str, Any]:
        """The ``score --json`` document."""
        return {
            "as_of": self.as_of.isoformat(),
            "accounts": int(len(self.account_rows)),
            "users": int(len(self.user_rows)),
            "pqas": _count_true(self.account_rows, "pqa"),
            "pqls": _count_true(self.user_rows, "pql"),
        }


def _is_frame(rows: Any) -> bool:
    return hasattr(rows, "iloc")  # a pandas frame (else staged rows)


def _frame(rows: Any) -> "pd.DataFrame":
    return rows if _is_frame(rows) else rows.to_pandas()


def _count_true(rows: Any, column: str) -> int:
    if not len(rows):
        return 0
    return int(rows[column].sum()) if _is_frame(rows) else rows.count_true(column)


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
    if latest is None or latest != latest:  # none, or pandas' NaT
        if not engine.table(ACCOUNTS).count().to_pandas():
            raise NotReady("there is nothing to score yet",
                           hint="load data with `leadlight ingest PATH --kind events` (or --kind accounts)")
        return utcnow()
    if hasattr(latest, "to_pydatetime"):  # a pandas Timestamp (read through Ibis)
        latest = latest.to_pydatetime()
    return latest.replace(microsecond=0, tzinfo=None) + timedelta(seconds=1)


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
                   progress: Progress = SILENT, setwise: bool | None = None) -> Snapshot:
    """Score every account and person as of ``as_of`` (default: all data); nothing is stored.

    ``setwise``: build the rows in SQL (``snapshot_sql``; the default on DuckDB) or row by row in Python
    (``rows``; the way on other engines, and the reference the tests compare the first against)."""
    as_of = latest_as_of(engine) if as_of is None else as_of.replace(microsecond=0, tzinfo=None)
    specs = list(config.signals) + people_signals(config)
    by_name = {s.name: s for s in specs}
    with progress.step("computing signals and scores"):  # one recipe for all: a replay builds no Ibis at all
        tables = score_tables(engine, specs, config.scoring, as_of, extras={
            "info": lambda: _account_info(engine), "status": lambda: account_status(engine, as_of)})
    scored, info_table, status_table = (tables["accounts"], tables["users"]), tables["info"], tables["status"]
    digest = definition_hash(config)
    provenance = {"as_of": as_of, "definition_hash": digest, "leadlight_version": __version__, "scored_at": utcnow()}
    thresholds = {"pqa_threshold": config.scoring.pqa.threshold, "pql_threshold": config.scoring.pql.threshold}
    if setwise is None:
        setwise = engine.connection is not None
    with progress.step("explaining"):
        if setwise:
            from leadlight.scoring import snapshot_sql

            accounts, users = snapshot_sql.build(
                engine, config, by_name, scored, info_table, status_table,
                _predictions(engine, config, as_of, scored[0]), {**provenance, **thresholds})
            return Snapshot(as_of, digest, accounts, users)
        accounts = rows.records(scored[0].to_pyarrow())
        status = {r["account_id"]: r["status"] for r in status_table.to_pyarrow().to_pylist()}
        info = {r["account_id"]: r for r in rows.records(info_table.to_pyarrow())}
        activity = config.scoring.people.activity or ACTIVITY
        people = rows.user_columns(scored[1].to_pyarrow(), config.scoring, by_name, activity)
        account_rows = rows.account_rows(accounts, people, info, config.scoring, by_name, status)
        found = _predictions(engine, config, as_of, scored[0]) or {}
        for row in account_rows:
            row.update(found.get(row["account_id"], {}))
    people["account_name"] = [None if a is None else info.get(a, {}).get("name") for a in people["account_id"]]
    return Snapshot(as_of, digest, to_frame(account_rows, {**provenance, **thresholds}), columns_frame(people, provenance))


def _account_info(engine: Engine) -> Any:
    """Name, domain and owner per account (owner from an ``owner`` / ``owner_email`` column, when the file has one)."""
    table = engine.table(ACCOUNTS)
    extra = {c: table[c].cast("string").max() for c in OWNER_COLUMNS if c in table.columns}
    return table.group_by(account_id=table.account_id.cast("string")).aggregate(
        name=table.name.max(), domain=table.domain.max(), employees=table.employees.max(),
        industry=table.industry.max(), country=table.country.max(), plan=table.plan.max(), **extra)


def _predictions(engine: Engine, config: Any, as_of: datetime, scored: Any) -> dict[str, dict] | None:
    """The active model's figures per account id, as stored (``probability``, ``model_reasons``, ...); None
    when no model is trained. ``scored``: the scored accounts, read as a pandas frame only then."""
    from leadlight.scoring.models import artifacts

    if engine.project is None or artifacts.active_model_id(engine.project) is None:
        return None  # rule-only scoring: no need to load the model code (and scipy)
    from leadlight.scoring.models import active_model

    model = active_model(engine.project)
    if model is None:
        return None
    account_specs = [s for s in config.signals if s.level == "account"]
    accounts = scored.to_pandas()
    if not len(accounts):
        return None
    frame = accounts[["account_id", *[s.name for s in account_specs if s.name in accounts.columns]]].copy()
    frame["account_id"] = frame["account_id"].astype(str)
    frame["as_of"] = as_of
    if hasattr(model, "features"):
        frame = model.features(engine, as_of, frame, computed=account_specs)
    found = {}
    for hit in model.predict(frame).to_dict("records"):
        reasons = hit.get("reasons") if isinstance(hit.get("reasons"), list) else None
        found[hit["account_id"]] = {
            "probability": _number(hit.get("probability")),
            "model_reasons": reasons,
            "expected_value": _number(hit.get("expected_value")), "motion": hit.get("motion"),
            "motion_reason": hit.get("motion_reason"), "self_serve_probability": _number(hit.get("self_serve_probability")),
            "deal_size": _number(hit.get("deal_size")), "uplift": _number(hit.get("uplift")),
            "uplift_reliable": hit.get("uplift_reliable")}
    return found


def _number(value: Any) -> float | None:
    v = explain.plain(value)
    return None if v is None or math.isnan(float(v)) else round(float(v), 4)
