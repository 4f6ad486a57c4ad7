"""Finding 5: crafted input is a 4xx with a message, never a 500, and changes nothing."""

import io

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.quiz.models import Answer
from tests.support import factories
from tests.support.web import csrf_token, logged_in_client

HUGE = str(2**63 + 1)


@pytest.fixture
def world(app, db_session, demo_cohort):
    factories.make_quiz(db_session)
    db_session.commit()
    coach = logged_in_client(app, demo_cohort["coaches"][0].email)
    token = csrf_token(coach, "/")
    started = coach.post("/modules/T1/quiz/start", data={"csrf_token": token})
    attempt = int(started.headers["Location"].rsplit("/", 1)[1])
    return {
        "coach": coach,
        "trainer": logged_in_client(app, demo_cohort["trainer"].email),
        "admin": logged_in_client(app, demo_cohort["admin"].email),
        "attempt": attempt,
        "cohort": demo_cohort["cohort"].id,
    }


GETS = [
    ("trainer", "/trainer/cohorts/{cohort}?inactive=²"),
    ("trainer", "/trainer/cohorts/{cohort}?page=²"),
    ("trainer", "/trainer/cohorts/{cohort}?inactive=1000000"),
    ("trainer", "/trainer/cohorts/{cohort}?page=" + HUGE),
    ("trainer", "/trainer/cohorts/" + HUGE),
    ("trainer", "/trainer/coaches/" + HUGE + "/record"),
    ("trainer", "/trainer/cohorts/{cohort}/completions.csv?until=9999-12-31"),
    ("trainer", "/trainer/cohorts/{cohort}/completions.csv?since=²"),
    ("trainer", "/trainer/cohorts/{cohort}/bulk-decision?session=" + HUGE),
    ("trainer", "/xapi/export?cohort={cohort}&until=9999-12-31"),
    ("trainer", "/xapi/export?cohort={cohort}&since=0001-01-01T00:00:00%2B14:00"),
    ("trainer", "/xapi/export?cohort={cohort}&since=2026-01-01%0D%0AX-Injected:%201"),
    ("trainer", "/xapi/export?cohort=" + HUGE),
    ("trainer", "/xapi/statements?since=0001-01-01T00:00:00%2B14:00"),
    ("trainer", "/xapi/statements?since=2026-01-01T00:00:00Z%0D%0A"),
    ("trainer", "/xapi/statements?cursor=" + HUGE),
    ("trainer", "/xapi/statements?limit=" + HUGE),
    ("trainer", "/xapi/statements?verb=%00"),
    ("trainer", '/xapi/statements?agent={{"mbox":"mailto:a%00@example.org"}}'),
    ("coach", "/attempts/{attempt}?page=²"),
    ("coach", "/attempts/" + HUGE),
    ("admin", "/admin/xapi?edit=" + HUGE),
    ("admin", "/admin/?q=%00"),
    ("admin", "/admin/?q=" + "a" * 60_000),  # beyond SQLite's longest LIKE pattern
]


@pytest.mark.parametrize(("role", "path"), GETS)
def test_a_crafted_query_is_not_a_server_error(world, role, path):
    response = world[role].get(path.format(**world))
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    assert "\n" not in response.headers.get("Content-Disposition", "")


def test_the_more_link_passes_the_query_through_not_into_url_for(world, db_session):
    world["coach"].get("/modules/T1/")  # a second statement: the first page has a "more"
    response = world["admin"].get("/xapi/statements?_method=POST&limit=1")
    assert response.status_code == 200
    more = response.get_json()["more"]
    assert more.startswith("/xapi/statements?") and "cursor=" in more and "_method=POST" in more


@pytest.mark.parametrize(
    "form",
    [{"goto": "²"}, {"shown": "²", "q1": "a"}, {"page": "²"}, {"check": HUGE}, {"shown": HUGE}],
)
def test_a_crafted_quiz_form_is_a_400_that_saves_nothing(world, db_session, form):
    coach = world["coach"]
    form = {"shown": "1", "q1": "a", **form, "csrf_token": csrf_token(coach, "/")}
    response = coach.post(f"/attempts/{world['attempt']}", data=form)
    assert response.status_code == 400
    assert db_session.scalar(select(func.count()).select_from(Answer)) == 0
    autosaved = coach.post(
        f"/attempts/{world['attempt']}/autosave", data=form, headers={"HX-Request": "true"}
    )
    assert autosaved.status_code == 400
    assert db_session.scalar(select(func.count()).select_from(Answer)) == 0


def test_a_nul_byte_is_refused_at_login_and_in_names(app, world, db_session):
    anonymous = app.test_client()
    login = anonymous.post(
        "/login",
        data={"email": "a\x00@example.org", "password": "x", "csrf_token": csrf_token(anonymous)},
    )
    assert login.status_code == 400
    admin = world["admin"]
    users = db_session.scalar(select(func.count()).select_from(User))
    created = admin.auth.post(
        "/admin/users/new",
        {
            "email": "new@example.org",
            "display_name": "Nul\x00Name",
            "role": "coach",
            "language": "fr",
        },  # fmt: skip
    )
    assert created.status_code == 400
    assert "NUL" in created.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(User)) == users


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"email,name,language,cohort\nx@example.org,Nul\x00,fr,C\n", "NUL"),
        # Longer than the csv module's field limit (128 KiB) as a 5 MB field is, yet small
        # enough for the test client to keep the upload in memory.
        (b'email,name,language,cohort\nx@example.org,"' + b"a" * 400_000 + b'",fr,C\n', "2"),
    ],
)
def test_a_crafted_csv_import_is_reported_and_imports_nothing(world, db_session, content, message):
    admin = world["admin"]
    users = db_session.scalar(select(func.count()).select_from(User))
    response = admin.auth.post(
        "/admin/import", {"file": (io.BytesIO(content), "coaches.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert 400 <= response.status_code < 500
    assert message in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(User)) == users
