"""The erasure of a person: nothing in the database, the files or the local statements names
them afterwards; the records a certification audit needs stay under a tombstone."""

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import JSON, String, Text, func, select

from lms.auth import audit, tokens
from lms.auth.models import AuditEvent, LoginFailure, User
from lms.competence.models import Decision
from lms.credentials.models import Credential
from lms.extensions import Base
from lms.live.models import LiveParticipant
from lms.notify import preferences
from lms.privacy import erasure
from lms.quiz.models import Answer, Attempt, AttemptSlot
from lms.xapi import outbox
from lms.xapi.models import Statement
from tests.support import statements as examples

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def simulated(runner):
    assert runner.invoke(args=["setup", "--demo"]).exit_code == 0
    result = runner.invoke(args=["demo", "simulate", "--coaches", "6", "--seed", "11"])
    assert result.exit_code == 0, result.output


def _rich_coach(session) -> User:
    """A simulated coach with an evidence file, a live participation and a credential."""
    with_evidence = select(Decision.coach_id).where(Decision.attachment_path.is_not(None))
    live = select(LiveParticipant.user_id)
    credentialed = select(Credential.coach_id)
    coach = session.scalars(
        select(User)
        .where(User.id.in_(with_evidence), User.id.in_(live), User.id.in_(credentialed))
        .order_by(User.id)
    ).first()
    assert coach is not None, "the simulation gives some coach every kind of data"
    return coach


def _legacy_statement(session, email: str, name: str) -> Statement:
    """A statement as releases before opaque accounts stored it: the e-mail and the name."""
    statement = examples.launched(email)
    statement["actor"]["name"] = name
    return outbox.record(session, statement)


def _with_every_extra(session, coach: User, admin: User) -> None:
    tokens.create_token(session, coach, "my script", "read", now=NOW)
    preferences.choose(session, coach, set())
    session.add(LoginFailure(email=coach.email.upper(), ip="192.0.2.7", at=NOW))
    audit.record(session, "login.succeeded", actor=coach, ip="192.0.2.7", now=NOW)
    audit.record(
        session,
        "user.created",
        actor=admin,
        subject=f"user:{coach.id}",
        detail={"email": coach.email, "name": coach.display_name, "role": "coach"},
        now=NOW,
    )
    _legacy_statement(session, coach.email, coach.display_name)


def _text_values(session):
    """(table.column, text) of every text or JSON value of every table of the schema."""
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        if not columns:
            continue
        for row in session.execute(select(*columns)):
            for column, value in zip(columns, row, strict=True):
                if value is not None:
                    if not isinstance(value, str):
                        value = json.dumps(value, ensure_ascii=False)
                    yield f"{table.name}.{column.name}", value


def _mentions(session, folders, needles) -> list[str]:
    needles = [needle.lower() for needle in needles]
    found = [
        place
        for place, value in _text_values(session)
        if any(needle in value.lower() for needle in needles)
    ]
    for folder in folders:
        for path in Path(folder).rglob("*"):
            if path.is_file():
                content = path.read_bytes().decode("utf-8", "replace").lower()
                if any(needle in content for needle in needles):
                    found.append(str(path))
    return found


def test_after_erasure_nothing_names_the_person_and_the_records_stay(app, simulated, db_session):
    coach = _rich_coach(db_session)
    admin = db_session.scalars(select(User).where(User.role == "admin")).first()
    other = db_session.scalars(
        select(User).where(User.role == "coach", User.id != coach.id).order_by(User.id)
    ).first()
    _with_every_extra(db_session, coach, admin)
    db_session.commit()
    email, name, coach_id = coach.email, coach.display_name, coach.id
    assert _mentions(db_session, [app.config["UPLOAD_DIR"]], [email, name])
    decisions_before = db_session.execute(
        select(Decision.unit_code, Decision.decision, Decision.decided_at, Decision.modality,
               Decision.decided_by_id).where(Decision.coach_id == coach_id).order_by(Decision.id)
    ).all()  # fmt: skip
    scores_before = db_session.execute(
        select(Attempt.id, Attempt.score).where(Attempt.user_id == coach_id).order_by(Attempt.id)
    ).all()
    other_statements = db_session.scalars(
        select(Statement.text).where(Statement.user_id == other.id).order_by(Statement.seq)
    ).all()

    done = erasure.erase_person(db_session, coach, erased_by=admin, now=NOW)
    db_session.commit()
    assert done.delete_files(Path(app.config["UPLOAD_DIR"])) == len(done.evidence_files) > 0

    assert _mentions(db_session, [app.config["UPLOAD_DIR"]], [email, name]) == []
    tombstone = db_session.get(User, coach_id)
    assert tombstone.display_name == "Erased person" and not tombstone.active
    assert tombstone.xapi_account is None and tombstone.email.endswith("@erased.invalid")
    assert db_session.execute(
        select(Decision.unit_code, Decision.decision, Decision.decided_at, Decision.modality,
               Decision.decided_by_id).where(Decision.coach_id == coach_id).order_by(Decision.id)
    ).all() == decisions_before  # fmt: skip
    assert (
        db_session.execute(
            select(Attempt.id, Attempt.score)
            .where(Attempt.user_id == coach_id)
            .order_by(Attempt.id)
        ).all()
        == scores_before
    )
    answers = select(func.count()).select_from(Answer).join(AttemptSlot).join(Attempt)
    assert db_session.scalar(answers.where(Attempt.user_id == coach_id)) == 0
    credentials = db_session.scalars(select(Credential).where(Credential.coach_id == coach_id))
    assert all(c.revoked_at is not None and c.document is None for c in credentials)
    assert (
        db_session.scalars(
            select(Statement.text).where(Statement.user_id == other.id).order_by(Statement.seq)
        ).all()
        == other_statements
    )
    logged = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "user.erased")).one()
    assert logged.subject == f"user:{coach_id}" and logged.detail["statements_rewritten"] >= 1


def test_one_cannot_erase_oneself_nor_the_last_administrator(app, demo_cohort, db_session):
    admin = demo_cohort["admin"]
    with pytest.raises(erasure.ErasureRefused, match="your own account"):
        erasure.erase_person(db_session, admin, erased_by=admin, now=NOW)
    with pytest.raises(erasure.ErasureRefused, match="last active administrator"):
        erasure.erase_person(db_session, admin, erased_by=demo_cohort["trainer"], now=NOW)
    db_session.rollback()
    assert db_session.get(User, admin.id).email == admin.email


def test_a_rolled_back_erasure_leaves_statements_guarded(app, demo_cohort, db_session):
    coach = demo_cohort["coaches"][0]
    row = _legacy_statement(db_session, coach.email, coach.display_name)
    db_session.commit()
    erasure.erase_person(db_session, coach, erased_by=demo_cohort["admin"], now=NOW)
    db_session.rollback()
    assert coach.email in db_session.scalar(select(Statement.text).where(Statement.id == row.id))
    with app.app_context():
        from lms.extensions import db

        with pytest.raises(Exception, match="immutable"), db.engine.begin() as connection:
            connection.execute(
                Statement.__table__.update().where(Statement.id == row.id).values(text="{}")
            )
    assert uuid.UUID(row.id)
