"""Completion records: a coach's validated competences, with a code anyone can verify."""

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from lms.auth.models import User
from lms.auth.policy import Role
from lms.catalog.models import Competence, Skill, Unit
from lms.competence.models import VALIDATED, Decision, RecordCode
from lms.competence.service import decision_score
from lms.quiz.models import Attempt
from lms.timeutil import utcnow
from lms.xapi.rebuild import CoachRecord, UnitRecord
from lms.xapi.statements import format_timestamp

CODE_DIGITS = 16


@dataclass(frozen=True)
class RecordSkill:
    code: str
    label: dict


@dataclass(frozen=True)
class RecordEntry:
    unit_code: str
    unit_title: dict
    competence_code: str
    competence_title: dict
    modality: str
    automatic: bool
    decided_at: datetime
    validator: str | None  # the trainer's name; None for an automatic decision
    skills: tuple[RecordSkill, ...]
    statement_id: str
    rubric_points: float | None
    rubric_max: float | None


@dataclass(frozen=True)
class CompletionRecord:
    coach_id: int
    coach_name: str
    coach_email: str
    entries: tuple[RecordEntry, ...]
    competences_complete: tuple[tuple[str, dict], ...]  # every unit of these is validated
    units_total: int
    generated_at: datetime
    verification_code: str

    @property
    def is_empty(self) -> bool:
        return not self.entries


def decisions_fingerprint(coach_id: int, statement_ids: list[str]) -> str:
    """What a verification code stands for: the set of a coach's standing decisions."""
    message = f"{coach_id}:" + ",".join(sorted(statement_ids))
    return hashlib.sha256(message.encode()).hexdigest()


