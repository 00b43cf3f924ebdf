"""Feature frames for the fit and intent models, as of any snapshot.

* **fit** features: account attributes (every accounts column but ids, domain
  and name, minus ``ignore_attributes`` / ``leaky_attributes``). They are the
  *current* values of the accounts file (see ``signals/attribute.py``).
* **intent** features: zero-config behaviour (``signals/behaviour.py``) and
  the declared account-level signals (``compute_signals``), both computed only
  from events before the snapshot.

``FeatureSpec`` freezes which columns exist (and the category levels), so the
model built on a training set is fed the same columns at scoring time.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Sequence

import pandas as pd

from leadlight.config.model import ModelConfig
from leadlight.labels.arrivals import has_events
from leadlight.progress import SILENT, Progress
from leadlight.signals import compute_signals
from leadlight.signals.behaviour import Vocabulary, feature_names, vocabulary
from leadlight.signals.behaviour_frames import behaviour_features, behaviour_over
from leadlight.storage.engine import Engine
from leadlight.storage.schema import ACCOUNTS

IDENTIFIERS = ("account_id", "domain", "name")
ISO_DATE = r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?"
MAX_LEVELS = 20


@dataclass(frozen=True)
class FeatureSpec:
    """Which columns the models see, and how categorical attributes are coded."""

    vocab: Vocabulary | None
    numeric_attributes: tuple[str, ...]
    categories: dict[str, tuple[str, ...]]  # categorical attribute -> known levels
    signals: tuple[str, ...]  # declared account-level signal names used as features
    dropped: dict[str, str] = field(default_factory=dict)  # column -> why it is not used

    @property
    def fit_columns(self) -> list[str]:
        return [*self.numeric_attributes, *self.categories]

    @property
    def intent_columns(self) -> list[str]:
        return [*(feature_names(self.vocab) if self.vocab else []), *self.signals]

    @property
    def columns(self) -> list[str]:
        return [*self.fit_columns, *self.intent_columns]


def load_attributes(engine: Engine) -> pd.DataFrame:
    """The accounts table, one row per account (the last row wins), indexed by ``account_id``."""
    frame = engine.table(ACCOUNTS).to_pandas()
    frame["account_id"] = frame.account_id.astype("string")
    return frame.drop_duplicates("account_id", keep="last").set_index("account_id")


def plan_features(
    engine: Engine, config: ModelConfig, specs: Sequence[Any], last_snapshot: datetime, attributes: pd.DataFrame
) -> FeatureSpec:
    """Decide the columns from data before ``last_snapshot`` (event vocabulary) and the accounts table."""
    windows = tuple(config.windows_days)
    # A lead list has no events: behaviour features would be constant columns.
    behaviour = config.features != "declared" and has_events(engine)
    vocab = vocabulary(engine, last_snapshot, config.min_accounts_per_event, windows) if behaviour else None
    used = [s.name for s in specs if s.level == "account" and s.kind != "attribute"] if config.features != "auto" else []
    dropped: dict[str, str] = {}
    wanted = list(config.attributes) if config.attributes is not None else [c for c in attributes.columns if c not in IDENTIFIERS]
    numeric: list[str] = []
    categories: dict[str, tuple[str, ...]] = {}
    for column in wanted:
        if column not in attributes.columns:
            dropped[column] = "not a column of the accounts table"
        elif column in config.leaky_attributes:
            dropped[column] = "listed in model.leaky_attributes"
        elif column in config.ignore_attributes or column in IDENTIFIERS:
            dropped[column] = "ignored by configuration"
        elif column == config.account_created_column:
            dropped[column] = "the arrival date (model.account_created_column): time, not a trait"
        else:
            values = attributes[column]
            if pd.api.types.is_datetime64_any_dtype(values) or _looks_like_dates(values):
                dropped[column] = "a date: current values of dates usually record what happened later"
            elif pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
                numeric.append(column)
            elif values.notna().sum() == 0:
                dropped[column] = "always empty"
            else:
                counts = values.dropna().astype(str).value_counts()
                levels = counts[counts >= 5].index[:MAX_LEVELS]
                if len(levels) == 0 or (len(levels) == 1 and values.notna().all()):
                    dropped[column] = "no level common enough to learn from"
                else:
                    categories[column] = tuple(sorted(levels))
    for column in config.leaky_attributes:  # a misspelt name would let the leak through unseen
        if column not in attributes.columns:
            dropped.setdefault(column, "listed in model.leaky_attributes, but no such column: check the spelling")
    return FeatureSpec(vocab, tuple(numeric), categories, tuple(used), dropped)


def _looks_like_dates(values: pd.Series) -> bool:
    """Text whose values are mostly ISO dates ('2024-05-01', '2024-05-01 10:00:00')."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return False
    sample = values.dropna().astype(str).head(1000)
    return len(sample) > 0 and sample.str.fullmatch(ISO_DATE).mean() >= 0.9


