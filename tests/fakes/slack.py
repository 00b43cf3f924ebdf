"""A Slack incoming webhook: checks the Block Kit limits Slack documents, keeps what was posted."""

from __future__ import annotations

import time
from typing import Any, Iterator

import pytest

from tests.fakes.server import Answer, FakeServer, Request

HOOK_PATH = "/services/T0000000/B0000000/fakefakefakefakefake"


def block_problems(payload: Any) -> list[str]:
    """What Slack would refuse as ``invalid_blocks`` (a subset of its documented limits)."""
    if not isinstance(payload, dict) or not (payload.get("text") or payload.get("blocks")):
        return ["no text or blocks"]
    blocks = payload.get("blocks") or []
    problems = [f"{len(blocks)} blocks (max 50)"] if len(blocks) > 50 else []
    for i, b in enumerate(blocks):
        kind = b.get("type")
        if kind == "header" and (b["text"]["type"] != "plain_text" or len(b["text"]["text"]) > 150):
            problems.append(f"block {i}: header text must be plain_text of at most 150 chars")
        if kind == "section":
            if "text" in b and len(b["text"]["text"]) > 3000:
                problems.append(f"block {i}: section text over 3000 chars")
            if len(b.get("fields", [])) > 10 or any(len(f["text"]) > 2000 for f in b.get("fields", [])):
                problems.append(f"block {i}: over 10 fields or a field over 2000 chars")
            if "text" not in b and "fields" not in b:
                problems.append(f"block {i}: section without text or fields")
        if kind == "actions":
            for e in b["elements"]:
                if e["type"] == "button" and len(e["text"]["text"]) > 75:
                    problems.append(f"block {i}: button text over 75 chars")
        if kind not in ("header", "section", "actions", "context", "divider"):
            problems.append(f"block {i}: unknown type {kind!r}")
    return problems


class SlackWebhook:
    """The fake's state: ``posts`` (payloads accepted), ``times`` (when), ``url`` (the webhook URL)."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        self.times: list[float] = []
        self.server = FakeServer(self.handle)

    def handle(self, request: Request) -> Answer:
        if request.method != "POST" or request.path != HOOK_PATH:
            return 404, {}, "no_service"
        try:
            payload = request.json()
        except ValueError:
            return 400, {}, "invalid_payload"
        if block_problems(payload):
            return 400, {}, "invalid_blocks"
        self.posts.append(payload)
        self.times.append(time.monotonic())
        return 200, {"content-type": "text/plain"}, "ok"

    @property
    def url(self) -> str:
        return self.server.url + HOOK_PATH


@pytest.fixture
def slack_webhook() -> Iterator[SlackWebhook]:
    """A running fake Slack webhook; ``.url`` goes in SLACK_WEBHOOK_URL, ``.posts`` holds what arrived."""
    hook = SlackWebhook()
    with hook.server:
        yield hook
