"""``score_frames``: signal frames + person flags -> scored accounts and people, in pure Ibis.

This is the engine-portable half of scoring (the cross-engine parity suite calls
it): every number - points, decay, thresholds, k-of-N, roll-up, fit, intent,
quadrant - is an Ibis expression, so DuckDB and Spark give the same scores.
Champions, titles and reasons are built afterwards in Python, over results.
"""

from __future__ import annotations

from typing import Any, Callable

import ibis

from leadlight.config.scoring import FLAGS, SCORING_COLUMNS, ScoringConfig
from leadlight.errors import ConfigError
from leadlight.scoring import pqa, pql, quadrant
from leadlight.scoring.flags import PERSON_FLAGS, person_flags, self_serve_buyers
from leadlight.signals import compile as signals
from leadlight.signals.activity import Activity
from leadlight.storage import recipes

# Columns scoring adds; a signal may not be named like one of them.
RESERVED = {*SCORING_COLUMNS, *FLAGS, *PERSON_FLAGS}


def check_names(specs: Any) -> None:
    for spec in specs:
        if spec.name in RESERVED:
            raise ConfigError(
                f"signal name {spec.name!r} is used by scoring for its own column",
                hint=f"rename the signal, e.g. {spec.name}_signal",
            )


def score_frames(
    frames: Any,
    flags: ibis.Table,
    config: ScoringConfig,
    self_serve: ibis.Table | None = None,
) -> tuple[ibis.Table, ibis.Table]:
    """``(accounts, users)`` scored: lazy Ibis tables, one row per entity of ``frames``.

    ``frames`` is a ``leadlight.signals.SignalFrames`` (``.accounts``, ``.users``);
    ``flags`` is ``leadlight.scoring.flags.person_flags(engine)``; ``self_serve``
    is ``flags.self_serve_buyers(engine, as_of)`` (omit: nobody bought self-serve).
    Columns are documented in ``pql``, ``pqa`` and ``quadrant``.

    On DuckDB, over frames from ``compute_signals`` (temp views), the scoring SQL is compiled once per
    scoring definition and replayed after (``storage/recipes.py``), like the signals.
    """
    check_names(getattr(frames, "specs", ()))
    engine = getattr(frames, "engine", None)
    views = _views(frames)
    if engine is None or views is None or engine.recording is not None:
        return _score(frames, flags, config, self_serve)
    as_of = frames.as_of

    def sql(table: ibis.Table | None) -> str | None:
        return None if table is None else recipes.key_sql(engine.backend.compile(table), as_of)

    key = {"scores": signals.definition_key([config]), "signals": signals.definition_key(frames.specs),
           "flags": sql(flags), "self_serve": sql(self_serve), "engine": engine.name, "source": frames.source}

    def build() -> dict[str, ibis.Table]:
        return dict(zip(("accounts", "users"), _score(frames, flags, config, self_serve)))

    names = {**signals.volatile_names(engine, as_of), **views}
    tables = recipes.compiled(engine, key, build, names, as_of, keep=(frames.accounts, frames.users))
    return tables["accounts"], tables["users"]


def _views(frames: Any) -> dict[str, str] | None:
    """The temp views signal frames are served as, by role (None for frames that are expressions)."""
    out = {}
    for role in ("accounts", "users"):
        op = getattr(getattr(frames, role, None), "op", lambda: None)()
        name = getattr(op, "name", "")
        if not isinstance(name, str) or not name.startswith("_leadlight_view_"):
            return None
        out[f"frames.{role}"] = name
    return out