def attribute_frame(spec: FeatureSpec, attributes: pd.DataFrame, accounts: pd.Index) -> pd.DataFrame:
    """Fit features for ``accounts``: numbers as float, categories coded to the spec's levels."""
    frame = attributes.reindex(accounts)
    columns: dict[str, Any] = {}
    for column in spec.numeric_attributes:
        columns[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    for column, levels in spec.categories.items():
        text = frame[column].astype("string")
        coded = text.where(text.isin(levels) | text.isna(), "other")
        # A real level called 'other' (e.g. a lead source) and the pool of rare levels mean the same thing.
        columns[column] = pd.Categorical(coded, categories=[*levels, *([] if "other" in levels else ["other"])])
    return pd.DataFrame(columns, index=accounts)


def features_at(
    engine: Engine, spec: FeatureSpec, specs: Sequence[Any], as_of: datetime, attributes: pd.DataFrame,
    accounts: Sequence[str] | None = None, known: pd.DataFrame | None = None,
    behaviour: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every feature as of ``as_of`` for ``accounts`` (default: every account seen or listed).

    ``known``: signal values already computed as of ``as_of`` (indexed by account_id); the signals it
    holds are read from it, not computed again. ``behaviour``: the behaviour features as of ``as_of``,
    when already computed (``behaviour_over``)."""
    if spec.vocab is not None and behaviour is None:
        behaviour = behaviour_features(engine, as_of, spec.vocab)
    return assemble(spec, attributes, accounts, behaviour, signal_values(engine, spec, specs, as_of, known))


def signal_values(engine: Engine, spec: FeatureSpec, specs: Sequence[Any], as_of: datetime,
                  known: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """The declared signals the spec uses, as of ``as_of`` (index ``account_id``), as numbers; None if it uses none.
    The engine's part of ``features_at``; ``assemble`` is the rest."""
    if not spec.signals:
        return None
    have = set(known.columns) if known is not None else set()
    chosen = [s for s in specs if s.name in spec.signals and s.name not in have]
    frame = known[[c for c in spec.signals if c in have]] if have else None
    if chosen:
        computed = compute_signals(engine, chosen, as_of).accounts.to_pandas()
        computed = computed.set_index(computed.account_id.astype("string"))[[s.name for s in chosen]]
        frame = computed if frame is None else frame.join(computed, how="outer")
    frame.index.name = "account_id"
    frame = frame[list(spec.signals)]
    return frame.apply(lambda c: pd.to_numeric(c, errors="coerce")).astype("float64")


def assemble(spec: FeatureSpec, attributes: pd.DataFrame, accounts: Sequence[str] | None,
             behaviour: pd.DataFrame | None, signals: pd.DataFrame | None) -> pd.DataFrame:
    """The feature frame from behaviour and signal values already computed: pandas only, no engine."""
    parts = [part for part in ((behaviour if spec.vocab is not None else None), signals) if part is not None]
    if accounts is not None:
        index = pd.Index(list(accounts), dtype="string", name="account_id")
    else:
        index = pd.Index(attributes.index, dtype="string", name="account_id")
        for part in parts:
            index = index.union(pd.Index(part.index, dtype="string"))
        index.name = "account_id"
    behaviour = pd.concat(parts, axis=1).reindex(index) if parts else pd.DataFrame(index=index)
    if spec.vocab is not None:
        counts = [c for c in feature_names(spec.vocab) if _zero_when_absent(c)]
        behaviour[counts] = behaviour[counts].fillna(0.0)
    fit = attribute_frame(spec, attributes, index)
    return pd.concat([fit, behaviour], axis=1)[spec.columns].copy()


def _zero_when_absent(column: str) -> bool:
    return not (column.endswith("__days_since") or column.endswith("__trend") or column.endswith("_share"))


def training_set(
    engine: Engine, spec: FeatureSpec, specs: Sequence[Any], labels: pd.DataFrame, attributes: pd.DataFrame,
    progress: Progress = SILENT,
) -> pd.DataFrame:
    """Features for every labelled (account, snapshot), in the labels' row order, labels alongside.

    The engine computes one snapshot's signal values while a second thread assembles the frames of the
    snapshots before it (pandas work the engine does not wait for): the same frames, one core less idle."""
    snapshots = [pd.Timestamp(d).to_pydatetime() for d in sorted(labels.as_of.unique())]
    with progress.step("computing point-in-time features", total=len(snapshots)) as bar, \
            ThreadPoolExecutor(1) as assembler:
        # Behaviour for every snapshot at once (a handful of queries, not a dozen per snapshot).
        behaviour = behaviour_over(engine, snapshots, spec.vocab) if spec.vocab is not None else {}
        pending = []
        for d in snapshots:
            rows = labels[labels.as_of == d]
            signals = signal_values(engine, spec, specs, d)
            pending.append(assembler.submit(_labelled, rows, spec, attributes, behaviour.get(d), signals))
            bar.advance()
        parts = [part.result() for part in pending]
    if not parts:
        return labels.iloc[0:0]
    return pd.concat(parts, ignore_index=True)


def _labelled(rows: pd.DataFrame, spec: FeatureSpec, attributes: pd.DataFrame, behaviour: pd.DataFrame | None,
              signals: pd.DataFrame | None) -> pd.DataFrame:
    feats = assemble(spec, attributes, list(rows.account_id), behaviour, signals)
    return pd.concat([rows.reset_index(drop=True), feats.reset_index(drop=True)], axis=1)
