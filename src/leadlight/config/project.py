"""The root of ``leadlight.yml``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from leadlight.config.base import Strict
from leadlight.config.collector import CollectorConfig
from leadlight.config.model import ModelConfig
from leadlight.config.scoring import ScoringConfig
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


class ProjectConfig(Strict):
    """Everything in ``leadlight.yml``."""

    version: Literal[1] = Field(1, description="Format version of this file.")
    name: str = Field("my-product", description="A name for this project, shown in reports.")
    engine: Literal["duckdb", "spark"] = Field(
        "duckdb", description="Where signals are computed; LEADLIGHT_ENGINE overrides it."
    )
    spark: SparkConfig = Field(default_factory=SparkConfig)
    identity: IdentityConfig = Field(default_factory=IdentityConfig)
    signals: SignalList = Field(default_factory=list, description="Signals computed from product usage.")
    scoring: ScoringConfig = Field(default_factory=ScoringConfig)
    model: ModelConfig = Field(default_factory=ModelConfig)
    collector: CollectorConfig = Field(default_factory=CollectorConfig)
