"""Outreach and Salesloft enrolment: prospect upsert first; already enrolled counts as sent."""

from __future__ import annotations

import pytest

from leadlight.config.destinations import DestinationsConfig
from leadlight.destinations.base import DeliveryFailed
from leadlight.destinations.sequences import OutreachDestination, SalesloftDestination
from tests.fakes import samples
from tests.fakes.sequences import TOKEN, outreach, salesloft  # noqa: F401 (fixtures)


def test_outreach_creates_the_prospect_then_enrols_once(outreach):
    dest = OutreachDestination.from_env(DestinationsConfig(), {"OUTREACH_ACCESS_TOKEN": TOKEN,
                                                               "OUTREACH_BASE_URL": outreach.server.url})
    delivery = samples.delivery(people=[samples.lead("u1"), samples.lead("u2", email=None)],
                                options={"sequence_id": 7, "mailbox_id": 3})
    sent = dest.deliver(delivery)
    assert outreach.prospects == {"u1@acme.io": 100} and outreach.states == {(100, 7, 3)}
    assert sent.remote_id == "100"
    paths = [(r.method, r.path) for r in outreach.server.requests]
    assert paths == [("GET", "/api/v2/prospects"), ("POST", "/api/v2/prospects"), ("POST", "/api/v2/sequenceStates")]
    dest.deliver(delivery)  # a re-send: found by email, already in the sequence -> sent, nothing doubled
    assert outreach.prospects == {"u1@acme.io": 100} and len(outreach.states) == 1


def test_outreach_needs_a_sequence(outreach):
    dest = OutreachDestination.from_env(DestinationsConfig(), {"OUTREACH_ACCESS_TOKEN": TOKEN,
                                                               "OUTREACH_BASE_URL": outreach.server.url})
    with pytest.raises(DeliveryFailed) as failed:
        dest.deliver(samples.delivery())
    assert "sequence_id" in failed.value.message and not failed.value.retryable


def test_salesloft_enrols_the_champion_with_config_defaults(salesloft):
    config = DestinationsConfig(salesloft={"cadence_id": 42, "user_id": 9})
    dest = SalesloftDestination.from_env(config, {"SALESLOFT_API_KEY": TOKEN, "SALESLOFT_BASE_URL": salesloft.server.url})
    dest.deliver(samples.delivery())
    dest.deliver(samples.delivery())
    assert salesloft.people == {"dana@acme.io": 500} and salesloft.memberships == {(500, 42)}
    enrol = [r for r in salesloft.server.requests if r.path == "/v2/cadence_memberships"][0]
    assert enrol.query == {"person_id": ["500"], "cadence_id": ["42"], "user_id": ["9"]}


def test_wrong_token_fails_not_retryable(salesloft):
    dest = SalesloftDestination.from_env(DestinationsConfig(salesloft={"cadence_id": 1}), {
        "SALESLOFT_API_KEY": "nope", "SALESLOFT_BASE_URL": salesloft.server.url})
    with pytest.raises(DeliveryFailed) as failed:
        dest.deliver(samples.delivery())
    assert failed.value.status == 401 and "nope" not in str(failed.value)
