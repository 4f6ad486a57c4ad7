"""Trainer workflows through the web pages: grade, validate with evidence, revoke, records."""

import io
import json
import re
import uuid
import zipfile

import pytest
from sqlalchemy import select

from lms.catalog import queries as catalog_queries
from lms.competence.models import Decision
from lms.live import service as live_service
from lms.quiz import service as quiz_service
from lms.quiz.models import Attempt, AttemptSlot
from lms.timeutil import utcnow
from lms.xapi import outbox
from lms.xapi import statements as xs
from lms.xapi import vocabulary as v
from lms.xapi.models import Statement
from tests.support import factories, trainer_data
from tests.support.trainer_data import XAPI
from tests.support.web import Auth, csrf_token

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def world(app, db_session, demo_cohort, tmp_path, monkeypatch):
    """Units T1 (trainer decides) and T2 (passing validates), English-speaking trainer."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", tmp_path)
    quizzes = trainer_data.make_units(db_session, codes=("T1",))
    quizzes["T2"] = factories.make_quiz(
        db_session,
        code="T2",
        skills=("T2-S1", "T2-S2"),
        questions=[
            factories.question("T2-Q01", skills=["T2-S1"]),
            factories.question("T2-Q02", "essay", skills=["T2-S1", "T2-S2"]),
        ],
        validation=trainer_data.rule("T2", "quiz", "debriefing", auto=True),
    )
    demo_cohort["trainer"].language = "en"
    db_session.commit()
    return {**demo_cohort, "quizzes": quizzes, "uploads": tmp_path}


def _client(app, user):
    client = app.test_client()
    assert Auth(client).login(user.email).status_code == 302
    return client


def _post(client, url: str, data: dict, **kwargs):
    data = {"csrf_token": csrf_token(client, url), **data}
    return client.post(url, data=data, **kwargs)


def _essay_attempt(session, coach, quiz, answers=("a", "a", "a", "My plan: a briefing...")):
    attempt = quiz_service.start(session, user=coach, quiz=quiz, xapi=XAPI)
    for position, raw in enumerate(answers, start=1):
        quiz_service.save_answer(session, attempt, position, raw)
    quiz_service.submit(session, attempt, xapi=XAPI)
    session.commit()
    return attempt


def _verbs(session) -> list[str]:
    return [
        row.verb.rsplit("/", 1)[-1]
        for row in session.scalars(select(Statement).order_by(Statement.seq))
    ]


def test_trainer_grades_an_essay_with_the_grid_and_regrades_it(app, db_session, world):
    coach = world["coaches"][0]
    attempt = _essay_attempt(db_session, coach, world["quizzes"]["T1"])
    assert attempt.state == "needs_grading"
    essay = attempt.slots[3]
    client = _client(app, world["trainer"])

    queue = client.get("/trainer/grading").get_data(as_text=True)
    assert "T1-Q04" in queue and coach.display_name in queue
    form = client.get(f"/trainer/grading/{essay.id}").get_data(as_text=True)
    assert "My plan: a briefing..." in form and "Accuracy" in form and "Expert" in form

    missing = _post(client, f"/trainer/grading/{essay.id}", {"level-accuracy": "mastered"})
    assert missing.status_code == 400
    assert "Choose a level for every criterion" in missing.get_data(as_text=True)

    done = _post(
        client,
        f"/trainer/grading/{essay.id}",
        {
            "level-accuracy": "mastered",
            "level-support": "partial",
            "comment": "Good outline, say more about the follow-up.",
        },
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/trainer/grading")
    db_session.expire_all()
    attempt = db_session.get(Attempt, attempt.id)
    grade = attempt.slots[3].grade
    assert grade.fraction == pytest.approx(0.5)  # (2 + 1) / (2 × 3)
    assert grade.rubric["levels"] == {"accuracy": "mastered", "support": "partial"}
    assert grade.grader_id == world["trainer"].id and grade.comment.startswith("Good outline")
    assert attempt.state == "graded" and attempt.marks == pytest.approx(3.5)
    assert "T1-Q04" not in client.get("/trainer/grading").get_data(as_text=True)

    _post(
        client,
        f"/trainer/grading/{essay.id}",
        {"level-accuracy": "expert", "level-support": "expert", "comment": "Regraded"},
    )
    db_session.expire_all()
    slot = db_session.get(AttemptSlot, essay.id)
    assert [g.fraction for g in slot.grades] == [None, 0.5, 1.0]  # history kept
    assert db_session.get(Attempt, attempt.id).marks == pytest.approx(4.0)
    history = client.get(f"/trainer/grading/{essay.id}").get_data(as_text=True)
    assert "Regraded" in history and "Good outline" in history
    assert _verbs(db_session).count("answered") >= 5  # 3 automatic + 2 manual


def test_grading_a_passing_essay_validates_a_unit_whose_rule_allows_it(app, db_session, world):
    coach = world["coaches"][0]
    attempt = _essay_attempt(db_session, coach, world["quizzes"]["T2"], answers=("a", "Essay"))
    client = _client(app, world["trainer"])
    _post(
        client,
        f"/trainer/grading/{attempt.slots[1].id}",
        {"level-accuracy": "expert", "level-support": "mastered"},
    )
    decision = db_session.scalar(select(Decision).where(Decision.coach_id == coach.id))
    assert decision is not None and decision.automatic and decision.unit_code == "T2"
    assert decision.attempt_id == attempt.id


def test_other_trainers_and_coaches_cannot_grade(app, db_session, world):
    attempt = _essay_attempt(db_session, world["coaches"][0], world["quizzes"]["T1"])
    stranger = factories.make_user(db_session, role="trainer")
    db_session.commit()
    url = f"/trainer/grading/{attempt.slots[3].id}"
    assert _client(app, stranger).get(url).status_code == 403
    assert "T1-Q04" not in _client(app, stranger).get("/trainer/grading").get_data(as_text=True)
    assert _client(app, world["coaches"][0]).get(url).status_code == 403


def test_validation_by_observation_with_an_attachment(app, db_session, world):
    coach, trainer = world["coaches"][0], world["trainer"]
    client = _client(app, trainer)
    url = f"/trainer/coaches/{coach.id}/units/T1/decision"
    page = client.get(url).get_data(as_text=True)
    assert "Observation in a real situation" in page and "Jury" not in page

    refused = _post(
        client,
        url,
        {
            "modality": "observation",
            "decision": "validated",
            "note": "x",
            "attachment": (io.BytesIO(PNG), "report.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    assert "not a PDF document" in refused.get_data(as_text=True)
    assert db_session.scalars(select(Decision)).all() == []
    assert not (world["uploads"] / "evidence").exists() or not any(
        (world["uploads"] / "evidence").iterdir()
    )

    done = _post(
        client,
        url,
        {
            "modality": "observation",
            "decision": "validated",
            "level-accuracy": "expert",
            "level-support": "mastered",
            "note": "Ran the pre-departure briefing for two apprentices.",
            "attachment": (io.BytesIO(PDF), "observation grid.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    decision = db_session.scalar(select(Decision))
    assert (decision.modality, decision.decision, decision.rubric_points) == (
        "observation",
        "validated",
        5.0,
    )
    assert decision.decided_by_id == trainer.id
    stored = world["uploads"] / decision.attachment_path
    assert stored.read_bytes() == PDF
    assert "static" not in str(stored)

    download = client.get(f"/trainer/decisions/{decision.id}/attachment")
    assert download.status_code == 200 and download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "private, no-store"
    download.close()
    assert (
        _client(app, world["coaches"][0])
        .get(f"/trainer/decisions/{decision.id}/attachment")
        .status_code
        == 403
    )

    again = _post(client, url, {"modality": "observation", "decision": "validated"})
    assert again.status_code == 400 and "revoke it first" in again.get_data(as_text=True)


def test_the_quiz_result_is_proposed_and_a_refusal_is_recorded(app, db_session, world):
    coach = world["coaches"][0]
    _essay_attempt(db_session, coach, world["quizzes"]["T1"])
    client = _client(app, world["trainer"])
    url = f"/trainer/coaches/{coach.id}/units/T1/decision"
    page = client.get(url).get_data(as_text=True)
    assert "The quiz result is a proposal" in page
    response = _post(
        client,
        url,
        {"modality": "quiz", "decision": "not_validated", "note": "Essay still to grade"},
    )
    assert response.status_code == 302
    decision = db_session.scalar(select(Decision))
    assert decision.decision == "not_validated" and decision.attempt_id is not None
    # A refusal on the unit reads "failed", never "mastered".
    units = select(Statement.text).where(Statement.object_id.contains("/units/"))
    [text] = db_session.scalars(units).all()
    statement = json.loads(text)
    assert statement["verb"]["id"] == v.VERB_FAILED
    assert statement["result"]["success"] is False


def test_revoking_from_the_coach_page_keeps_the_history(app, db_session, world):
    coach = world["coaches"][0]
    client = _client(app, world["trainer"])
    _post(
        client,
        f"/trainer/coaches/{coach.id}/units/T1/decision",
        {"modality": "observation", "decision": "validated"},
    )
    decision = db_session.scalar(select(Decision))
    assert (
        _post(client, f"/trainer/decisions/{decision.id}/revoke", {"reason": ""}).status_code == 302
    )
    db_session.expire_all()
    assert db_session.get(Decision, decision.id).revoked_at is None  # a reason is required
    _post(client, f"/trainer/decisions/{decision.id}/revoke", {"reason": "Wrong coach"})
    db_session.expire_all()
    revoked = db_session.get(Decision, decision.id)
    assert revoked.revoked_at is not None and revoked.revoke_reason == "Wrong coach"
    assert "voided" in _verbs(db_session)
    page = client.get(f"/trainer/coaches/{coach.id}").get_data(as_text=True)
    assert "Revoked by" in page and "Wrong coach" in page
    assert _client(app, world["coaches"][0]).post(
        f"/trainer/decisions/{decision.id}/revoke"
    ).status_code in (400, 403)


def test_the_drill_down_shows_results_attempts_validations_and_timeline(app, db_session, world):
    coach = world["coaches"][0]
    attempt = _essay_attempt(
        db_session, coach, world["quizzes"]["T1"], answers=("a", "b", "a", "E")
    )
    client = _client(app, world["trainer"])
    _post(
        client,
        f"/trainer/grading/{attempt.slots[3].id}",
        {"level-accuracy": "mastered", "level-support": "mastered"},
    )
    outbox.record(
        db_session,
        xs.session_attended(
            XAPI,
            statement_id=uuid.uuid4(),
            timestamp=attempt.started_at,
            actor=xs.Actor(email=coach.email, name=coach.display_name),
            session=xs.SessionRef(uuid.uuid4(), {"fr": "Webinaire T1", "en": "T1 webinar"}),
            joined_at=attempt.started_at,
            left_at=attempt.submitted_at,
            registration=attempt.registration,
        ),
        user_id=coach.id,
    )
    db_session.commit()
    page = client.get(f"/trainer/coaches/{coach.id}").get_data(as_text=True)
    assert "T1-S1" in page and "<meter" in page  # per-skill bars
    assert "attempt 1" in page and "My plan" not in page and "E</span>" in page
    assert "T1 webinar" in page  # live session attended
    for verb in ("started", "answered a question", "completed", "attended a live session"):
        assert f"<td>{verb}" in page
    assert "style=" not in page
    # Trainers read what the coach did, in their words: no xAPI vocabulary.
    assert "xAPI" not in page and "<td>launched" not in page and "Verb" not in page


def _ended_live_session(session, world, participants, xapi) -> int:
    quiz = world["quizzes"]["T1"]
    versions = [
        version
        for version in catalog_queries.current_question_versions(session, "T1")
        if version.definition["type"] != "essay"
    ]
    live = live_service.schedule(
        session,
        trainer=world["trainer"],
        cohort=world["cohort"],
        quiz=quiz,
        module=quiz.module,
        scheduled_at=utcnow(),
        versions=versions[:1],
    )
    live_service.open_session(session, live)
    for coach in participants:
        live_service.join(session, live, user=coach, cohort=world["cohort"], quiz=quiz, xapi=xapi)
    live_service.end(session, live, expected=None, xapi=xapi)
    session.commit()
    return live.id


def test_bulk_validation_of_the_participants_of_a_live_session(app, db_session, world):
    first, second = world["coaches"]
    # The session's statements carry another base IRI (the deployment's changed since):
    # attendance comes from the session's own tables, not from reading statements back.
    moved = xs.XapiConfig(base_iri="https://old-address.example.org/xapi")
    assert moved.base_iri != app.config["BASE_IRI"]
    live_id = _ended_live_session(db_session, world, [first], moved)
    client = _client(app, world["trainer"])
    url = f"/trainer/cohorts/{world['cohort'].id}/bulk-decision?session={live_id}"
    page = client.get(url).get_data(as_text=True)
    assert re.search(rf'value="{first.id}" id="coach-{first.id}" checked', page)
    assert not re.search(rf'value="{second.id}" id="coach-{second.id}" checked', page)
    response = _post(
        client,
        url,
        {
            "coach": [str(first.id)],
            "unit": "T1",
            "modality": "observation",
            "decision": "validated",
            "note": "Role play during the webinar",
        },
    )
    assert response.status_code == 302
    [decision] = db_session.scalars(select(Decision)).all()
    assert (decision.coach_id, decision.live_session_id) == (first.id, live_id)
    refused = _post(
        client,
        url,
        {"coach": [str(second.id)], "unit": "T1", "modality": "jury", "decision": "validated"},
    )
    assert refused.status_code == 400 and "cannot be validated by: Jury" in refused.get_data(
        as_text=True
    )


def test_completion_record_html_pdf_zip_and_verification(app, db_session, world):
    coach, trainer = world["coaches"][0], world["trainer"]
    client = _client(app, trainer)
    _post(
        client,
        f"/trainer/coaches/{coach.id}/units/T1/decision",
        {"modality": "observation", "decision": "validated"},
    )
    html = client.get(f"/trainer/coaches/{coach.id}/record?lang=en").get_data(as_text=True)
    assert "Completion record" in html and coach.display_name in html
    assert "Observation in a real situation" in html and trainer.display_name in html
    assert "T1-S1" in html and "1 unit validated out of 2." in html
    code = re.search(r'<strong class="code">([^<]+)</strong>', html).group(1)

    pdf = client.get(f"/trainer/coaches/{coach.id}/record.pdf?lang=fr")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    assert len(pdf.data) > 5000

    archive = client.get(f"/trainer/cohorts/{world['cohort'].id}/records.zip")
    with zipfile.ZipFile(io.BytesIO(archive.data)) as records:
        names = records.namelist()
        records_pdf = [name for name in names if not name.startswith("credentials/")]
        assert len(records_pdf) == 2 and all(name.endswith(".pdf") for name in records_pdf)
        assert all(records.read(name).startswith(b"%PDF-") for name in records_pdf)
        # The validated coach's Open Badges credentials travel with their record.
        credentials = [json.loads(records.read(name)) for name in names if name not in records_pdf]
        assert credentials and all(
            "OpenBadgeCredential" in credential["type"] for credential in credentials
        )

    anonymous = app.test_client()
    anonymous.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    checked = anonymous.get(f"/trainer/verify?code={code}").get_data(as_text=True)
    assert "matches the current record" in checked and coach.display_name in checked
    wrong = anonymous.get(f"/trainer/verify?code={coach.id}-0000-0000-0000-0000")
    assert coach.display_name not in wrong.get_data(as_text=True)

    decision = db_session.scalar(select(Decision))
    _post(client, f"/trainer/decisions/{decision.id}/revoke", {"reason": "Mistake"})
    after = anonymous.get(f"/trainer/verify?code={code}").get_data(as_text=True)
    assert "No current record has this code" in after  # a revoked record no longer verifies


def test_quiz_statistics_page_and_csv(app, db_session, world):
    quiz = world["quizzes"]["T2"]
    answers = [("a", "E"), ("b", "E"), ("a", "E")]
    coaches = [*world["coaches"], factories.make_user(db_session)]
    world["cohort"].coaches.append(coaches[2])
    db_session.commit()
    client = _client(app, world["trainer"])
    for coach, raw in zip(coaches, answers, strict=True):
        attempt = _essay_attempt(db_session, coach, quiz, answers=raw)
        _post(
            client,
            f"/trainer/grading/{attempt.slots[1].id}",
            {"level-accuracy": "partial", "level-support": "partial"},
        )
    page = client.get(f"/trainer/quizzes/{quiz.id}/statistics").get_data(as_text=True)
    assert "T2-Q01" in page and "T2-Q02" in page
    assert "<td>3</td>" in page  # graded attempts
    assert "too easy" not in page or "T2-Q02" in page
    # T2-Q02 got 1/3 from everyone: facility 0.33, no variance, no discrimination.
    assert re.search(r"T2-Q02</th>\s*<td>0\.33</td>", page)
    export = client.get(f"/trainer/quizzes/{quiz.id}/statistics.csv").get_data(as_text=True)
    lines = export.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("n,mean,median,sd")
    assert lines[1].startswith("3,")
    assert any(line.startswith("T2-Q01,1,0.6667") for line in lines)
    listing = client.get("/trainer/quizzes").get_data(as_text=True)
    assert f"/trainer/quizzes/{quiz.id}/statistics" in listing


def test_a_bulk_validation_refuses_the_live_session_of_another_cohort(app, db_session, world):
    first = world["coaches"][0]
    other = factories.make_cohort(db_session, trainers=[world["trainer"]], coaches=[first])
    live_id = _ended_live_session(db_session, {**world, "cohort": other}, [first], XAPI)
    client = _client(app, world["trainer"])
    url = f"/trainer/cohorts/{world['cohort'].id}/bulk-decision?session={live_id}"
    assert client.get(url).status_code == 404
    data = {"coach": [str(first.id)], "unit": "T1", "modality": "observation",
            "decision": "validated", "csrf_token": csrf_token(client, "/")}  # fmt: skip
    assert client.post(url, data=data).status_code == 404
    assert db_session.scalars(select(Decision)).all() == []


def test_personal_data_downloads_are_never_cached(app, db_session, world):
    coach, cohort = world["coaches"][0], world["cohort"].id
    client = _client(app, world["trainer"])
    _post(
        client,
        f"/trainer/coaches/{coach.id}/units/T1/decision",
        {"modality": "observation", "decision": "validated"},
    )
    for path in (
        f"/trainer/cohorts/{cohort}/matrix.csv",
        f"/trainer/cohorts/{cohort}/completions.csv",
        f"/trainer/coaches/{coach.id}/record",
        f"/trainer/coaches/{coach.id}/record.pdf",
        f"/trainer/cohorts/{cohort}/records.zip",
        f"/xapi/export?cohort={cohort}",
        "/xapi/statements",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    own = _client(app, coach).get("/progress/record")
    assert own.status_code == 200 and own.headers["Cache-Control"] == "no-store"


def test_the_record_names_the_configured_address_whatever_the_host(app, db_session, world):
    coach = world["coaches"][0]
    client = _client(app, world["trainer"])
    _post(
        client,
        f"/trainer/coaches/{coach.id}/units/T1/decision",
        {"modality": "observation", "decision": "validated"},
    )
    client.set_cookie("session", client.get_cookie("session").value, domain="evil.example")
    page = client.get(f"/trainer/coaches/{coach.id}/record", base_url="http://evil.example")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "evil.example" not in html
    assert app.config["BASE_URL"] + "/trainer/verify?code=" in html
