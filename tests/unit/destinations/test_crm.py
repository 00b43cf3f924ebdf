"""HubSpot and Salesforce batch upserts against fakes that enforce each API's documented contract."""

from __future__ import annotations

import pytest

from leadlight.config.destinations import DestinationsConfig
from leadlight.destinations.base import DeliveryFailed
from leadlight.destinations.http import Retry
from leadlight.destinations.hubspot import HubSpotDestination
from leadlight.destinations.records import account_record, person_record
from leadlight.destinations.salesforce import SalesforceDestination
from tests.fakes import hubspot as hubspot_fake, salesforce as salesforce_fake, samples
from tests.fakes.hubspot import hubspot  # noqa: F401 (fixture)
from tests.fakes.salesforce import salesforce  # noqa: F401 (fixture)

CONFIG = DestinationsConfig()


def hub(fake, waits=None) -> HubSpotDestination:
    dest = HubSpotDestination.from_env(CONFIG, {"HUBSPOT_ACCESS_TOKEN": hubspot_fake.TOKEN,
                                                "HUBSPOT_BASE_URL": fake.server.url})
    dest.http.retry = Retry(sleep=(waits if waits is not None else []).append)
    return dest


def sf(fake, waits=None, **config) -> SalesforceDestination:
    dest = SalesforceDestination.from_env(DestinationsConfig(salesforce=config), {
        "SALESFORCE_INSTANCE_URL": fake.server.url, "SALESFORCE_ACCESS_TOKEN": salesforce_fake.TOKEN})
    dest.http.retry = Retry(sleep=(waits if waits is not None else []).append)
    return dest


def test_hubspot_setup_creates_the_unique_key_once(hubspot):
    dest = hub(hubspot)
    created = dest.setup()
    assert "companies.leadlight_account_id" in created and "contacts.leadlight_score" in created
    assert hubspot.properties["companies"]["leadlight_account_id"]["hasUniqueValue"] is True
    assert hubspot.properties["companies"]["leadlight_pqa"]["type"] == "bool"
    assert dest.setup() == []  # 409s: already there


def test_hubspot_upsert_without_setup_is_refused_then_works(hubspot):
    dest = hub(hubspot)
    records = [account_record(samples.account("acme"))]
    with pytest.raises(DeliveryFailed) as refused:
        dest.upsert("account", records, set())
    assert refused.value.status == 400 and "not a unique property" in refused.value.message
    dest.setup()
    [result] = dest.upsert("account", records, set())
    assert result.ok and result.created
    stored = hubspot.objects["companies"]["acme"]
    assert stored["name"] == "Acme Inc" and stored["leadlight_score"] == 87.4 and stored["leadlight_pqa"] == "true"
    assert stored["leadlight_reasons"].startswith("12 active seats")
    assert hubspot.server.requests[-1].headers["authorization"] == f"Bearer {hubspot_fake.TOKEN}"


def test_hubspot_207_keeps_errors_per_record_and_no_empty_values_sent(hubspot):
    dest = hub(hubspot)
    dest.setup()
    hubspot.reject.add("b")
    records = [account_record(samples.account(i, probability=None, champion=None)) for i in ("a", "b", "c")]
    results = dest.upsert("account", records, known={"a"})
    assert [r.ok for r in results] == [True, False, True]
    assert "VALIDATION_ERROR" in results[1].error
    sent = {item["id"]: item["properties"] for _, item in hubspot.upserts}
    assert "leadlight_probability" not in sent["a"] and "leadlight_champion" not in sent["a"]
    assert "name" not in sent["a"] and sent["c"]["name"] == "C Inc"  # create-only values go only to new records


def test_hubspot_results_matched_by_id_property_without_trace_ids(hubspot):
    dest = hub(hubspot)
    dest.setup()
    hubspot.echo_trace_ids = False
    people = [person_record(samples.lead(f"U{i}"), None) for i in range(3)]  # HubSpot keeps emails lower-case
    results = dest.upsert("person", people, set())
    assert [(r.key, r.ok, r.created) for r in results] == [(f"U{i}", True, True) for i in range(3)]