def new_verification_code(coach_id: int) -> str:
    digits = secrets.token_hex(CODE_DIGITS // 2).upper()
    groups = "-".join(digits[i : i + 4] for i in range(0, CODE_DIGITS, 4))
    return f"{coach_id}-{groups}"


def _verification_codes(session: Session, wanted: dict[int, str], now: datetime) -> dict[int, str]:
    """The stored code of each coach's current set of decisions (coach id -> fingerprint),
    issuing a random one the first time a set is shown; a code changes whenever the set
    changes (e.g. a revocation), so an old printout can no longer be verified as current."""
    if not wanted:
        return {}
    stored = session.execute(
        select(RecordCode.coach_id, RecordCode.fingerprint, RecordCode.code).where(
            RecordCode.coach_id.in_(list(wanted))
        )
    )
    codes = {
        coach_id: code for coach_id, fingerprint, code in stored if wanted[coach_id] == fingerprint
    }
    for coach_id, fingerprint in wanted.items():
        if coach_id in codes:
            continue
        issued = RecordCode(
            coach_id=coach_id,
            fingerprint=fingerprint,
            code=new_verification_code(coach_id),
            issued_at=now,
        )
        try:
            with session.begin_nested():  # another request may issue the same set's code
                session.add(issued)
        except IntegrityError:
            issued = session.scalars(
                select(RecordCode).where(
                    RecordCode.coach_id == coach_id, RecordCode.fingerprint == fingerprint
                )
            ).one()
        codes[coach_id] = issued.code
    return codes


def standing_decisions(session: Session, coach_ids: list[int]) -> list[Decision]:
    return list(
        session.scalars(
            select(Decision)
            .where(
                Decision.coach_id.in_(coach_ids),
                Decision.decision == VALIDATED,
                Decision.revoked_at.is_(None),
            )
            .order_by(Decision.decided_at, Decision.id)
            .options(selectinload(Decision.decided_by))
        )
    )


def _framework(session: Session) -> list[Competence]:
    return list(
        session.scalars(
            select(Competence)
            .order_by(Competence.position)
            .options(selectinload(Competence.units).selectinload(Unit.skills))
        )
    )


def completion_records(
    session: Session, coaches: list[User], *, now: datetime | None = None
) -> list[CompletionRecord]:
    """The records of several coaches (a cohort's zip), in a fixed number of queries, plus one
    insert per record shown for the first time since its decisions changed (the caller
    commits)."""
    now = now or utcnow()
    framework = _framework(session)
    units: dict[str, tuple[Unit, Competence]] = {
        unit.code: (unit, competence) for competence in framework for unit in competence.units
    }
    by_coach: dict[int, list[Decision]] = {}
    for decision in standing_decisions(session, [coach.id for coach in coaches]):
        by_coach.setdefault(decision.coach_id, []).append(decision)
    records = []
    fingerprints: dict[int, str] = {}
    for coach in coaches:
        decisions = [v for v in by_coach.get(coach.id, []) if v.unit_code in units]
        entries = []
        for decision in decisions:
            unit, competence = units[decision.unit_code]
            entries.append(
                RecordEntry(
                    unit_code=unit.code,
                    unit_title=unit.title,
                    competence_code=competence.code,
                    competence_title=competence.title,
                    modality=decision.modality,
                    automatic=decision.automatic,
                    decided_at=decision.decided_at,
                    validator=decision.decided_by.display_name if decision.decided_by else None,
                    skills=tuple(_skills(unit.skills)),
                    statement_id=str(decision.statement_id),
                    rubric_points=decision.rubric_points,
                    rubric_max=decision.rubric_max,
                )
            )
        entries.sort(key=lambda entry: list(units).index(entry.unit_code))
        validated_units = {entry.unit_code for entry in entries}
        complete = tuple(
            (competence.code, competence.title)
            for competence in framework
            if competence.units and all(u.code in validated_units for u in competence.units)
        )
        if entries:
            fingerprints[coach.id] = decisions_fingerprint(
                coach.id, [entry.statement_id for entry in entries]
            )
        records.append(
            CompletionRecord(
                coach_id=coach.id,
                coach_name=coach.display_name,
                coach_email=coach.email,
                entries=tuple(entries),
                competences_complete=complete,
                units_total=len(units),
                generated_at=now,
                verification_code="",
            )
        )
    codes = _verification_codes(session, fingerprints, now)
    return [replace(record, verification_code=codes.get(record.coach_id, "")) for record in records]


def _skills(skills: list[Skill]) -> list[RecordSkill]:
    return [RecordSkill(skill.code, skill.label) for skill in skills if skill.active]


def completion_record(
    session: Session, coach: User, *, now: datetime | None = None
) -> CompletionRecord:
    return completion_records(session, [coach], now=now)[0]


def verify(session: Session, code: str) -> CompletionRecord | None:
    """The current record a verification code belongs to, or None (unknown or outdated code)."""
    code = (code or "").strip().upper()[:40]
    stored = session.scalar(select(RecordCode).where(RecordCode.code == code))
    if stored is None:
        return None
    coach = session.get(User, stored.coach_id)
    if coach is None or coach.role != Role.COACH:
        return None
    record = completion_record(session, coach)
    if record.is_empty or record.verification_code != code:
        return None
    return record


def evidence_records(session: Session) -> dict[str, CoachRecord]:
    """Every coach's decisions and competences held, as :mod:`lms.xapi.rebuild` rebuilds them
    from an LRS: the reference that rebuild is compared with."""
    decisions = session.scalars(
        select(Decision).options(selectinload(Decision.coach), selectinload(Decision.decided_by))
    ).all()
    attempts = {
        attempt.id: attempt
        for attempt in session.scalars(
            select(Attempt).where(Attempt.id.in_({d.attempt_id for d in decisions if d.attempt_id}))
        )
    }
    records: dict[str, CoachRecord] = {}
    standing: dict[str, set[str]] = {}
    for decision in decisions:
        attempt = attempts.get(decision.attempt_id)
        score = decision_score(decision, attempt)
        records.setdefault(decision.coach.email, CoachRecord()).units.append(
            UnitRecord(
                unit=decision.unit_code,
                decided_at=format_timestamp(decision.decided_at),
                status="revoked" if decision.is_revoked else decision.decision,
                modality=decision.modality,
                validator=decision.decided_by.display_name if decision.decided_by else "",
                score=score.scaled if score is not None else None,
                attempt=str(attempt.statement_id) if attempt is not None else None,
                evidence_sha256=decision.attachment_sha256 if decision.attachment_path else None,
                revoke_reason=decision.revoke_reason if decision.is_revoked else None,
            )
        )
        if decision.is_standing:
            standing.setdefault(decision.coach.email, set()).add(decision.unit_code)
    for competence in _framework(session):
        codes = {unit.code for unit in competence.units if unit.active}
        for email, held in standing.items():
            if codes and codes <= held:
                records[email].competences.add(competence.code)
    return records
