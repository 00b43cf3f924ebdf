"""The model card page says what training really did: walk-forward folds with their rows and buyers, the learner
and setting the folds chose, and the final fit on all labelled history (a lead list trains in seconds)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from leadlight.storage import Project
from leadlight.web import create_app
from tests.cli import cli
from tests.unit.models.test_lead_lists import lead_list_project


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    project = lead_list_project(tmp_path_factory.mktemp("card"))
    return project, cli("train", "--project", str(project))


def test_the_card_shows_every_fold_and_the_final_fit(trained):
    project, report = trained
    page = TestClient(create_app(Project(project))).get("/model")
    assert page.status_code == 200
    html = page.text
    assert "Rows (train / validation / test)" not in html and "validation" not in html.lower().replace("walk-forward", "")
    folds = re.search(r'<table class="folds" id="folds">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r"<tr><td>(\d+)</td><td>(.*?)</td><td>.*?</td><td class=\"num\">([\d,]+)</td>"
                      r"<td class=\"num\">(\d+)</td>", folds, re.S)
    assert len(rows) == len(report["folds"]) >= 2
    for (_, trained_on, n, buyers), fold in zip(rows, report["folds"]):
        assert int(n.replace(",", "")) == fold["rows"] > 0 and int(buyers) == fold["buyers"]
        assert f"{fold['train_rows']:,} rows, {fold['train_buyers']} buyers" in trained_on
    assert sum(f["rows"] for f in report["folds"]) == report["n_test"]
    final = re.search(r'<td id="final-fit">(.*?)</td>', html, re.S).group(1)
    assert f"{report['n_train']:,} rows on {len(report['snapshots']['train'])} snapshots" in final
    assert f"{report['positives']['train']} buyers" in final
    assert report["learner"]["chosen"] in html
    assert all(label in html for label in report["learner"]["walk_forward_auc"])


def test_the_chosen_setting_is_one_of_the_candidates_and_reported(trained):
    _, report = trained
    choice = report["learner"]
    aucs = choice["walk_forward_auc"]
    assert {"lightgbm/strong", "lightgbm/medium", "lightgbm/light", "logistic"} == set(aucs)
    assert aucs[choice["chosen"]] == max(aucs.values())
    assert choice["algorithm"] == report["chosen"]
    assert (choice["setting"] is None) == (choice["algorithm"] == "logistic")
