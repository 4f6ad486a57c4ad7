"""A small LRS client: POST canonical statement texts, classify the answer, compute backoff."""

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal, Protocol
from urllib.parse import urljoin

import httpx

Outcome = Literal["ok", "retry", "rejected"]
REJECTED_STATUSES = frozenset({400, 409, 413, 422})
REASON_LIMIT = 1000


class _Uniform(Protocol):
    def uniform(self, a: float, b: float) -> float: ...


@dataclass(frozen=True)
class PostResult:
    """What became of one batch: ``ok``, ``retry`` (later, maybe after ``retry_after`` s)
    or ``rejected`` (the LRS refused the statements; resending the same bytes is useless)."""

    outcome: Outcome
    status_code: int | None = None
    reason: str = ""
    retry_after: float | None = None
    statement_ids: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the LRS stored (or already had) every statement of the batch."""
        return self.outcome == "ok"


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (moment - now).total_seconds())


def backoff_delay(
    attempt: int,
    base: float = 1,
    cap: float = 300,
    retry_after: float | None = None,
    rng: _Uniform = random,
) -> float:
    """Seconds to wait before retry number ``attempt`` (0 for the first retry): exponential
    with full jitter, ``uniform(0, min(cap, base * 2**attempt))``, never shorter than the
    LRS's Retry-After."""
    if attempt < 0:
        raise ValueError("attempt must be >= 0")
    # Past 2**64 the ceiling is the cap anyway; bounding the exponent avoids huge ints.
    ceiling = min(cap, base * 2 ** min(attempt, 64))
    delay = rng.uniform(0, ceiling)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


def _reason(response: httpx.Response) -> str:
    """The LRS's own explanation: a JSON ``detail``/``message`` or the start of the body."""
    text = response.text
    try:
        payload = json.loads(text)
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        for key in ("detail", "message", "error"):
            if key in payload:
                detail = payload[key]
                text = detail if isinstance(detail, str) else json.dumps(detail)
                break
    text = text.strip() or response.reason_phrase
    return text[:REASON_LIMIT]


class LrsClient:
    """Talks to one LRS statements endpoint with Basic auth and the xAPI version header."""

    def __init__(
        self,
        url: str,
        username: str,
        password: str,
        version: str = "1.0.3",
        timeout: float = 10.0,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.version = version
        self._http = httpx.Client(
            auth=httpx.BasicAuth(username, password),
            timeout=timeout,
            transport=transport,
            headers={"X-Experience-API-Version": version},
        )

    @property
    def statements_url(self) -> str:
        """The LRS's statements resource."""
        return f"{self.url}/statements"

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def __enter__(self) -> "LrsClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def statements(self, **params: str) -> Iterator[dict]:
        """Every statement GET /statements returns for ``params``, following ``more`` links;
        an HTTP error raises httpx.HTTPStatusError."""
        response = self._http.get(self.statements_url, params=params)
        while True:
            response.raise_for_status()
            page = response.json()
            yield from page.get("statements", [])
            more = page.get("more")
            if not more:
                return
            response = self._http.get(urljoin(self.statements_url, more))

    def voided_statement(self, statement_id: str) -> dict | None:
        """A voided statement, which GET /statements only returns when asked by its id."""
        response = self._http.get(self.statements_url, params={"voidedStatementId": statement_id})
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()

    def post_statements(self, json_texts: list[str]) -> PostResult:
        """POST a batch of canonical statement texts as one JSON array and classify the answer.

        The body is the texts joined verbatim, so a retried batch is byte-identical and the LRS
        recognises statements it already stored."""
        if not json_texts:
            return PostResult("ok")
        body = ("[" + ",".join(json_texts) + "]").encode("utf-8")
        try:
            response = self._http.post(
                self.statements_url,
                content=body,
                headers={"Content-Type": "application/json"},
            )
        except httpx.TimeoutException as error:
            return PostResult("retry", reason=f"timeout: {error.__class__.__name__}: {error}")
        except httpx.TransportError as error:
            return PostResult("retry", reason=f"network error: {error.__class__.__name__}: {error}")
        return classify(response)


def classify(response: httpx.Response) -> PostResult:
    """Sort an LRS answer into ok / retry / rejected."""
    status = response.status_code
    if 200 <= status < 300:
        ids: list[str] = []
        if status == 200 and response.content:
            try:
                payload = response.json()
            except ValueError:
                payload = None
            if isinstance(payload, list):
                ids = [item for item in payload if isinstance(item, str)]
        return PostResult("ok", status_code=status, statement_ids=ids)
    if status in REJECTED_STATUSES:
        return PostResult("rejected", status_code=status, reason=_reason(response))
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    # 5xx and 429 are transient by definition; anything else (401, 403, 404, redirects) is
    # an endpoint or credentials problem, not the statements' fault, so they wait for a fix.
    return PostResult(
        "retry", status_code=status, reason=_reason(response), retry_after=retry_after
    )
