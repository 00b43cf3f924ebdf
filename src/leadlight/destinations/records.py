"""What a CRM sync writes: one record per account (company) and per PQL person (contact / lead).

``CrmRecord.fields`` are Leadlight's own values (score, probability, quadrant,
PQA/PQL, status, top reasons, champion, playbook, updated_at), with empty ones
left out so they never overwrite what the CRM holds; the fingerprint is taken
over these except ``updated_at`` (a re-score that changes nothing is not a change). ``create_only`` values (a name, a domain, an email) are
sent the first time a record goes to a CRM and never again, so a CRM user's
edits to them stand. A CRM target turns records into its own API's shape.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol

from leadlight.contract import AccountObject, LeadObject
from leadlight.destinations.base import Delivery, DeliveryFailed, Sent

Kind = Literal["account", "person"]
KINDS: tuple[Kind, ...] = ("account", "person")
ACCOUNT_FIELDS = ("account_id", "score", "probability", "quadrant", "pqa", "status", "reasons", "champion", "playbook",
                  "updated_at")
NOT_A_CHANGE = frozenset({"updated_at"})
PERSON_FIELDS = ("user_id", "score", "pql", "account_id", "reasons", "updated_at")


def present(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


@dataclass(frozen=True)
class CrmRecord:
    kind: Kind
    key: str  # account_id or user_id: the row key in crm_sync and the external id in the CRM
    fields: dict[str, Any]
    create_only: dict[str, Any] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        """What the record says, not when: a new snapshot with the same values is not a change."""
        said = {k: v for k, v in self.fields.items() if k not in NOT_A_CHANGE}
        text = json.dumps(said, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def reasons_text(reasons: list, limit: int = 3) -> str:
    return "; ".join(r.text for r in reasons[:limit] if r.text)


def account_record(account: AccountObject) -> CrmRecord:
    champion = account.champion
    values = {
        "account_id": account.account_id, "score": None if account.score is None else round(account.score, 1),
        "probability": None if account.probability is None else round(account.probability, 4),
        "quadrant": account.quadrant, "pqa": account.pqa, "status": account.status,
        "reasons": reasons_text(account.reasons),
        "champion": champion and " · ".join(x for x in (champion.email, champion.title) if x),
        "playbook": account.play.name if account.play else None, "updated_at": account.as_of,
    }
    create = {"name": account.name or account.domain or account.account_id, "domain": account.domain}
    return CrmRecord("account", account.account_id, {k: v for k, v in values.items() if present(v)},
                     {k: v for k, v in create.items() if present(v)})


def person_record(lead: LeadObject, as_of: str | None) -> CrmRecord:
    values = {"user_id": lead.user_id, "score": None if lead.score is None else round(lead.score, 1), "pql": lead.pql,
              "account_id": lead.account_id, "reasons": reasons_text(lead.reasons), "updated_at": as_of}
    create = {"email": lead.email, "title": lead.title, "company": lead.account_name}
    return CrmRecord("person", lead.user_id, {k: v for k, v in values.items() if present(v)},
                     {k: v for k, v in create.items() if present(v)})


@dataclass
class RecordResult:
    """What the CRM said about one record: confirmed (created or updated) or failed, and why."""

    key: str
    ok: bool
    created: bool | None = None
    remote_id: str | None = None
    error: str | None = None


class CrmTarget(Protocol):
    """A destination that upserts records in batches (HubSpot, Salesforce, a webhook, CSV files)."""

    name: str
    batch_size: int

    def upsert(self, kind: Kind, records: list[CrmRecord], known: set[str]) -> list[RecordResult]:
        """Send one batch; ``known`` are the keys this CRM confirmed before (no create-only values for them).
        Raises ``DeliveryFailed`` when the whole batch failed."""
        ...

    def close(self) -> None: ...


class CrmDestination:
    """What HubSpot and Salesforce share: a playbook action writes one account's fields onto its record."""

    name: ClassVar[str]
    idempotent: ClassVar[bool] = True
    record_word: ClassVar[str] = "record"
    http: Any  # the subclass's HttpSession; the subclass also defines ``upsert``

    def deliver(self, delivery: Delivery) -> Sent:
        """Create or update the account's record (creating it with its name and domain if new)."""
        result = self.upsert("account", [account_record(delivery.account)], known=set())[0]  # type: ignore[attr-defined]
        if not result.ok:
            raise DeliveryFailed(f"{self.name} refused {delivery.account.account_id}: {result.error}",
                                 retryable=False)
        return Sent(remote_id=result.remote_id,
                    detail=f"{self.record_word} " + ("created" if result.created else "updated"))

    def close(self) -> None:
        self.http.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(token=***)"
