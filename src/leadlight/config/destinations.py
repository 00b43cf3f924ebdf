"""The ``destinations:`` section of ``leadlight.yml``: where actions and CRM syncs go, and how.

Only non-secret settings live here. URLs with tokens in them and API keys come
from the environment (each model's docstring names the variables), so the file
can be committed; every section is optional and a missing one takes defaults.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from leadlight.config.base import Strict


class HttpConfig(Strict):
    """Retries shared by every HTTP destination: exponential backoff with jitter, honouring Retry-After."""

    attempts: int = Field(4, ge=1, le=10, description="Tries per call (429, 5xx and timeouts are retried).")
    backoff_seconds: float = Field(0.5, ge=0, description="First wait; doubles each try, with jitter.")
    max_wait_seconds: float = Field(30, ge=0, description="Longest total wait inside one call before giving up.")
    timeout_seconds: float = Field(10, gt=0, description="Per-request timeout.")


class SlackConfig(Strict):
    """Slack incoming webhook. Environment: SLACK_WEBHOOK_URL (a secret)."""

    reasons: int = Field(3, ge=0, le=10, description="How many top reasons a message lists.")
    messages_per_second: float = Field(1.0, gt=0, description="Slack allows about one message a second per webhook.")


class WebhookConfig(Strict):
    """A signed webhook (Standard Webhooks). Environment: LEADLIGHT_WEBHOOK_URL, LEADLIGHT_WEBHOOK_SECRET."""

    event_type: str = Field("leadlight.playbook.fired", description="The payload's `type` for playbook actions.")
    sync_type: str = Field("leadlight.records.synced", description="The payload's `type` for `leadlight sync`.")
    batch_size: int = Field(100, ge=1, le=1000, description="Records per message in `leadlight sync webhook`.")


class OutreachConfig(Strict):
    """Outreach sequences. Environment: OUTREACH_ACCESS_TOKEN, OUTREACH_BASE_URL (default the real API)."""

    sequence_id: int | None = Field(None, description="Default sequence (a playbook action's `sequence_id` wins).")
    mailbox_id: int | None = Field(None, description="Default sending mailbox (an action's `mailbox_id` wins).")


class SalesloftConfig(Strict):
    """Salesloft cadences. Environment: SALESLOFT_API_KEY, SALESLOFT_BASE_URL (default the real API)."""

    cadence_id: int | None = Field(None, description="Default cadence (a playbook action's `cadence_id` wins).")
    user_id: int | None = Field(None, description="Whose cadence membership it is (an action's `user_id` wins).")


class HubSpotConfig(Strict):
    """HubSpot CRM v3. Environment: HUBSPOT_ACCESS_TOKEN, HUBSPOT_BASE_URL (default https://api.hubapi.com)."""

    company_id_property: str = Field(
        "leadlight_account_id",
        description="Unique company property to match on; `leadlight sync hubspot --setup` creates it "
        "(HubSpot's own `domain` is not unique, so it cannot be an upsert key).")
    contact_id_property: str = Field("email", description="Unique contact property to match on.")
    property_prefix: str = Field("leadlight_", description="Prefix of the properties Leadlight writes.")
    batch_size: int = Field(100, ge=1, le=100, description="Inputs per batch call (HubSpot allows 100).")


class SalesforceConfig(Strict):
    """Salesforce sObject Collections. Environment: SALESFORCE_INSTANCE_URL, SALESFORCE_ACCESS_TOKEN."""

    api_version: str = Field("v61.0", pattern=r"^v\d+\.\d$", description="REST API version, e.g. v61.0.")
    account_external_id: str = Field("Leadlight_Account_Id__c", description="External-id field on Account.")
    people_object: Literal["Lead", "Contact"] = Field("Lead", description="Where PQL people go.")
    people_external_id: str = Field("Leadlight_User_Id__c", description="External-id field on Lead/Contact.")
    field_prefix: str = Field("Leadlight_", description="Custom fields are <prefix><Name>__c, e.g. Leadlight_Score__c.")
    batch_size: int = Field(200, ge=1, le=200, description="Records per call (Salesforce allows 200).")


class CsvConfig(Strict):
    """A CSV file (relative paths are under the project folder)."""

    path: str = Field("leadlight-actions.csv", description="Where playbook actions are appended.")
    sync_dir: str = Field("sync", description="Where `leadlight sync csv` writes accounts.csv and people.csv.")


class DestinationsConfig(Strict):
    """Every destination's settings; secrets come from the environment only."""

    http: HttpConfig = Field(default_factory=HttpConfig)
    slack: SlackConfig = Field(default_factory=SlackConfig)
    webhook: WebhookConfig = Field(default_factory=WebhookConfig)
    outreach: OutreachConfig = Field(default_factory=OutreachConfig)
    salesloft: SalesloftConfig = Field(default_factory=SalesloftConfig)
    hubspot: HubSpotConfig = Field(default_factory=HubSpotConfig)
    salesforce: SalesforceConfig = Field(default_factory=SalesforceConfig)
    csv: CsvConfig = Field(default_factory=CsvConfig)
