"""Signed webhooks, verified by the Standard Webhooks reference library (the acceptance)."""

from __future__ import annotations

import pytest

from leadlight.config.destinations import DestinationsConfig
from leadlight.destinations.webhook import WebhookDestination
from leadlight.destinations.records import account_record
from leadlight.errors import ConfigError
from tests.fakes import samples
from tests.fakes.webhook import webhook_receiver  # noqa: F401 (fixture)


def destination(receiver) -> WebhookDestination:
    return WebhookDestination.from_env(DestinationsConfig(), {"LEADLIGHT_WEBHOOK_URL": receiver.url,
                                                              "LEADLIGHT_WEBHOOK_SECRET": receiver.secret})


def test_signature_verifies_with_the_reference_library(webhook_receiver):
    sent = destination(webhook_receiver).deliver(samples.delivery())
    assert webhook_receiver.rejected == 0
    [event] = webhook_receiver.events
    assert event["type"] == "leadlight.playbook.fired"
    assert event["data"]["account"]["account_id"] == "acme" and event["data"]["playbook"] == "expansion"
    request = webhook_receiver.server.requests[0]
    assert request.headers["webhook-id"] == "expansion:acme:1" == sent.remote_id
    assert request.headers["webhook-signature"].startswith("v1,")


def test_a_resend_carries_the_same_id_so_receivers_dedupe(webhook_receiver):
    dest = destination(webhook_receiver)
    dest.deliver(samples.delivery())
    dest.deliver(samples.delivery())
    assert webhook_receiver.ids == ["expansion:acme:1"] * 2 and len(webhook_receiver.events) == 1
    assert dest.idempotent


def test_a_wrong_secret_does_not_verify(webhook_receiver):
    dest = WebhookDestination.from_env(DestinationsConfig(), {
        "LEADLIGHT_WEBHOOK_URL": webhook_receiver.url,
        "LEADLIGHT_WEBHOOK_SECRET": "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"})
    with pytest.raises(Exception) as failed:
        dest.deliver(samples.delivery())
    assert "401" in str(failed.value) and webhook_receiver.rejected == 1


def test_sync_batches_are_signed_and_deterministic(webhook_receiver):
    dest = destination(webhook_receiver)
    records = [account_record(samples.account(f"a{i}")) for i in range(3)]
    results = dest.upsert("account", records, known={"a0"})
    dest.upsert("account", records, known={"a0"})
    assert [r.created for r in results] == [False, True, True]
    [event] = webhook_receiver.events
    assert event["type"] == "leadlight.records.synced" and len(event["data"]["records"]) == 3
    assert "create" not in event["data"]["records"][0] and event["data"]["records"][1]["create"]["domain"] == "a1.io"


def test_a_secret_that_is_not_whsec_base64_is_refused_without_echoing_it():
    with pytest.raises(ConfigError) as bad:
        WebhookDestination.from_env(DestinationsConfig(), {"LEADLIGHT_WEBHOOK_URL": "http://x",
                                                           "LEADLIGHT_WEBHOOK_SECRET": "whsec_!!!"})
    assert "!!!" not in str(bad.value)
