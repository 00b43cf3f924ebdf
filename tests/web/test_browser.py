"""A rep's walk through the app in a real browser (Debian's chromium) against a real `leadlight serve`.

Screenshots land in ``$LEADLIGHT_SCREENSHOTS`` (default: the test's tmp folder).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.web.conftest import scored_project, serving

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                 "(apt-get install -y chromium); never a downloaded browser")]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    project = scored_project(tmp_path_factory.mktemp("browser"))
    with serving(project) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, site):
    context = browser.new_context(base_url=site, viewport={"width": 1360, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("LEADLIGHT_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def rows(page) -> list[str]:
    return page.locator("table.accounts tbody tr").evaluate_all("rs => rs.map(r => r.dataset.account)")


def test_a_rep_works_the_list(page, shots):
    page.goto("/")
    everyone = rows(page)
    assert len(everyone) > 10
    page.screenshot(path=str(shots / "list.png"), full_page=True)

    page.select_option("select[name=quadrant]", "high_fit_high_intent")
    page.wait_for_url(re.compile(r"quadrant=high_fit_high_intent"))
    page.wait_for_function("() => [...document.querySelectorAll('table.accounts .quad')].every("
                           "q => q.textContent.trim() === 'High fit, high intent')")
    hot = rows(page)
    assert 0 < len(hot) < len(everyone)

    page.select_option("select[name=quadrant]", "")
    page.wait_for_function(f"() => document.querySelectorAll('table.accounts tbody tr').length === {len(everyone)}")
    name = page.locator(f"tr[data-account='{everyone[2]}'] td.acct a").inner_text()
    page.fill("input[name=q]", name)
    page.wait_for_function("() => document.querySelectorAll('table.accounts tbody tr').length < 5")
    assert everyone[2] in rows(page)


def test_a_rep_opens_an_account_copies_the_message_and_marks_it_done(page, shots):
    page.goto("/")
    best = rows(page)[0]
    page.click(f"tr[data-account='{best}'] td.acct a")
    page.wait_for_url(f"**/accounts/{best}")
    assert page.locator("ul.reasons.plus li").count() > 0
    assert page.locator(".badge.b-champion").count() == 1
    assert page.locator("img.chart").evaluate("img => img.complete && img.naturalWidth > 0")
    page.wait_for_selector("#signals ol.timeline li")  # htmx loads the recent signals after the page
    page.screenshot(path=str(shots / "account.png"), full_page=True)

    page.click("#copy-message")
    page.wait_for_function("() => document.querySelector('#copy-message').textContent.includes('Copied')")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == page.locator("#message").inner_text() and "<scale> pricing" in copied

    page.click("#mark-done")
    page.wait_for_url(re.compile(rf"/accounts/{best}\?marked=done"))
    assert "Marked done" in page.locator(".notice").inner_text()
    page.goto("/")
    assert best not in rows(page)
    page.check("input[name=show]")
    page.wait_for_function(f"() => !!document.querySelector(\"tr[data-account='{best}']\")")
    assert "done" in page.locator(f"tr[data-account='{best}'] .tag.marked").inner_text()


def test_revops_reads_the_report_and_the_map(page, shots):
    page.goto("/report", timeout=120_000)
    charts = page.locator("#def-rules figure svg")
    assert charts.count() >= 3
    assert all(charts.nth(i).bounding_box()["width"] > 200 for i in range(charts.count()))
    page.screenshot(path=str(shots / "report.png"), full_page=True)

    page.goto("/map")
    dots = page.locator("svg.quadmap circle.dot")
    assert dots.count() > 10
    page.screenshot(path=str(shots / "map.png"), full_page=True)
    dots.first.click()
    page.wait_for_url(re.compile(r"/accounts/"))
    assert page.locator("h1").inner_text()
