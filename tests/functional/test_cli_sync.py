"""`leadlight sync` against local fakes of HubSpot, Salesforce and a webhook receiver, and to CSV files.

One generated company is scored once; each test syncs a copy of it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from leadlight.storage import Project, connect
from tests.cli import cli, generated_project
from tests.fakes import hubspot as hubspot_fake, salesforce as salesforce_fake
from tests.fakes.hubspot import hubspot  # noqa: F401 (fixture)
from tests.fakes.salesforce import salesforce  # noqa: F401 (fixture)
from tests.fakes.webhook import webhook_receiver  # noqa: F401 (fixture)

BATCHES = "\ndestinations:\n  hubspot: {batch_size: 7}\n  salesforce: {batch_size: 9}\n"


@pytest.fixture(scope="module")
def scored(tmp_path_factory) -> Path:
    _, project = generated_project(tmp_path_factory.mktemp("sync"), None, accounts=40, days=45, seed=11)
    with (project / "leadlight.yml").open("a") as f:
        f.write(BATCHES)
    cli("score", "--project", str(project))
    return project


@pytest.fixture
def project(scored, tmp_path) -> str:
    copy = tmp_path / "project"
    shutil.copytree(scored, copy)
    return str(copy)


@pytest.fixture
def hubspot_env(hubspot, monkeypatch):
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", hubspot_fake.TOKEN)
    monkeypatch.setenv("HUBSPOT_BASE_URL", hubspot.server.url)
    return hubspot


def upsert_calls(fake) -> list:
    return [r for r in fake.server.requests if r.path.endswith("/batch/upsert")]


def counts(project: str) -> tuple[int, int]:
    accounts = cli("accounts", "--project", project)
    pqls = [p for p in cli("leads", "--project", project) if p["pql"] and p["email"]]
    return len(accounts), len(pqls)


def test_hubspot_sync_sends_in_batches_then_nothing_when_unchanged(project, hubspot_env):
    n_accounts, n_people = counts(project)
    first = cli("sync", "hubspot", "--setup", "--project", project)
    assert (first["created"], first["updated"], first["failed"]) == (n_accounts + n_people, 0, 0)
    assert first["objects"]["account"]["created"] == n_accounts and len(hubspot_env.objects["companies"]) == n_accounts
    assert len(hubspot_env.objects["contacts"]) == n_people
    calls = upsert_calls(hubspot_env)
    assert len(calls) == -(-n_accounts // 7) - (-n_people // 7)  # ceil: batches of the configured 7
    assert all(len(c.json()["inputs"]) <= 7 for c in calls)
    second = cli("sync", "hubspot", "--project", project)
    assert second["unchanged"] == n_accounts + n_people and second["created"] == second["updated"] == 0
    assert len(upsert_calls(hubspot_env)) == len(calls)  # nothing changed: nothing sent


def test_a_failed_record_keeps_its_reason_and_is_the_only_one_resent(project, hubspot_env):
    cli("sync", "hubspot", "--setup", "--only", "account", "--project", project)
    bad = sorted(hubspot_env.objects["companies"])[3]
    hubspot_env.objects["companies"].clear()
    hubspot_env.reject.add(bad)
    first = cli("sync", "hubspot", "--full", "--only", "account", "--project", project)
    assert first["failed"] == 1 and first["errors"][0]["key"] == bad and "VALIDATION_ERROR" in first["errors"][0]["error"]
    con = connect(Project.locate(project), read_only=True)
    stored = con.execute("SELECT error FROM crm_sync WHERE destination = 'hubspot' AND record_key = ?", [bad]).fetchall()
    con.close()
    assert "VALIDATION_ERROR" in stored[0][0]
    hubspot_env.reject.clear()
    before = len(upsert_calls(hubspot_env))
    again = cli("sync", "hubspot", "--only", "account", "--project", project)
    assert (again["failed"], again["updated"] + again["created"]) == (0, 1)
    [call] = upsert_calls(hubspot_env)[before:]
    assert [i["id"] for i in call.json()["inputs"]] == [bad]


def test_a_whole_batch_failing_stores_nothing_for_it(project, hubspot_env):
    n_accounts, _ = counts(project)
    cli("sync", "hubspot", "--setup", "--only", "person", "--project", project)
    before = len(upsert_calls(hubspot_env))
    hubspot_env.server.fail_next(500, 4, headers={"retry-after": "0"})
    failed = cli("sync", "hubspot", "--only", "account", "--project", project)
    assert (failed["failed"], failed["created"]) == (n_accounts, 0)
    assert "HTTP 500" in failed["errors"][0]["error"] and "not sent" in failed["errors"][-1]["error"]
    assert len(upsert_calls(hubspot_env)) - before == 4  # 4 tries of the first batch, then the rest wait
    retried = cli("sync", "hubspot", "--only", "account", "--project", project)
    assert retried["failed"] == 0 and retried["created"] == failed["failed"]


def test_dry_run_sends_and_stores_nothing(project, hubspot_env):
    dry = cli("sync", "hubspot", "--dry-run", "--project", project)
    assert dry["dry_run"] and dry["created"] > 0 and hubspot_env.server.requests == []
    real = cli("sync", "hubspot", "--setup", "--project", project)
    assert real["created"] == dry["created"]


def test_not_configured_says_which_variable(project, monkeypatch):
    monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN", raising=False)
    err = cli("sync", "hubspot", "--project", project, code=1)
    assert err["message"] == "hubspot is not configured: set HUBSPOT_ACCESS_TOKEN"
    assert cli("sync", "pipedrive", "--project", project, code=2)["error"] == "UsageError"
    assert "--setup is for hubspot" in cli("sync", "csv", "--setup", "--project", project, code=2)["message"]


def test_salesforce_sync_with_a_refused_record(project, salesforce, monkeypatch):
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", salesforce.server.url)
    monkeypatch.setenv("SALESFORCE_ACCESS_TOKEN", salesforce_fake.TOKEN)
    n_accounts, n_people = counts(project)
    first_account = cli("accounts", "--project", project, "--limit", "1")[0]["account_id"]
    salesforce.reject.add(first_account)
    result = cli("sync", "salesforce", "--project", project)
    assert (result["created"], result["failed"]) == (n_accounts + n_people - 1, 1)
    assert result["errors"] == [{"object": "account", "key": first_account,
                                 "error": "FIELD_CUSTOM_VALIDATION_EXCEPTION: Rejected by a validation rule"}]
    assert len(salesforce.objects["Lead"]) == n_people
    assert salesforce.calls == -(-n_accounts // 9) - (-n_people // 9)


def test_webhook_sync_is_signed(project, webhook_receiver, monkeypatch):
    monkeypatch.setenv("LEADLIGHT_WEBHOOK_URL", webhook_receiver.url)
    monkeypatch.setenv("LEADLIGHT_WEBHOOK_SECRET", webhook_receiver.secret)
    result = cli("sync", "webhook", "--project", project, "--only", "account")
    n_accounts, _ = counts(project)
    assert result["created"] == n_accounts and webhook_receiver.rejected == 0
    assert sum(len(e["data"]["records"]) for e in webhook_receiver.events) == n_accounts


def test_csv_sync_writes_every_record_and_counts_what_changed(project):
    n_accounts, n_people = counts(project)
    first = cli("sync", "csv", "--project", project)
    accounts = (Path(project) / "sync" / "accounts.csv").read_text().splitlines()
    assert accounts[0].startswith("key,name,domain,account_id,score") and len(accounts) == 1 + n_accounts
    assert first["created"] == n_accounts + n_people
    second = cli("sync", "csv", "--project", project)
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, n_accounts + n_people)
    people = (Path(project) / "sync" / "people.csv").read_text().splitlines()
    assert len(people) == 1 + n_people
