"""A signed webhook, per the Standard Webhooks spec (https://www.standardwebhooks.com).

Every POST carries ``webhook-id`` (the delivery key, the same on every retry,
so receivers dedupe on it), ``webhook-timestamp`` (Unix seconds) and
``webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``
keyed by the secret ``whsec_<base64>``; receivers verify it with the spec's own
libraries. The body is ``{"type", "timestamp", "data"}``. Environment:
``LEADLIGHT_WEBHOOK_URL``, ``LEADLIGHT_WEBHOOK_SECRET``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from datetime import datetime, timezone
from typing import Any, Callable, ClassVar, Mapping

from pydantic import SecretBytes, SecretStr

from leadlight.config.destinations import DestinationsConfig
from leadlight.destinations.base import Delivery, NotConfigured, Sent
from leadlight.destinations.http import HttpSession, session
from leadlight.destinations.records import CrmRecord, Kind, RecordResult
from leadlight.errors import ConfigError

SECRET_PREFIX = "whsec_"


def secret_bytes(secret: str) -> bytes:
    """The key inside ``whsec_<base64>``; a usage error (without the secret) when it is not that."""
    raw = secret[len(SECRET_PREFIX):] if secret.startswith(SECRET_PREFIX) else secret
    try:
        key = base64.b64decode(raw + "==", validate=False)
    except (binascii.Error, ValueError):
        key = b""
    if not key:
        raise ConfigError("LEADLIGHT_WEBHOOK_SECRET is not a Standard Webhooks secret",
                          hint="use whsec_ followed by base64, e.g. from: python -c \"import base64,os;"
                               "print('whsec_'+base64.b64encode(os.urandom(24)).decode())\"")
    return key


def signature(key: bytes, msg_id: str, timestamp: int, body: str) -> str:
    """The ``webhook-signature`` header value for one message."""
    digest = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class WebhookDestination:
    """POSTs signed JSON events; idempotent for receivers that dedupe on ``webhook-id``."""

    name: ClassVar[str] = "webhook"
    idempotent: ClassVar[bool] = True
    concurrency: ClassVar[int] = 8  # requests in flight at once during a run (each event is independent)

    def __init__(self, url: SecretStr, secret: SecretStr, config: DestinationsConfig, http: HttpSession | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.url = url
        self.key = SecretBytes(secret_bytes(secret.get_secret_value()))
        self.config = config.webhook
        self.batch_size = config.webhook.batch_size
        self.clock = clock
        self.http = http or session("the webhook", config.http,
                                    secrets=(url.get_secret_value(), secret.get_secret_value()))

    @classmethod
    def from_env(cls, config: DestinationsConfig, env: Mapping[str, str]) -> "WebhookDestination":
        missing = [k for k in ("LEADLIGHT_WEBHOOK_URL", "LEADLIGHT_WEBHOOK_SECRET") if not env.get(k, "").strip()]
        if missing:
            raise NotConfigured("webhook", missing)
        return cls(SecretStr(env["LEADLIGHT_WEBHOOK_URL"].strip()), SecretStr(env["LEADLIGHT_WEBHOOK_SECRET"].strip()),
                   config)

    def post(self, msg_id: str, event_type: str, data: Any) -> Sent:
        """Sign and POST one event (in-call retries stay well inside the receivers' 5-minute timestamp tolerance)."""
        now = self.clock()
        body = json.dumps({"type": event_type, "timestamp": datetime.fromtimestamp(now, timezone.utc).isoformat(),
                           "data": data}, separators=(",", ":"), default=str, ensure_ascii=False)
        stamp = int(now)
        headers = {"content-type": "application/json", "webhook-id": msg_id, "webhook-timestamp": str(stamp),
                   "webhook-signature": signature(self.key.get_secret_value(), msg_id, stamp, body)}
        response = self.http.request("POST", self.url.get_secret_value(), content=body.encode(), headers=headers)
        return Sent(remote_id=msg_id, detail=f"webhook answered HTTP {response.status_code}")

    def deliver(self, delivery: Delivery) -> Sent:
        data = delivery.model_dump(mode="json", exclude={"key"})
        return self.post(delivery.key, self.config.event_type, data)

    def upsert(self, kind: Kind, records: list[CrmRecord], known: set[str]) -> list[RecordResult]:
        """``leadlight sync webhook``: one signed event per batch; its id is derived from the batch's content,
        so a batch re-sent after a crash carries the same ``webhook-id``."""
        items = [{"key": r.key, "new": r.key not in known, "fields": r.fields,
                  **({"create": r.create_only} if r.key not in known else {})} for r in records]
        digest = hashlib.sha256(json.dumps([kind, [(r.key, r.fingerprint) for r in records]]).encode()).hexdigest()
        self.post(f"sync_{digest[:32]}", self.config.sync_type, {"object": kind, "records": items})
        return [RecordResult(r.key, True, created=r.key not in known) for r in records]

    def close(self) -> None:
        self.http.close()

    def __repr__(self) -> str:
        return "WebhookDestination(url=***, secret=***)"
