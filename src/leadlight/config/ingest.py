"""The ``ingest:`` and ``opportunities:`` sections: how input files map onto Leadlight's columns and stages.

Example (every key optional)::

    ingest:
      columns:                      # per kind: Leadlight's column -> the header in your file
        opportunities: {opportunity_id: "Opportunity ID", closed_at: "Close Date"}
        events: {user_id: userId, event: event_name, timestamp: time}
    opportunities:
      stages:                       # your stage names -> won, lost or open (case and spacing ignored)
        Contract Signed: won
        Disqualified: lost
      stages_by_probability: false  # true: an unmapped stage at 100% is won, at 0% lost

Common spellings need no mapping (``Close Date``, ``userId``, ``dealstage``;
see ``leadlight.ingest.columns``). Any stage not mapped and not closed
(``Prospecting``, ``qualifiedtobuy``) is open; ``Closed Won`` / ``closedwon``
/ ``won`` are won and ``Closed Lost`` / ``closedlost`` / ``lost`` lost.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from leadlight.config.base import Strict

InputKind = Literal["events", "accounts", "users", "opportunities"]
Outcome = Literal["won", "lost", "open"]
# The columns events and opportunities know; accounts and users may also name attribute columns.
KNOWN_COLUMNS: dict[str, tuple[str, ...]] = {
    "events": ("user_id", "event", "timestamp", "account_id", "message_id", "properties"),
    "opportunities": ("opportunity_id", "account_id", "domain", "created_at", "closed_at", "stage", "amount", "source",
                      "probability"),
}


class IngestConfig(Strict):
    columns: dict[InputKind, dict[str, str]] = Field(
        default_factory=dict,
        description="Per input kind, Leadlight's column name -> the header in your file, e.g. "
        "{opportunities: {opportunity_id: 'Opportunity ID'}}.",
    )

    @field_validator("columns")
    @classmethod
    def _known_columns(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for kind, mapping in value.items():
            bad = [c for c in mapping if not c.isidentifier() or c != c.lower() or c.startswith("_")]
            if bad:
                raise ValueError(f"{kind}: column names are lower_case_words, not {', '.join(bad)}")
            unknown = sorted(set(mapping) - set(KNOWN_COLUMNS.get(kind, mapping)))
            if unknown:
                raise ValueError(f"{kind} has no column {', '.join(unknown)}; map one of: {', '.join(KNOWN_COLUMNS[kind])}")
        return value


class OpportunitiesConfig(Strict):
    stages: dict[str, Outcome] = Field(
        default_factory=dict,
        description="Your CRM's stage names -> won, lost or open. Unmapped stages not starting with 'closed' are open.",
    )
    stages_by_probability: bool = Field(
        False, description="Read a 'probability' column: an unmapped stage at 100% is won, at 0% lost."
    )


def stage_key(stage: str) -> str:
    """A stage name as compared: lower case, letters and digits only (``Closed Won`` -> ``closedwon``)."""
    return "".join(ch for ch in stage.lower() if ch.isalnum())