def test_hubspot_contacts_by_email_and_batch_limit(hubspot):
    dest = hub(hubspot)
    dest.setup()
    people = [person_record(samples.lead(f"u{i}"), "2026-11-30") for i in range(100)]
    assert all(r.ok for r in dest.upsert("person", people, set()))
    assert hubspot.objects["contacts"]["u7@acme.io"]["jobtitle"] == "Engineer"
    with pytest.raises(ValueError):
        dest.upsert("person", people + people[:1], set())


def test_hubspot_429_is_retried_after_retry_after(hubspot):
    waits: list[float] = []
    dest = hub(hubspot, waits)
    dest.setup()
    hubspot.server.fail_next(429, 1, headers={"retry-after": "10"}, body={"status": "error", "category": "RATE_LIMITS"})
    [result] = dest.upsert("account", [account_record(samples.account())], set())
    assert result.ok and waits == [10.0]


def test_salesforce_upsert_by_external_id_with_per_record_errors(salesforce):
    dest = sf(salesforce)
    salesforce.reject.add("b")
    records = [account_record(samples.account(i)) for i in ("a", "b")]
    results = dest.upsert("account", records, set())
    assert [r.ok for r in results] == [True, False] and results[0].created
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION" in results[1].error
    stored = salesforce.objects["Account"]["a"]
    assert stored["Name"] == "A Inc" and stored["Leadlight_Score__c"] == 87.4 and stored["Leadlight_Pqa__c"] is True
    request = salesforce.server.requests[0]
    assert request.method == "PATCH"
    assert request.path == "/services/data/v61.0/composite/sobjects/Account/Leadlight_Account_Id__c"
    [again] = dest.upsert("account", records[:1], known={"a"})
    assert again.ok and again.created is False and "Name" not in salesforce.received[-1][1]


def test_salesforce_leads_get_required_fields_on_create_only(salesforce):
    dest = sf(salesforce)
    [created] = dest.upsert("person", [person_record(samples.lead("u1"), "2026-11-30")], set())
    assert created.ok
    lead = salesforce.objects["Lead"]["u1"]
    assert lead["LastName"] == "u1" and lead["Company"] == "Acme Inc" and lead["Email"] == "u1@acme.io"
    dest.upsert("person", [person_record(samples.lead("u1", score=90.0), "2026-12-01")], known={"u1"})
    assert "LastName" not in salesforce.received[-1][1] and salesforce.objects["Lead"]["u1"]["Leadlight_Score__c"] == 90


def test_salesforce_contacts_link_to_their_account(salesforce):
    dest = sf(salesforce, people_object="Contact")
    [result] = dest.upsert("person", [person_record(samples.lead("u1"), None)], set())
    assert result.ok
    assert salesforce.objects["Contact"]["u1"]["Account"] == {"Leadlight_Account_Id__c": "acme"}


def test_salesforce_request_limit_exceeded_is_retryable(salesforce):
    waits: list[float] = []
    dest = sf(salesforce, waits)
    salesforce.limit_exceeded(1)
    [result] = dest.upsert("account", [account_record(samples.account())], set())
    assert result.ok and len(waits) == 1
    salesforce.limit_exceeded(10)
    with pytest.raises(DeliveryFailed) as failed:
        dest.upsert("account", [account_record(samples.account())], set())
    assert failed.value.retryable and failed.value.status == 403


def test_salesforce_batch_limit_and_auth(salesforce):
    dest = sf(salesforce)
    records = [account_record(samples.account(f"a{i}")) for i in range(201)]
    with pytest.raises(ValueError):
        dest.upsert("account", records, set())
    assert all(r.ok for r in dest.upsert("account", records[:200], set()))
    dest.http.client.headers["authorization"] = "Bearer wrong"
    with pytest.raises(DeliveryFailed) as failed:
        dest.upsert("account", records[:1], set())
    assert failed.value.status == 401 and not failed.value.retryable


def test_playbook_actions_write_the_account(hubspot, salesforce):
    dest = hub(hubspot)
    dest.setup()
    assert dest.deliver(samples.delivery()).detail == "company created"
    assert dest.deliver(samples.delivery()).detail == "company updated"
    sf_dest = sf(salesforce)
    salesforce.reject.add("acme")
    with pytest.raises(DeliveryFailed) as refused:
        sf_dest.deliver(samples.delivery())
    assert "salesforce refused acme: FIELD_CUSTOM_VALIDATION_EXCEPTION" in refused.value.message
