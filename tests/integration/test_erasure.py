"""The erasure of a person: nothing in the database, the files or the local statements names
them afterwards; the records a certification audit needs stay under a tombstone."""

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import JSON, String, Text, func, select

from lms.auth import audit, tokens
from lms.auth.actors import actor_of
from lms.auth.models import AuditEvent, Cohort, LoginFailure, User
from lms.competence.models import Decision
from lms.credentials.models import Credential
from lms.extensions import Base
from lms.live.models import LiveParticipant
from lms.notify import preferences
from lms.privacy import erasure
from lms.quiz.models import Answer, Attempt, AttemptSlot
from lms.xapi import endpoints, identity, outbox
from lms.xapi.models import Delivery, Endpoint, Statement
from tests.support import factories
from tests.support import statements as examples
from tests.support.ralph import add_endpoint
from tests.support.web import logged_in_client

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
        subject=f"user:{coach.id} {coach.email}",
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


def _decisions(session, coach_id: int) -> list:
    return session.execute(
        select(Decision.unit_code, Decision.decision, Decision.decided_at, Decision.modality,
               Decision.decided_by_id).where(Decision.coach_id == coach_id).order_by(Decision.id)
    ).all()  # fmt: skip


def _scores(session, coach_id: int) -> list:
    query = select(Attempt.id, Attempt.score).where(Attempt.user_id == coach_id)
    return session.execute(query.order_by(Attempt.id)).all()


def _everything_of(session, coach_id: int) -> dict:
    """What another coach's erasure must leave untouched."""
    answers = select(Answer.raw).join(AttemptSlot).join(Attempt)
    return {
        "user": session.execute(select(User.email, User.display_name, User.xapi_account).where(
            User.id == coach_id)).one(),
        "decisions": _decisions(session, coach_id),
        "scores": _scores(session, coach_id),
        "answers": sorted(map(str, session.scalars(answers.where(Attempt.user_id == coach_id)))),
        "statements": session.scalars(
            select(Statement.text).where(Statement.user_id == coach_id).order_by(Statement.seq)
        ).all(),
    }  # fmt: skip


