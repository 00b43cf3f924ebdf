"""Render a sample Leadlight Slack message (its real Block Kit blocks) to docs/img/slack-message.png.

    python docs/make_slack_image.py

Uses Playwright with the system Chromium (/usr/bin/chromium); no browser is downloaded.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from leadlight.contract import AccountObject, Person, Reason
from leadlight.destinations.base import Delivery, Message
from leadlight.destinations.slack import blocks_for
from leadlight.destinations.slack_preview import render_html

OUT = Path(__file__).resolve().parent / "img"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

SAMPLE = Delivery(
    key="expansion:northwind:3", playbook="seats-growing", trigger="entered high fit, high intent",
    team="AE · mid-market", owner="U024BE7LH", account_url="https://leadlight.example.com/accounts/northwind",
    account=AccountObject(
        account_id="northwind", name="Northwind Traders", domain="northwind.io", score=91, probability=0.47,
        fit="high", intent="high", quadrant="high_fit_high_intent", pqa=True, status="prospect",
        reasons=[Reason(signal="active_users_14d", value=23, contribution=24, text="23 active users in the last 14 days (up from 6)"),
                 Reason(signal="invites_14d", value=11, contribution=15, text="11 teammates invited in the last 14 days"),
                 Reason(signal="paywall_hits_14d", value=4, contribution=9, text="Hit the seat limit 4 times this week")],
        champion=Person(user_id="u_17", email="priya.raman@northwind.io", title="Director of Engineering"),
        as_of="2026-11-30T00:00:00"),
    message=Message(subject="Rolling out to the rest of engineering",
                    text="Hi Priya — your team went from 6 to 23 active people in two weeks and hit the seat limit "
                         "a few times. Happy to set up a trial of the Team plan so nobody gets blocked, and show "
                         "how other platform teams roll it out. Worth 15 minutes this week?",
                    talk_track="Lead with the seat limit they hit; offer the trial before talking price."))


def main() -> None:
    page_html = render_html(blocks_for(SAMPLE), names={"U024BE7LH": "Maya Chen"})
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 760, "height": 400}, device_scale_factor=2)
        page.set_content(page_html)
        page.locator(".message").screenshot(path=str(OUT / "slack-message.png"))
        browser.close()
    print(OUT / "slack-message.png", file=sys.stderr)


if __name__ == "__main__":
    main()
