"""Slack: one Block Kit message per action, through an incoming webhook (``SLACK_WEBHOOK_URL``).

The message says who (header: the account), why now (score, probability,
quadrant, top reasons), whom to talk to (champion), what to say (the playbook's
message) and whose it is (owner mention), with a button to the account page
when ``LEADLIGHT_BASE_URL`` is set. ``fit_limits`` keeps every block inside
Slack's documented limits by shortening text politely instead of failing.
Incoming webhooks take about one message a second and have no idempotency key,
so a crash between send and record can post a message once more.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, ClassVar, Mapping

from pydantic import SecretStr

from leadlight.config.destinations import DestinationsConfig
from leadlight.contract import AccountObject
from leadlight.destinations.base import Delivery, DeliveryFailed, NotConfigured, Sent
from leadlight.destinations.http import HttpSession, limiter_for, session

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_BUTTON_TEXT = 75
MAX_CONTEXT_ELEMENTS = 10
MAX_FALLBACK_TEXT = 3000
MAILTO = re.compile(r"<mailto:[^|>]+\|([^>]+)>")
EMPHASIS = re.compile(r"(?<![\w*_])[*_]([^*_\n]+)[*_](?![\w*_])")
SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")
QUADRANT_WORDS = {
    "high_fit_high_intent": "High fit, high intent",
    "high_fit_low_intent": "High fit, low intent",
    "low_fit_high_intent": "Low fit, high intent",
    "low_fit_low_intent": "Low fit, low intent",
}


def escape(text: Any) -> str:
    """User data in mrkdwn: Slack reads &, < and > as control characters."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def mention(owner: str | None) -> str | None:
    """``<@U123>`` when the owner is a Slack member id, else their name or email as text."""
    if not owner:
        return None
    owner = owner.strip()
    return f"<@{owner}>" if SLACK_USER_ID.match(owner) else escape(owner)


def score_line(account: AccountObject) -> str:
    parts = [f"{account.score:.0f} / 100" if account.score is not None else "not scored"]
    if account.probability is not None:
        parts.append(f"{account.probability:.0%} likely to buy")
    return " · ".join(parts)


