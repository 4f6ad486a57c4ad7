"""Administration: accounts, cohorts, enrolment and the all-or-nothing CSV import."""

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.auth.models import Cohort, User
from tests.support import factories


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
        },
    )
    assert created.status_code == 302
    trainer = db_session.scalar(select(User).where(User.email == "new.trainer@example.org"))
    assert trainer.role == "trainer" and trainer.language == "en"
    cohort_page = admin_client.auth.post("/admin/cohorts/new", {"name": "Lyon 2027"})
    assert cohort_page.status_code == 302
    cohort = db_session.scalar(select(Cohort).where(Cohort.name == "Lyon 2027"))
    added = admin_client.auth.post(
        f"/admin/cohorts/{cohort.id}", {"emails": trainer.email, "as_role": "trainer"}
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
        f"/admin/cohorts/{cohort.id}", {"emails": demo_cohort["trainer"].email, "as_role": "coach"}
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
    assert "Rien n’a été importé\u00a0: 3 problèmes" in page
    assert "<td>3</td><td>email</td>" in page
    assert "<td>4</td><td>language</td>" in page
    assert "<td>5</td><td>cohort</td>" in page
    assert "Langue inconnue «\u00a0de\u00a0» (fr ou en)." in page  # in the admin's language
    assert _count_users(db_session) == before


def test_csv_import_reports_a_missing_column(admin_client):
    response = _upload(admin_client, "email,name\nx@example.org,X\n")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Colonne «\u00a0language\u00a0» absente (colonnes trouvées\u00a0: email | name)." in page
    assert "Colonne «\u00a0cohort\u00a0» absente" in page


def test_deactivating_an_account(admin_client, db_session, demo_cohort):
    coach = demo_cohort["coaches"][1]
    response = admin_client.auth.post(f"/admin/users/{coach.id}/status", {})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(User, coach.id).active is False


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _upload_bytes(client, raw: bytes, filename: str = "coaches.csv"):
    return client.auth.post(
        "/admin/import", {"file": (io.BytesIO(raw), filename)}, content_type="multipart/form-data"
    )


def test_a_file_as_french_excel_writes_it_is_imported(admin_client, db_session, mailbox):
    factories.make_cohort(db_session, name="Lyon 2027")
    db_session.commit()
    raw = (FIXTURES / "coaches-excel-fr-cp1252.csv").read_bytes()
    response = _upload_bytes(admin_client, raw)
    assert response.status_code == 302
    lea = db_session.scalar(select(User).where(User.email == "lea.martin@example.org"))
    assert lea.display_name == "Martin; Léa" and [c.name for c in lea.cohorts] == ["Lyon 2027"]
    chloe = db_session.scalar(select(User).where(User.email == "chloe.noel@example.org"))
    assert chloe.display_name == "Chloé Noël" and chloe.language == "fr"
    assert len(mailbox.for_("tom.berg@example.org")) == 1
    home = admin_client.get("/admin/").get_data(as_text=True)
    assert "3 comptes créés, 3 inscriptions." in home and "3 invitations envoyées." in home


def test_every_problem_of_every_line_is_listed(admin_client, db_session, demo_cohort):
    before = _count_users(db_session)
    text = (
        "email;name;language;cohort\r\nnot-an-email;;de;Nowhere\r\nok@example.org;Ok;fr;Nowhere\r\n"
    )
    response = _upload(admin_client, text)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Rien n’a été importé\u00a0: 5 problèmes" in page
    for cell in ("<td>2</td><td>email</td>", "<td>2</td><td>name</td>",
                 "<td>2</td><td>language</td>", "<td>2</td><td>cohort</td>",
                 "<td>3</td><td>cohort</td>"):  # fmt: skip
        assert cell in page
    assert "Fichier lu en UTF-8, colonnes séparées par «\u00a0;\u00a0»." in page
    assert _count_users(db_session) == before


def test_a_file_in_an_unknown_encoding_says_what_to_do(admin_client):
    response = _upload_bytes(admin_client, b"email;name\r\n\x81\x8d;x\r\n")
    assert response.status_code == 400
    assert "CSV UTF-8 (délimité par des virgules)" in response.get_data(as_text=True)


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_the_template_filled_in_is_imported(admin_client, db_session, demo_cohort, extension):
    template = admin_client.get(f"/admin/import/template.{extension}")
    assert template.status_code == 200
    raw = template.data
    if extension == "csv":
        assert raw.startswith(b"\xef\xbb\xbfe-mail;nom;langue;cohorte\r\n")
        assert demo_cohort["cohort"].name.encode() in raw
    response = _upload_bytes(admin_client, raw, f"coachs.{extension}")
    assert response.status_code == 302
    lea = db_session.scalar(select(User).where(User.email == "lea.martin@example.org"))
    assert [c.name for c in lea.cohorts] == [demo_cohort["cohort"].name]


def test_members_are_added_from_a_pasted_list(admin_client, db_session, demo_cohort):
    cohort = factories.make_cohort(db_session)
    coaches = [factories.make_user(db_session) for _ in range(3)]
    db_session.commit()
    pasted = (
        f"{coaches[0].email}\r\n{coaches[1].display_name} <{coaches[1].email}>; {coaches[2].email}"
    )
    response = admin_client.auth.post(f"/admin/cohorts/{cohort.id}", {"emails": pasted})
    assert response.status_code == 302
    db_session.expire_all()
    assert {c.email for c in cohort.coaches} == {c.email for c in coaches}


def test_a_pasted_list_with_one_unknown_address_adds_nobody(admin_client, db_session):
    cohort = factories.make_cohort(db_session)
    coach = factories.make_user(db_session)
    db_session.commit()
    response = admin_client.auth.post(
        f"/admin/cohorts/{cohort.id}", {"emails": f"{coach.email}, ghost@example.org"}
    )
    assert response.status_code == 400
    assert "Aucun compte pour ghost@example.org." in response.get_data(as_text=True)
    db_session.expire_all()
    assert cohort.coaches == []


def test_deactivating_asks_for_a_confirmation_with_a_danger_button(admin_client, demo_cohort):
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert '<details class="confirm">' in page
    assert '<button type="submit" class="danger">Confirmer la désactivation</button>' in page
    assert '<button type="submit">Désactiver</button>' not in page
