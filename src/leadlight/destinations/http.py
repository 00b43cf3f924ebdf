"""The one HTTP client every destination uses: timeouts, bounded retries, backoff with jitter, Retry-After.

``HttpSession.request`` tries a call up to ``Retry.attempts`` times. 429, 5xx,
timeouts and connection errors are retried after ``Retry-After`` when the
server sent one, else after an exponential backoff with full jitter; the total
wait inside one call is bounded by ``Retry.max_wait``. When the tries run out
(or the answer is a plain 4xx) it raises ``DeliveryFailed`` with ``retryable``,
``retry_after`` and ``status``, so the outbox can park or reschedule the item.
Error messages name the destination, never its URL or token (those are secrets).
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Iterable

import httpx

from leadlight import __version__
from leadlight.config.destinations import HttpConfig
from leadlight.destinations.base import DeliveryFailed

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = f"leadlight/{__version__}"


@dataclass(frozen=True)
class Retry:
    """How often and how long to try; ``sleep`` and ``jitter`` are injectable so tests run instantly."""

    attempts: int = 4
    backoff: float = 0.5
    max_wait: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random

    @classmethod
    def from_config(cls, config: HttpConfig, **overrides: Any) -> "Retry":
        return cls(attempts=config.attempts, backoff=config.backoff_seconds, max_wait=config.max_wait_seconds,
                   **overrides)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before try ``attempt + 2``: what the server asked for, else full-jitter backoff."""
        if retry_after is not None:
            return max(0.0, retry_after)
        return self.backoff * (2 ** attempt) * self.jitter()


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds (it may be a number or an HTTP date); None when absent or unreadable."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


@dataclass
class HttpSession:
    """An httpx client for one destination, with its retry policy and the secrets to keep out of messages."""

    label: str
    base_url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    retry: Retry = field(default_factory=Retry)
    timeout: float = 10.0
    secrets: tuple[str, ...] = ()
    transport: httpx.BaseTransport | None = None

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.base_url, headers={"user-agent": USER_AGENT, **self.headers},
                                   timeout=self.timeout, transport=self.transport, follow_redirects=False)
        self.calls = 0  # HTTP requests made, retries included (benchmarks and tests count them)

    def __repr__(self) -> str:
        return f"HttpSession({self.label!r})"

    def request(self, method: str, url: str, *, accept: Iterable[int] = (),
                retry_when: Callable[[httpx.Response], bool] | None = None, **kwargs: Any) -> httpx.Response:
        """Send with retries; returns a 2xx answer (or one whose status is in ``accept``), else raises."""
        accepted = set(accept)
        waited = 0.0
        failure: DeliveryFailed | None = None
        for attempt in range(self.retry.attempts):
            self.calls += 1
            try:
                response = self.client.request(method, url, **kwargs)
            except httpx.TimeoutException:
                failure = DeliveryFailed(f"{self.label}: timed out", retryable=True)
            except httpx.TransportError as err:
                failure = DeliveryFailed(f"{self.label}: {self.redact(type(err).__name__ + ': ' + str(err))}",
                                         retryable=True)
            else:
                status = response.status_code
                if status < 300 or status in accepted:
                    return response
                retryable = status in RETRY_STATUSES or bool(retry_when and retry_when(response))
                failure = DeliveryFailed(
                    f"{self.label} answered HTTP {status}: {self.redact(response.text[:300].strip())}",
                    retryable=retryable, retry_after=retry_after_seconds(response), status=status)
                if not retryable:
                    raise failure
            if attempt + 1 >= self.retry.attempts:
                break
            delay = self.retry.delay(attempt, failure.retry_after)
            if waited + delay > self.retry.max_wait:
                break
            self.retry.sleep(delay)
            waited += delay
        assert failure is not None  # the loop ran at least once
        raise failure

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, "***")
        return text

    def close(self) -> None:
        self.client.close()


def session(label: str, config: HttpConfig, *, base_url: str = "", headers: dict[str, str] | None = None,
            secrets: tuple[str, ...] = (), retry: Retry | None = None,
            transport: httpx.BaseTransport | None = None) -> HttpSession:
    """The shared factory: every destination's client is made here, with the project's retry settings."""
    return HttpSession(label, base_url=base_url.rstrip("/"), headers=headers or {},
                       retry=retry or Retry.from_config(config), timeout=config.timeout_seconds,
                       secrets=secrets, transport=transport)


class RateLimiter:
    """At most ``per_second`` calls a second, shared by everything that posts to the same target."""

    def __init__(self, per_second: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 1.0 / per_second
        self.clock, self.sleep = clock, sleep
        self.next_at = float("-inf")
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            now = self.clock()
            if now < self.next_at:
                self.sleep(self.next_at - now)
                now = self.next_at
            self.next_at = now + self.interval

    def push_back(self, seconds: float) -> None:
        """The target said to slow down (429 Retry-After): no call before then."""
        with self.lock:
            self.next_at = max(self.next_at, self.clock() + seconds)


_limiters: dict[str, RateLimiter] = {}
_limiters_lock = threading.Lock()


def limiter_for(target: str, per_second: float) -> RateLimiter:
    """The process-wide limiter of one target (e.g. one Slack webhook), made on first use."""
    with _limiters_lock:
        if target not in _limiters:
            _limiters[target] = RateLimiter(per_second)
        return _limiters[target]
