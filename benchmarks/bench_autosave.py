"""Quiz autosave against a bare Flask + SQLAlchemy insert endpoint: 8 clients, 2,000 saves."""

import asyncio
import time

from sqlalchemy import func, select

from benchmarks import bare_app, harness
from benchmarks.harness import Server, Tally, migrated_app, percentile, result, send, signed_in
from lms.auth import service as accounts
from lms.catalog.models import Quiz
from lms.extensions import db
from lms.quiz import service as quiz_service
from lms.quiz.models import Answer, AttemptSlot
from lms.xapi.statements import XapiConfig

CLIENTS = 8
REQUESTS = 2_000
WARM_UP = 5  # per client, not timed
GOAL, BASELINE = 1.5, 3.6


def _coaches_with_attempts(app) -> list[dict]:
    """One coach per client, each with an open attempt and a single-choice question to answer."""
    plans = []
    with app.app_context():
        session = db.session
        quiz = session.scalar(select(Quiz).where(Quiz.module_code == "C1.1"))
        for number in range(CLIENTS):
            coach = accounts.create_user(
                session,
                email=f"saver{number}@bench.example.org",
                display_name=f"Saver {number}",
                role="coach",
                password=None,
            )
            session.flush()
            attempt = quiz_service.start(
                session, user=coach, quiz=quiz, xapi=XapiConfig(app.config["BASE_IRI"])
            )
            slot = next(
                s for s in attempt.slots if s.question_version.definition["type"] == "single_choice"
            )
            options = [o["id"] for o in slot.question_version.definition["options"]][:2]
            plans.append(
                {
                    "user_id": coach.id,
                    "attempt_id": attempt.id,
                    "position": slot.position,
                    "options": options,
                }  # fmt: skip
            )
        session.commit()
    for plan in plans:
        plan["cookie"], plan["token"] = signed_in(app, plan["user_id"])
    return plans


async def _drive(server: Server, requests_of_client) -> tuple[list[float], Tally]:
    """Run every client's requests in turn, all clients at once; (latencies, failures)."""
    latencies, tally = [], Tally()
    pool = harness.connections(CLIENTS * 2)

    async def client_loop(client, calls):
        for timed, method, url, data in calls:
            started = time.perf_counter()
            response = await send(client, method, url, tally, data=data)
            if timed:
                latencies.append(time.perf_counter() - started)
            tally.errors += response is not None and response.status_code != 200

    async with pool:
        clients = [server.client(pool, *auth) for auth, _ in requests_of_client]
        await asyncio.gather(
            *(
                client_loop(c, calls)
                for c, (_, calls) in zip(clients, requests_of_client, strict=True)
            )
        )
    return latencies, tally


def _calls(url: str, data_of, count: int) -> list[tuple]:
    return [(n >= WARM_UP, "POST", url, data_of(n)) for n in range(WARM_UP + count)]


def _run(url: str, plan_requests, count_rows) -> dict:
    """p50 of the timed requests, server CPU per request, and whether every row was stored."""
    before = count_rows()
    with Server(*url) as server:
        cpu = server.cpu_seconds()
        started = time.perf_counter()
        latencies, tally = asyncio.run(_drive(server, plan_requests))
        elapsed = time.perf_counter() - started
        cpu = server.cpu_seconds() - cpu
    stored = count_rows() - before
    sent = CLIENTS * (WARM_UP + REQUESTS // CLIENTS)
    return {
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "cpu_ms_per_request": cpu / (sent) * 1000,
        "requests_per_s": len(latencies) / elapsed,
        "failed": tally.errors,
        "reset_connections": tally.resets,
        "all_stored": stored == sent,
    }


def measure(databases) -> dict:
    """The autosave/bare ratio of the median latency on one backend."""
    per_client = REQUESTS // CLIENTS
    app_url = databases.new("autosave")
    app = migrated_app(app_url)
    plans = _coaches_with_attempts(app)
    attempt_ids = [p["attempt_id"] for p in plans]

    def answers() -> int:
        with app.app_context():
            query = select(func.count(Answer.id)).join(AttemptSlot)
            count = db.session.scalar(query.where(AttemptSlot.attempt_id.in_(attempt_ids)))
            db.session.remove()
            return count

    def save_of(plan):
        position, options = plan["position"], plan["options"]
        return lambda n: {"shown": str(position), f"q{position}": options[n % 2]}

    saves = _run(
        (app_url,),
        [
            (
                (p["cookie"], p["token"]),
                _calls(f"/attempts/{p['attempt_id']}/autosave", save_of(p), per_client),
            )
            for p in plans
        ],  # fmt: skip
        answers,
    )
    with app.app_context():
        db.engine.dispose()

    bare_url = databases.new("bare")
    bare_app.create_tables(bare_url)
    bare = _run(
        (bare_url, "benchmarks.bare_app:app"),
        [
            (("", ""), _calls("/save", lambda n, c=c: {"client": c, "value": str(n)}, per_client))
            for c in range(CLIENTS)
        ],
        lambda: bare_app.count_rows(bare_url),
    )
    return {"autosave": saves, "bare": bare, "ratio": saves["p50_ms"] / bare["p50_ms"]}


def figure(by_backend: dict[str, dict]) -> dict:
    worst = max(by_backend.values(), key=lambda m: m["ratio"])
    return result(
        "answer_save_ratio",
        worst["ratio"],
        "x",
        GOAL,
        BASELINE,
        clients=CLIENTS,
        requests=REQUESTS,
        **by_backend,
    )
