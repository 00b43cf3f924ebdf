"""Building destinations by name; CSV and console (dry-run) destinations; the Slack HTML preview."""

from __future__ import annotations

import csv
import io

import pytest

from leadlight.config import parse_config
from leadlight.destinations.base import NotConfigured
from leadlight.destinations.records import account_record
from leadlight.destinations.registry import NAMES, build, not_configured
from leadlight.destinations.slack import blocks_for
from leadlight.destinations.slack_preview import render_html
from leadlight.destinations.console import ConsoleDestination
from leadlight.errors import ConfigError, UsageError
from tests.fakes import samples


@pytest.mark.parametrize("name, variables", [
    ("slack", "SLACK_WEBHOOK_URL"), ("webhook", "LEADLIGHT_WEBHOOK_URL and LEADLIGHT_WEBHOOK_SECRET"),
    ("outreach", "OUTREACH_ACCESS_TOKEN"), ("salesloft", "SALESLOFT_API_KEY"), ("hubspot", "HUBSPOT_ACCESS_TOKEN"),
    ("salesforce", "SALESFORCE_INSTANCE_URL and SALESFORCE_ACCESS_TOKEN")])
def test_unconfigured_destinations_say_what_to_set(name, variables):
    assert not_configured(name, env={}) == f"not configured: set {variables}"
    with pytest.raises(NotConfigured):
        build(name, env={})


def test_every_name_builds_and_secrets_never_show(tmp_path):
    env = {"SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/SECRET1", "LEADLIGHT_WEBHOOK_URL": "http://x/SECRET2",
           "LEADLIGHT_WEBHOOK_SECRET": "whsec_U0VDUkVUMw==", "OUTREACH_ACCESS_TOKEN": "SECRET4",
           "SALESLOFT_API_KEY": "SECRET5", "HUBSPOT_ACCESS_TOKEN": "SECRET6", "SALESFORCE_INSTANCE_URL": "http://sf",
           "SALESFORCE_ACCESS_TOKEN": "SECRET7"}
    for name in NAMES:
        dest = build(name, root=tmp_path, env=env)
        assert dest.name == name and "SECRET" not in repr(dest) and "SECRET" not in str(vars(dest))
        dest.close()
    with pytest.raises(UsageError):
        build("fax", env=env)


def test_destinations_section_is_optional_and_strict():
    assert parse_config("version: 1\n").destinations.hubspot.batch_size == 100
    assert parse_config("destinations:\n  salesforce: {people_object: Contact}\n").destinations.salesforce.people_object == "Contact"
    with pytest.raises(ConfigError) as bad:
        parse_config("destinations:\n  hubspot: {batch_size: 500}\n")
    assert "batch_size" in str(bad.value)


def test_csv_appends_each_action_once(tmp_path):
    dest = build("csv", root=tmp_path, env={})
    dest.deliver(samples.delivery())
    dest.deliver(samples.delivery())
    dest.deliver(samples.delivery(key="other:acme:1"))
    rows = list(csv.DictReader((tmp_path / "leadlight-actions.csv").open()))
    assert [r["key"] for r in rows] == ["expansion:acme:1", "other:acme:1"]
    assert rows[0]["score"] == "87.4" and rows[0]["message"].startswith("Hi Dana")


def test_console_shows_what_would_be_sent():
    stream = io.StringIO()
    console = ConsoleDestination("slack", stream=stream, limit=1)
    console.deliver(samples.delivery())
    console.upsert("account", [account_record(samples.account(i)) for i in ("a", "b")], known={"a"})
    console.close()
    text = stream.getvalue()
    assert "would send to slack: playbook expansion, account acme" in text and "ACME INC" in text
    assert "would update account a in slack" in text and "... and 1 more" in text


def test_slack_preview_html():
    page = render_html(blocks_for(samples.delivery()), names={"U024BE7LH": "Maya Chen"})
    assert '<span class="mention">@Maya Chen</span>' in page and "<blockquote>Hi Dana" in page
    assert 'href="https://leadlight.example.com/accounts/acme"' in page and "<b>Why now</b>" in page
    assert 'href="mailto:dana@acme.io"' in page
