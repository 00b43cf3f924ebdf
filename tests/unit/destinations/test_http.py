"""The shared HTTP session: retries on 429/5xx honouring Retry-After, bounded tries and waits, secrets redacted."""

from __future__ import annotations

import pytest

from leadlight.destinations.base import DeliveryFailed
from leadlight.destinations.http import HttpSession, RateLimiter, Retry
from tests.fakes.server import FakeServer


def session(url: str, waits: list[float], **retry) -> HttpSession:
    return HttpSession("Test", base_url=url, retry=Retry(sleep=waits.append, jitter=lambda: 1.0, **retry),
                       secrets=("s3cret",))


def ok(request):
    return 200, {}, {"ok": True}


def test_retries_429_after_retry_after_then_succeeds():
    with FakeServer(ok) as server:
        server.fail_next(429, 2, headers={"retry-after": "7"})
        waits: list[float] = []
        response = session(server.url, waits).request("GET", "/x")
    assert response.json() == {"ok": True}
    assert waits == [7.0, 7.0] and len(server.requests) == 3


def test_5xx_backs_off_exponentially_and_gives_up_retryable():
    with FakeServer(ok) as server:
        server.fail_next(503, 10)
        waits: list[float] = []
        with pytest.raises(DeliveryFailed) as failed:
            session(server.url, waits, attempts=4, backoff=0.5).request("POST", "/x", json={})
    assert waits == [0.5, 1.0, 2.0] and len(server.requests) == 4
    assert failed.value.retryable and failed.value.status == 503


def test_total_wait_is_bounded_and_retry_after_reported():
    with FakeServer(ok) as server:
        server.fail_next(429, 5, headers={"retry-after": "120"})
        waits: list[float] = []
        with pytest.raises(DeliveryFailed) as failed:
            session(server.url, waits, max_wait=30).request("GET", "/x")
    assert waits == [] and len(server.requests) == 1  # waiting 120 s in-call is too long: hand it to the outbox
    assert failed.value.retryable and failed.value.retry_after == 120


def test_plain_4xx_is_not_retried_and_secrets_stay_out_of_messages():
    with FakeServer(lambda r: (400, {}, "bad token s3cret")) as server:
        waits: list[float] = []
        with pytest.raises(DeliveryFailed) as failed:
            session(server.url, waits).request("GET", "/x")
    assert not failed.value.retryable and failed.value.status == 400 and len(server.requests) == 1
    assert "s3cret" not in str(failed.value) and "***" in str(failed.value)


def test_connection_refused_is_retryable():
    with FakeServer(ok) as server:
        url = server.url
    waits: list[float] = []
    with pytest.raises(DeliveryFailed) as failed:
        session(url, waits, attempts=2).request("GET", "/x")
    assert failed.value.retryable and len(waits) == 1


def test_rate_limiter_spaces_calls():
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    limiter = RateLimiter(1.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        limiter.wait()
    assert slept == [1.0, 1.0]
    limiter.push_back(5)
    limiter.wait()
    assert slept[-1] == 5
