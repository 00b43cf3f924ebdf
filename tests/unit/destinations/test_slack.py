"""Slack: a Block Kit message a rep can act on, within Slack's limits, at most one a second, 429 honoured."""

from __future__ import annotations

import pytest

from leadlight.config.destinations import DestinationsConfig
from leadlight.contract import Reason
from leadlight.destinations.base import DeliveryFailed, Message, NotConfigured
from leadlight.destinations.http import Retry, session
from leadlight.destinations.slack import SlackDestination, blocks_for, mention, render_text
from tests.fakes import samples
from tests.fakes.slack import block_problems, slack_webhook  # noqa: F401 (fixture)


def slack(url: str, waits: list[float] | None = None) -> SlackDestination:
    config = DestinationsConfig(slack={"messages_per_second": 1000})
    dest = SlackDestination.from_env(config, {"SLACK_WEBHOOK_URL": url})
    dest.http = session("Slack", config.http, retry=Retry(sleep=(waits if waits is not None else []).append),
                        secrets=(url,))
    return dest


def test_a_post_carries_what_a_rep_needs(slack_webhook):
    dest = slack(slack_webhook.url)
    sent = dest.deliver(samples.delivery())
    [post] = slack_webhook.posts
    text = render_text(post["blocks"])
    assert post["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": "Acme Inc", "emoji": True}}
    for expected in ("acme.io", "87 / 100", "62% likely to buy", "High fit, high intent", "<@U024BE7LH>",
                     "12 active seats, up from 4 in 28 days", "dana@acme.io · VP Engineering",
                     "> Hi Dana, I noticed your team went from 4 to 12 seats.", "playbook expansion"):
        assert expected in text, expected
    [button] = [b for b in post["blocks"] if b["type"] == "actions"][0]["elements"]
    assert button["url"] == "https://leadlight.example.com/accounts/acme"
    assert post["text"].startswith("ACME INC")  # the notification fallback
    assert "posted" in sent.detail and not dest.idempotent


def test_owner_mention_only_for_slack_ids():
    assert mention("U024BE7LH") == "<@U024BE7LH>"
    assert mention("jane@acme.io") == "jane@acme.io"
    assert mention("Jane <boss>") == "Jane &lt;boss&gt;"
    assert mention(None) is None


def test_no_link_without_account_url_and_user_text_is_escaped(slack_webhook):
    delivery = samples.delivery(account_url=None, message=Message(text="Use <script> & co"))
    blocks = blocks_for(delivery)
    assert not [b for b in blocks if b["type"] == "actions"]
    assert "Use &lt;script&gt; &amp; co" in str(blocks)


def test_oversized_content_is_shortened_to_slack_limits(slack_webhook):
    huge = samples.account(name="N" * 400, reasons=[Reason(signal="s", contribution=1, text="r" * 5000)] * 10)
    delivery = samples.delivery(account=huge, message=Message(text="m" * 9000, talk_track="t" * 9000))
    blocks = blocks_for(delivery, reasons=10)
    assert block_problems({"blocks": blocks}) == []
    assert blocks[0]["text"]["text"].endswith("…") and len(blocks[0]["text"]["text"]) == 150
    slack(slack_webhook.url).deliver(delivery)
    assert len(slack_webhook.posts) == 1  # the fake refuses anything over the limits


def test_429_retry_after_is_honoured(slack_webhook):
    slack_webhook.server.fail_next(429, 1, headers={"retry-after": "2"}, body="rate_limited")
    waits: list[float] = []
    slack(slack_webhook.url, waits).deliver(samples.delivery())
    assert waits == [2.0] and len(slack_webhook.posts) == 1


def test_a_gone_webhook_fails_without_printing_its_url(slack_webhook):
    dest = slack(slack_webhook.url + "x")
    with pytest.raises(DeliveryFailed) as failed:
        dest.deliver(samples.delivery())
    assert failed.value.status == 404 and not failed.value.retryable
    assert "hooks" not in str(failed.value) and slack_webhook.url not in repr(dest)


def test_at_most_one_message_a_second_per_webhook(slack_webhook):
    config = DestinationsConfig()
    dest = SlackDestination.from_env(config, {"SLACK_WEBHOOK_URL": slack_webhook.url + "?rate"})
    now, slept = [0.0], []
    dest.limiter.clock = lambda: now[0]
    dest.limiter.sleep = lambda s: (slept.append(s), now.__setitem__(0, now[0] + s))
    dest.url = type(dest.url)(slack_webhook.url)
    for i in range(3):
        dest.deliver(samples.delivery(key=f"k{i}"))
    assert slept == [1.0, 1.0] and len(slack_webhook.posts) == 3


def test_not_configured_names_the_variable():
    with pytest.raises(NotConfigured) as missing:
        SlackDestination.from_env(DestinationsConfig(), {})
    assert missing.value.reason == "not configured: set SLACK_WEBHOOK_URL"
