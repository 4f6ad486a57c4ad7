"""Cohort matrix page over HTTP for 1,000 coaches × 7 units: p95 alone and with 4 trainers."""

import asyncio
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import insert, select, text

from benchmarks.harness import (
    Server,
    Tally,
    connections,
    migrated_app,
    percentile,
    result,
    send,
    signed_in,
)
from lms.auth import service as accounts
from lms.auth.models import User, cohort_coaches
from lms.catalog.models import Quiz
from lms.competence.models import Decision
from lms.extensions import db
from lms.quiz.models import GRADED, Attempt, Registration
from lms.timeutil import utcnow
from lms.xapi import outbox
from lms.xapi import statements as xs

COACHES = 1_000
ROUNDS = 30
TRAINERS = 4
GOAL_MS, GOAL_BUSY_MS, BASELINE_MS = 150, 300, 310


def build(app) -> tuple[int, int]:
    """(cohort id, trainer id): a trainer and COACHES coaches with progress in every unit."""
    rng = random.Random(8)
    xapi = xs.XapiConfig(base_iri=app.config["BASE_IRI"])
    with app.app_context():
        session = db.session
        trainer = accounts.create_user(
            session,
            email="trainer@bench.example.org",
            display_name="Bench Trainer",
            role="trainer",
        )
        cohort = accounts.create_cohort(session, "Bench cohort")
        accounts.assign_trainer(cohort, trainer)
        session.flush()
        quizzes = {q.module_code: q for q in _quizzes(session)}
        now = utcnow()
        users = [
            {
                "email": f"coach{n:04d}@bench.example.org",
                "display_name": f"Coach {n:04d}",
                "role": "coach",
                "language": "fr",
                "active": True,
                "created_at": now,
            }
            for n in range(COACHES)
        ]
        session.execute(insert(User), users)
        emails = dict(
            session.execute(select(User.id, User.email).where(User.role == "coach")).all()
        )
        ids = list(emails)
        session.execute(
            insert(cohort_coaches), [{"cohort_id": cohort.id, "user_id": i} for i in ids]
        )
        registrations, attempts, validations = [], [], []
        for coach_id in ids:
            for code, quiz in quizzes.items():
                roll = rng.random()
                if roll < 0.15:
                    continue  # not started
                registration = uuid.uuid4()
                registrations.append(
                    {
                        "user_id": coach_id,
                        "module_code": code,
                        "registration_uuid": registration,
                        "created_at": now,
                    }
                )
                if roll < 0.3:
                    continue  # launched, no attempt
                score = rng.uniform(0.3, 1.0)
                moment = now - timedelta(days=rng.randint(0, 60))
                attempts.append(
                    {
                        "user_id": coach_id,
                        "quiz_id": quiz.id,
                        "module_code": code,
                        "number": 1,
                        "registration": registration,
                        "state": GRADED,
                        "settings": quiz.settings,
                        "started_at": moment,
                        "submitted_at": moment,
                        "autosubmitted": False,
                        "marks": score * 20,
                        "max_marks": 20.0,
                        "score": score,
                        "passed": score >= 0.7,
                        "statement_id": uuid.uuid4(),
                        "proposed_status": "evidence_sufficient"
                        if score >= 0.7
                        else "not_yet_sufficient",
                    }
                )
                if score >= 0.8 and rng.random() < 0.6:
                    validations.append(
                        {
                            "coach_id": coach_id,
                            "unit_code": code,
                            "modality": "observation",
                            "decision": "validated",
                            "automatic": False,
                            "note": "",
                            "decided_by_id": trainer.id,
                            "decided_at": moment,
                            "statement_id": uuid.uuid4(),
                        }
                    )
                outbox.record(
                    session,
                    xs.module_launched(
                        xapi,
                        statement_id=uuid.uuid4(),
                        timestamp=moment,
                        actor=xs.Actor(email=emails[coach_id]),
                        module=xs.ModuleRef(code=code, title={"fr": code, "en": code}),
                        registration=registration,
                    ),
                    user_id=coach_id,
                )
        session.execute(insert(Registration), registrations)
        session.execute(insert(Attempt), attempts)
        session.execute(insert(Decision), validations)
        session.commit()
        if db.engine.dialect.name == "postgresql":
            # Autovacuum analyses a bulk load long before a trainer looks; measuring while it
            # ran gave 6 s outliers. (SQLite has no such daemon, and its plans got worse with
            # statistics: not run there.)
            session.execute(text("ANALYZE"))
            session.commit()
        ids = cohort.id, trainer.id
        db.session.remove()
        return ids


def _quizzes(session) -> list[Quiz]:
    return list(session.scalars(select(Quiz).order_by(Quiz.module_code)))


async def _trainers(server: Server, auth, path: str, trainers: int, rounds: int, tally: Tally):
    """Timings of ``trainers`` trainers loading the page ``rounds`` times each, one after the
    other; failed requests and reset connections are counted in ``tally``, the size of the
    pages served in ``tally.sizes``."""
    timings = []
    async with connections(trainers) as pool:

        async def trainer():
            client = server.client(pool, *auth)
            for _ in range(rounds):
                started = time.perf_counter()
                response = await send(client, "GET", path, tally)
                timings.append(time.perf_counter() - started)
                if response is not None and response.status_code == 200:
                    tally.sizes.append(len(response.content))
                else:
                    tally.errors += response is not None

        await asyncio.gather(*(trainer() for _ in range(trainers)))
    return timings


@dataclass
class PageTally(Tally):
    sizes: list[int] = field(default_factory=list)


def measure(databases) -> dict:
    url = databases.new("matrix")
    app = migrated_app(url)
    cohort_id, trainer_id = build(app)
    auth = signed_in(app, trainer_id)
    path = f"/trainer/cohorts/{cohort_id}"
    with Server(url) as server:
        tally = PageTally()
        # Every worker renders the page once before the measure (templates, catalogues).
        asyncio.run(_trainers(server, auth, path, TRAINERS, 3, tally))
        alone = asyncio.run(_trainers(server, auth, path, 1, ROUNDS, tally))
        busy = asyncio.run(_trainers(server, auth, path, TRAINERS, ROUNDS // 3, tally))
    with app.app_context():
        db.engine.dispose()
    return {
        "p95_ms": percentile(alone, 0.95) * 1000,
        "p50_ms": percentile(alone, 0.5) * 1000,
        f"p95_ms_{TRAINERS}_trainers": percentile(busy, 0.95) * 1000,
        "page_kb": round(max(tally.sizes, default=0) / 1024),
        "errors": tally.errors,
        "reset_connections": tally.resets,
    }


def figure(by_backend: dict[str, dict]) -> dict:
    worst = max(m["p95_ms"] for m in by_backend.values())
    return result(
        "trainer_matrix", worst, "ms", GOAL_MS, BASELINE_MS, coaches=COACHES,
        goal_with_4_trainers_ms=GOAL_BUSY_MS, **by_backend,
    )  # fmt: skip
