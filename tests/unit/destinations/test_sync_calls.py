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
    scored_project(tmp_path / "p", N, score_shift=0.5, as_of="2026-12-02")  # re-scored, the same values
    assert sync(project, "hubspot", env=env)["unchanged"] == N and hubspot.calls - setup_calls == 6


def test_salesforce_calls_per_account_batch(tmp_path, salesforce):
    project = scored_project(tmp_path / "p", N)
    env = {"SALESFORCE_INSTANCE_URL": salesforce.server.url, "SALESFORCE_ACCESS_TOKEN": salesforce_fake.TOKEN}
    report = sync(project, "salesforce", env=env)
    assert report["created"] == N and salesforce.calls == 2


def test_a_dry_run_reads_a_file_made_before_the_sync_table(tmp_path):
    import duckdb

    project = scored_project(tmp_path / "p", 5)
    con = duckdb.connect(str(project.database_path))
    con.execute("DROP TABLE crm_sync; DELETE FROM schema_version WHERE version >= 10").fetchall()
    con.close()
    report = sync(project, "hubspot", dry_run=True, env={})
    assert report["created"] == 5 and report["dry_run"]
