"""The privacy notice, its acknowledgement at the first login, and each person's archive."""

import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from lms.auth.models import AuditEvent, User
from lms.competence.models import Decision
from lms.live.models import LiveParticipant
from lms.xapi import endpoints
from lms.xapi.models import Statement
from tests.support import factories
from tests.support.web import logged_in_client

EVERY_KIND = {
    "users",
    "cohort_coaches",
    "module_visits",
    "lesson_progress",
    "attempts",
    "attempt_slots",
    "answers",
    "competence_validations",
}


def test_the_notice_names_the_centre_its_recipients_and_periods(app, client, db_session):
    app.config.update(
        PRIVACY_CONTROLLER="CFA Exemple, 1 rue de la Paix, Paris",
        PRIVACY_DPO="dpo@cfa.example.org",
        RETENTION_ANSWERS_DAYS=730,
    )
    endpoints.save_endpoint(
        db_session,
        endpoint_id=None,
        name="regional-lrs",
        url="https://lrs.example.org/xAPI",
        username="",
        password="",
        scope="completions",
        active=True,
        actor_identity="account",
    )
    db_session.commit()
    english = client.get("/privacy", headers={"Accept-Language": "en"}).get_data(as_text=True)
    french = client.get("/privacy", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    expected = {english: ("2 years", "under a pseudonym"), french: ("2 ans", "pseudonyme")}
    for page, words in expected.items():
        for fact in ("CFA Exemple", "dpo@cfa.example.org", "regional-lrs", "CNIL", *words):
            assert fact in page
    assert "Responsable du traitement" in french and "Who is responsible" in english


def test_every_page_links_to_the_notice(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/privacy"' in page


def test_the_notice_is_shown_from_the_first_login_until_acknowledged(app, demo_cohort, db_session):
    coach = demo_cohort["coaches"][0]
    client = logged_in_client(app, coach.email)
    home = client.get("/").get_data(as_text=True)
    assert 'class="privacy-banner"' in home and "/privacy/acknowledge" in home
    notice = client.get("/privacy?next=/").get_data(as_text=True)
    assert notice.count("/privacy/acknowledge") == 1  # the notice's own button, no banner
    answer = client.auth.post("/privacy/acknowledge", {"next": "/modules"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/modules"
    db_session.expire_all()
    assert db_session.get(User, coach.id).privacy_acknowledged_at is not None
    assert 'class="privacy-banner"' not in client.get("/").get_data(as_text=True)
    again = logged_in_client(app, coach.email).get("/").get_data(as_text=True)
    assert 'class="privacy-banner"' not in again


def test_the_acknowledgement_only_returns_to_this_site(app, coach_client):
    answer = coach_client.auth.post("/privacy/acknowledge", {"next": "//evil.example.org/"})
    assert answer.headers["Location"] == "/"


@pytest.fixture
def simulated(runner):
    assert runner.invoke(args=["setup", "--demo"]).exit_code == 0
    result = runner.invoke(args=["demo", "simulate", "--coaches", "10", "--seed", "7"])
    assert result.exit_code == 0, result.output


def _client(app, session, user: User):
    """A client signed in as a simulated account (their password is the test one)."""
    user.password_hash = factories._fast_hash
    session.commit()
    return logged_in_client(app, user.email)


def _archive(response) -> dict[str, bytes]:
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_coach_downloads_every_kind_of_their_data_and_nothing_of_another(
    app, simulated, db_session
):
    with_evidence = select(Decision.coach_id).where(Decision.attachment_path.is_not(None))
    live = select(LiveParticipant.user_id)
    coach = db_session.scalars(
        select(User).where(User.id.in_(with_evidence)).order_by(User.id.in_(live).desc(), User.id)
    ).first()
    assert coach is not None, "the simulation gives some coach an evidence file"
    expected = EVERY_KIND | (
        {"live_participants"} if db_session.scalar(live.where(LiveParticipant.user_id == coach.id))
        else set()
    )  # fmt: skip
    files = _archive(_client(app, db_session, coach).get("/privacy/my-data.zip"))

    data = json.loads(files["data.json"])
    assert set(data["tables"]) >= expected
    statements = json.loads(files["statements.json"])
    mine = select(func.count()).where(Statement.user_id == coach.id)
    assert len(statements) == db_session.scalar(mine) > 0
    assert any(name.startswith("evidence/") for name in files)
    assert files["completion-record.pdf"].startswith(b"%PDF")
    everything = b"".join(files.values()).decode("utf-8", "replace")
    others = db_session.scalars(select(User).where(User.role == "coach", User.id != coach.id))
    for other in others:
        assert other.email not in everything and other.display_name not in everything
    for rows in data["tables"].values():
        for row in rows:
            for column in ("user_id", "coach_id"):
                assert row.get(column, coach.id) == coach.id
    logged = select(AuditEvent).where(
        AuditEvent.actor_id == coach.id, AuditEvent.action == "personal_data.exported"
    )
    assert db_session.scalars(logged).one().subject == "/privacy/my-data.zip"


def test_an_administrator_produces_the_same_archive_for_anyone(app, simulated, db_session):
    coach = db_session.scalars(select(User).where(User.role == "coach").order_by(User.id)).first()
    admin = db_session.scalars(select(User).where(User.role == "admin")).first()
    by_admin = _archive(_client(app, db_session, admin).get(f"/admin/users/{coach.id}/data.zip"))
    by_coach = _archive(_client(app, db_session, coach).get("/privacy/my-data.zip"))
    assert set(by_admin) == set(by_coach)
    assert by_admin["statements.json"] == by_coach["statements.json"]
    assert json.loads(by_admin["data.json"])["person"]["email"] == coach.email
