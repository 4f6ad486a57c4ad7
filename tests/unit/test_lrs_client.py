"""LRS client: request shape, outcome classification and backoff, against a mock transport."""

import base64
import json
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from lms.xapi.client import LrsClient, PostResult, backoff_delay, parse_retry_after

TEXTS = ['{"id":"a","verb":{"id":"x:é"}}', '{"id":"b"}']


class Recorder:
    """A mock LRS answering with a fixed response and remembering every request."""

    def __init__(self, response: httpx.Response | Exception) -> None:
        self.response = response
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if isinstance(self.response, Exception):
            raise self.response
        return self.response


def client_for(recorder: Recorder, **options) -> LrsClient:
    return LrsClient(
        "https://lrs.example.org/xAPI/",
        "lms",
        "s3cret",
        transport=httpx.MockTransport(recorder),
        **options,
    )


def test_post_sends_the_joined_texts_with_auth_and_version_headers():
    recorder = Recorder(httpx.Response(200, json=["a", "b"]))
    with client_for(recorder) as client:
        result = client.post_statements(TEXTS)

    assert result == PostResult("ok", status_code=200, statement_ids=["a", "b"])
    (request,) = recorder.requests
    assert request.method == "POST"
    assert str(request.url) == "https://lrs.example.org/xAPI/statements"
    assert request.content == ("[" + ",".join(TEXTS) + "]").encode("utf-8")
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Experience-API-Version"] == "1.0.3"
    expected = base64.b64encode(b"lms:s3cret").decode()
    assert request.headers["Authorization"] == f"Basic {expected}"


def test_a_retried_batch_is_byte_identical():
    recorder = Recorder(httpx.Response(503))
    with client_for(recorder) as client:
        client.post_statements(TEXTS)
        client.post_statements(TEXTS)
    first, second = recorder.requests
    assert first.content == second.content
    assert json.loads(first.content)[0]["verb"]["id"] == "x:é"


def test_version_option_sets_the_header():
    recorder = Recorder(httpx.Response(204))
    with client_for(recorder, version="2.0.0") as client:
        assert client.post_statements(TEXTS).ok
    assert recorder.requests[0].headers["X-Experience-API-Version"] == "2.0.0"


def test_an_empty_batch_sends_nothing():
    recorder = Recorder(httpx.Response(500))
    with client_for(recorder) as client:
        assert client.post_statements([]).ok
    assert recorder.requests == []


@pytest.mark.parametrize("status", [200, 204])
def test_success_statuses_are_ok(status):
    with client_for(Recorder(httpx.Response(status))) as client:
        result = client.post_statements(TEXTS)
    assert (result.outcome, result.status_code) == ("ok", status)


@pytest.mark.parametrize("status", [400, 409, 413, 422])
def test_statement_problems_are_rejected_with_the_lrs_reason(status):
    response = httpx.Response(status, json={"detail": f"Differing statements ({status})"})
    with client_for(Recorder(response)) as client:
        result = client.post_statements(TEXTS)
    assert result.outcome == "rejected"
    assert result.status_code == status
    assert result.reason == f"Differing statements ({status})"
    assert not result.ok


def test_a_plain_text_reason_is_kept_and_bounded():
    response = httpx.Response(400, text="bad statement " + "x" * 5000)
    with client_for(Recorder(response)) as client:
        result = client.post_statements(TEXTS)
    assert result.reason.startswith("bad statement")
    assert len(result.reason) == 1000


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried(status):
    with client_for(Recorder(httpx.Response(status))) as client:
        result = client.post_statements(TEXTS)
    assert (result.outcome, result.status_code, result.retry_after) == ("retry", status, None)


def test_429_is_retried_after_the_seconds_it_asks_for():
    response = httpx.Response(429, headers={"Retry-After": "120"}, text="slow down")
    with client_for(Recorder(response)) as client:
        result = client.post_statements(TEXTS)
    assert (result.outcome, result.retry_after, result.reason) == ("retry", 120.0, "slow down")


def test_503_with_a_retry_after_date_is_honoured():
    later = datetime.now(UTC) + timedelta(seconds=90)
    response = httpx.Response(503, headers={"Retry-After": format_datetime(later, usegmt=True)})
    with client_for(Recorder(response)) as client:
        result = client.post_statements(TEXTS)
    assert result.outcome == "retry"
    assert 85 <= result.retry_after <= 90


@pytest.mark.parametrize("status", [401, 403, 404])
def test_endpoint_and_credential_problems_wait_for_a_fix(status):
    with client_for(Recorder(httpx.Response(status))) as client:
        result = client.post_statements(TEXTS)
    assert (result.outcome, result.status_code) == ("retry", status)


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("connection refused"),
        httpx.ReadTimeout("read timed out"),
        httpx.ConnectTimeout("connect timed out"),
        httpx.RemoteProtocolError("server hung up"),
    ],
)
def test_network_errors_and_timeouts_are_retried(error):
    with client_for(Recorder(error)) as client:
        result = client.post_statements(TEXTS)
    assert result.outcome == "retry"
    assert result.status_code is None
    assert type(error).__name__ in result.reason


def test_the_timeout_option_reaches_the_request():
    recorder = Recorder(httpx.Response(204))
    with client_for(recorder, timeout=2.5) as client:
        client.post_statements(TEXTS)
    assert recorder.requests[0].extensions["timeout"]["read"] == 2.5


def test_parse_retry_after_forms():
    now = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
    assert parse_retry_after("30") == 30.0
    assert parse_retry_after("Fri, 14 Mar 2025 12:01:00 GMT", now=now) == 60.0
    assert parse_retry_after("Fri, 14 Mar 2025 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


class Highest:
    """An rng that always picks the top of the range, exposing the ceiling."""

    def uniform(self, low: float, high: float) -> float:
        return high


def test_backoff_doubles_up_to_the_cap():
    ceilings = [backoff_delay(attempt, rng=Highest()) for attempt in range(11)]
    assert ceilings == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    assert backoff_delay(10_000, rng=Highest()) == 300
    assert backoff_delay(3, base=0.5, cap=10, rng=Highest()) == 4


def test_backoff_uses_full_jitter():
    rng = random.Random(7)
    delays = [backoff_delay(5, rng=rng) for _ in range(200)]
    assert all(0 <= delay <= 32 for delay in delays)
    assert min(delays) < 8 and max(delays) > 24


def test_backoff_never_comes_before_retry_after():
    rng = random.Random(1)
    assert all(backoff_delay(0, retry_after=120, rng=rng) == 120 for _ in range(50))
    assert backoff_delay(8, retry_after=1, rng=Highest()) == 256
    with pytest.raises(ValueError):
        backoff_delay(-1)
