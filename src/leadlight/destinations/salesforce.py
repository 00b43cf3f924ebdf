"""Salesforce: Accounts and Leads (or Contacts) through sObject Collections upsert by an external-id field.

``PATCH /services/data/vXX.X/composite/sobjects/{Account|Lead|Contact}/{ExternalId__c}``
with ``allOrNone: false`` takes up to 200 records and answers one result per
record, in order (``success``, ``created``, ``errors``); a record that failed
keeps its own reason. ``REQUEST_LIMIT_EXCEEDED`` (HTTP 403, the org's API
limit) is retryable, never a parked failure. Leadlight's values go to custom
fields named ``<prefix><Name>__c`` (``Leadlight_Score__c``, ...).
Environment: ``SALESFORCE_INSTANCE_URL``, ``SALESFORCE_ACCESS_TOKEN``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping

import httpx
from pydantic import SecretStr

from leadlight.config.destinations import DestinationsConfig
from leadlight.destinations.base import DeliveryFailed, NotConfigured
from leadlight.destinations.http import HttpSession, session
from leadlight.destinations.records import CrmDestination, CrmRecord, Kind, RecordResult

MAX_BATCH = 200
LIMIT_EXCEEDED = "REQUEST_LIMIT_EXCEEDED"
ACCOUNT_CREATE_ONLY = {"name": "Name", "domain": "Website"}
PERSON_CREATE_ONLY = {"email": "Email", "title": "Title", "company": "Company"}


def field_name(prefix: str, name: str) -> str:
    """``score`` -> ``Leadlight_Score__c``; ``account_id`` -> ``Leadlight_Account_Id__c``."""
    return f"{prefix}{'_'.join(part.capitalize() for part in name.split('_'))}__c"


def limit_exceeded(response: httpx.Response) -> bool:
    return response.status_code == 403 and LIMIT_EXCEEDED in response.text


class SalesforceDestination(CrmDestination):
    """Upserts Accounts and Leads/Contacts by external id; idempotent."""

    name: ClassVar[str] = "salesforce"
    record_word: ClassVar[str] = "account"

    def __init__(self, instance_url: str, token: SecretStr, config: DestinationsConfig,
                 http: HttpSession | None = None) -> None:
        self.config = config.salesforce
        self.batch_size = min(self.config.batch_size, MAX_BATCH)
        self.http = http or session("Salesforce", config.http, base_url=instance_url,
                                    secrets=(token.get_secret_value(),),
                                    headers={"authorization": f"Bearer {token.get_secret_value()}"})

    @classmethod
    def from_env(cls, config: DestinationsConfig, env: Mapping[str, str]) -> "SalesforceDestination":
        missing = [k for k in ("SALESFORCE_INSTANCE_URL", "SALESFORCE_ACCESS_TOKEN") if not env.get(k, "").strip()]
        if missing:
            raise NotConfigured("salesforce", missing)
        return cls(env["SALESFORCE_INSTANCE_URL"].strip(), SecretStr(env["SALESFORCE_ACCESS_TOKEN"].strip()), config)

    def sobject(self, kind: Kind) -> tuple[str, str]:
        """(sObject, external-id field) for a kind of record."""
        if kind == "account":
            return "Account", self.config.account_external_id
        return self.config.people_object, self.config.people_external_id

    def sobject_record(self, kind: Kind, record: CrmRecord, known: bool) -> dict[str, Any]:
        sobject, external_id = self.sobject(kind)
        out: dict[str, Any] = {"attributes": {"type": sobject}}
        out |= {field_name(self.config.field_prefix, k): v for k, v in record.fields.items()}
        out[external_id] = record.key
        if not known:
            mapping = ACCOUNT_CREATE_ONLY if kind == "account" else PERSON_CREATE_ONLY
            out |= {mapping[k]: v for k, v in record.create_only.items() if k in mapping}
            if kind == "person":  # required on create; never overwritten later
                email = record.create_only.get("email") or record.key
                out["LastName"] = email.split("@")[0][:80]
                if sobject == "Lead":
                    out.setdefault("Company", record.fields.get("account_id") or "Unknown")
                elif record.fields.get("account_id"):
                    out.pop("Company", None)
                    out["Account"] = {self.config.account_external_id: record.fields["account_id"]}
        return out

    def upsert(self, kind: Kind, records: list[CrmRecord], known: set[str]) -> list[RecordResult]:
        """One collections upsert; results come back in the order sent."""
        if len(records) > self.batch_size:
            raise ValueError(f"a Salesforce collection holds at most {self.batch_size} records")
        sobject, external_id = self.sobject(kind)
        body = {"allOrNone": False,
                "records": [self.sobject_record(kind, r, r.key in known) for r in records]}
        response = self.http.request(
            "PATCH", f"/services/data/{self.config.api_version}/composite/sobjects/{sobject}/{external_id}",
            json=body, retry_when=limit_exceeded)
        answers = response.json()
        if not isinstance(answers, list) or len(answers) != len(records):
            raise DeliveryFailed("Salesforce answered an unexpected shape", retryable=True)
        out = []
        for record, answer in zip(records, answers):
            if answer.get("success"):
                out.append(RecordResult(record.key, True, created=answer.get("created"), remote_id=answer.get("id")))
            else:
                reasons = "; ".join(f"{e.get('statusCode', 'ERROR')}: {e.get('message', '')}"
                                    + (f" ({', '.join(e['fields'])})" if e.get("fields") else "")
                                    for e in answer.get("errors") or []) or "failed"
                out.append(RecordResult(record.key, False, error=reasons))
        return out