@pytest.mark.lrs
def test_after_erasure_nothing_names_the_person_and_the_records_stay(
    app, simulated, db_session, ralph, runner
):
    app.config["BASE_IRI"] = f"https://erase-{uuid.uuid4().hex[:8]}.example.org/xapi"
    coach = _rich_coach(db_session)
    admin = db_session.scalars(select(User).where(User.role == "admin")).first()
    other = db_session.scalars(
        select(User).where(User.role == "coach", User.id != coach.id).order_by(User.id)
    ).first()
    _with_every_extra(db_session, coach, admin)
    admin.password_hash = factories._fast_hash
    db_session.commit()
    email, name, coach_id = coach.email, coach.display_name, coach.id
    local = set(db_session.scalars(select(Statement.id)))
    add_endpoint(db_session, ralph.url, ralph, name="centre-lrs")
    forwarded = runner.invoke(args=["xapi", "forward", "--once"])
    assert forwarded.exit_code == 0, forwarded.output
    folders = [app.config["UPLOAD_DIR"], app.instance_path]
    assert _mentions(db_session, folders, [email, name])
    decisions, scores = _decisions(db_session, coach_id), _scores(db_session, coach_id)
    untouched = _everything_of(db_session, other.id)
    client = logged_in_client(app, admin.email)
    page = client.get(f"/admin/users/{coach_id}/erase")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Effacer cette personne" in page.get_data(as_text=True)  # a French account

    wrong = client.auth.post(f"/admin/users/{coach_id}/erase", {"email": other.email})
    assert wrong.status_code == 400
    assert "la personne à effacer" in wrong.get_data(as_text=True)
    assert db_session.scalar(select(User.email).where(User.id == coach_id)) == email
    done = client.auth.post(f"/admin/users/{coach_id}/erase", {"email": email.upper()})
    assert done.status_code == 200, done.get_data(as_text=True)
    result = done.get_data(as_text=True)
    in_ralph = [
        s for s in ralph.statements() if s["id"] in local and f"mailto:{email}" in json.dumps(s)
    ]
    assert in_ralph and f"mailto:{email}" in result and f">{len(in_ralph)}<" in result
    db_session.expire_all()

    assert _mentions(db_session, folders, [email, name]) == []
    tombstone = db_session.get(User, coach_id)
    assert tombstone.display_name == "Erased person" and not tombstone.active
    assert tombstone.xapi_account is None and tombstone.email.endswith("@erased.invalid")
    assert tombstone.cohorts == []
    assert _decisions(db_session, coach_id) == decisions
    assert _scores(db_session, coach_id) == scores
    answers = select(func.count()).select_from(Answer).join(AttemptSlot).join(Attempt)
    assert db_session.scalar(answers.where(Attempt.user_id == coach_id)) == 0
    credentials = db_session.scalars(select(Credential).where(Credential.coach_id == coach_id))
    assert all(c.revoked_at is not None and c.document is None for c in credentials)
    assert _everything_of(db_session, other.id) == untouched
    logged = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "user.erased")).one()
    assert logged.subject == f"user:{coach_id}" and logged.detail["statements_rewritten"] == 1
    assert logged.detail["lrs_statements"] == {"centre-lrs": len(in_ralph)}

    trainer = db_session.scalars(select(User).where(User.role == "trainer")).first()
    trainer.password_hash = factories._fast_hash
    db_session.commit()
    as_trainer = logged_in_client(app, trainer.email)
    cohort_id = db_session.scalars(select(Cohort.id)).first()
    for url in (f"/trainer/cohorts/{cohort_id}", f"/trainer/cohorts/{cohort_id}/completions.csv",
                f"/trainer/coaches/{coach_id}/record", "/xapi/statements",
                f"/trainer/coaches/{other.id}/record", f"/admin/cohorts/{cohort_id}"):  # fmt: skip
        viewer = as_trainer if url.startswith("/trainer/cohorts") else client
        assert viewer.get(url).status_code == 200, url
    # Out of the cohorts, the tombstone's record is the administrators' only.
    record = client.get(f"/trainer/coaches/{coach_id}/record").get_data(as_text=True)
    assert "Erased person" in record, record[record.find("<main") :][:3000]
    assert as_trainer.get(f"/trainer/coaches/{coach_id}/record").status_code == 403


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


def _sent_everywhere(session, coach: User) -> None:
    """Three endpoints, one per way of identifying people, each sent the coach's statement."""
    for kind in ("mbox", "mbox_sha1sum", "account"):
        endpoints.save_endpoint(
            session, endpoint_id=None, name=f"lrs-{kind}", url="https://lrs.example.org/xAPI",
            username="", password="", scope="all", active=True, actor_identity=kind,
        )  # fmt: skip
    statement = examples.launched("someone@example.org")
    statement["actor"] = actor_of(coach).to_xapi("https://lms.example.org")
    row = outbox.record(session, statement, user_id=coach.id)
    for endpoint in session.scalars(select(Endpoint)):
        session.add(Delivery(statement_seq=row.seq, endpoint_id=endpoint.id, state="sent",
                             sent_at=NOW, updated_at=NOW))  # fmt: skip
    session.commit()


def test_the_command_prints_the_agent_each_lrs_holds(app, runner, demo_cohort, db_session):
    coach = demo_cohort["coaches"][0]
    email, coach_id = coach.email, coach.id
    _sent_everywhere(db_session, coach)
    result = runner.invoke(args=["privacy", "erase", email.upper(), "--yes"])
    assert result.exit_code == 0, result.output
    pseudonym = identity.pseudonym(identity.pseudonym_key(app.config), coach_id)
    expected = {
        "lrs-mbox": {"objectType": "Agent", "mbox": f"mailto:{email}"},
        "lrs-mbox_sha1sum": {"objectType": "Agent", "mbox_sha1sum": identity.sha1_of(email)},
        "lrs-account": {
            "objectType": "Agent",
            "account": {
                "homePage": app.config["BASE_URL"],
                "name": pseudonym,
            },
        },
    }
    for name, agent in expected.items():
        line = f"endpoint {name} ({name[4:]}) to delete the 1 statement(s) of the agent "
        assert line + json.dumps(agent) in result.output
    db_session.expire_all()
    assert db_session.get(User, coach_id).email.endswith("@erased.invalid")
    logged = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "user.erased")).one()
    assert logged.detail["lrs_statements"] == dict.fromkeys(expected, 1)
    assert email not in json.dumps(logged.detail) and logged.actor_id is None


