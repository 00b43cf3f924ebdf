"""Why an account goes to sales: the motion reason and the uplift of a sales touch, the same in the CLI's
``accounts --json``, the API's account objects and the account page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from leadlight.storage import Project
from leadlight.storage.database import connect
from leadlight.storage.snapshots import ACCOUNT_ORDER
from leadlight.tasks.serve import ServeSettings
from leadlight.web import create_app
from tests.cli import cli

TOKEN = "t0ken-for-tests-only"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
WHY = "likely to buy and a sales touch helps: 41% with a rep, 12% without"


@pytest.fixture(scope="module")
def steered(held):
    """The list's first account as a trained model with a reliable uplift would store it; the second one rough."""
    con = connect(Project(held))
    try:
        first, second = [r[0] for r in con.execute(
            f"SELECT account_id FROM account_scores ORDER BY {ACCOUNT_ORDER} LIMIT 2").fetchall()]
        con.execute("UPDATE account_scores SET motion = 'sales', motion_reason = ?, uplift = 0.29, "
                    "uplift_reliable = true, self_serve_probability = 0.12, deal_size = 24000 WHERE account_id = ?",
                    [WHY, first]).fetchall()
        con.execute("UPDATE account_scores SET motion = 'self_serve', motion_reason = 'likely to upgrade on its own', "
                    "uplift = -0.01, uplift_reliable = false WHERE account_id = ?", [second]).fetchall()
    finally:
        con.close()
    return held, first, second


def test_cli_and_api_objects_carry_the_motion_reason_and_uplift(steered):
    project, first, second = steered
    listed = {a["account_id"]: a for a in cli("accounts", "--project", str(project))}
    api = TestClient(create_app(Project(project), ServeSettings(api_tokens=(TOKEN,))))
    served = {a["account_id"]: a for a in api.get("/api/accounts?limit=500", headers=AUTH).json()}
    for objects in (listed, served):
        a = objects[first]
        assert (a["motion"], a["motion_reason"], a["uplift"], a["uplift_reliable"]) == ("sales", WHY, 0.29, True)
        assert (a["self_serve_probability"], a["deal_size"]) == (0.12, 24000)
        assert objects[second]["uplift_reliable"] is False
    assert api.get(f"/api/accounts/{first}", headers=AUTH).json()["motion_reason"] == WHY
    assert listed == served


def test_the_account_page_says_why_sales_in_a_reps_words(steered):
    project, first, second = steered
    app = TestClient(create_app(Project(project)))
    page = app.get(f"/accounts/{first}").text
    assert f"Why sales: {WHY}" in page and "a sales touch +29 points" in page and "not used" not in page
    other = app.get(f"/accounts/{second}").text
    assert "Why self-serve: likely to upgrade on its own" in other and "(rough estimate, not used)" in other
