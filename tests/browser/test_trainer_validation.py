"""A trainer grades an essay and validates a unit by observation; the coach sees it validated."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.auth.models import User
from lms.catalog import queries
from lms.catalog.service import load_content
from lms.catalog.validation import validate_tree
from lms.config import DEFAULT_CONTENT_ROOT
from lms.extensions import db
from lms.quiz import service as quiz_service
from lms.quiz.types import QUESTION_TYPES
from lms.xapi.statements import XapiConfig
from tests.support.browser import log_in

pytestmark = pytest.mark.browser
ESSAY = "Ten days before departure I meet Léa and her tutor: travel, insurance, host company."


@pytest.fixture(scope="module")
def essay_waiting(live_server, tmp_path_factory):
    """The real content loaded, and Camille's C1.2 quiz submitted with an essay to grade."""
    app = live_server.app
    app.config["UPLOAD_DIR"] = tmp_path_factory.mktemp("uploads")
    with app.app_context():
        load_content(db.session, validate_tree(DEFAULT_CONTENT_ROOT, question_types=QUESTION_TYPES))
        coach = db.session.scalar(select(User).where(User.email == "coach@example.org"))
        xapi = XapiConfig(base_iri=app.config["BASE_IRI"])
        quiz = queries.quiz_for_module(db.session, "C1.2")
        essay = next(
            version
            for version in queries.current_question_versions(db.session, "C1.2")
            if version.definition["type"] == "essay"
        )
        attempt = quiz_service.start(db.session, user=coach, quiz=quiz, xapi=xapi, versions=[essay])
        quiz_service.save_answer(db.session, attempt, 1, ESSAY)
        quiz_service.submit(db.session, attempt, xapi=xapi)
        db.session.commit()
    return live_server


def _choose_level_for_every_criterion(page, level: str) -> None:
    criteria = page.locator("fieldset.criterion")
    for index in range(criteria.count()):
        criteria.nth(index).get_by_role("radio", name=re.compile(rf"^{level} \(")).check()


def test_trainer_grades_validates_by_observation_and_the_coach_sees_it(essay_waiting, new_page):
    url = essay_waiting.url
    trainer = new_page()
    log_in(trainer, essay_waiting, "trainer@example.org")
    trainer.get_by_role("button", name="English").click()
    trainer.goto(f"{url}/trainer/")  # the trainer's area; the home page does not link it yet
    trainer.get_by_role("link", name="Grading", exact=True).click()

    trainer.get_by_role("link", name="Grade the answer of Camille Coach").click()
    expect(trainer.get_by_role("heading", name="Grade an answer")).to_be_visible()
    expect(trainer.get_by_text(ESSAY)).to_be_visible()
    _choose_level_for_every_criterion(trainer, "Mastered")
    trainer.get_by_label("Comment for the coach").fill("Clear briefing; add the follow-up plan.")
    trainer.get_by_role("button", name="Save the grade").click()
    expect(trainer.get_by_text("Grade saved for Camille Coach.")).to_be_visible()
    expect(trainer.get_by_text("Nothing to grade. Well done!")).to_be_visible()

    trainer.get_by_role("link", name="Cohorts").click()
    trainer.get_by_role("link", name="Promotion de démonstration", exact=True).click()
    trainer.get_by_role("link", name="Camille Coach").click()
    trainer.get_by_role("link", name="Validate C1.2").click()
    trainer.get_by_label("Observation in a real situation").check()
    _choose_level_for_every_criterion(trainer, "Mastered independently")
    trainer.get_by_label("Note").fill("Observed the pre-departure briefing of two apprentices.")
    trainer.get_by_label("Attachment (PDF, PNG, JPG, ODT or DOCX, 5 MB at most)").set_input_files(
        files=[
            {
                "name": "observation.pdf",
                "mimeType": "application/pdf",
                "buffer": b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n",
            }
        ]
    )
    trainer.get_by_label("Validated", exact=True).check()
    trainer.get_by_role("button", name="Record the decision").click()
    expect(trainer.get_by_text("Decision recorded for Camille Coach.")).to_be_visible()
    validations = trainer.locator("#validations ~ table").first
    expect(validations).to_contain_text("C1.2")
    expect(validations).to_contain_text("Observation in a real situation")
    expect(validations.get_by_role("link", name="observation.pdf")).to_be_visible()

    coach = new_page()
    log_in(coach, essay_waiting, "coach@example.org")
    coach.goto(f"{url}/progress")
    validated = coach.locator("section[aria-labelledby='validated']")
    expect(validated.get_by_role("row").filter(has_text="C1.2")).to_contain_text("Thomas Formateur")
