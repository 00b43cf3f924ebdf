"""A Standard Webhooks receiver: verifies every message with the spec's reference library."""

from __future__ import annotations

import base64
from typing import Iterator

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from tests.fakes.server import Answer, FakeServer, Request

SECRET = "whsec_" + base64.b64encode(b"leadlight-test-secret-0123456789").decode()


class WebhookReceiver:
    """``events``: verified payloads (deduped by webhook-id, like a careful receiver); ``ids``: every id seen;
    ``rejected``: messages whose signature did not verify."""

    def __init__(self, secret: str = SECRET) -> None:
        self.secret = secret
        self.verifier = Webhook(secret)
        self.events: list[dict] = []
        self.ids: list[str] = []
        self.rejected = 0
        self.server = FakeServer(self.handle)

    def handle(self, request: Request) -> Answer:
        try:
            payload = self.verifier.verify(request.body, request.headers)
        except WebhookVerificationError:
            self.rejected += 1
            return 401, {}, {"error": "bad signature"}
        msg_id = request.headers["webhook-id"]
        if msg_id not in self.ids:
            self.events.append(payload)
        self.ids.append(msg_id)
        return 204, {}, b""

    @property
    def url(self) -> str:
        return self.server.url + "/hooks/leadlight"


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """A running receiver; ``.url`` and ``.secret`` go in LEADLIGHT_WEBHOOK_URL / LEADLIGHT_WEBHOOK_SECRET."""
    receiver = WebhookReceiver()
    with receiver.server:
        yield receiver
