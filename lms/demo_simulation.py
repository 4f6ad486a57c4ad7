"""A simulated cohort driven through the real services, so a fresh install has data to look at."""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth import service as accounts
from lms.auth.models import Cohort, User
from lms.catalog import queries as catalog
from lms.catalog.models import Module
from lms.competence import evidence
from lms.competence import service as competence
from lms.delivery import service as delivery
from lms.live import service as live_service
from lms.quiz import service as quizzes
from lms.quiz import types
from lms.quiz.models import Attempt
from lms.timeutil import utcnow
from lms.xapi.statements import XapiConfig


@dataclass
class SimulationSummary:
    coaches: int = 0
    lessons: int = 0
    attempts: int = 0
    live_participants: int = 0
    validations: int = 0
    evidence_files: int = 0
    refusals: int = 0
    revocations: int = 0
    modules: list[str] = field(default_factory=list)


def wrong_response(definition: dict, rng: random.Random):
    """A plausible mistake for each question type."""
    return types.question_type(definition).demo_wrong_response(definition, rng)


def as_raw(definition: dict, response):
    """The form of a response a browser sends."""
    return types.question_type(definition).demo_raw(definition, response)


def simulate_cohort(
    session: Session,
    *,
    trainer: User,
    coaches: int,
    seed: int,
    xapi: XapiConfig,
    upload_dir: Path | None = None,
    now: datetime | None = None,
) -> SimulationSummary:
    """Create ``coaches`` coaches in a new cohort and make them learn, over the past weeks;
    with an ``upload_dir``, each trainer's decision has its evidence file (a short PDF
    report) stored there."""
    rng, now = random.Random(seed), now or utcnow()
    summary = SimulationSummary()
    name = f"Promotion simulée {seed}"
    cohort = session.scalar(select(Cohort).where(Cohort.name == name))
    if cohort is None:
        cohort = accounts.create_cohort(session, name)
        accounts.assign_trainer(cohort, trainer)
    modules = list(
        session.scalars(select(Module).where(Module.active.is_(True)).order_by(Module.position))
    )
    summary.modules = [module.code for module in modules]
    start = now - timedelta(days=28)
    for number in range(1, coaches + 1):
        email = f"coach-{seed}-{number}@example.org"
        coach = session.scalar(select(User).where(User.email == email))
        if coach is not None:
            continue
        coach = accounts.create_user(
            session,
            email=email,
            display_name=f"Coach {seed}-{number}",
            language=rng.choice(["fr", "en"]),
        )
        accounts.enrol_coach(cohort, coach)
        summary.coaches += 1
        ability = rng.uniform(0.45, 0.98)
        moment = start + timedelta(hours=rng.uniform(0, 72))
        for module in modules[: rng.randint(1, len(modules))]:
            moment = _learn_module(session, coach, module, ability, rng, xapi, moment, summary)
            moment += timedelta(hours=rng.uniform(12, 72))
            if moment > now:
                break
    session.flush()
    _grade_and_decide(session, cohort, trainer, rng, xapi, now, summary, upload_dir)
    _live_session(session, cohort, trainer, modules[0], rng, xapi, now - timedelta(days=2), summary)
    return summary


def _learn_module(session, coach, module, ability, rng, xapi, moment, summary) -> datetime:
    delivery.visit_module(session, user=coach, module=module, xapi=xapi, now=moment)
    for lesson, version in catalog.lessons(session, module.code):
        if rng.random() < 0.85:
            moment += timedelta(minutes=rng.uniform(8, 25))
            delivery.mark_lesson_done(
                session,
                user=coach,
                module=module,
                lesson=lesson,
                version=version,
                xapi=xapi,
                now=moment,
            )
            summary.lessons += 1
    quiz = catalog.quiz_for_module(session, module.code)
    if quiz is None or rng.random() < 0.15:
        return moment
    attempt = quizzes.start(session, user=coach, quiz=quiz, xapi=xapi, now=moment, rng=rng)
    for slot in attempt.slots:
        definition = slot.question_version.definition
        correct = types.correct_response(definition)
        response = (
            correct
            if correct is not None and rng.random() < ability
            else wrong_response(definition, rng)
        )
        moment += timedelta(seconds=rng.uniform(20, 70))
        quizzes.save_answer(
            session, attempt, slot.position, as_raw(definition, response), now=moment
        )
    competence.submit_attempt(session, attempt, xapi=xapi, now=moment + timedelta(seconds=5))
    summary.attempts += 1
    return moment


