"""Sync call budgets at small scale: N accounts take ceil(N/100) HubSpot or ceil(N/200) Salesforce calls
(10,000 accounts: 100 and 50; measured at that size by bench/crm_sync.py)."""

from __future__ import annotations

from leadlight.tasks.sync import sync
from tests.fakes import hubspot as hubspot_fake, salesforce as salesforce_fake
from tests.fakes.hubspot import hubspot  # noqa: F401 (fixture)
from tests.fakes.salesforce import salesforce  # noqa: F401 (fixture)
from tests.fakes.samples import scored_project

N = 250


def test_hubspot_calls_per_account_batch(tmp_path, hubspot):
    project = scored_project(tmp_path / "p", N)
    env = {"HUBSPOT_ACCESS_TOKEN": hubspot_fake.TOKEN, "HUBSPOT_BASE_URL": hubspot.server.url}
    report = sync(project, "hubspot", setup=True, env=env)
    setup_calls = len(report["setup"])  # one call per property or group created
    assert len(hubspot.objects["companies"]) == N and hubspot.calls - setup_calls == 3
    scored_project(tmp_path / "p", N, score_shift=0.5, as_of="2026-12-01")  # every score changes
    report = sync(project, "hubspot", env=env)
    assert (report["updated"], report["created"], hubspot.calls - setup_calls) == (N, 0, 6)
    assert sync(project, "hubspot", env=env)["unchanged"] == N and hubspot.calls - setup_calls == 6


def test_salesforce_calls_per_account_batch(tmp_path, salesforce):
    project = scored_project(tmp_path / "p", N)
    env = {"SALESFORCE_INSTANCE_URL": salesforce.server.url, "SALESFORCE_ACCESS_TOKEN": salesforce_fake.TOKEN}
    report = sync(project, "salesforce", env=env)
    assert report["created"] == N and salesforce.calls == 2
