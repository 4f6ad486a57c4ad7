"""In a real Chromium: a trainer grades an essay and its coach receives the mail (read from the
test SMTP server) and opens its link; an administrator checks the content on disk, sees what a
load would change and loads it, without a command line."""

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from lms.auth.models import Cohort
from lms.catalog.models import Question
from lms.demo import DEMO_COHORT
from lms.quiz import service as quiz_service
from tests.support import factories, trainer_data
from tests.support.browser import check_accessible, in_app, log_in
from tests.support.trainer_data import XAPI

pytestmark = pytest.mark.browser
FIXTURE = Path(__file__).parents[1] / "unit" / "catalog_fixtures" / "valid"
COACH = "noted@example.org"


def _submitted_essay(session) -> None:
    quiz = trainer_data.make_units(session, codes=("T1",))["T1"]
    cohort = session.scalar(select(Cohort).where(Cohort.name == DEMO_COHORT))
    coach = factories.make_user(session, email=COACH, display_name="Noé Coach")
    cohort.coaches.append(coach)
    attempt = quiz_service.start(session, user=coach, quiz=quiz, xapi=XAPI)
    for position, raw in enumerate(("a", "a", "a", "Mon plan de départ"), start=1):
        quiz_service.save_answer(session, attempt, position, raw)
    quiz_service.submit(session, attempt, xapi=XAPI)


def test_the_coach_receives_the_grade_of_an_essay_by_mail(live_server, new_page, mailbox):
    in_app(live_server, _submitted_essay)
    trainer = new_page()
    log_in(trainer, live_server, "trainer@example.org")
    trainer.goto(f"{live_server.url}/trainer/grading")
    trainer.get_by_role("link", name="Commencer la correction").click()
    trainer.locator("label[for='level-accuracy-mastered']").click()
    trainer.locator("label[for='level-support-partial']").click()
    trainer.get_by_label("Commentaire").fill("Un plan clair.")
    trainer.get_by_role("button", name="Enregistrer la note").click()
    expect(trainer.get_by_text("Note enregistrée pour Noé Coach.")).to_be_visible()

    [message] = mailbox.for_(COACH)
    assert mailbox.subject(message) == "T1\u00a0: votre réponse a été notée"
    text = mailbox.text(message)
    assert "Un plan clair." in text
    link = re.search(r"http://127\.0\.0\.1:\d+/attempts/\d+/result", text).group(0)
    coach = new_page()
    log_in(coach, live_server, COACH, factories.PASSWORD)
    coach.goto(link)
    expect(coach.get_by_role("heading", level=1)).to_have_text("Résultat de la tentative 1")
    coach.goto(re.search(r"http://\S+/account/notifications", text).group(0))
    check_accessible(coach, "notifications")
    coach.get_by_label("Une de mes réponses a été notée").uncheck()
    coach.get_by_role("button", name="Enregistrer mes choix").click()
    expect(coach.get_by_text("Vos choix de notifications sont enregistrés.")).to_be_visible()
    expect(coach.get_by_label("Une de mes réponses a été notée")).not_to_be_checked()


def test_an_administrator_validates_previews_and_loads_the_content(live_server, page, tmp_path):
    root = tmp_path / "content"
    shutil.copytree(FIXTURE, root)
    bank = root / "quizzes" / "C1.1.yaml"
    good = bank.read_text(encoding="utf-8")
    bank.write_text(good.replace("skills:", "skils:", 1), encoding="utf-8")
    shipped = live_server.app.config["CONTENT_ROOT"]
    live_server.app.config["CONTENT_ROOT"] = str(root)
    try:
        log_in(page, live_server, "admin@example.org")
        page.goto(f"{live_server.url}/admin/")
        page.get_by_role("link", name="Contenu de la formation").click()
        expect(page.locator(".error-report code").first).to_contain_text("quizzes/C1.1.yaml:")
        expect(page.get_by_role("button", name="Charger le contenu")).to_have_count(0)

        bank.write_text(good, encoding="utf-8")
        page.reload()
        expect(page.get_by_role("heading", name="Ce que le chargement changerait")).to_be_visible()
        row = page.get_by_role("row").filter(has_text="Questions")
        expect(row).to_contain_text("14")
        check_accessible(page, "content")
        page.get_by_role("button", name="Charger le contenu").click()
        expect(page.get_by_text("Contenu chargé.")).to_be_visible()
        expect(page.get_by_text("Rien : la base contient déjà ce contenu.")).to_be_visible()
        count = in_app(
            live_server,
            lambda session: session.scalar(
                select(func.count(Question.id)).where(Question.module_code == "C1.1")
            ),
        )
        assert count == 14
    finally:
        live_server.app.config["CONTENT_ROOT"] = shipped