def test_the_command_asks_and_refuses_clearly(app, runner, demo_cohort, db_session):
    coach = demo_cohort["coaches"][0]
    asked = runner.invoke(args=["privacy", "erase", coach.email], input="n\n")
    assert asked.exit_code == 1 and "Aborted" in asked.output
    unknown = runner.invoke(args=["privacy", "erase", "nobody@example.org", "--yes"])
    assert unknown.exit_code == 2 and "no account with the address" in unknown.output
    admin = demo_cohort["admin"].email
    last = runner.invoke(args=["privacy", "erase", admin, "--yes"])
    assert last.exit_code == 1 and "last active administrator" in last.output
    db_session.expire_all()
    assert db_session.get(User, coach.id).display_name == coach.display_name


def test_the_page_refuses_erasing_oneself(app, admin_client, demo_cohort, db_session):
    admin = demo_cohort["admin"]
    page = admin_client.get(f"/admin/users/{admin.id}/erase").get_data(as_text=True)
    assert (
        "Vous ne pouvez pas effacer votre propre compte." in page
        and "Effacer cette personne</button>" not in page
    )
    answer = admin_client.auth.post(f"/admin/users/{admin.id}/erase", {"email": admin.email})
    assert answer.status_code == 400
    assert "Vous ne pouvez pas effacer votre propre compte." in answer.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(User, admin.id).active
    without_token = admin_client.post(
        f"/admin/users/{demo_cohort['coaches'][0].id}/erase",
        data={"email": demo_cohort["coaches"][0].email},
    )
    assert without_token.status_code == 400
    assert db_session.get(User, demo_cohort["coaches"][0].id).active


def test_the_notice_says_what_erasure_keeps_and_why(client):
    english = client.get("/privacy", headers={"Accept-Language": "en"}).get_data(as_text=True)
    french = client.get("/privacy", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    for page, title in ((english, "<h2>Erasure</h2>"), (french, "<h2>Effacement</h2>")):
        assert title in page and "17(3)(b)" in page and "Erased person" in page


def test_an_evidence_file_another_coach_rests_on_stays(app, demo_cohort, db_session):
    first, second = demo_cohort["coaches"]
    upload = Path(app.config["UPLOAD_DIR"])
    shared, own = (f"evidence/{uuid.uuid4().hex}.pdf" for _ in range(2))
    for relative in (shared, own):
        (upload / relative).parent.mkdir(parents=True, exist_ok=True)
        (upload / relative).write_bytes(b"%PDF-1.4 report")
    for coach, path, unit in ((first, shared, "T1"), (second, shared, "T1"), (first, own, "T2")):
        db_session.add(
            Decision(coach_id=coach.id, unit_code=unit, modality="jury", decision="validated",
                     attachment_path=path, attachment_name="report.pdf", attachment_type="pdf",
                     attachment_size=15, attachment_sha256="0" * 64, decided_at=NOW,
                     decided_by_id=demo_cohort["trainer"].id)
        )  # fmt: skip
    db_session.commit()
    done = erasure.erase_person(db_session, first, erased_by=demo_cohort["admin"], now=NOW)
    db_session.commit()
    assert done.evidence_files == [own] and done.delete_files(upload) == 1
    assert (upload / shared).exists() and not (upload / own).exists()
    kept = select(Decision.attachment_path).where(Decision.coach_id == second.id)
    assert db_session.scalars(kept).all() == [shared]
