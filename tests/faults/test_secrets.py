"""A value from the environment (``${VAR}`` in leadlight.yml) never reaches the terminal.

The test walks the JSON Schema `leadlight schema` prints: every field of every
model that accepts text is planted, in turn, with ``${LL_SECRET}`` in a config
that uses every model, and ``leadlight score --json`` runs on a small loaded
project. Whatever happens (an invalid config, a signal that matches nothing, a
column that does not exist, a successful score), neither stdout nor stderr holds
the secret. Before the redaction in ``leadlight.errors``, 8 of 15 places leaked it.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Iterator

import pytest
from typer.testing import CliRunner

from leadlight.cli.app import app
from tests.cli import cli, generated_project

runner = CliRunner()
SECRET = "zqsecretvalue"  # a valid signal name, so it travels past validation into scoring
PLANT = "${LL_SECRET}"

BASE: dict[str, Any] = {
    "version": 1, "name": "secrets", "engine": "duckdb",
    "spark": {"master": "local[2]", "conf": {"spark.driver.memory": "1g"}},
    "identity": {"personal_domains": ["example.net"], "work_domains": ["example.org"], "student_suffixes": [".edu"]},
    "signals": [
        {"name": "active_users_14d", "kind": "distinct_users", "window": "14d", "label": "active users",
         "description": "d", "event": "Teammate Invited", "where": [{"property": "plan", "op": "eq", "value": "pro"}]},
        {"name": "invites_14d", "kind": "count", "event": "Teammate Invited", "window": "14d", "label": "invites"},
        {"name": "active_days_14d", "kind": "active_days", "window": "14d"},
        {"name": "features_28d", "kind": "breadth", "window": "28d"},
        {"name": "days_since_active", "kind": "recency"},
        {"name": "new_users_trend", "kind": "velocity", "window": "7d", "baseline": "28d"},
        {"name": "invited_first_week", "kind": "first_days", "event": "Teammate Invited", "within": "7d"},
        {"name": "invites_per_user", "kind": "ratio", "numerator": "invites_14d", "denominator": "active_users_14d"},
        {"name": "industry", "kind": "attribute", "column": "industry"},
        {"name": "user_last_seen", "kind": "recency", "level": "user"},
        {"name": "user_active_days", "kind": "active_days", "level": "user", "window": "14d"},
    ],
    "scoring": {
        "pql": {"rules": [{"signal": "user_active_days", "op": ">=", "value": 2, "points": 50, "label": "l"}],
                "required": ["work_email", {"signal": "user_active_days", "op": ">=", "value": 1, "label": "l"}],
                "disqualifiers": ["personal_email"],
                "decay": {"kind": "half_life", "days": 14, "signal": "user_last_seen"}, "threshold": 50},
        "pqa": {"rollup": {"method": "max", "points": 30},
                "rules": [{"signal": "industry", "op": "==", "value": "Software", "points": 10}],
                "triggers": {"k": 1, "points": 20, "of": [{"signal": "invites_14d", "op": ">=", "value": 1}]},
                "threshold": 50},
        "fit": {"rules": [{"signal": "industry", "op": "in", "value": ["Software"], "points": 10}]},
        "intent": {"rules": [{"signal": "invites_14d", "op": ">=", "value": 1, "points": 10}]},
        "people": {"activity": "user_active_days", "admin_events": ["Admin Settings"],
                   "invite_events": ["Teammate Invited"]},
    },
    "model": {"snapshot_every": "month", "account_created_column": "created_at", "attributes": ["industry"],
              "ignore_attributes": ["plan"], "leaky_attributes": ["x"], "algorithms": ["logistic"],
              "eligibility": "auto", "features": "both", "calibration": "platt", "history_from": "2026-01-01",
              "trial": {"started_column": "trial_started_at"}},
    "playbooks": [
        {"name": "hot", "description": "d", "trigger": {"kind": "enters", "state": "quadrant", "quadrant": "high_fit_high_intent"},
         "audience": ["prospect"], "team": "ae", "actions": [{"destination": "slack"}],
         "message": {"subject": "s", "text": "t", "pain_point": "p", "value_proposition": "v", "talk_track": "k",
                     "variants": [{"department": ["engineering"], "seniority": ["vp"], "industry": ["Software"],
                                   "text": "t", "subject": "s", "talk_track": "k"}]}},
        {"name": "lights", "trigger": {"kind": "conditions", "light": "green",
                                       "all": [{"signal": "invites_14d", "op": ">=", "value": 1}]}},
        {"name": "fired", "trigger": {"kind": "k_of_n", "k": 1}},
        {"name": "committee", "trigger": {"kind": "many_pqls", "min": 2, "within": "14d"}},
    ],
    "routing": [{"when": [{"field": "status", "op": "in", "value": ["customer"]}], "team": "ae"}, {"team": "ae"}],
    "teams": {"ae": {"members": ["ae1@example.org"]}},
    "caps": {"per_account": 1, "period": "7d", "per_channel": 200, "cooldown": "30d"},
    "destinations": {"webhook": {"event_type": "e", "sync_type": "s"},
                     "hubspot": {"company_id_property": "c", "contact_id_property": "c", "property_prefix": "p"},
                     "salesforce": {"api_version": "v59.0", "account_external_id": "a", "people_object": "Contact",
                                    "people_external_id": "p", "field_prefix": "f"},
                     "csv": {"path": "out.csv", "sync_dir": "sync"}},
    "serve": {"api_tokens": ["token-1"], "ui_password": "pw", "sign_in": "auto", "secure_cookies": "auto"},
    "collector": {"write_keys": [{"key": "k", "source": "web"}]},
}

SCHEMA = json.loads(runner.invoke(app, ["schema"]).stdout)
DEFS = SCHEMA["$defs"]


def _deref(schema: dict) -> tuple[str | None, dict]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return name, DEFS[name]
    return None, schema


def _accepts_text(schema: dict) -> bool:
    _, schema = _deref(schema)
    if schema.get("type") == "string":
        return True
    return any(_accepts_text(m) for m in schema.get("anyOf", []) + schema.get("oneOf", []))


def _pick(schema: dict, instance: Any) -> tuple[str | None, dict]:
    """The schema member an instance is checked against (discriminated by kind, else by shape)."""
    name, schema = _deref(schema)
    members = schema.get("oneOf") or schema.get("anyOf")
    if not members:
        return name, schema
    if isinstance(instance, dict) and "discriminator" in schema:
        ref = schema["discriminator"]["mapping"][instance["kind"]]
        return ref.rsplit("/", 1)[-1], DEFS[ref.rsplit("/", 1)[-1]]
    for member in members:
        m_name, m = _deref(member)
        if isinstance(instance, dict) and (m.get("type") == "object" or "properties" in m):
            return m_name, m
        if isinstance(instance, list) and m.get("type") == "array":
            return m_name, m
    return name, schema


def plantings(schema: dict = SCHEMA, instance: Any = BASE, path: tuple = ()) -> Iterator[tuple[tuple, str, str]]:
    """(path, model, field) of every field that accepts text, in every model instance of the base config."""
    name, schema = _pick(schema, instance)
    if isinstance(instance, dict):
        for field, sub in schema.get("properties", {}).items():
            _, resolved = _pick(sub, instance.get(field))
            if field in instance and isinstance(instance[field], (dict, list)):
                yield from plantings(sub, instance[field], (*path, field))
            if _accepts_text(sub) or resolved.get("type") == "array" and _accepts_text(resolved.get("items", {})):
                yield (*path, field), name or "ProjectConfig", field
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and _accepts_text(extra):
            for key in instance:
                yield (*path, key), name or "map", "(value)"
        elif isinstance(extra, dict):  # a map of models (teams: {ae: {members: [...]}})
            for key, value in instance.items():
                if isinstance(value, (dict, list)):
                    yield from plantings(extra, value, (*path, key))
    elif isinstance(instance, list):
        items = schema.get("items", {})
        for i, item in enumerate(instance):
            if isinstance(item, (dict, list)):
                yield from plantings(items, item, (*path, i))


def planted(path: tuple) -> dict:
    config = copy.deepcopy(BASE)
    node = config
    for part in path[:-1]:
        node = node[part]
    current = node.get(path[-1]) if isinstance(node, dict) else node[path[-1]]
    node[path[-1]] = [PLANT] if isinstance(current, list) else PLANT
    return config


PLANTINGS = sorted(set(plantings()), key=str)
EXTRA = {  # the places of the issue that need two plantings at once
    "a duplicated signal name": lambda c: [s.update(name=PLANT) for s in c["signals"][:2]],
    "a declared name listed in the hint": lambda c: (c["signals"][2].update(name=PLANT),
                                                     c["scoring"]["pqa"]["rules"][0].update(signal="nosuch")),
}


def test_the_walk_covers_every_text_field_of_the_schema():
    covered = {(model, field) for _, model, field in PLANTINGS}
    wanted = {(name, field) for name, d in DEFS.items() for field, sub in d.get("properties", {}).items()
              if _accepts_text(sub) or sub.get("type") == "array" and _accepts_text(sub.get("items", {}))
              or any(m.get("type") == "array" and _accepts_text(m.get("items", {})) for m in sub.get("anyOf", []))}
    assert wanted - covered == set()
    assert len(PLANTINGS) > 60


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> str:
    _, project = generated_project(tmp_path_factory.mktemp("secrets"), None, accounts=20, days=40, seed=3)
    return str(project)


def _score(project: str, config: dict, monkeypatch) -> str:
    from pathlib import Path

    (Path(project) / "leadlight.yml").write_text(json.dumps(config))
    monkeypatch.setenv("LL_SECRET", SECRET)
    words = runner.invoke(app, ["score", "-p", project])  # errors, hints and warnings as a user reads them
    said = words.stdout + words.stderr
    if words.exit_code:  # the same error as the JSON document the web app and scripts read
        as_json = runner.invoke(app, ["score", "-p", project, "--json"])
        said += as_json.stdout + as_json.stderr
    return said


# Fast suite: every text field of the sections scoring reads (signals, scoring: where 8 of 15 places leaked),
# one field of every other model; the slow suite plants every field of every instance.
SCORED = ("signals", "scoring", "identity", "ingest", "opportunities", "name", "engine", "version")
ONE_PER_FIELD = list({(model, field): path for path, model, field in PLANTINGS}.values())
FAST = [p for p in ONE_PER_FIELD if p[0] in SCORED] + list(
    {model: path for path, model, _ in PLANTINGS if path[0] not in SCORED}.values())


def test_the_base_config_scores(project, monkeypatch):
    from pathlib import Path

    (Path(project) / "leadlight.yml").write_text(json.dumps(BASE))
    result = runner.invoke(app, ["score", "-p", project])
    assert result.exit_code == 0, result.output  # plantings reach scoring, not a validation error of the base


@pytest.mark.parametrize("path", FAST, ids=lambda p: ".".join(map(str, p)))
def test_a_secret_planted_in_any_text_field_is_never_printed(project, path, monkeypatch):
    assert SECRET not in _score(project, planted(path), monkeypatch)


@pytest.mark.slow
@pytest.mark.parametrize("path", [p for p, _, _ in PLANTINGS if p not in FAST],
                         ids=lambda p: ".".join(map(str, p)))
def test_a_secret_planted_in_every_instance_is_never_printed(project, path, monkeypatch):
    assert SECRET not in _score(project, planted(path), monkeypatch)


@pytest.mark.parametrize("place", sorted(EXTRA))
def test_a_secret_in_two_places_is_never_printed(project, place, monkeypatch):
    config = copy.deepcopy(BASE)
    EXTRA[place](config)
    said = _score(project, config, monkeypatch) + runner.invoke(app, ["check", "-p", project]).stdout
    assert SECRET not in said and "***" in said, said


def test_a_secret_value_in_an_error_is_redacted_for_the_web_app_too(monkeypatch):
    from leadlight.config import parse_config
    from leadlight.errors import ConfigError

    monkeypatch.setenv("LL_SECRET", SECRET)
    config = copy.deepcopy(BASE)
    config["scoring"]["pqa"]["rules"][0]["signal"] = PLANT
    with pytest.raises(ConfigError) as raised:
        parse_config(json.dumps(config))
    assert SECRET not in json.dumps(raised.value.to_dict()) and SECRET not in str(raised.value)
