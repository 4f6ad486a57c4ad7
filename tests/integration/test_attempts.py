"""The attempt lifecycle on SQLite and PostgreSQL: resume, deadline, concurrency, skill scores."""

import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from lms.catalog.models import QuestionVersion
from lms.competence.service import close_overdue_attempts
from lms.quiz import service
from lms.quiz.models import Attempt, Grade
from lms.quiz.types import ResponseError
from lms.timeutil import utcnow
from lms.xapi.models import Statement
from lms.xapi.statements import XapiConfig
from tests.support import factories

XAPI = XapiConfig(base_iri="https://lms.example.org/xapi")


@pytest.fixture
def coach(db_session):
    return factories.make_user(db_session)


def _verbs(session) -> list[str]:
    rows = session.scalars(select(Statement).order_by(Statement.seq))
    return [row.verb.rsplit("/", 1)[-1] for row in rows]


def test_start_freezes_questions_and_resumes(db_session, coach):
    quiz = factories.make_quiz(db_session)
    attempt = service.start(db_session, user=coach, quiz=quiz, xapi=XAPI)
    db_session.commit()
    assert [slot.question_version.definition["id"] for slot in attempt.slots] == [
        "T1-Q01",
        "T1-Q02",
        "T1-Q03",
        "T1-Q04",
    ]
    assert service.start(db_session, user=coach, quiz=quiz, xapi=XAPI).id == attempt.id
    assert _verbs(db_session) == ["attempted"]


def test_every_answer_survives_a_new_session(app, db_session, coach):
    quiz = factories.make_quiz(db_session)
    attempt = service.start(db_session, user=coach, quiz=quiz, xapi=XAPI)
    service.save_answer(db_session, attempt, 1, "a")
    service.save_answer(db_session, attempt, 2, "b")
    service.save_answer(db_session, attempt, 2, "a")  # changed their mind: the latest counts
    db_session.commit()
    with Session(db_session.get_bind()) as fresh:  # a restarted server, a new browser
        resumed = fresh.get(Attempt, attempt.id)
        assert [slot.answer.raw if slot.answer else None for slot in resumed.slots] == [
            "a",
            "a",
            None,
            None,
        ]
        assert len(resumed.slots[1].answers) == 2  # nothing is overwritten


def test_malformed_answer_is_refused_and_nothing_is_stored(db_session, coach):
    quiz = factories.make_quiz(db_session, questions=[factories.question("T1-Q01", "numerical")])
    attempt = service.start(db_session, user=coach, quiz=quiz, xapi=XAPI)
    with pytest.raises(ResponseError) as error:
        service.save_answer(db_session, attempt, 1, "douze")
    assert "number" in error.value.msgid
    assert attempt.slots[0].answers == []
    service.save_answer(db_session, attempt, 1, "12,0")  # decimal comma
    submitted = service.submit(db_session, attempt, xapi=XAPI)
    assert submitted.score == 1.0


def test_submit_scores_against_skills_and_emits(db_session, coach):
    quiz = factories.make_quiz(db_session)  # Q01,Q03 → S2; Q02,Q04 → S1
    attempt = service.start(db_session, user=coach, quiz=quiz, xapi=XAPI)
    for position, raw in [(1, "a"), (2, "a"), (3, "a"), (4, "b")]:
        service.save_answer(db_session, attempt, position, raw)
    service.submit(db_session, attempt, xapi=XAPI)
    db_session.commit()
    assert (attempt.state, attempt.marks, attempt.max_marks, attempt.passed) == (
        "graded",
        3,
        4,
        True,
    )
    scores = {s.skill_id: (s.earned, s.maximum) for s in attempt.skill_scores}
    assert scores == {"T1-S1": (1.0, 2.0), "T1-S2": (2.0, 2.0)}
    assert attempt.proposed_status == "evidence_sufficient"  # 75 % ≥ 70 %, each skill ≥ 50 %
    assert _verbs(db_session) == ["attempted"] + ["answered"] * 4 + ["completed", "passed"]


def test_submit_twice_grades_once(db_session, coach):
    quiz = factories.make_quiz(db_session)
    attempt = service.start(db_session, user=coach, quiz=quiz, xapi=XAPI)
    service.submit(db_session, attempt, xapi=XAPI)
    service.submit(db_session, attempt, xapi=XAPI)
    db_session.commit()
    assert db_session.scalar(select(func.count()).select_from(Grade)) == 4
    assert attempt.passed is False and attempt.proposed_status == "not_yet_sufficient"


