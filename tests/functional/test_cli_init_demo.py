"""`leadlight init` writes a valid, commented project file; `leadlight demo` runs the whole job."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from leadlight.cli.app import app
from leadlight.config import load_config
from leadlight.storage import Project

runner = CliRunner()


def test_init_writes_a_valid_commented_file_and_refuses_to_overwrite(tmp_path):
    first = runner.invoke(app, ["init", str(tmp_path / "p"), "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {"project": str(tmp_path / "p")}
    text = (tmp_path / "p" / "leadlight.yml").read_text()
    assert text.count("\n#") > 10  # written for a person to edit
    config = load_config(Project(tmp_path / "p"))
    assert config.signals and config.scoring.pqa.triggers is not None

    again = runner.invoke(app, ["init", str(tmp_path / "p")])
    assert again.exit_code == 2 and "already exists" in again.stderr
    assert runner.invoke(app, ["init", str(tmp_path / "p"), "--force"]).exit_code == 0


def test_a_command_outside_a_project_says_how_to_start(tmp_path):
    result = runner.invoke(app, ["score", "--project", str(tmp_path)])
    assert result.exit_code == 2
    assert "leadlight init" in result.stderr


def test_invalid_config_exits_2_naming_the_line(tmp_path):
    (tmp_path / "leadlight.yml").write_text("name: x\nsignals:\n  - {name: a, kind: cout, event: X}\n")
    result = runner.invoke(app, ["score", "--project", str(tmp_path)])
    assert result.exit_code == 2
    assert "leadlight.yml:3" in result.stderr and "cout" in result.stderr


def test_demo_runs_end_to_end_and_lists_explained_accounts(tmp_path):
    result = runner.invoke(app, ["demo", "--dir", str(tmp_path / "demo"), "--accounts", "150", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["project"] == str(tmp_path / "demo")
    assert 0 < len(doc["top"]) <= 10
    best = doc["top"][0]
    assert best["reasons"] and all(r["text"] for r in best["reasons"])
    assert best["quadrant"] == "high_fit_high_intent"
    best_quadrant = [a for a in doc["top"] if a["quadrant"] == "high_fit_high_intent"]
    # with a trained model reps' lists rank by expected value (probability x deal size), else by score
    key = "expected_value" if all(a["expected_value"] is not None for a in best_quadrant) else "score"
    ranked = [a[key] for a in best_quadrant]
    assert ranked == sorted(ranked, reverse=True)


def test_demo_never_replaces_a_folder_it_did_not_make(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    result = runner.invoke(app, ["demo", "--dir", str(tmp_path / "mine")])
    assert result.exit_code == 2
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_init_takes_the_project_option_and_environment_like_every_command(tmp_path, monkeypatch):
    assert runner.invoke(app, ["init", "--project", str(tmp_path / "a")]).exit_code == 0
    monkeypatch.setenv("LEADLIGHT_PROJECT", str(tmp_path / "b"))
    assert runner.invoke(app, ["init"]).exit_code == 0
    assert (tmp_path / "a" / "leadlight.yml").is_file() and (tmp_path / "b" / "leadlight.yml").is_file()