def _score(frames: Any, flags: ibis.Table, config: ScoringConfig, self_serve: ibis.Table | None
           ) -> tuple[ibis.Table, ibis.Table]:
    accounts, users = frames.accounts, frames.users
    engine = getattr(frames, "engine", None)
    keep = engine.scratch if engine is not None else (lambda table: table)
    # Both results read the account signals and the scored people: compute each once, not once per use
    # (it also keeps the expression trees small, and compiling those was most of the scoring time).
    # The user signals are read once, by the people, so they are not stored first.
    if self_serve is None:
        self_serve = ibis.memtable({"account_id": ["__none__"], "bought_self_serve": [True]}).filter(ibis._.account_id == "")
    # Account signals available to person rules (e.g. the account's plan), and the self-serve flag.
    account_signals = accounts.left_join(self_serve, "account_id")
    account_signals = keep(account_signals.select(
        *[account_signals[c] for c in accounts.columns],
        bought_self_serve=ibis.coalesce(account_signals.bought_self_serve, ibis.literal(False)),
    ))
    accounts = account_signals.select(*accounts.columns)
    j = users.left_join(flags, "user_id")
    person_cols = {c: j[c] for c in users.columns}
    for c in ("email", "title", "link_method", "link_account_id"):
        person_cols[c] = j[c]
    for c in PERSON_FLAGS:
        person_cols[c] = ibis.coalesce(j[c], ibis.literal(False))
    people = j.select(**person_cols)
    extra = [c for c in account_signals.columns if c != "account_id" and c not in people.columns]
    scored = pql.score_people(_with_accounts(people, account_signals, extra), config.pql)
    # The people are stored without their account's signals (one copy per person) and get them back when read:
    # the same rows and columns, a third narrower to store; the roll-up needs none of them.
    people = keep(scored.select(*[c for c in scored.columns if c not in extra]))
    scored_accounts = pqa.score_accounts(accounts, people, config.pqa)
    scored_accounts = quadrant.place(scored_accounts, config.fit, config.intent)
    return scored_accounts, _with_accounts(people, account_signals, extra).select(*scored.columns)


def _with_accounts(people: ibis.Table, account_signals: ibis.Table, extra: list[str]) -> ibis.Table:
    """``people`` and the ``extra`` columns of their account's signals (one row per account: no new rows)."""
    k = people.view().left_join(account_signals.view(), "account_id")
    return k.select(*[k[c] for c in people.columns], *[k[c] for c in extra])


def score_definition(
    engine: Any, specs: Any, config: ScoringConfig, as_of: Any, *, incremental: bool = True
) -> tuple[ibis.Table, ibis.Table]:
    """Signals and scores of one definition as of ``as_of``: ``compute_signals`` then ``score_frames``
    with the built-in person flags and self-serve buyers, as ``(accounts, users)``.

    The same values as calling those in turn; on DuckDB the whole chain is compiled once per
    definition and then replayed as recorded SQL (``storage/recipes.py``), with no Ibis building.
    """
    tables = score_tables(engine, specs, config, as_of, incremental=incremental)
    return tables["accounts"], tables["users"]


def score_tables(
    engine: Any, specs: Any, config: ScoringConfig, as_of: Any, *, incremental: bool = True,
    extras: dict[str, Callable[[], ibis.Table]] | None = None,
) -> dict[str, ibis.Table]:
    """``score_definition``'s ``accounts`` and ``users``, and a table per ``extras`` entry (built by calling it):
    tables a caller reads beside the scores (a snapshot: account names, sales status), compiled into the same
    recorded SQL, so a replay builds and compiles no Ibis for them either. Their SQL may depend on the
    definition, the tables' columns and as_of only (``storage/recipes.py``)."""
    specs = tuple(specs)
    as_of = as_of.replace(microsecond=0, tzinfo=None)
    check_names(specs)
    extras = extras or {}
    # Raw events need no Ibis tables unless the definition is built (a replay reads none).
    activity = signals.activity_for(engine, specs, as_of, incremental) if incremental else None

    def build() -> dict[str, ibis.Table]:
        rows = activity or Activity.from_events(engine, as_of)
        frames = signals.compute_signals(engine, specs, as_of, activity=rows)
        accounts, users = score_frames(frames, person_flags(engine, as_of), config, self_serve_buyers(engine, as_of))
        return {"accounts": accounts, "users": users, **{label: make() for label, make in extras.items()}}

    identity = getattr(engine, "identity", None)
    key = {
        "scores": signals.definition_key([config]),
        "signals": signals.definition_key(specs),
        "days": signals.day_shape(specs, as_of),
        "identity": identity.model_dump(mode="json") if identity is not None else None,
        **signals.activity_key(engine, activity),
    }
    if extras:
        key["extras"] = sorted(extras)
    return recipes.compiled(engine, key, build, signals.volatile_names(engine, as_of), as_of)