def test_twenty_simultaneous_submits_give_exactly_one_grading(app, db_session, coach):
    quiz = factories.make_quiz(db_session)
    attempt = service.start(db_session, user=coach, quiz=quiz, xapi=XAPI)
    service.save_answer(db_session, attempt, 1, "a")
    db_session.commit()
    # A pool as large as the crowd, so all 20 hold a connection at the barrier.
    engine = create_engine(db_session.get_bind().url, pool_size=20)
    barrier, errors = threading.Barrier(20), []

    def submit_once():
        try:
            with Session(engine) as session:
                mine = session.get(Attempt, attempt.id)
                barrier.wait()
                service.submit(session, mine, xapi=XAPI)
                session.commit()
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=submit_once) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert errors == []
    assert db_session.scalar(select(func.count()).select_from(Grade)) == 4
    assert _verbs(db_session).count("completed") == 1


def test_deadline_is_enforced_on_the_server(db_session, coach):
    quiz = factories.make_quiz(db_session, time_limit_minutes=10)
    start = utcnow() - timedelta(minutes=9)
    attempt = service.start(db_session, user=coach, quiz=quiz, xapi=XAPI, now=start)
    assert attempt.deadline == start + timedelta(minutes=10)
    service.save_answer(db_session, attempt, 1, "a")  # in time
    late = start + timedelta(minutes=11)
    with pytest.raises(service.AttemptError, match="time limit has passed"):
        service.save_answer(db_session, attempt, 2, "a", now=late)
    assert close_overdue_attempts(db_session, xapi=XAPI, now=late) == [attempt.id]
    assert attempt.autosubmitted and attempt.submitted_at == attempt.deadline
    assert attempt.marks == 1.0  # only what was saved in time
    with pytest.raises(service.AttemptError, match="submitted"):
        service.save_answer(db_session, attempt, 2, "a", now=late)


def test_attempts_allowed_is_enforced(db_session, coach):
    quiz = factories.make_quiz(db_session, attempts_allowed=1)
    service.submit(
        db_session, service.start(db_session, user=coach, quiz=quiz, xapi=XAPI), xapi=XAPI
    )
    with pytest.raises(service.AttemptError, match="all 1 attempts"):
        service.start(db_session, user=coach, quiz=quiz, xapi=XAPI)


def test_essay_waits_for_a_trainer_and_regrading_keeps_history(db_session, coach):
    trainer = factories.make_user(db_session, role="trainer")
    quiz = factories.make_quiz(
        db_session,
        questions=[
            factories.question("T1-Q01", skills=["T1-S1"]),
            factories.question("T1-Q02", "essay", skills=["T1-S2"]),
        ],
    )
    attempt = service.start(db_session, user=coach, quiz=quiz, xapi=XAPI)
    service.save_answer(db_session, attempt, 1, "a")
    service.save_answer(db_session, attempt, 2, "Mon plan de mobilité…")
    service.submit(db_session, attempt, xapi=XAPI)
    assert attempt.state == "needs_grading" and attempt.passed is None
    assert attempt.proposed_status == "in_progress"
    essay = attempt.slots[1]
    service.grade_manually(
        db_session,
        essay,
        grader=trainer,
        fraction=0.25,
        xapi=XAPI,
        rubric={"relevance": "partial"},
        comment="Trop vague.",
    )
    assert (attempt.state, attempt.marks, attempt.passed) == ("graded", 1.25, False)
    service.grade_manually(db_session, essay, grader=trainer, fraction=0.5, xapi=XAPI)
    assert attempt.marks == 1.5 and attempt.passed is True
    assert [grade.fraction for grade in essay.grades] == [None, 0.25, 0.5]
    assert {s.skill_id: s.earned for s in attempt.skill_scores} == {"T1-S1": 1.0, "T1-S2": 0.5}
    with pytest.raises(service.AttemptError):
        service.grade_manually(db_session, essay, grader=trainer, fraction=1.5, xapi=XAPI)