def _grade_and_decide(session, cohort, trainer, rng, xapi, now, summary, upload_dir) -> None:
    """The trainer grades most essays, then decides on units where the quiz was passed."""
    for coach in cohort.coaches:
        for attempt in session.scalars(select(Attempt).where(Attempt.user_id == coach.id)):
            for slot in attempt.slots:
                if slot.grade is not None and slot.grade.fraction is None and rng.random() < 0.8:
                    grid = competence.rubric_for(
                        catalog.module_by_code(session, attempt.module_code),
                        slot.question_version.definition,
                    )
                    levels = {
                        criterion["id"]: rng.choice(grid["levels"][1:])["id"]
                        for criterion in grid.get("criteria", [])
                    }
                    competence.grade_answer(
                        session,
                        slot,
                        grader=trainer,
                        xapi=xapi,
                        levels=levels,
                        percent=75,
                        comment="Bonne analyse.",
                        now=now - timedelta(days=3),
                    )
            module = catalog.module_by_code(session, attempt.module_code)
            modalities = [m for m in module.validation["modalities"] if m != "quiz"]
            standing = competence.standing_decision(session, coach.id, module.code)
            if attempt.passed is None or not modalities or standing is not None:
                continue
            draw = rng.random()
            if draw < 0.6:
                validated = bool(attempt.passed) or draw < 0.1
                decision = _decide(
                    session, coach, module, attempt, validated, trainer, rng, xapi, now, upload_dir
                )
                summary.evidence_files += decision.attachment_path is not None
                if validated:
                    summary.validations += 1
                else:
                    summary.refusals += 1
    _revoke_some(session, cohort, trainer, rng, xapi, now, summary)


def _decide(session, coach, module, attempt, validated, trainer, rng, xapi, now, upload_dir):
    """A trainer's decision by one of the module's modalities, scored with its grid if any,
    with its report as evidence file when there is an upload directory."""
    modality = rng.choice([m for m in module.validation["modalities"] if m != "quiz"])
    grid = competence.evaluation_grid(module)
    rubric = None
    if grid.get("criteria") and grid.get("levels"):
        rubric = {
            criterion["id"]: rng.choice(grid["levels"])["id"] for criterion in grid["criteria"]
        }
    note = "Observé en situation réelle." if validated else "Preuves insuffisantes."
    attachment = None
    if upload_dir is not None:
        report = evidence_report(coach.display_name, module.code, modality, note)
        attachment = evidence.store(upload_dir, f"{modality}-{module.code}.pdf", report)
    return competence.decide(
        session,
        coach=coach,
        unit_code=module.code,
        modality=modality,
        validated=validated,
        decided_by=trainer,
        xapi=xapi,
        attempt=attempt,
        rubric=rubric,
        note=note,
        attachment=attachment,
        now=now - timedelta(days=2),
    )


def evidence_report(coach: str, unit: str, modality: str, note: str) -> bytes:
    """A one-page PDF naming the coach, the unit, the modality and the trainer's note."""
    line = f"{coach} - {unit} - {modality}: {note}"
    text = line.encode("latin-1", "replace").replace(b"\\", b"\\\\")
    text = text.replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 11 Tf 56 780 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    table = b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + table
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    return pdf + b"startxref\n%d\n%%%%EOF\n" % xref


def _revoke_some(session, cohort, trainer, rng, xapi, now, summary) -> None:
    """About one validation in eight is revoked, with its reason."""
    for coach in cohort.coaches:
        for decision in competence.standing_decisions(session, coach.id):
            if rng.random() < 0.125:
                competence.revoke_decision(
                    session,
                    decision,
                    revoked_by=trainer,
                    xapi=xapi,
                    reason="Le dossier de preuves était incomplet.",
                    now=now - timedelta(days=1),
                )
                summary.revocations += 1


def _live_session(session, cohort, trainer, module, rng, xapi, moment, summary) -> None:
    """One live session on the first module with three questions and about half the cohort."""
    quiz = catalog.quiz_for_module(session, module.code)
    versions = [
        v
        for v in catalog.current_question_versions(session, module.code)
        if types.question_type(v.definition).asked_live
    ][:3]
    if quiz is None or len(versions) < 3:
        return
    live = live_service.schedule(
        session,
        trainer=trainer,
        cohort=cohort,
        quiz=quiz,
        module=module,
        scheduled_at=moment,
        versions=versions,
    )
    live_service.open_session(session, live, now=moment, rng=rng)
    participants = [
        live_service.join(
            session, live, user=coach, cohort=cohort, quiz=quiz, xapi=xapi, now=moment
        )
        for coach in cohort.coaches
        if rng.random() < 0.5
    ]
    for version in versions:
        moment += timedelta(minutes=2)
        live_service.control(session, live, "next", expected=None, xapi=xapi, now=moment)
        for participant in participants:
            definition = version.definition
            response = (
                types.correct_response(definition)
                if rng.random() < 0.7
                else wrong_response(definition, rng)
            )
            live_service.answer(
                session, live, participant, as_raw(definition, response), now=moment
            )
        live_service.control(session, live, "close", expected=None, xapi=xapi, now=moment)
    live_service.control(
        session, live, "end", expected=None, xapi=xapi, now=moment + timedelta(minutes=1)
    )
    summary.live_participants += len(participants)
