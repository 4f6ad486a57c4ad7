"""The forwarder against a real Ralph LRS: batches, outages, slow answers, refusals, parallelism."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.xapi import endpoints, forwarder, outbox
from lms.xapi import vocabulary as v
from lms.xapi.models import Delivery, Statement
from lms.xapi.statements import to_json
from tests.support.ralph import add_endpoint
from tests.support.statements import CONFIG, finished, launched, unique_module

pytestmark = pytest.mark.lrs
REPO_ROOT = Path(__file__).resolve().parents[2]

FAST = {"tries": 3, "backoff_base": 0.05, "backoff_cap": 0.2, "idle_seconds": 0.1}


class LrsProxy:
    """A tiny HTTP proxy in front of Ralph: counts what each POST carried, and can hold the
    first ``slow`` requests for ``delay`` seconds (longer than the client waits)."""

    def __init__(self, upstream: str, *, slow: int = 0, delay: float = 0.0) -> None:
        self.upstream = upstream.rstrip("/")
        self.slow, self.delay = slow, delay
        self.requests = 0
        self.inflight = 0
        self.posted: Counter[str] = Counter()
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep the test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with proxy._lock:
                    proxy.requests += 1
                    proxy.inflight += 1
                    number = proxy.requests
                    proxy.posted.update(s["id"] for s in json.loads(body))
                try:
                    self._relay(number, body)
                finally:
                    with proxy._lock:
                        proxy.inflight -= 1

            def _relay(self, number: int, body: bytes) -> None:
                if number <= proxy.slow:
                    time.sleep(proxy.delay)
                headers = {
                    key: self.headers[key]
                    for key in ("Authorization", "X-Experience-API-Version", "Content-Type")
                    if key in self.headers
                }
                answer = httpx.post(
                    proxy.upstream + self.path.removeprefix("/xAPI"),
                    content=body,
                    headers=headers,
                    timeout=30,
                )
                try:
                    self.send_response(answer.status_code)
                    kind = answer.headers.get("Content-Type", "text/plain")
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(answer.content)))
                    self.end_headers()
                    self.wfile.write(answer.content)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the forwarder gave up waiting, as intended

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/xAPI"

    def __enter__(self) -> "LrsProxy":
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        # Requests the forwarder gave up on still reach Ralph: wait for them, so the test
        # sees what an LRS behind a slow network really ends up storing.
        deadline = time.monotonic() + 30
        while self.inflight and time.monotonic() < deadline:
            time.sleep(0.05)
        self.server.shutdown()
        self.server.server_close()


def record_many(session, count: int) -> tuple[str, list[dict]]:
    """``count`` launched statements of one fresh module, committed; returns its activity id."""
    module = unique_module()
    statements = [launched(f"coach{i % 5}@example.org", module) for i in range(count)]
    for statement in statements:
        outbox.record(session, statement)
    session.commit()
    return v.module_activity_id(CONFIG.base_iri, module.code), statements


def make_forwarder(app, **settings) -> forwarder.Forwarder:
    with app.app_context():
        targets = endpoints.load_targets(db.session, app.config)
        engine = db.engine
        db.session.remove()
    return forwarder.Forwarder(engine, targets, forwarder.ForwardSettings(**{**FAST, **settings}))


def states(session) -> dict[str, int]:
    query = select(Delivery.state, func.count()).group_by(Delivery.state)
    return dict(session.execute(query).tuples().all())


def assert_in_ralph_once_and_identical(ralph, activity: str, sent: list[dict]) -> None:
    stored = ralph.statements(activity=activity)
    counts = Counter(s["id"] for s in stored)
    assert counts == Counter(s["id"] for s in sent), "missing or duplicated in Ralph"
    by_id = {s["id"]: s for s in stored}
    for statement in sent:
        assert {key: by_id[statement["id"]].get(key) for key in statement} == statement


@pytest.fixture
def fast(app, monkeypatch):
    for key, value in {"XAPI_FORWARD_TRIES": 3, "XAPI_FORWARD_BACKOFF": 0.05,
                       "XAPI_FORWARD_BACKOFF_CAP": 0.2}.items():  # fmt: skip
        monkeypatch.setitem(app.config, key, value)


def test_fifty_statements_reach_ralph_once_and_identical(ralph, runner, db_session, fast):
    add_endpoint(db_session, ralph.url, ralph)
    activity, sent = record_many(db_session, 50)

    result = runner.invoke(args=["xapi", "forward", "--once", "--batch", "20"])

    assert (result.exit_code, result.output) == (0, "sent 50, pending 0, dead 0\n")
    assert_in_ralph_once_and_identical(ralph, activity, sent)
    assert states(db_session) == {"sent": 50}
    again = runner.invoke(args=["xapi", "forward", "--once"])
    assert (again.exit_code, again.output) == (0, "sent 0, pending 0, dead 0\n")


def test_ralph_stopped_midway_then_restarted(app, ralph, runner, db_session, fast):
    add_endpoint(db_session, ralph.url, ralph)
    activity, sent = record_many(db_session, 30)
    worker = make_forwarder(app, batch_size=10)
    batches = []

    def stop_ralph_after_the_first_batch(_worker) -> None:
        batches.append(_worker.sent)
        if len(batches) == 1:
            ralph.stop()

    worker.on_batch = stop_ralph_after_the_first_batch
    try:
        report = worker.run_once()
        assert (report.exit_code, report.line) == (3, "sent 10, pending 20, dead 0")
        assert states(db_session) == {"sent": 10, "pending": 20}
        errors = db_session.scalars(select(Delivery.last_error).where(Delivery.attempts > 0))
        assert any("network error" in (error or "") for error in errors)
        down = runner.invoke(args=["xapi", "forward", "--once"])
        assert (down.exit_code, down.output) == (3, "sent 0, pending 20, dead 0\n")
    finally:
        ralph.start()

    result = runner.invoke(args=["xapi", "forward", "--once"])

    assert (result.exit_code, result.output) == (0, "sent 20, pending 0, dead 0\n")
    assert_in_ralph_once_and_identical(ralph, activity, sent)


def test_a_slow_lrs_is_retried_until_delivered(app, ralph, db_session):
    # A slow answer takes well past the timeout; a normal one stays under it on a busy machine.
    with LrsProxy(ralph.url, slow=2, delay=5) as proxy:
        add_endpoint(db_session, proxy.url, ralph)
        activity, sent = record_many(db_session, 5)

        report = make_forwarder(app, timeout=2, tries=5).run_once()

    assert (report.exit_code, report.line) == (0, "sent 5, pending 0, dead 0")
    assert proxy.requests >= 3
    assert all(proxy.posted[s["id"]] >= 3 for s in sent), "the same batch was resent"
    assert_in_ralph_once_and_identical(ralph, activity, sent)
    assert set(db_session.scalars(select(Delivery.attempts))) == {1}


def test_refused_statements_are_isolated_dead_lettered_and_retryable(
    ralph, runner, db_session, fast, invalid_on_purpose
):
    add_endpoint(db_session, ralph.url, ralph)
    module = unique_module()
    good = [launched("coach@example.org", module) for _ in range(8)]
    # Ralph lets many invalid statements through (a score.scaled of 5, a bad timestamp…);
    # an actor without an identifier is one it refuses (422).
    malformed = launched("coach@example.org", module)
    malformed["actor"] = {"objectType": "Agent", "name": "Nobody in particular"}
    invalid_on_purpose.add(malformed["id"])
    # A valid statement whose id the LRS already holds with other content: 409.
    conflicting = launched("coach@example.org", module)
    elsewhere = dict(conflicting, verb={"id": v.VERB_EXPERIENCED})
    with ralph.http() as client:
        posted = client.post(f"{ralph.url}/statements", content=to_json(elsewhere).encode())
        assert posted.status_code == 200, posted.text
    for statement in good[:3]:
        outbox.record(db_session, statement)
    # Forced past the validator, as a bug or a hand-edited row would do.
    now = datetime.now(UTC)
    db_session.add(
        Statement(
            id=malformed["id"],
            text=to_json(malformed),
            verb=v.VERB_LAUNCHED,
            object_id=malformed["object"]["id"],
            timestamp=now,
            stored=now,
            voided=False,
        )
    )
    outbox.record(db_session, good[3])
    outbox.record(db_session, conflicting)
    for statement in good[4:]:
        outbox.record(db_session, statement)
    db_session.commit()

    result = runner.invoke(args=["xapi", "forward", "--once", "--batch", "10"])

    assert (result.exit_code, result.output) == (4, "sent 8, pending 0, dead 2\n")
    in_ralph = Counter(s["id"] for s in ralph.statements(activity=malformed["object"]["id"]))
    assert in_ralph == Counter([s["id"] for s in good] + [conflicting["id"]])
    dead = {
        d.statement.id: d
        for d in db_session.scalars(select(Delivery).where(Delivery.state == "dead"))
    }
    assert dead.keys() == {malformed["id"], conflicting["id"]}
    refused = dead[malformed["id"]]
    assert refused.last_status == 422 and "actor" in refused.last_error, refused.last_error
    assert dead[conflicting["id"]].last_status == 409

    retried = runner.invoke(args=["xapi", "retry", "--id", malformed["id"]])
    assert (retried.exit_code, retried.output) == (0, "1 dead letter(s) back to pending\n")
    db_session.expire_all()
    assert states(db_session) == {"sent": 8, "pending": 1, "dead": 1}
    again = runner.invoke(args=["xapi", "forward", "--once"])
    assert (again.exit_code, again.output) == (4, "sent 0, pending 0, dead 2\n")
    every = runner.invoke(args=["xapi", "retry", "--all"])
    assert every.output == "2 dead letter(s) back to pending\n"
    assert runner.invoke(args=["xapi", "retry"]).exit_code == 2


def test_two_forwarders_in_parallel_send_each_statement_once(app, ralph, db_session):
    with LrsProxy(ralph.url) as proxy:
        add_endpoint(db_session, proxy.url, ralph)
        activity, sent = record_many(db_session, 200)
        workers = [make_forwarder(app, batch_size=10) for _ in range(2)]
        reports = {}
        threads = [
            threading.Thread(target=lambda w=w: reports.setdefault(id(w), w.run_once()))
            for w in workers
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert sorted(proxy.posted.values()) == [1] * 200, "a statement was sent twice"
    assert sum(report.sent for report in reports.values()) == 200
    assert all(report.sent > 0 for report in reports.values()), "one forwarder did everything"
    assert states(db_session) == {"sent": 200}
    assert_in_ralph_once_and_identical(ralph, activity, sent)


def test_a_completions_endpoint_gets_only_completion_records(app, ralph, db_session):
    add_endpoint(db_session, ralph.url, ralph, name="records", scope="completions")
    activity, trail = record_many(db_session, 3)
    completed, passed = finished("coach@example.org")
    for statement in (completed, passed):
        outbox.record(db_session, statement)
    db_session.commit()

    report = make_forwarder(app).run_once()

    assert report.line == "sent 2, pending 0, dead 0"
    assert ralph.statements(activity=activity) == []
    quiz = ralph.statements(activity=completed["object"]["id"])
    assert {s["id"] for s in quiz} >= {completed["id"], passed["id"]}


def test_the_long_running_forwarder_stops_on_sigterm(app, database_url, ralph, db_session):
    """`flask xapi forward` as production runs it: its own process, LMS_LRS_* settings."""
    activity, sent = record_many(db_session, 12)
    env = {
        **os.environ,
        "LMS_DATABASE_URL": database_url,
        "LMS_LRS_URL": ralph.url,
        "LMS_LRS_USERNAME": ralph.username,
        "LMS_LRS_PASSWORD": ralph.password,
        "LMS_ENV": "development",
    }
    command = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "lms.wsgi",
        "xapi",
        "forward",
        "--batch",
        "5",
    ]
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(ralph.statements(activity=activity)) < 12:
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert out == "sent 12, pending 0, dead 0\n", err
    assert_in_ralph_once_and_identical(ralph, activity, sent)