def test_a_started_attempt_keeps_its_question_version(db_session, coach):
    quiz = factories.make_quiz(db_session)
    attempt = service.start(db_session, user=coach, quiz=quiz, xapi=XAPI)
    first = attempt.slots[0].question_version
    question = first.question
    changed = dict(
        first.definition,
        options=[
            {"id": "a", "text": {"fr": "A", "en": "A"}, "fraction": 0},
            {"id": "b", "text": {"fr": "B", "en": "B"}, "fraction": 1},
        ],
    )
    question.versions.append(
        QuestionVersion(number=2, type=first.type, definition=changed, content_hash="v2")
    )
    question.current_version = 2
    db_session.flush()
    service.save_answer(db_session, attempt, 1, "a")
    service.submit(db_session, attempt, xapi=XAPI)
    assert attempt.slots[0].grade.fraction == 1.0  # graded against version 1
    second = service.start(db_session, user=coach, quiz=quiz, xapi=XAPI)
    assert second.slots[0].question_version.number == 2


def test_random_selection_represents_every_skill(db_session, coach):
    skills = ("T1-S1", "T1-S2", "T1-S3")
    questions = [
        factories.question(f"T1-Q{n:02d}", skills=[skills[0] if n < 9 else skills[n - 8]])
        for n in range(1, 11)
    ]
    quiz = factories.make_quiz(
        db_session, questions=questions, skills=skills, questions_per_attempt=3, attempts_allowed=0
    )
    for seed in range(10):
        attempt = service.start(
            db_session, user=coach, quiz=quiz, xapi=XAPI, rng=random.Random(seed)
        )
        tagged = {s for slot in attempt.slots for s in slot.question_version.definition["skills"]}
        assert len(attempt.slots) == 3 and tagged == set(skills)
        service.submit(db_session, attempt, xapi=XAPI)


def test_shuffled_order_is_stored_per_attempt(db_session, coach):
    quiz = factories.make_quiz(
        db_session,
        shuffle_questions=True,
        shuffle_options=True,
        questions=[factories.question(f"T1-Q{n:02d}") for n in range(1, 9)],
    )
    attempt = service.start(db_session, user=coach, quiz=quiz, xapi=XAPI, rng=random.Random(3))
    order = [slot.question_version.definition["id"] for slot in attempt.slots]
    assert order != sorted(order)  # seed 3 shuffles; the point is that the order is kept
    db_session.commit()
    db_session.expire_all()
    assert [slot.question_version.definition["id"] for slot in attempt.slots] == order
    assert all(sorted(slot.option_order) == ["a", "b"] for slot in attempt.slots)


def test_a_live_session_attempt_neither_resumes_nor_uses_up_self_paced_attempts(db_session, coach):
    quiz = factories.make_quiz(db_session, attempts_allowed=1)
    own = service.start(db_session, user=coach, quiz=quiz, xapi=XAPI)
    live = service.start(db_session, user=coach, quiz=quiz, xapi=XAPI, live_session_id=7)
    assert live.id != own.id and live.live_session_id == 7
    assert (
        service.start(db_session, user=coach, quiz=quiz, xapi=XAPI, live_session_id=7).id == live.id
    )
    service.submit(db_session, live, xapi=XAPI)
    assert service.quota(db_session, coach, quiz).left == 0  # only the self-paced one counts
    assert service.start(db_session, user=coach, quiz=quiz, xapi=XAPI).id == own.id
    assert (own.number, live.number) == (1, 2)


def test_immediate_feedback_checks_one_question_and_freezes_it(db_session, coach):
    quiz = factories.make_quiz(db_session, feedback_timing="immediate")
    attempt = service.start(db_session, user=coach, quiz=quiz, xapi=XAPI)
    service.save_answer(db_session, attempt, 1, "b")
    grade = service.check_answer(db_session, attempt, 1, xapi=XAPI)
    assert (grade.fraction, grade.state) == (0.0, "incorrect") and grade.feedback
    assert service.check_answer(db_session, attempt, 1, xapi=XAPI) is grade  # idempotent
    with pytest.raises(service.AttemptError, match="has been checked"):
        service.save_answer(db_session, attempt, 1, "a")
    assert _verbs(db_session) == ["attempted", "answered"]
    service.save_answer(db_session, attempt, 2, "a")
    service.submit(db_session, attempt, xapi=XAPI)
    assert [len(slot.grades) for slot in attempt.slots] == [1, 1, 1, 1]  # checked: not regraded
    assert attempt.marks == 1.0
    # Questions 3 and 4 were left blank: no "answered" claims an answer never given.
    assert _verbs(db_session).count("answered") == 2


def test_checking_needs_the_immediate_setting(db_session, coach):
    quiz = factories.make_quiz(db_session)
    attempt = service.start(db_session, user=coach, quiz=quiz, xapi=XAPI)
    with pytest.raises(service.AttemptError, match="after submission"):
        service.check_answer(db_session, attempt, 1, xapi=XAPI)