def blocks_for(delivery: Delivery, reasons: int = 3) -> list[dict[str, Any]]:
    """The Block Kit message for one delivery (already within Slack's limits)."""
    account = delivery.account
    title = account.name or account.domain or account.account_id
    fields = [("Account", escape(account.domain or account.account_id)),
              ("Score", score_line(account)),
              ("Quadrant", QUADRANT_WORDS.get(account.quadrant or "", account.quadrant or "—")),
              ("Owner", mention(delivery.owner or account.owner) or "_unassigned_")]
    if delivery.team:
        fields.append(("Team", escape(delivery.team)))
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in fields]},
    ]
    top = [r.text for r in account.reasons[:reasons] if r.text]
    if top:
        blocks.append(section("*Why now*\n" + "\n".join(f"• {escape(t)}" for t in top)))
    if account.champion and (account.champion.email or account.champion.title):
        email = account.champion.email
        who = " · ".join(x for x in (email and f"<mailto:{escape(email)}|{escape(email)}>",
                                     account.champion.title and escape(account.champion.title)) if x)
        blocks.append(section(f"*Champion*\n{who}"))
    message = delivery.message
    if message.text.strip():
        label = f"*Suggested message* — {escape(message.subject)}" if message.subject else "*Suggested message*"
        quoted = "\n".join("> " + escape(line) for line in message.text.strip().splitlines())
        blocks.append(section(f"{label}\n{quoted}"))
    if message.talk_track:
        blocks.append(section(f"*Talk track*\n{escape(message.talk_track)}"))
    if delivery.account_url:
        blocks.append({"type": "actions", "elements": [{
            "type": "button", "text": {"type": "plain_text", "text": f"Open {title} in Leadlight"},
            "url": delivery.account_url, "action_id": "open_account", "style": "primary"}]})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": escape(
        f"Leadlight · playbook {delivery.playbook} · {delivery.trigger}"
        + (f" · as of {account.as_of[:10]}" if account.as_of else ""))}]})
    return fit_limits(blocks)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def fit_limits(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Blocks shortened to Slack's documented limits (never longer, never refused)."""
    out = []
    for block in blocks[:MAX_BLOCKS]:
        block = {**block}
        if block["type"] == "header":
            block["text"] = {**block["text"], "text": shorten(block["text"]["text"], MAX_HEADER_TEXT)}
        if block["type"] == "section" and "text" in block:
            block["text"] = {**block["text"], "text": shorten(block["text"]["text"], MAX_SECTION_TEXT)}
        if "fields" in block:
            block["fields"] = [{**f, "text": shorten(f["text"], MAX_FIELD_TEXT)} for f in block["fields"][:MAX_FIELDS]]
        if block["type"] == "actions":
            block["elements"] = [{**e, "text": {**e["text"], "text": shorten(e["text"]["text"], MAX_BUTTON_TEXT)}}
                                 for e in block["elements"]]
        if block["type"] == "context":
            block["elements"] = [{**e, "text": shorten(e["text"], MAX_SECTION_TEXT)}
                                 for e in block["elements"][:MAX_CONTEXT_ELEMENTS]]
        out.append(block)
    return out


def render_text(blocks: list[dict[str, Any]]) -> str:
    """The message as plain text (the notification fallback, and a sample for docs and dry runs)."""
    lines: list[str] = []
    for block in blocks:
        if block["type"] == "header":
            lines.append(block["text"]["text"].upper())
        elif block["type"] == "section":
            if "text" in block:
                lines.append(block["text"]["text"])
            lines.extend(f["text"].replace("\n", ": ", 1) for f in block.get("fields", []))
        elif block["type"] == "actions":
            lines.extend(f"[{e['text']['text']}] {e.get('url', '')}".strip() for e in block["elements"])
        elif block["type"] == "context":
            lines.append(" ".join(e["text"] for e in block["elements"]))
        lines.append("")
    text = EMPHASIS.sub(r"\1", MAILTO.sub(r"\1", "\n".join(lines).strip()))
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class SlackDestination:
    """Posts Block Kit messages to one incoming webhook, at most ``messages_per_second``."""

    name: ClassVar[str] = "slack"
    idempotent: ClassVar[bool] = False

    def __init__(self, url: SecretStr, config: DestinationsConfig, http: HttpSession | None = None) -> None:
        self.url = url
        self.reasons = config.slack.reasons
        secret = url.get_secret_value()
        self.http = http or session("Slack", config.http, secrets=(secret,))
        target = "slack:" + hashlib.sha256(secret.encode()).hexdigest()
        self.limiter = limiter_for(target, config.slack.messages_per_second)

    @classmethod
    def from_env(cls, config: DestinationsConfig, env: Mapping[str, str]) -> "SlackDestination":
        url = env.get("SLACK_WEBHOOK_URL", "").strip()
        if not url:
            raise NotConfigured("slack", ["SLACK_WEBHOOK_URL"])
        return cls(SecretStr(url), config)

    def payload(self, delivery: Delivery) -> dict[str, Any]:
        blocks = blocks_for(delivery, self.reasons)
        return {"text": shorten(render_text(blocks[:1] + blocks[1:2]), MAX_FALLBACK_TEXT), "blocks": blocks}

    def deliver(self, delivery: Delivery) -> Sent:
        payload = self.payload(delivery)
        self.limiter.wait()
        try:
            self.http.request("POST", self.url.get_secret_value(), json=payload)
        except DeliveryFailed as failed:
            if failed.status == 429 and failed.retry_after:
                self.limiter.push_back(failed.retry_after)
            raise
        return Sent(detail=f"posted to Slack ({len(payload['blocks'])} blocks)")

    def close(self) -> None:
        self.http.close()

    def __repr__(self) -> str:
        return "SlackDestination(url=***)"
