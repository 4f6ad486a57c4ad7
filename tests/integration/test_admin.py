"""Administration: accounts, cohorts, enrolment and the all-or-nothing CSV import."""

import io

from sqlalchemy import func, select

from lms.auth.models import Cohort, User


def _count_users(session) -> int:
    return session.scalar(select(func.count()).select_from(User))


def test_admin_creates_a_trainer_and_a_cohort_and_enrols(admin_client, db_session):
    created = admin_client.auth.post(
        "/admin/users/new",
        {
            "email": "New.Trainer@Example.org",
            "display_name": "Nina",
            "role": "trainer",
            "language": "en",
            "password": "long-enough-pass",
        },
    )
    assert created.status_code == 302
    trainer = db_session.scalar(select(User).where(User.email == "new.trainer@example.org"))
    assert trainer.role == "trainer" and trainer.language == "en"
    cohort_page = admin_client.auth.post("/admin/cohorts/new", {"name": "Lyon 2027"})
    assert cohort_page.status_code == 302
    cohort = db_session.scalar(select(Cohort).where(Cohort.name == "Lyon 2027"))
    added = admin_client.auth.post(
        f"/admin/cohorts/{cohort.id}", {"email": trainer.email, "as_role": "trainer"}
    )
    assert added.status_code == 302
    db_session.expire_all()
    assert [t.email for t in cohort.trainers] == [trainer.email]


def test_duplicate_email_is_a_form_error(admin_client, demo_cohort):
    response = admin_client.auth.post(
        "/admin/users/new",
        {
            "email": demo_cohort["trainer"].email,
            "display_name": "Again",
            "role": "coach",
            "language": "fr",
        },
    )
    assert response.status_code == 400
    assert "Un compte existe déjà pour" in response.get_data(as_text=True)


def test_enrolling_a_trainer_as_coach_is_refused(admin_client, demo_cohort):
    cohort = demo_cohort["cohort"]
    response = admin_client.auth.post(
        f"/admin/cohorts/{cohort.id}", {"email": demo_cohort["trainer"].email, "as_role": "coach"}
    )
    assert response.status_code == 400
    assert "n’est pas un coach." in response.get_data(as_text=True)


def _upload(client, text: str):
    return client.auth.post(
        "/admin/import",
        {"file": (io.BytesIO(text.encode()), "coaches.csv")},
        content_type="multipart/form-data",
    )


def test_csv_import_creates_and_enrols(admin_client, db_session, demo_cohort):
    name = demo_cohort["cohort"].name
    before = _count_users(db_session)
    text = (
        "email,name,language,cohort\n"
        f"lea@example.org,Léa Martin,fr,{name}\n"
        f"tom@example.org,Tom Berg,en,{name}\n"
        f"{demo_cohort['coaches'][0].email},Existing,fr,{name}\n"
    )
    response = _upload(admin_client, text)
    assert response.status_code == 302
    assert _count_users(db_session) == before + 2
    lea = db_session.scalar(select(User).where(User.email == "lea@example.org"))
    assert lea.display_name == "Léa Martin" and [c.name for c in lea.cohorts] == [name]


def test_csv_import_with_a_bad_line_imports_nothing(admin_client, db_session, demo_cohort):
    name = demo_cohort["cohort"].name
    before = _count_users(db_session)
    text = (
        "email,name,language,cohort\n"
        f"ok@example.org,Fine,fr,{name}\n"
        f"not-an-email,Broken,fr,{name}\n"
        f"other@example.org,Other,de,{name}\n"
        "third@example.org,Third,fr,No such cohort\n"
    )
    response = _upload(admin_client, text)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "importé : 3 problème(s)" in page
    assert "<td>3</td><td>email</td>" in page
    assert "<td>4</td><td>language</td>" in page
    assert "<td>5</td><td>cohort</td>" in page
    assert "Langue inconnue « de » (fr ou en)." in page  # in the admin's language
    assert _count_users(db_session) == before


def test_csv_import_reports_a_missing_column(admin_client):
    response = _upload(admin_client, "email,name\nx@example.org,X\n")
    assert response.status_code == 400
    assert "Colonne(s) manquante(s) : language, cohort." in response.get_data(as_text=True)


def test_deactivating_an_account(admin_client, db_session, demo_cohort):
    coach = demo_cohort["coaches"][1]
    response = admin_client.auth.post(f"/admin/users/{coach.id}/status", {})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(User, coach.id).active is False
