"""The root of ``leadlight.yml``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from leadlight.config.base import Strict
from leadlight.config.collector import CollectorConfig
from leadlight.config.ingest import IngestConfig, OpportunitiesConfig
from leadlight.config.destinations import DestinationsConfig
from leadlight.config.model import ModelConfig
from leadlight.config.playbooks import Caps, Playbook, Route, Team
from leadlight.config.scoring import ScoringConfig
from leadlight.config.serve import ServeConfig
from leadlight.config.signals import SignalList


class SparkConfig(Strict):
    master: str = Field("local[2]", description="Spark master URL: local[N] or a cluster URL such as spark://host:7077.")
    conf: dict[str, str] = Field(default_factory=dict, description="Extra Spark settings, e.g. spark.driver.memory.")


class IdentityConfig(Strict):
    personal_domains: list[str] = Field(
        default_factory=list, description="More personal-email domains, beyond the built-in list (e.g. a regional ISP)."
    )
    work_domains: list[str] = Field(
        default_factory=list, description="Domains never to treat as personal, even if a list says so."
    )
    student_suffixes: list[str] = Field(
        default_factory=lambda: [".edu", ".ac.*", ".edu.*", ".k12.*.us"],
        description="Email-domain suffixes that mark students; '*' matches one label (e.g. .ac.* matches .ac.uk).",
    )
    internal_domains: list[str] = Field(
        default_factory=list,
        description="Your own company's email domains: these people are flagged internal, never a PQL or champion.",
    )
    sales_titles_are_internal: bool = Field(
        False,
        description="Also flag as internal anyone whose title reads as a sales rep below director (off: your "
        "customers' Account Executives are leads like anyone else).",
    )


class ProjectConfig(Strict):
    """Everything in ``leadlight.yml``."""

    version: Literal[1] = Field(1, description="Format version of this file.")
    name: str = Field("my-product", description="A name for this project, shown in reports.")
    engine: Literal["duckdb", "spark"] = Field(
        "duckdb", description="Where signals are computed; LEADLIGHT_ENGINE overrides it."
    )
    spark: SparkConfig = Field(default_factory=SparkConfig)
    identity: IdentityConfig = Field(default_factory=IdentityConfig)
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    opportunities: OpportunitiesConfig = Field(default_factory=OpportunitiesConfig)
    signals: SignalList = Field(default_factory=list, description="Signals computed from product usage.")
    scoring: ScoringConfig = Field(default_factory=ScoringConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    playbooks: list[Playbook] = Field(default_factory=list, description="What to do when an account changes.")
    routing: list[Route] = Field(default_factory=list, description="Which team an alert goes to; first match wins.")
    teams: dict[str, Team] = Field(default_factory=dict, description="Teams and their reps (round robin).")
    caps: Caps = Field(default_factory=Caps, description="Frequency caps and the cooldown after a rep's decision.")

    destinations: DestinationsConfig = Field(
        default_factory=DestinationsConfig, description="Where actions and CRM syncs go (secrets from the environment)."
    )
    serve: ServeConfig = Field(default_factory=ServeConfig)

    @model_validator(mode="after")
    def _playbook_names_unique(self) -> "ProjectConfig":
        names = [p.name for p in self.playbooks]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"playbook names must be unique; repeated: {', '.join(repeated)}")
        return self
    collector: CollectorConfig = Field(default_factory=CollectorConfig)
