"""Hostile or broken leadlight.yml files: a clear error and exit 2, quickly, never a hang or a traceback.

Each test is bounded (pytest-timeout): before these limits, the billion-laughs file
hung for over 90 s, a 10 MB line for over 120 s and a 450k-item list for over 300 s.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli import cli

pytestmark = pytest.mark.timeout(60)


def laughs(levels: int = 9) -> str:
    text = 'x-a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    previous = "a"
    for name in "bcdefghijk"[: levels - 1]:
        text += f"x-{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    return text


def nested_conf(body: str) -> str:
    return "version: 1\nspark:\n  conf:\n" + "".join(f"    {line}\n" for line in body.splitlines())


HOSTILE = {
    "billion_laughs": ("version: 1\n" + laughs(), "aliases"),
    "billion_laughs_inside_a_section": (nested_conf(laughs()), "aliases"),
    "ten_megabyte_line": ("version: 1\nname: " + "x" * 10_000_000 + "\n", "at most 256 KB"),
    "450k_item_list": ("version: 1\nsignals: [" + ",".join(["1"] * 450_000) + "]\n", "at most 256 KB"),
    "a_long_list_under_the_size_cap": ("version: 1\nsignals: [" + ",".join(["1"] * 120_000) + "]\n", "YAML values"),
    "nested_5000_deep": ("version: 1\nname: " + "[" * 5000 + "]" * 5000 + "\n", "levels deep"),
    "too_many_signals": ("version: 1\nsignals:\n" + "".join(
        f"  - {{name: s{i}, kind: count, window: 7d}}\n" for i in range(1_001)), "at most 1,000"),
    "too_many_rules": ("version: 1\nsignals: [{name: s, kind: count, window: 7d}]\nscoring:\n  pqa:\n    rules:\n" + "".join(
        "      - {signal: s, op: '>=', value: 1, points: 1}\n" for _ in range(1_001)), "at most 1,000"),
}


def project_with(tmp_path: Path, content: str | bytes) -> str:
    path = tmp_path / "leadlight.yml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(tmp_path)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_config_is_refused_with_a_message(tmp_path, name):
    content, said = HOSTILE[name]
    err = cli("score", "-p", project_with(tmp_path, content), code=2)
    assert err["error"] == "ConfigError" and said in err["message"], err
    assert err["hint"]


def test_non_utf8_config_exits_2_naming_the_line(tmp_path):
    content = "version: 1\nname: caf\xe9\n".encode("latin-1")
    err = cli("score", "-p", project_with(tmp_path, content), code=2)
    assert err["error"] == "ConfigError" and "leadlight.yml:2: not UTF-8" in err["message"]


def test_a_utf8_bom_is_fine(tmp_path):
    content = "\ufeffversion: 1\nname: café\n".encode("utf-8")
    err = cli("accounts", "-p", project_with(tmp_path, content), code=1)
    assert err["error"] == "NotReady"  # past the config: no data yet


def test_python_tags_stay_inert(tmp_path):
    marker = tmp_path / "pwned"
    content = f"version: 1\nname: !!python/object/apply:os.system ['touch {marker}']\n"
    err = cli("score", "-p", project_with(tmp_path, content), code=2)
    assert err["error"] == "ConfigError" and not marker.exists()


def test_a_few_aliases_still_work(tmp_path):
    content = "version: 1\nidentity:\n  personal_domains: &mine [example.net]\n  work_domains: *mine\n"
    assert cli("accounts", "-p", project_with(tmp_path, content), code=1)["error"] == "NotReady"
