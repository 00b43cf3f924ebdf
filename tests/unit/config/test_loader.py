"""leadlight.yml errors name the file, the line and the key, and never print a secret."""

from __future__ import annotations

import pytest

from leadlight.config import load_config, parse_config
from leadlight.errors import ConfigError
from leadlight.storage import Project


def error_of(text: str, filename: str = "leadlight.yml") -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, filename)
    assert caught.value.exit_code == 2
    return str(caught.value)


def test_a_minimal_file_gets_defaults():
    config = parse_config("name: acme\n")
    assert config.name == "acme"
    assert config.engine == "duckdb"
    assert config.spark.master == "local[2]"


def test_an_empty_file_is_all_defaults():
    assert parse_config("").engine == "duckdb"


def test_unknown_key_names_line_and_allowed_keys():
    message = error_of("name: acme\nidentity:\n  personal_domain: [isp.example]\n", "p/leadlight.yml")
    assert "p/leadlight.yml:3: identity.personal_domain: unknown key 'personal_domain'" in message
    assert "personal_domains" in message and "work_domains" in message


def test_wrong_value_names_line_and_what_is_allowed():
    message = error_of("name: acme\n\nengine: postgres\n")
    assert "leadlight.yml:3: engine:" in message
    assert "'duckdb' or 'spark'" in message


def test_duplicate_keys_are_rejected_with_their_line():
    message = error_of("name: a\nengine: duckdb\nname: b\n")
    assert "leadlight.yml:3: key 'name' appears twice" in message


def test_broken_yaml_names_the_line():
    message = error_of("name: a\nengine: [duckdb\n")
    assert "leadlight.yml:3: not valid YAML" in message
    assert "flow sequence at line 2" in message


def test_environment_variables_expand_with_defaults(monkeypatch):
    monkeypatch.setenv("LL_TEST_MASTER", "spark://cluster:7077")
    config = parse_config("spark:\n  master: ${LL_TEST_MASTER}\n  conf:\n    spark.x: ${LL_TEST_UNSET:-2g}\n")
    assert config.spark.master == "spark://cluster:7077"
    assert config.spark.conf == {"spark.x": "2g"}


def test_a_missing_environment_variable_names_line_and_variable(monkeypatch):
    monkeypatch.delenv("LL_TEST_UNSET", raising=False)
    message = error_of("name: a\nspark:\n  master: ${LL_TEST_UNSET}\n")
    assert "leadlight.yml:3: spark.master: environment variable LL_TEST_UNSET is not set" in message


def test_a_value_from_the_environment_is_never_printed(monkeypatch):
    monkeypatch.setenv("LL_TEST_SECRET", "hunter2-secret")
    message = error_of("engine: ${LL_TEST_SECRET}\n")
    assert "engine" in message
    assert "hunter2" not in message


def test_leadlight_engine_overrides_the_file(tmp_path, monkeypatch):
    (tmp_path / "leadlight.yml").write_text("engine: duckdb\n")
    monkeypatch.setenv("LEADLIGHT_ENGINE", "spark")
    assert load_config(Project(tmp_path)).engine == "spark"
    monkeypatch.setenv("LEADLIGHT_ENGINE", "oracle")
    with pytest.raises(ConfigError, match="LEADLIGHT_ENGINE"):
        load_config(Project(tmp_path))


def test_decay_must_read_a_recency_signal():
    # Decay fades points by whole days since last activity; a count here would fade them by the count.
    text = ("signals:\n"
            "  - {name: exports, kind: count, level: user, event: Export Run}\n"
            "  - {name: last_seen, kind: recency, level: user}\n"
            "scoring:\n"
            "  pql:\n"
            "    rules: [{signal: exports, op: '>=', value: 1, points: 10}]\n"
            "    decay: {kind: half_life, days: 7, signal: exports}\n")
    message = error_of(text)
    assert "leadlight.yml:7: scoring.pql.decay.signal: 'exports' is a count signal" in message
    assert "needs a recency signal" in message
    assert parse_config(text.replace("signal: exports}", "signal: last_seen}")).scoring.pql.decay.signal == "last_seen"
